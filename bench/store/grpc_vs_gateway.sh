#!/usr/bin/env bash
# Measures etcd's gRPC API against its JSON gateway in one run (see
# grpc_vs_gateway.mjs): starts a one-member etcd on loopback in a temporary
# directory, installs the npm etcd3 client there, runs, and removes it all.
#   bench/store/grpc_vs_gateway.sh [OPS] [--json]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
for p in etcd node npm; do
  command -v "$p" >/dev/null || { echo "grpc_vs_gateway: $p is not installed" >&2; exit 2; }
done
dir=$(mktemp -d /tmp/qgrpc-XXXXXX)
etcd_pid=
cleanup() { [ -n "$etcd_pid" ] && kill "$etcd_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
client=$(port); peer=$(port)
etcd --name b --data-dir "$dir/data" --listen-client-urls "http://127.0.0.1:$client" \
  --advertise-client-urls "http://127.0.0.1:$client" --listen-peer-urls "http://127.0.0.1:$peer" \
  --initial-advertise-peer-urls "http://127.0.0.1:$peer" --initial-cluster "b=http://127.0.0.1:$peer" \
  >"$dir/etcd.log" 2>&1 &
etcd_pid=$!
(cd "$dir" && npm install --silent --no-audit --no-fund etcd3@1 >/dev/null 2>&1) ||
  { echo "grpc_vs_gateway: npm install etcd3 failed" >&2; exit 2; }
for _ in $(seq 50); do
  curl -sf "http://127.0.0.1:$client/health" >/dev/null && break
  sleep 0.1
done
cp "$here/grpc_vs_gateway.mjs" "$dir/"
node "$dir/grpc_vs_gateway.mjs" "127.0.0.1:$client" "$@"
