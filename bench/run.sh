#!/usr/bin/env bash
# `npm run bench`: makes sure a fresh clone has what the benchmark needs, then runs bench/run.ts.
# Node 22 (as .ci/run installs it), the PostgreSQL and Redis server binaries (the control plane and the
# limiter of the measured data plane use real ones) and the npm dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 22 ]; then
  cache="${SWITCHYARD_NODE_CACHE:-$HOME/.cache/switchyard-node}"
  if [ ! -x "$cache/bin/node" ] || [ "$("$cache/bin/node" -p 'process.versions.node.split(".")[0]')" != "22" ]; then
    echo "[bench] installing Node 22 into $cache" >&2
    npm install -g --prefix "$cache" node@22
  fi
  export PATH="$cache/bin:$PATH"
fi

if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "[bench] needs the PostgreSQL and Redis server binaries (Debian: apt-get install postgresql redis-server)" >&2
    exit 1
  fi
  echo "[bench] installing postgresql and redis-server" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q postgresql redis-server
fi

if [ ! -d node_modules/undici ]; then
  echo "[bench] installing npm dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund
fi

# `npm run bench:limits` passes "limits" first: the limiter benchmark (bench/limits/run.ts).
if [ "${1:-}" = "limits" ]; then
  shift
  exec node bench/limits/run.ts "$@"
fi
# `npm run bench:ab` passes "ab" first: two versions of the data plane in alternating windows (bench/ab.ts).
if [ "${1:-}" = "ab" ]; then
  shift
  exec node bench/ab.ts "$@"
fi
exec node bench/run.ts "$@"
