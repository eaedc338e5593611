#!/usr/bin/env bash
# An S3-compatible server on 127.0.0.1:PORT: moto in server mode (PyPI moto[server]), in memory, with the
# bucket BUCKET created. Idempotent.
#   .ci/peers/s3-server.sh PORT BUCKET
set -euo pipefail
. "$(dirname "$0")/common.sh"
port="${1:?port}"; bucket="${2:?bucket}"
pip_install "moto[server]"
if ! http_ok "http://127.0.0.1:$port/moto-api/"; then
  say "starting moto (S3) on 127.0.0.1:$port"
  start_daemon "moto-$port" "$PEERS_VENV/bin/moto_server" -H 127.0.0.1 -p "$port"
  wait_http "http://127.0.0.1:$port/moto-api/" 60 moto || { cat "$PEERS_RUN/moto-$port.log" >&2; exit 1; }
fi
# PUT /bucket creates it (moto accepts unsigned requests); an existing bucket answers 200 or 409.
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT "http://127.0.0.1:$port/$bucket")
case "$code" in 200|409) say "bucket s3://$bucket ready" ;; *) say "creating bucket $bucket failed: HTTP $code"; exit 1 ;; esac
