# Shared by the peer scripts: the cache folder, the Python venv, logging and waiting. Sourced, not run.
# Everything a peer needs is built or downloaded once into $PEERS_CACHE and reused by later runs.
PEERS_CACHE="${DESKPILOT_CACHE:-/var/cache/deskpilot}"
PEERS_VENV="$PEERS_CACHE/venv"
PEERS_RUN="$PEERS_CACHE/run"   # pid and log files of the peers .ci/run starts
mkdir -p "$PEERS_CACHE" "$PEERS_RUN"

say() { echo "ci/peers: $*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# The venv all Python peers share (pip installs are no-ops once the packages are there).
ensure_venv() {
  local py
  py="$(command -v python3 || true)"
  if [ -z "$py" ]; then say "installing python3"; apt_install python3 python3-venv; py="$(command -v python3)"; fi
  if [ ! -x "$PEERS_VENV/bin/python" ]; then
    if ! "$py" -m venv "$PEERS_VENV" 2>/dev/null; then
      say "installing python3-venv"; apt_install python3-venv; rm -rf "$PEERS_VENV"; "$py" -m venv "$PEERS_VENV"
    fi
  fi
}

# pip_install PACKAGE...: installs what is missing into the venv (quietly; pip prints errors).
pip_install() {
  ensure_venv
  local missing=()
  for spec in "$@"; do
    local name="${spec%%[<>=\[]*}"
    "$PEERS_VENV/bin/pip" show -q "$name" >/dev/null 2>&1 || missing+=("$spec")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "pip install ${missing[*]}"
    "$PEERS_VENV/bin/pip" install -q --disable-pip-version-check "${missing[@]}"
  fi
}

# http_ok URL: true when URL answers 2xx.
http_ok() { curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; }

# wait_http URL SECONDS WHAT
wait_http() {
  for _ in $(seq 1 "$2"); do http_ok "$1" && return 0; sleep 1; done
  say "$3 did not answer $1 within $2 s"; return 1
}

# start_daemon NAME COMMAND...: starts COMMAND in the background (its own session), pid in $PEERS_RUN/NAME.pid.
start_daemon() {
  local name="$1"; shift
  setsid nohup "$@" >"$PEERS_RUN/$name.log" 2>&1 < /dev/null &
  echo $! >"$PEERS_RUN/$name.pid"
}

if ! command -v curl >/dev/null 2>&1; then say "installing curl"; apt_install curl ca-certificates; fi
