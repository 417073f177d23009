#!/usr/bin/env bash
# Two wsgi-bridge instances ("two hosts", on two ports) behind nginx on 127.0.0.1, rolled
# one at a time under a wrk load: HUP each (a rolling reload of its workers), then a full
# stop and start of one. Prints wrk's figures and nginx's count of upstream answers; exits
# 1 if any request failed. Installs nginx (and wrk) from Debian's packages when missing.
# Not part of `npm test`. Run it from the repository after `npm run build`:
#
#   scripts/nginx-rolling.sh            # LOAD_SECONDS=16 CONNECTIONS=16 WORKERS=2 to change the load
set -euo pipefail

cd "$(dirname "$0")/.."
LOAD_SECONDS=${LOAD_SECONDS:-16}
CONNECTIONS=${CONNECTIONS:-16}
WORKERS=${WORKERS:-2}
BIN=packages/cli/dist/bin.js
[ -f "$BIN" ] || { echo "build first: npm run build" >&2; exit 2; }

install_missing() {
  local missing=()
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
  command -v wrk >/dev/null || missing+=(wrk)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]} from Debian's packages"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}
install_missing
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

WORK=$(mktemp -d -t wsgi-bridge-rolling-XXXXXX)
PIDS=()
cleanup() {
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
PORT_A=$(free_port); PORT_B=$(free_port); PORT_NGINX=$(free_port)

cat > "$WORK/app.mjs" <<'APP'
export function app(environ, startResponse) {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return [`hello from ${process.pid}\n`];
}
APP

# start NAME PORT: one instance, its log in $WORK/NAME.log; sets INSTANCE_PID.
start() {
  node "$BIN" -w "$WORKERS" -b "127.0.0.1:$2" --graceful-timeout 10 -p "$WORK/$1.pid" --no-log-output "$WORK/app.mjs" >>"$WORK/$1.log" 2>&1 &
  INSTANCE_PID=$!
  PIDS+=("$INSTANCE_PID")
}
# serving NAME N: wait until the log of NAME says N workers serve in all.
serving() {
  for _ in $(seq 1 150); do
    [ "$(grep -c 'serving' "$WORK/$1.log" || true)" -ge "$2" ] && return 0
    sleep 0.1
  done
  echo "instance $1 did not serve; its log:" >&2; cat "$WORK/$1.log" >&2; exit 1
}

: >"$WORK/a.log"; : >"$WORK/b.log"
start a "$PORT_A"; PID_A=$INSTANCE_PID
start b "$PORT_B"; PID_B=$INSTANCE_PID
serving a "$WORKERS"; serving b "$WORKERS"

cat > "$WORK/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 1024; }
http {
  log_format upstream '\$status \$upstream_status';
  access_log $WORK/nginx-access.log upstream;
  client_body_temp_path $WORK/body; proxy_temp_path $WORK/proxy;
  fastcgi_temp_path $WORK/fastcgi; uwsgi_temp_path $WORK/uwsgi; scgi_temp_path $WORK/scgi;
  upstream wsgi_bridge {
    server 127.0.0.1:$PORT_A max_fails=0;
    server 127.0.0.1:$PORT_B max_fails=0;
    keepalive 32;
  }
  server {
    listen 127.0.0.1:$PORT_NGINX;
    location / {
      proxy_pass http://wsgi_bridge;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      # A host being stopped refuses connections: try the other one (GET is idempotent).
      proxy_next_upstream error timeout;
    }
  }
}
CONF
"$NGINX" -p "$WORK" -c "$WORK/nginx.conf" -g 'daemon on; user root;' 2>>"$WORK/nginx-error.log" || {
  echo "nginx did not start:" >&2; cat "$WORK/nginx-error.log" >&2; exit 1
}
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT_NGINX/" >/dev/null && break; sleep 0.1; done

echo "nginx on 127.0.0.1:$PORT_NGINX in front of wsgi-bridge -w $WORKERS on :$PORT_A (a) and :$PORT_B (b)"
echo "wrk: $CONNECTIONS keep-alive connections for ${LOAD_SECONDS}s"
wrk -t1 -c"$CONNECTIONS" -d"${LOAD_SECONDS}s" "http://127.0.0.1:$PORT_NGINX/" >"$WORK/wrk.txt" 2>&1 &
WRK=$!
step() { printf '%6.1fs  %s\n' "$(echo "$(date +%s.%N) - $T0" | bc)" "$1"; }
T0=$(date +%s.%N)
sleep 2
step "HUP a (rolling reload of its workers)"; kill -HUP "$PID_A"; serving a $((WORKERS * 2)); step "a: new workers serve"
sleep 1
step "HUP b"; kill -HUP "$PID_B"; serving b $((WORKERS * 2)); step "b: new workers serve"
sleep 1
step "TERM a (full stop)"; kill -TERM "$PID_A"; STATUS=0; wait "$PID_A" || STATUS=$?; step "a exited with status $STATUS"
sleep 1
start a "$PORT_A"; PID_A=$INSTANCE_PID; step "a started again"; serving a $((WORKERS * 3)); step "a serves"
wait "$WRK"
echo
cat "$WORK/wrk.txt"
echo
TOTAL=$(wc -l <"$WORK/nginx-access.log")
# 499: wrk closed its connections with requests in flight when its time was up.
CUT=$(awk '$1 == 499' "$WORK/nginx-access.log" | wc -l)
NON200=$(awk '$1 != 200 && $1 != 499' "$WORK/nginx-access.log" | wc -l)
RETRIED=$(grep -c ',' "$WORK/nginx-access.log" || true)
echo "nginx: $TOTAL requests, $NON200 failed (not 200), $CUT cut off by wrk's end (499)"
echo "nginx: $RETRIED sent again to the other host after a connection error (a stopping or stopped host)"
awk '$1 != 200 && $1 != 499' "$WORK/nginx-access.log" | sort | uniq -c | head
ERRORS=$(grep -cE 'Socket errors|Non-2xx' "$WORK/wrk.txt" || true)
if [ "$NON200" -ne 0 ] || [ "$ERRORS" -ne 0 ]; then echo "FAILED: some requests failed"; exit 1; fi
echo "OK: 0 failed requests"
