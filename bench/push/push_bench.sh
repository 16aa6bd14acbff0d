#!/usr/bin/env bash
# push_bench: push-to-live time of quarry against the floor.
#
#   push_bench [QUARRY_BINARY] [ROUNDS] [--app hello|pg] [--json]
#                                    (default: BUILD/cli/quarry, 3, hello)
#
# Setting (not timed): an HQ made by `quarry hq init` with an sshd for its
# git account on 127.0.0.1, a local cluster of two servers and a router, and
# the app pushed once. The app is examples/hello, or with --app pg a
# third-party stack (bench/push/pg): PostgreSQL 15 as a service and a Node.js
# GraphQL API (the graphql and pg npm packages) as a web node of 2, from
# images of 376 and 217 MB made of this machine's Debian packages
# (scripts/debian-image) and brought to the HQ engine first; GREETING is the
# API's own env, so an env-only push restarts the API only. Each round then changes the app (a new file in
# the image and a new GREETING, so the image really changes) and measures:
#
#   quarry  `git push` until the new reply comes back through the router
#           by domain (validate, export, build, ship, run, health, route,
#           from the pre-receive hook, as the git account): "live", polled
#           while the push runs; "done" when `git push` returns, after the
#           old replicas drained (2 s by default) and stopped;
#   floor   a plain script doing the same work by hand: the same docker
#           build on the HQ engine, `docker save | ssh SERVER docker load`
#           to both servers, `docker run` of one web container on each, a
#           wait until both answer, an nginx upstream written on the router
#           and `nginx -t && nginx -s reload`, until the new reply comes
#           back through that nginx. ssh connections are shared (ControlMaster).
#
# Then ROUNDS env-only pushes: only a value in quarry.yml's env changes, so
# the image id stays the same and nothing must be shipped; measured against
# the same floor without its build and transfer (docker run of the image the
# servers have, wait, nginx reload). For quarry two figures: "live", when the
# new reply first comes through the router (polled while the push runs), and
# "done", when `git push` returns (old replicas stopped too).
#
# Prints each round and the medians (min and max), and the ratios quarry /
# floor (aims: 1.3 or less). With --json the rounds go to stderr and stdout
# holds one object (bench/common/bench_report.h). Needs root, like
# scripts/demo; removes all it made.
set -euo pipefail

json=0 which=hello args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --json) json=1 ;;
    --app) which=${2:?--app needs hello or pg}; shift ;;
    *) args+=("$1") ;;
  esac
  shift
done
case "$which" in hello | pg) ;; *) echo "push_bench: --app is hello or pg, not '$which'" >&2; exit 2 ;; esac
set -- "${args[@]+"${args[@]}"}"
if [ $json = 1 ]; then exec 3>&1 1>&2; else exec 3>&1; fi
here="$(cd "$(dirname "$0")" && pwd)"
bin="${1:-$here/../../cli/quarry}"
rounds="${2:-3}"
src="$(cd "$here/../.." && sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' CMakeCache.txt 2>/dev/null || true)"
src="${QUARRY_SOURCE_DIR:-${src:-$(cd "$here/../.." && pwd)}}"
hello="$src/examples/hello"
if [ ! -x "$bin" ] || [ ! -x "$hello/hello" ]; then
  echo "push_bench: needs the quarry binary ($bin) and $hello/hello (make build)" >&2; exit 2
fi
# What differs between the apps: the stack, its domain, the web container's
# port and arguments, and what the floor's containers get.
if [ "$which" = pg ]; then
  stack=shop cport=4000 run_args=() bench_name=push_pg_bench
  for p in node npm postgresql-15; do
    command -v "${p%-15}" >/dev/null || dpkg -s "$p" >/dev/null 2>&1 ||
      { echo "push_bench --app pg: needs $p installed (apt-get install nodejs npm postgresql-15)" >&2; exit 2; }
  done
else
  stack=hello cport=8080 run_args=(--port 8080) bench_name=push_bench
fi
domain="$stack.quarry.test"
if [ "$(id -u)" -ne 0 ]; then echo "push_bench: needs root" >&2; exit 1; fi

dir=$(mktemp -d /tmp/qb-XXXXXX)
chmod 0755 "$dir"
home="$dir/h"
account=quarry-bench
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 2290)
q() { "$bin" --home "$home" -q "$@"; }
now() { date +%s.%N; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%d", (b - a) * 1000 }'; }

cleanup() {
  set +e
  [ -s "$dir/sshd.pid" ] && kill "$(cat "$dir/sshd.pid")" 2>/dev/null
  for s in "$dir"/ctl/*; do [ -S "$s" ] && ssh -o ControlPath="$s" -O exit x 2>/dev/null; done
  "$bin" --home "$home" -q cluster down >/dev/null 2>&1
  # The git account hq init made for this run (its home is in $dir).
  if [ "$(getent passwd "$account" | cut -d: -f6)" = "$home" ]; then
    userdel "$account" || echo "push_bench: could not remove account $account" >&2
  fi
  rm -rf "$dir" "${fprefix:-/nonexistent}"
}
trap cleanup EXIT

echo "push_bench: setting up an HQ and a local cluster in $dir"
install -m 0755 "$bin" "$dir/quarry"
bin="$dir/quarry"
q hq init --user "$account" --binary "$bin" >/dev/null
ssh-keygen -q -t ed25519 -N '' -C bench -f "$dir/dev"
q hq add-key dev "$dir/dev.pub" --all >/dev/null
q servers add -n 2 --memory 1024 >/dev/null
q servers add --role router --memory 512 >/dev/null
q hq init --user "$account" --binary "$bin" >/dev/null
ssh-keygen -q -t ed25519 -N '' -f "$dir/host_ed25519"
cat >"$dir/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $port
HostKey $dir/host_ed25519
PidFile $dir/sshd.pid
AllowUsers $account
UsePAM no
StrictModes no
PasswordAuthentication no
EOF
/usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log"
export GIT_SSH_COMMAND="ssh -i $dir/dev -p $port -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o BatchMode=yes -o LogLevel=ERROR"

# servers: "ip port user router?" lines
servers=$(q servers --json | python3 -c '
import json, sys
for s in json.load(sys.stdin):
    print(s["ip"], s["ssh_port"], s["ssh_user"], "router" if "role=router" in s.get("tags", []) else "worker")')
router=$(awk '$4 == "router" { print $1 }' <<<"$servers")
workers=$(awk '$4 == "worker" { print $1 }' <<<"$servers")
mkdir -p "$dir/ctl"
on() {  # on IP COMMAND...: over a shared ssh connection with the HQ key
  local ip=$1; shift
  local line; line=$(awk -v ip="$ip" '$1 == ip' <<<"$servers")
  ssh -i "$home/keys/hq_ed25519" -p "$(cut -d' ' -f2 <<<"$line")" -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR -o ControlMaster=auto \
    -o ControlPath="$dir/ctl/%h" -o ControlPersist=300 "$(cut -d' ' -f3 <<<"$line")@$ip" "$@"
}

app="$dir/app"
mkdir -p "$app"
if [ "$which" = pg ]; then
  cp "$src/bench/push/pg/quarry.yml" "$src/bench/push/pg/server.js" "$src/bench/push/pg/package.json" "$app/"
  { cat "$src/bench/push/pg/Dockerfile"; echo "COPY stamp /stamp"; } >"$app/Dockerfile"
  (cd "$app" && npm install --omit=dev --no-audit --no-fund --loglevel=error >/dev/null) ||
    { echo "push_bench --app pg: npm install of graphql and pg failed" >&2; exit 1; }
  echo "push_bench: making the PostgreSQL and Node.js images from Debian packages"
  for image in "quarry-bench/node:20 nodejs" "quarry-bench/postgres:15 postgresql-15 util-linux dash coreutils \
      --entrypoint $src/bench/push/pg/postgres-entrypoint.sh --user postgres:$(id -u postgres) \
      --env PGDATA=/var/lib/postgresql/data"; do
    # shellcheck disable=SC2086  # the words of each line are its arguments
    DOCKER_HOST="unix://$home/engine/docker.sock" "$src/scripts/debian-image" $image
  done
else
  cp "$hello/quarry.yml" "$hello/hello" "$app/"
  { cat "$hello/Dockerfile"; echo "COPY stamp /stamp"; } >"$app/Dockerfile"
fi
echo 0 >"$app/stamp"
g() { git -C "$app" -c user.name=Bench -c user.email=bench@quarry.test "$@"; }
g init -q -b main
g add -A
g commit -q -m first
g remote add hq "$account@127.0.0.1:$stack"
g push -q hq main 2>"$dir/first-push.log" || { cat "$dir/first-push.log"; exit 1; }
echo "push_bench: first push deployed; router at $router"
floor_env=()
if [ "$which" = pg ]; then  # the floor's API reaches the same database
  db=$(python3 -c '
import json, sys
ips = {s["id"]: s["ip"] for s in json.load(open(sys.argv[1]))}
for c in json.load(open(sys.argv[2])):
    if c.get("node") == "db":
        print(ips[c["server"]], c["host_port"])' <(q servers --json) <(q ps "$stack" --json))
  [ -n "$db" ] || { echo "push_bench: the db service is not in quarry ps" >&2; exit 1; }
  floor_env=(-e "DB_HOST=${db% *}" -e "DB_PORT=${db#* }" -e POSTGRES_PASSWORD=bench)
fi

reply_has() {  # reply_has URL HOST TEXT: polls until the reply holds TEXT (60 s at most)
  local end=$((SECONDS + 60))
  while [ $SECONDS -lt $end ]; do
    curl -s --max-time 2 -H "Host: $2" "$1" 2>/dev/null | grep -q "$3" && return 0
    sleep 0.02
  done
  return 1
}

# The floor's own nginx on the router, on port 8081 (started once, not timed).
fprefix="/tmp/qb-floor-$$"
on "$router" "mkdir -p $fprefix/logs $fprefix/conf.d && cat > $fprefix/nginx.conf" <<EOF
pid $fprefix/nginx.pid;
error_log $fprefix/logs/error.log;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path $fprefix/tmp; proxy_temp_path $fprefix/tmp;
  fastcgi_temp_path $fprefix/tmp; uwsgi_temp_path $fprefix/tmp; scgi_temp_path $fprefix/tmp;
  include $fprefix/conf.d/*.conf;
  server { listen 8081 default_server; return 404; }
}
EOF
on "$router" "mkdir -p $fprefix/tmp && /usr/sbin/nginx -p $fprefix -c $fprefix/nginx.conf -e $fprefix/logs/error.log"

push_and_poll() {  # push_and_poll TEXT LOG: git push; prints "LIVE_MS DONE_MS" (TEXT through the router; push returned)
  local t0 live push; t0=$(now)
  g push -q hq main 2>"$2" &
  push=$!
  reply_has "http://$router/" "$domain" "$1" || { wait $push; cat "$2"; return 1; }
  live=$(ms "$t0" "$(now)")
  wait $push || { cat "$2"; return 1; }
  echo "$live $(ms "$t0" "$(now)")"
}

floor_switch() {  # floor_switch UPSTREAM TEXT: the floor's nginx sends to UPSTREAM; waits for TEXT through it
  echo "upstream floor { $1} server { listen 8081; server_name floor.quarry.test; location / { proxy_pass http://floor; } }" |
    on "$router" "cat > $fprefix/conf.d/floor.conf && /usr/sbin/nginx -p $fprefix -c $fprefix/nginx.conf -e $fprefix/logs/error.log -t -q && /usr/sbin/nginx -p $fprefix -c $fprefix/nginx.conf -e $fprefix/logs/error.log -s reload"
  reply_has "http://$router:8081/" floor.quarry.test "$2"
}

floor_round() {  # floor_round N: the same work by a plain script
  local n=$1 hport=$((21000 + $1)) image="floor:$1" upstream="" ip pids=()
  DOCKER_HOST="unix://$home/engine/docker.sock" DOCKER_BUILDKIT=0 docker build -q -t "$image" "$app" >/dev/null
  for ip in $workers; do
    ( DOCKER_HOST="unix://$home/engine/docker.sock" docker save "$image" | on "$ip" docker load -q >/dev/null
      on "$ip" docker run -d --name "floor-$n" -p "$ip:$hport:$cport" -e "GREETING=floor-$n" "${floor_env[@]}" "$image" "${run_args[@]}" >/dev/null
      reply_has "http://$ip:$hport/up" x "" ) & pids+=($!)
    upstream+="server $ip:$hport; "
  done
  for p in "${pids[@]}"; do wait "$p"; done
  floor_switch "$upstream" "floor-$n"
}

floor_cleanup() {  # the previous round's containers (not timed)
  local n=$1 ip
  for ip in $workers; do on "$ip" "docker rm -f floor-$n >/dev/null 2>&1; true"; done
}

quarry_round() {  # quarry_round N: change the app, push, wait for the new reply
  local n=$1
  echo "$n" >"$app/stamp"
  sed -i "s/^\( *\)GREETING: .*/\1GREETING: \"bench $n\"/" "$app/quarry.yml"
  g commit -q -am "round $n"
  push_and_poll "bench $n" "$dir/push-$n.log"
}

env_floor_round() {  # env_floor_round N: docker runs of the image the servers have, nginx reload
  local n=$1 hport=$((22000 + $1)) upstream="" ip pids=()
  for ip in $workers; do
    ( on "$ip" docker run -d --name "floor-env-$n" -p "$ip:$hport:$cport" -e "GREETING=floor-env-$n" "${floor_env[@]}" "floor:$rounds" "${run_args[@]}" >/dev/null
      reply_has "http://$ip:$hport/up" x "" ) & pids+=($!)
    upstream+="server $ip:$hport; "
  done
  for p in "${pids[@]}"; do wait "$p"; done
  floor_switch "$upstream" "floor-env-$n"
}

env_quarry_round() {  # env_quarry_round N: change one env value only; prints "LIVE_MS DONE_MS"
  local n=$1
  sed -i "s/^\( *\)GREETING: .*/\1GREETING: \"env $n\"/" "$app/quarry.yml"
  g commit -q -am "env $n"
  push_and_poll "env $n" "$dir/push-env-$n.log"
}

qs=() qds=() fs=()
for n in $(seq 1 "$rounds"); do
  read -r qms qdone <<<"$(quarry_round "$n")"
  echo "floor-$n" >"$app/stamp"  # a real build for the floor too, not a cache hit
  t0=$(now)
  floor_round "$n"
  fms=$(ms "$t0" "$(now)")
  g checkout -q -- stamp  # the next env-only push must change the env only
  [ "$n" -gt 1 ] && floor_cleanup $((n - 1))
  qs+=("$qms") qds+=("$qdone") fs+=("$fms")
  printf 'round %d: quarry live %6d ms, done %6d ms   floor %6d ms\n' "$n" "$qms" "$qdone" "$fms"
done
last_full=$(ls -t "$home"/stacks/$stack/deploys/*.log 2>/dev/null | head -1 || true)
floor_cleanup "$rounds"
els=() eds=() efs=()
for n in $(seq 1 "$rounds"); do
  r=$(env_quarry_round "$n")
  read -r live done_ms <<<"$r"
  t0=$(now)
  env_floor_round "$n"
  fms=$(ms "$t0" "$(now)")
  for ip in $workers; do on "$ip" "docker rm -f floor-env-$n >/dev/null 2>&1; true"; done
  els+=("$live") eds+=("$done_ms") efs+=("$fms")
  printf 'env round %d: quarry live %6d ms, done %6d ms   floor %6d ms\n' "$n" "$live" "$done_ms" "$fms"
done
on "$router" "kill \$(cat $fprefix/nginx.pid); rm -rf $fprefix" || true
# Where the time of a push goes: the deploy logs of the last push of each
# kind, with the hook's steps and the deploy's phases (as deploy --timings).
last_log=$(ls -t "$home"/stacks/$stack/deploys/*.log 2>/dev/null | head -1 || true)
for kind in full env-only; do
  log=$last_full
  [ $kind = env-only ] && log=$last_log
  [ -n "$log" ] || continue
  echo "the last $kind push's deploy log:"
  sed 's/^/  | /' "$log"
done
echo "the last full push's output (the hook's steps before the deploy):"
sed 's/^/  | /' "$dir/push-$rounds.log"
echo "the last env-only push's output:"
sed 's/^/  | /' "$dir/push-env-$rounds.log"
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
lo() { printf '%s\n' "$@" | sort -n | head -1; }
hi() { printf '%s\n' "$@" | sort -n | tail -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }
qm=$(median "${qs[@]}") fm=$(median "${fs[@]}")
elm=$(median "${els[@]}") edm=$(median "${eds[@]}") efm=$(median "${efs[@]}")
qdm=$(median "${qds[@]}")
printf 'push-to-live (median of %d): quarry live %d ms [%d .. %d], done %d ms, floor %d ms [%d .. %d], ratio live %sx, done %sx (aim: 1.3x or better)\n' \
  "$rounds" "$qm" "$(lo "${qs[@]}")" "$(hi "${qs[@]}")" "$qdm" "$fm" "$(lo "${fs[@]}")" "$(hi "${fs[@]}")" \
  "$(ratio "$qm" "$fm")" "$(ratio "$qdm" "$fm")"
printf 'env-only push (median of %d): quarry live %d ms [%d .. %d], done %d ms, floor %d ms [%d .. %d], ratio live %sx, done %sx (aim: 1.3x)\n' \
  "$rounds" "$elm" "$(lo "${els[@]}")" "$(hi "${els[@]}")" "$edm" "$efm" "$(lo "${efs[@]}")" "$(hi "${efs[@]}")" \
  "$(ratio "$elm" "$efm")" "$(ratio "$edm" "$efm")"
if [ $json = 1 ]; then
  fig() { printf '{"median": %s, "min": %s, "max": %s, "n": %s}' "$(median "$@")" "$(lo "$@")" "$(hi "$@")" "$#"; }
  printf '{"name": "%s", "ratios": {"quarry/floor": %s, "env quarry live/floor": %s, "env quarry done/floor": %s}, ' \
    "$bench_name" "$(ratio "$qm" "$fm")" "$(ratio "$elm" "$efm")" "$(ratio "$edm" "$efm")" >&3
  printf '"aims": {"quarry/floor": "<= 1.3", "env quarry live/floor": "<= 1.3", "env quarry done/floor": "<= 1.3"}, ' >&3
  printf '"figures": {"quarry_ms": %s, "quarry_done_ms": %s, "floor_ms": %s, "env_quarry_live_ms": %s, "env_quarry_done_ms": %s, "env_floor_ms": %s}, "rounds": %s}\n' \
    "$(fig "${qs[@]}")" "$(fig "${qds[@]}")" "$(fig "${fs[@]}")" "$(fig "${els[@]}")" "$(fig "${eds[@]}")" "$(fig "${efs[@]}")" "$rounds" >&3
fi
