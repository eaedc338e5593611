#!/usr/bin/env bash
# Installs (once, cached) and starts (when not already up) a Neo4j 5 community server for the graph contract
# suite: the test harness from Maven Central and a small launcher (Neo4jTestServer.java), Java 17.
# Bolt on 127.0.0.1:${NEO4J_TEST_PORT:-7687}, no authentication. Idempotent; prints the bolt URL on success.
# Cache: ${DESKPILOT_CACHE:-/var/cache/deskpilot or ~/.cache/deskpilot}/neo4j (jars, compiled launcher, data, log).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
port="${NEO4J_TEST_PORT:-7687}"
if [ -n "${DESKPILOT_CACHE:-}" ]; then cache="$DESKPILOT_CACHE"
elif mkdir -p /var/cache/deskpilot 2>/dev/null && [ -w /var/cache/deskpilot ]; then cache=/var/cache/deskpilot
else cache="$HOME/.cache/deskpilot"; fi
dir="$cache/neo4j"
mkdir -p "$dir"
up() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
if up; then echo "bolt://127.0.0.1:$port"; exit 0; fi
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v javac >/dev/null || ! command -v mvn >/dev/null; then
  echo "neo4j: installing a JDK (17) and Maven" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jdk-headless maven >/dev/null
fi
if [ ! -f "$dir/lib/.complete" ]; then
  echo "neo4j: fetching the Neo4j test harness from Maven Central (once)" >&2
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$dir/lib" -Dmaven.repo.local="$dir/m2" >&2
  rm -rf "$dir/m2"   # the jars are copied out; the local repository is not needed again
  touch "$dir/lib/.complete"
fi
if [ ! -f "$dir/classes/Neo4jTestServer.class" ] || [ "$here/Neo4jTestServer.java" -nt "$dir/classes/Neo4jTestServer.class" ]; then
  mkdir -p "$dir/classes"
  javac -d "$dir/classes" -cp "$dir/lib/*" "$here/Neo4jTestServer.java"
fi
rm -rf "$dir/data-$port"
nohup java -Xmx768m -cp "$dir/lib/*:$dir/classes" Neo4jTestServer "$port" "$dir/data-$port" >"$dir/server-$port.log" 2>&1 &
echo $! >"$dir/server-$port.pid"
for _ in $(seq 1 120); do
  if grep -q "neo4j-test-server ready" "$dir/server-$port.log" 2>/dev/null && up; then echo "bolt://127.0.0.1:$port"; exit 0; fi
  if ! kill -0 "$(cat "$dir/server-$port.pid")" 2>/dev/null; then echo "neo4j: the server exited:" >&2; tail -n 30 "$dir/server-$port.log" >&2; exit 1; fi
  sleep 1
done
echo "neo4j: not up after 120 s; log: $dir/server-$port.log" >&2
exit 1
