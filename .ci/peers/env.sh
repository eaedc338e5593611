#!/usr/bin/env bash
# Installs and starts every real peer (idempotent, cached in /var/cache/deskpilot) and prints the TEST_*
# variables the suites read, as shell lines: eval "$(bash .ci/peers/env.sh)". Progress goes to stderr. A peer
# that fails to come up is reported and left unset: its suites then skip locally and fail with CI=true.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
EMBED_PORT="${PEERS_EMBED_PORT:-18102}"
S3_PORT="${PEERS_S3_PORT:-18103}"
S3_BUCKET="deskpilot-test"

t0=$SECONDS
paths=$(mktemp)
if bash "$here/llama-server.sh" install >"$paths"; then
  sed -n 's/^LLAMA_SERVER_BIN=/export TEST_LLAMA_SERVER_BIN=/p; s/^LLAMA_MODEL=/export TEST_LLAMA_MODEL=/p' "$paths"
else
  echo "ci/peers: llama-server could not be had: its suites will fail in CI" >&2
fi
rm -f "$paths"
echo "ci/peers: llama-server ready after $((SECONDS - t0)) s" >&2

if bash "$here/embeddings-server.sh" "$EMBED_PORT" >&2; then
  echo "export TEST_EMBEDDINGS_URL=http://127.0.0.1:$EMBED_PORT/v1"
  echo "export TEST_EMBEDDINGS_MODEL=all-minilm-l6-v2"
else
  echo "ci/peers: the embeddings server could not be had: its suites will fail in CI" >&2
fi

if bash "$here/s3-server.sh" "$S3_PORT" "$S3_BUCKET" >&2; then
  echo "export TEST_S3_ENDPOINT=http://127.0.0.1:$S3_PORT"
  echo "export TEST_S3_BUCKET=$S3_BUCKET"
else
  echo "ci/peers: the S3 server could not be had: its suites will fail in CI" >&2
fi
echo "ci/peers: all peers handled in $((SECONDS - t0)) s" >&2
