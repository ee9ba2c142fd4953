#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# proxy-compare.sh - the SMTP proxy on the real mail path, against Postfix alone, interleaved:
#   direct: smtp-source -> throwaway Postfix (127.0.0.1:SMTP_PORT) -> smtp-sink
#   proxy : smtp-source -> mailgate SMTP proxy (127.0.0.1:PROXY_PORT) -> the same Postfix -> smtp-sink
# The Postfix and smtp-sink are the team harness's (../shared/bench/postfix-harness.sh, started once
# with -k); Postfix trusts the proxy for XCLIENT, as in a real deployment. The proxy runs a policy
# like the milter default (a header added at the end of data) so both front ends do the same work.
#
#   1. starts the harness's Postfix + smtp-sink, the gateway with one smtp listener (and, with -I,
#      a second one whose downstream is a separate smtp-sink, for the idle-connection count);
#   2. warms the proxy up (-W messages, not measured);
#   3. runs RUNS batches per mode, alternating direct, proxy, direct, ...: COUNT messages of BYTES
#      over SESSIONS smtp-source sessions; the figure per batch is messages at the sink divided by
#      the time from the start of sending until the sink has them all (the harness's e2e_msg/s);
#   4. reads the gateway's CPU (utime+stime) around every proxy batch;
#   5. with -I N: holds N idle SMTP connections (greeted, EHLO answered; each has its downstream
#      connection) and reports the gateway's RSS and heap per connection;
#   6. prints median/min/max per mode, the ratio of the medians, and CPU ms per message.
#
# usage: proxy-compare.sh [-r RUNS] [-n COUNT] [-s SESSIONS] [-l BYTES] [-W WARMUP] [-I IDLE] [-o OUT_DIR]
#   -r RUNS      batches per mode, alternating (default 5)
#   -n COUNT     messages per batch (default 2000)
#   -s SESSIONS  concurrent smtp-source sessions (default 10)
#   -l BYTES     message size for smtp-source -l (default 4096)
#   -W N         warm-up messages through the proxy, not measured (default 10000)
#   -I N         idle SMTP connections to hold at the end (default 0 = skip; the gateway needs two
#                file descriptors per connection, so N is bounded by half of `ulimit -n`)
#   -o DIR       output directory (default: a new /tmp/proxy-compare.XXXXXX)
# env: SMTP_PORT (2525), SINK_PORT (2526), PROXY_PORT (10025), IDLE_PORT (10026), IDLE_SINK_PORT (2527),
#      HARNESS (path of postfix-harness.sh), MAILGATE_JAVA_OPTS (appended after -Dmailgate.log.level=WARN)
# Needs root (the harness runs Postfix), the postfix package and a built gateway and bench jar:
#   .ci/mvn -q -B -DskipTests package
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
HARNESS=${HARNESS:-$REPO/../shared/bench/postfix-harness.sh}
RUNS=5 COUNT=2000 SESSIONS=10 SIZE=4096 WARMUP=10000 IDLE=0 OUT_DIR=""
SMTP_PORT=${SMTP_PORT:-2525} SINK_PORT=${SINK_PORT:-2526} PROXY_PORT=${PROXY_PORT:-10025}
IDLE_PORT=${IDLE_PORT:-10026} IDLE_SINK_PORT=${IDLE_SINK_PORT:-2527}
usage() { awk 'NR>2 && /^#/ {sub(/^# ?/, ""); print; next} NR>2 {exit}' "$0"; }
while getopts "r:n:s:l:W:I:o:h" o; do
  case $o in
    r) RUNS=$OPTARG ;; n) COUNT=$OPTARG ;; s) SESSIONS=$OPTARG ;; l) SIZE=$OPTARG ;;
    W) WARMUP=$OPTARG ;; I) IDLE=$OPTARG ;; o) OUT_DIR=$OPTARG ;;
    h) usage; exit 0 ;; *) usage >&2; exit 2 ;;
  esac
done
log() { printf '[proxy-compare %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
for v in RUNS COUNT SESSIONS SIZE WARMUP IDLE; do case ${!v} in ''|*[!0-9]*) die "$v must be a non-negative integer" ;; esac; done
[ "$(id -u)" = 0 ] || die "must run as root (the harness starts Postfix)"
for c in postfix postconf smtp-source smtp-sink ss; do command -v "$c" >/dev/null || die "$c not found"; done
[ -x "$HARNESS" ] || die "harness not found: $HARNESS"
JAR=$REPO/gateway/app/target/mailgate.jar
BENCH=$REPO/gateway/bench/target/mailgate-bench.jar
[ -f "$JAR" ] && [ -f "$BENCH" ] || die "build first: .ci/mvn -q -B -DskipTests package"
OUT_DIR=${OUT_DIR:-$(mktemp -d /tmp/proxy-compare.XXXXXX)}
mkdir -p "$OUT_DIR"
export HARNESS_DIR=$OUT_DIR/harness SMTP_PORT SINK_PORT
HZ=$(getconf CLK_TCK)
JAVA=$("$REPO/.ci/jdk.sh")/bin/java

GW_PID="" IDLE_SINK=""
cleanup() {
  [ -z "$GW_PID" ] || { kill "$GW_PID" 2>/dev/null || true; }
  [ -z "$IDLE_SINK" ] || { kill "$IDLE_SINK" 2>/dev/null || true; }
  "$HARNESS" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
now_ms() { date +%s%3N; }
sink_count() { tr '\r' '\n' <"$HARNESS_DIR/sink.out" | grep -o 'mesg=[0-9]*' | tail -1 | cut -d= -f2 | grep . || echo 0; }
stats() { sort -n | awk '{a[NR]=$1} END{m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%s %s %s\n", m, a[1], a[NR]}'; }

# ---- 1. Postfix + sink (the harness, kept running), XCLIENT for the proxy ----
"$HARNESS" none -n 1 -r 1 -w 0 -k >"$OUT_DIR/harness-start.out" 2>&1 || die "harness failed: $(tail -5 "$OUT_DIR/harness-start.out")"
postconf -c "$HARNESS_DIR/conf" -e "smtpd_authorized_xclient_hosts = 127.0.0.0/8"
script -qc "postfix -c $HARNESS_DIR/conf reload" /dev/null >/dev/null 2>&1 || die "postfix reload failed"
sleep 1

if [ "$IDLE" -gt 0 ]; then
  # not smtp-sink: it stops taking connections at a few hundred
  "$JAVA" -cp "$BENCH:$REPO/gateway/bench/target/lib/*" dev.mailgate.bench.IdleSmtpSink "$IDLE_SINK_PORT" >"$OUT_DIR/idle-sink.out" 2>&1 &
  IDLE_SINK=$!
  for i in $(seq 1 100); do ss -Hltn "sport = :$IDLE_SINK_PORT" | grep -q . && break; sleep 0.1; done
fi
POLICY=$OUT_DIR/proxy-bench.yaml
{
  echo "listen:"
  echo "  - smtp: inet:127.0.0.1:$PROXY_PORT"
  echo "    downstream: inet:127.0.0.1:$SMTP_PORT"
  echo "    xclient: true"
  echo "    hostname: proxy.test.invalid"
  if [ "$IDLE" -gt 0 ]; then
    echo "  - smtp: inet:127.0.0.1:$IDLE_PORT"
    echo "    downstream: inet:127.0.0.1:$IDLE_SINK_PORT"
    echo "    xclient: false"
    echo "    hostname: proxy.test.invalid"
    echo "    commandTimeout: 1h"
  fi
  echo "rules:"
  echo "  onDataReceived:"
  echo "    - name: stamp"
  echo "      then:"
  echo "        addHeader: \"X-Mailgate: checked by \${mtaHostname}\""
} >"$POLICY"
DIST=$OUT_DIR/dist
mkdir -p "$DIST" && cp "$JAR" "$DIST/" && cp -r "$REPO/gateway/app/target/lib" "$DIST/"
MAILGATE_HOME=$DIST MAILGATE_JAVA_OPTS="-Dmailgate.log.level=WARN ${MAILGATE_JAVA_OPTS:-}" \
  "$REPO/gateway/app/bin/mailgate" run --policy "$POLICY" >"$OUT_DIR/gateway.log" 2>&1 &
GW_PID=$!
for i in $(seq 1 600); do ss -Hltn "sport = :$PROXY_PORT" | grep -q . && break; sleep 0.1; done
ss -Hltn "sport = :$PROXY_PORT" | grep -q . || die "the proxy did not listen: $(tail -5 "$OUT_DIR/gateway.log")"
GW_PID=$(pgrep -f "$DIST/mailgate.jar" | head -1)
log "gateway pid $GW_PID, proxy on 127.0.0.1:$PROXY_PORT -> Postfix 127.0.0.1:$SMTP_PORT -> smtp-sink 127.0.0.1:$SINK_PORT"

# batch PORT COUNT TAG: sends COUNT messages to PORT, waits until the sink has them; prints "rate got"
batch() {
  local port=$1 n=$2 tag=$3 before t0 t2 got waited=0
  before=$(sink_count); t0=$(now_ms)
  smtp-source -s "$SESSIONS" -m "$n" -l "$SIZE" -f a@example.org -t b@example.net "127.0.0.1:$port" >"$OUT_DIR/source-$tag.out" 2>&1 || true
  while got=$(( $(sink_count) - before )); [ "$got" -lt "$n" ] && [ "$waited" -lt 2400 ]; do sleep 0.05; waited=$((waited + 1)); done
  t2=$(now_ms)
  [ "$got" -ge "$n" ] || log "WARNING $tag: only $got of $n at the sink after 120 s (see $OUT_DIR/source-$tag.out, $HARNESS_DIR/maillog)"
  awk -v g="$got" -v ms=$((t2 - t0)) 'BEGIN{printf "%.1f %d\n", (ms > 0 ? g * 1000 / ms : 0), g}'
}

# ---- 2. warm-up ----
if [ "$WARMUP" -gt 0 ]; then
  read -r rate got < <(batch "$PROXY_PORT" "$WARMUP" warmup)
  log "warm-up through the proxy: $got messages, $rate msgs/s (not counted)"
fi

# ---- 3./4. interleaved ----
printf '%-9s %-6s %10s %6s %9s\n' run mode e2e_msg/s sink gw_ticks | tee "$OUT_DIR/results.txt"
DIRECT=() PROXY=() TICKS=0 JUDGED=0
for i in $(seq 1 "$RUNS"); do
  read -r rate got < <(batch "$SMTP_PORT" "$COUNT" "direct-$i")
  DIRECT+=("$rate"); printf '%-9s %-6s %10s %6s %9s\n' "direct-$i" direct "$rate" "$got" - | tee -a "$OUT_DIR/results.txt"
  c0=$(cpu_ticks "$GW_PID")
  read -r rate got < <(batch "$PROXY_PORT" "$COUNT" "proxy-$i")
  c1=$(cpu_ticks "$GW_PID")
  PROXY+=("$rate"); TICKS=$((TICKS + c1 - c0)); JUDGED=$((JUDGED + got))
  printf '%-9s %-6s %10s %6s %9s\n' "proxy-$i" proxy "$rate" "$got" $((c1 - c0)) | tee -a "$OUT_DIR/results.txt"
done

# ---- 5. idle connections ----
IDLE_LINE=""
if [ "$IDLE" -gt 0 ]; then
  IDLE_LINE=$("$JAVA" -cp "$BENCH:$REPO/gateway/bench/target/lib/*" dev.mailgate.bench.IdleSmtpConnections "127.0.0.1:$IDLE_PORT" "$IDLE" "$GW_PID" 2>&1 | tail -1) \
    || IDLE_LINE="idle connections: FAILED: $IDLE_LINE"
fi

# ---- 6. summary ----
read -r dmed dmin dmax < <(printf '%s\n' "${DIRECT[@]}" | stats)
read -r pmed pmin pmax < <(printf '%s\n' "${PROXY[@]}" | stats)
ratio=$(awk -v a="$pmed" -v b="$dmed" 'BEGIN{printf "%.3f", (b > 0 ? a / b : 0)}')
pairs=$(for i in $(seq 0 $((RUNS - 1))); do awk -v a="${PROXY[$i]}" -v b="${DIRECT[$i]}" 'BEGIN{printf "%.2f ", (b > 0 ? a / b : 0)}'; done)
{
  echo
  echo "== $SIZE-byte messages, $SESSIONS sessions, $COUNT messages per batch, $RUNS batches per mode, interleaved =="
  echo "Postfix alone          : median $dmed msgs/s, min $dmin, max $dmax   runs: ${DIRECT[*]}"
  echo "proxy in front of it   : median $pmed msgs/s, min $pmin, max $pmax   runs: ${PROXY[*]}"
  echo "ratio of medians (proxy / direct): ${ratio}x   per-pair: $pairs  goal >= 0.85x: $(awk -v r="$ratio" 'BEGIN{print (r >= 0.85 ? "MET" : "NOT MET")}')"
  echo "gateway CPU in the proxy batches: $TICKS ticks ($HZ/s) for $JUDGED messages = $(awk -v t="$TICKS" -v h="$HZ" -v n="$JUDGED" 'BEGIN{printf "%.3f", (n ? t * 1000 / h / n : 0)}') ms per message"
  [ -z "$IDLE_LINE" ] || echo "$IDLE_LINE"
  echo "gateway log WARN/ERROR lines: $(grep -cE ' (WARN|ERROR) ' "$OUT_DIR/gateway.log" || true)   output: $OUT_DIR"
} | tee "$OUT_DIR/summary.txt"
