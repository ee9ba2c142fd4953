#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# postfix-compare.sh - Postfix alone vs Postfix + mailgate (default policy), interleaved in one run,
# plus the gateway's own CPU per message and its startup-to-ready time.
#
# Uses the team harness (/work/shared/bench/postfix-harness.sh): smtp-source -> throwaway Postfix
# -> [milter] -> smtp-sink, all on loopback. This script:
#   1. (optional, -S) starts the gateway STARTUP_RUNS times at INFO and records "mailgate ready in N ms"
#      and the wall time from exec to the milter port listening; stops it each time;
#   2. starts the gateway from the built jar (gateway/app/bin/mailgate run, embedded default policy,
#      -Dmailgate.log.level=WARN so there is no per-message log line) and waits until it listens;
#   3. runs one unmeasured warm-up invocation through the milter (-W messages, default 10000: on this
#      machine class the gateway's CPU per message only settles after about 8,000-10,000 messages, as
#      C2 finishes compiling; with 2,000 it is still about twice the settled figure), unless -W 0;
#   4. runs the harness RUNS times per mode, alternating: none, milter, none, milter, ...
#      (one harness invocation per run: -r 1, its own 200-message Postfix warm-up, -w);
#   5. reads utime+stime of the gateway JVM from /proc/PID/stat before and after every milter
#      invocation and divides the sum by the messages the gateway judged in them
#      (= delivered to the sink + rejected by the milter, harness warm-up messages included,
#      since they are inside the same CPU bracket);
#   6. prints median/min/max msgs/s per mode, the ratio of the medians, and CPU ms per message.
# With rspamd installed (or -R yes), a third mode runs in the same rotation: rspamd's milter proxy
# (the harness's "rspamd" mode: a throwaway proxy worker, self_scan, network modules off) as a
# reference peer, so its ratio to Postfix alone is measured in the same run.
#
# usage: postfix-compare.sh [-r RUNS] [-n COUNT] [-s SESSIONS] [-l BYTES] [-w HARNESS_WARMUP]
#                           [-W WARMUP_COUNT] [-S STARTUP_RUNS] [-P MILTER_PORT] [-p POLICY] [-o OUT_DIR]
#                           [-R auto|yes|no]
#   -r RUNS            measured runs per mode, alternating (default 5)              env RUNS
#   -n COUNT           messages per measured run (default 2000)                      env COUNT
#   -s SESSIONS        concurrent smtp-source sessions (default 10)                  env SESSIONS
#   -l BYTES           message size for smtp-source -l (default 4096)                env SIZE
#   -w N               harness warm-up messages per invocation, not measured (200)   env HARNESS_WARMUP
#   -W N               messages in the unmeasured warm-up invocation through the
#                      milter, before the measured runs (default 10000; 0 = none)   env WARMUP_COUNT
#   -S N               startup-time measurements before the benchmark (5; 0 = skip)  env STARTUP_RUNS
#   -P PORT            milter port on 127.0.0.1 (default 8899, the default policy's); env MILTER_PORT
#                      another port runs a copy of policies/default.yaml with only the listen port changed
#   -p POLICY          run this policy file instead of the embedded default (its milter listen address
#                      is rewritten to inet:127.0.0.1:PORT in a copy)               env POLICY
#   -o DIR             where logs and raw harness output go (default: a new /tmp/postfix-compare.XXXXXX)
#   -R auto|yes|no     also measure rspamd's milter proxy (auto: when rspamd is installed)  env PEER_RSPAMD
# other env: HARNESS (path of postfix-harness.sh), HARNESS_DIR (its Postfix/sink state; default OUT_DIR/harness),
#            SMTP_PORT / SINK_PORT (passed to the harness), RUN_TIMEOUT (harness -t, default 120 s),
#            INVOCATION_TIMEOUT (hard limit per harness invocation, default 300 s),
#            READY_TIMEOUT (gateway start, default 60 s), MILTER_DEFAULT_ACTION (default tempfail, so a
#            failing milter shows up as deferred mail instead of silently passing), MAILGATE_JAVA_OPTS
#            (appended after -Dmailgate.log.level=WARN), QUIET_WAIT (seconds to wait before each harness
#            invocation for the machine to be under QUIET_BUSY % busy, default 0 = do not wait; QUIET_BUSY 15).
# The gateway runs from a copy of target/mailgate.jar and target/lib in OUT_DIR/dist (MAILGATE_HOME), so a
# concurrent rebuild cannot swap the jar under the running JVM.
#
# Needs root (the harness runs Postfix and smtp-sink), the postfix package, and a built gateway:
#   .ci/mvn -q -B -DskipTests install
# Stops only what it started: the gateway by its pid, Postfix/smtp-sink through the harness's own pid files.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
MAILGATE=$REPO/gateway/app/bin/mailgate
JAR=$REPO/gateway/app/target/mailgate.jar
HARNESS=${HARNESS:-$REPO/../shared/bench/postfix-harness.sh}

RUNS=${RUNS:-5}
COUNT=${COUNT:-2000}
SESSIONS=${SESSIONS:-10}
SIZE=${SIZE:-4096}
HARNESS_WARMUP=${HARNESS_WARMUP:-200}
WARMUP_COUNT=${WARMUP_COUNT:-10000}
STARTUP_RUNS=${STARTUP_RUNS:-5}
MILTER_PORT=${MILTER_PORT:-8899}
POLICY=${POLICY:-}
OUT_DIR=${OUT_DIR:-}
RUN_TIMEOUT=${RUN_TIMEOUT:-120}
INVOCATION_TIMEOUT=${INVOCATION_TIMEOUT:-300}
READY_TIMEOUT=${READY_TIMEOUT:-60}
QUIET_WAIT=${QUIET_WAIT:-0}
QUIET_BUSY=${QUIET_BUSY:-15}
PEER_RSPAMD=${PEER_RSPAMD:-auto}
export MILTER_DEFAULT_ACTION=${MILTER_DEFAULT_ACTION:-tempfail}

usage() { awk 'NR>2 && /^#/ {sub(/^# ?/, ""); print; next} NR>2 {exit}' "$0"; }
while getopts "r:n:s:l:w:W:S:P:p:o:R:h" o; do
  case $o in
    r) RUNS=$OPTARG ;; n) COUNT=$OPTARG ;; s) SESSIONS=$OPTARG ;; l) SIZE=$OPTARG ;;
    w) HARNESS_WARMUP=$OPTARG ;; W) WARMUP_COUNT=$OPTARG ;; S) STARTUP_RUNS=$OPTARG ;;
    P) MILTER_PORT=$OPTARG ;; p) POLICY=$OPTARG ;; o) OUT_DIR=$OPTARG ;; R) PEER_RSPAMD=$OPTARG ;;
    h) usage; exit 0 ;; *) usage >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { echo "unexpected argument: $1 (see -h)" >&2; exit 2; }

log() { printf '[compare %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
is_uint() { case $1 in ''|*[!0-9]*) return 1 ;; *) return 0 ;; esac; }
for v in RUNS COUNT SESSIONS SIZE HARNESS_WARMUP WARMUP_COUNT STARTUP_RUNS MILTER_PORT RUN_TIMEOUT INVOCATION_TIMEOUT READY_TIMEOUT QUIET_WAIT QUIET_BUSY; do
  is_uint "${!v}" || die "$v must be a non-negative integer (got '${!v}')"
done
[ "$RUNS" -ge 1 ] && [ "$COUNT" -ge 1 ] && [ "$SESSIONS" -ge 1 ] || die "RUNS, COUNT and SESSIONS must be >= 1"
case $PEER_RSPAMD in
  auto) if command -v rspamd >/dev/null; then PEER_RSPAMD=yes; else PEER_RSPAMD=no; fi ;;
  yes) command -v rspamd >/dev/null || die "-R yes, but rspamd is not installed (apt-get install rspamd)" ;;
  no) ;;
  *) die "-R takes auto, yes or no (got '$PEER_RSPAMD')" ;;
esac

# ---- preflight ----
[ "$(id -u)" = 0 ] || die "must run as root (the harness starts Postfix and smtp-sink)"
for c in ss awk getconf timeout postconf sort; do command -v "$c" >/dev/null || die "$c not found"; done
[ -x "$HARNESS" ] || [ -f "$HARNESS" ] || die "harness not found at $HARNESS (set HARNESS)"
[ -x "$MAILGATE" ] || die "launcher not found: $MAILGATE"
[ -f "$JAR" ] || die "$JAR not found; build first: cd $REPO && .ci/mvn -q -B -DskipTests install"
if [ -n "$POLICY" ]; then [ -f "$POLICY" ] || die "policy file not found: $POLICY"; POLICY=$(cd "$(dirname "$POLICY")" && pwd)/$(basename "$POLICY"); fi
HZ=$(getconf CLK_TCK)

if [ -z "$OUT_DIR" ]; then OUT_DIR=$(mktemp -d "${TMPDIR:-/tmp}/postfix-compare.XXXXXX"); fi
mkdir -p "$OUT_DIR"; chmod 755 "$OUT_DIR"   # the harness keeps Postfix's queue below it
OUT_DIR=$(cd "$OUT_DIR" && pwd)
[ "$OUT_DIR" != / ] || die "OUT_DIR must not be /"
export HARNESS_DIR=${HARNESS_DIR:-$OUT_DIR/harness}

port_owner() { ss -Hltnp "sport = :$1" 2>/dev/null | head -1; }
port_busy() { [ -n "$(port_owner "$1")" ]; }
# pid_is PID PATTERN: PID alive and its command line matches PATTERN
pid_is() { [ -n "${1:-}" ] && [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q -- "$2"; }
now_ms() { date +%s%3N; }
# utime+stime of a process (all its threads), in clock ticks
cpu_ticks() { local s; s=$(cat "/proc/$1/stat") || return 1; s=${s##*) }; set -- $s; echo $(( ${12} + ${13} )); }
stime_ticks() { local s; s=$(cat "/proc/$1/stat") || return 1; s=${s##*) }; set -- $s; echo "${13}"; }
# machine-wide "busy total" jiffies (all CPUs)
cpu_sample() { awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9; exit}' /proc/stat; }
# wait_quiet: with QUIET_WAIT > 0, wait up to that many seconds for the machine (other users) to fall
# below QUIET_BUSY % busy over 1 s before an invocation; it goes ahead anyway afterwards, with a warning
wait_quiet() {
  [ "$QUIET_WAIT" -gt 0 ] || return 0
  local t0=$SECONDS b0 a0 b1 a1 busy
  while :; do
    read -r b0 a0 < <(cpu_sample); sleep 1; read -r b1 a1 < <(cpu_sample)
    busy=$(awk -v b=$((b1 - b0)) -v a=$((a1 - a0)) 'BEGIN{printf "%d", (a ? 100*b/a : 0)}')
    [ "$busy" -ge "$QUIET_BUSY" ] || return 0
    if [ $((SECONDS - t0)) -ge "$QUIET_WAIT" ]; then log "WARNING: machine still ${busy}% busy after ${QUIET_WAIT}s; going ahead"; return 0; fi
  done
}

# per-thread "tid<TAB>name<TAB>ticks"
thread_ticks() {
  local t s n
  for t in /proc/"$1"/task/*; do
    s=$(cat "$t/stat" 2>/dev/null) || continue; n=$(cat "$t/comm" 2>/dev/null) || continue
    s=${s##*) }; set -- $s
    printf '%s\t%s\t%s\n' "${t##*/}" "$n" $(( ${12} + ${13} ))
  done
}

# ---- cleanup: only what this script started ----
GW_PID="" HPID=""
stop_gateway() {
  if [ -n "$GW_PID" ] && pid_is "$GW_PID" mailgate; then
    kill -TERM "$GW_PID" 2>/dev/null || true
    local i; for i in $(seq 1 100); do [ -d "/proc/$GW_PID" ] || break; sleep 0.1; done
    if [ -d "/proc/$GW_PID" ]; then log "gateway pid $GW_PID ignored SIGTERM for 10 s; SIGKILL"; kill -KILL "$GW_PID" 2>/dev/null || true; fi
    wait "$GW_PID" 2>/dev/null || true
  fi
  GW_PID=""
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$HPID" ] && [ -d "/proc/$HPID" ]; then
    kill -TERM "$HPID" 2>/dev/null || true   # timeout(1) passes it on; the harness then stops its Postfix and sink
    local i; for i in $(seq 1 200); do [ -d "/proc/$HPID" ] || break; sleep 0.1; done
  fi
  "$HARNESS" stop >/dev/null 2>&1 || true      # the harness's own pid files only
  stop_gateway
  [ "$rc" = 0 ] || log "exit $rc; logs and raw output in $OUT_DIR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- what the gateway runs: a snapshot of the built jar and its lib/, so a rebuild during the
# benchmark (target/ is shared) cannot change or break the JVM under test ----
DIST=$OUT_DIR/dist
rm -rf "$DIST"; mkdir -p "$DIST"
cp -p "$JAR" "$DIST/mailgate.jar" || die "cannot copy $JAR"
cp -pr "$(dirname "$JAR")/lib" "$DIST/lib" || die "cannot copy $(dirname "$JAR")/lib (build first)"
export MAILGATE_HOME=$DIST   # the launcher looks there first
JAR_ID="$(sha256sum "$DIST/mailgate.jar" | cut -c1-12), built $(date -r "$JAR" '+%F %T')"
GIT_ID=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')
git -C "$REPO" diff --quiet HEAD -- 2>/dev/null || GIT_ID="$GIT_ID + uncommitted changes"

POLICY_ARGS=() POLICY_DESC="embedded default policy (policies/default.yaml, built into the jar)"
if [ -n "$POLICY" ] || [ "$MILTER_PORT" != 8899 ]; then
  src=${POLICY:-$REPO/policies/default.yaml}
  copy=$OUT_DIR/policy.yaml
  sed -E "s#^([[:space:]]*-?[[:space:]]*milter:[[:space:]]*)(inet|unix):[^[:space:]\"']+#\1inet:127.0.0.1:$MILTER_PORT#" "$src" >"$copy"
  grep -Eq "milter:[[:space:]]*inet:127.0.0.1:$MILTER_PORT([[:space:]]|\$)" "$copy" || die "could not set the listen address in a copy of $src (it needs a 'milter: inet:...' listener line)"
  POLICY_ARGS=(--policy "$copy")
  POLICY_DESC="$src (copy with listen inet:127.0.0.1:$MILTER_PORT: $copy)"
else
  # the embedded policy is policies/default.yaml at build time: say so if the file changed since
  if command -v unzip >/dev/null && ! unzip -p "$DIST/mailgate.jar" dev/mailgate/app/policies/default.yaml 2>/dev/null | cmp -s - "$REPO/policies/default.yaml"; then
    log "WARNING: policies/default.yaml differs from the copy embedded in $JAR (rebuild to measure the current file)"
  fi
fi

# start_gateway LEVEL LOGFILE: starts it, waits until it listens; sets GW_PID and READY_WALL_MS
start_gateway() {
  local level=$1 logf=$2 t0 i
  port_busy "$MILTER_PORT" && die "127.0.0.1:$MILTER_PORT is already in use, not by this script: $(port_owner "$MILTER_PORT") (stop it, or use -P PORT)"
  t0=$(now_ms)
  MAILGATE_JAVA_OPTS="-Dmailgate.log.level=$level${MAILGATE_JAVA_OPTS:+ $MAILGATE_JAVA_OPTS}" \
    "$MAILGATE" run ${POLICY_ARGS[@]+"${POLICY_ARGS[@]}"} >"$logf" 2>&1 </dev/null &
  GW_PID=$!
  for i in $(seq 1 $((READY_TIMEOUT * 20))); do
    [ -d "/proc/$GW_PID" ] || { GW_PID=""; die "gateway exited during start-up: $(tail -5 "$logf")"; }
    if ss -Hltnp "sport = :$MILTER_PORT" 2>/dev/null | grep -q "pid=$GW_PID,"; then
      READY_WALL_MS=$(( $(now_ms) - t0 ))
      pid_is "$GW_PID" "mailgate.jar" || die "pid $GW_PID listens on $MILTER_PORT but is not the mailgate JVM"
      return 0
    fi
    sleep 0.05
  done
  die "gateway (pid $GW_PID) not listening on 127.0.0.1:$MILTER_PORT after ${READY_TIMEOUT}s: $(tail -5 "$logf")"
}

stats() { # numbers on stdin -> "median min max" (printf format per number: $1, default %.1f)
  sort -g | awk -v f="${1:-%.1f}" '{a[NR]=$1} END{if(!NR){print "- - -"; exit} m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf f " " f " " f "\n", m, a[1], a[NR]}'
}

# ---- machine ----
log "output directory: $OUT_DIR (harness state: $HARNESS_DIR)"
{
  echo "machine: nproc=$(nproc) cpu='$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)' mem=$(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) kernel=$(uname -r)"
  echo "postfix: $(postconf -d mail_version 2>/dev/null | sed 's/.*= //')   load before start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT_DIR/machine.txt"
# is something else keeping the CPUs busy? (1 s sample of /proc/stat)
read -r b0 a0 < <(cpu_sample); sleep 1; read -r b1 a1 < <(cpu_sample)
busy=$(awk -v b=$((b1 - b0)) -v a=$((a1 - a0)) 'BEGIN{printf "%d", (a ? 100*b/a : 0)}')
echo "machine busy before start: ${busy}% of all CPUs (1 s sample)" | tee -a "$OUT_DIR/machine.txt"
[ "$busy" -lt 15 ] || log "WARNING: the machine is already ${busy}% busy; figures will be disturbed: $(ps -eo pcpu=,pid=,comm= --sort=-pcpu | head -3 | tr -s ' ' | tr '\n' ';')"

# ---- 1. startup-to-ready ----
if [ "$STARTUP_RUNS" -gt 0 ]; then
  log "startup: $STARTUP_RUNS starts at INFO (log line 'mailgate ready in N ms'; wall = exec of the launcher -> port listening)"
  : >"$OUT_DIR/startup.txt"
  for i in $(seq 1 "$STARTUP_RUNS"); do
    lf=$OUT_DIR/startup-$i.log
    wait_quiet
    start_gateway INFO "$lf"
    for j in $(seq 1 100); do grep -q 'mailgate ready in' "$lf" && break; sleep 0.05; done
    r=$(sed -n 's/.*mailgate ready in \([0-9]*\) ms.*/\1/p' "$lf" | head -1)
    [ -n "$r" ] || die "no 'mailgate ready in' line in $lf: $(tail -3 "$lf")"
    printf 'start %d: ready_in_ms=%s wall_exec_to_listen_ms=%s\n' "$i" "$r" "$READY_WALL_MS" | tee -a "$OUT_DIR/startup.txt"
    stop_gateway
  done
  read -r rmed rmin rmax < <(sed -n 's/.*ready_in_ms=\([0-9]*\).*/\1/p' "$OUT_DIR/startup.txt" | stats %d)
  read -r wmed wmin wmax < <(sed -n 's/.*wall_exec_to_listen_ms=\([0-9]*\).*/\1/p' "$OUT_DIR/startup.txt" | stats %d)
  STARTUP_SUMMARY="startup ($STARTUP_RUNS starts): 'ready in' min $rmin ms, median $rmed ms, max $rmax ms; wall exec->listening min $wmin ms, median $wmed ms, max $wmax ms"
  echo "$STARTUP_SUMMARY"
fi

# ---- 2. the gateway under test ----
GW_LOG=$OUT_DIR/gateway.log
start_gateway WARN "$GW_LOG"
JAVA_BIN=$(readlink -f "/proc/$GW_PID/exe")
JDK=$("$JAVA_BIN" -version 2>&1 | sed -n 2p)
echo "gateway: pid $GW_PID, $POLICY_DESC, listening on inet:127.0.0.1:$MILTER_PORT after ${READY_WALL_MS} ms, logs at WARN (-Dmailgate.log.level=WARN) in $GW_LOG" | tee -a "$OUT_DIR/machine.txt"
echo "jdk: $JAVA_BIN: $JDK   clock ticks/s: $HZ" | tee -a "$OUT_DIR/machine.txt"
echo "jar: $JAR (sha256 $JAR_ID; tree $GIT_ID), run from the snapshot $DIST" | tee -a "$OUT_DIR/machine.txt"
echo "settings: runs=$RUNS per mode (alternating none/milter$([ "$PEER_RSPAMD" = yes ] && echo /rspamd)), count=$COUNT, size=$SIZE, sessions=$SESSIONS, harness warm-up=$HARNESS_WARMUP msgs per invocation, warm-up invocation through the milter=$WARMUP_COUNT msgs, milter_default_action=$MILTER_DEFAULT_ACTION" | tee -a "$OUT_DIR/machine.txt"

# run_harness MODE TAG [COUNT]: one harness invocation (-r 1); sets R_RATE R_SENT R_SINK R_TOTAL R_REJ R_WARN R_DEF R_ERRS R_ACC R_LOAD
run_harness() {
  local mode=$1 tag=$2 n=${3:-$COUNT} out=$OUT_DIR/$2.out err=$OUT_DIR/$2.err target rc=0 line
  case $mode in milter) target=inet:127.0.0.1:$MILTER_PORT ;; rspamd) target=rspamd ;; *) target=none ;; esac
  wait_quiet
  read -r R_B0 R_A0 < <(cpu_sample)
  timeout -k 20 "$INVOCATION_TIMEOUT" "$HARNESS" "$target" -n "$n" -l "$SIZE" -s "$SESSIONS" -r 1 \
    -w "$HARNESS_WARMUP" -t "$RUN_TIMEOUT" >"$out" 2>"$err" </dev/null &
  HPID=$!
  wait "$HPID" || rc=$?
  HPID=""
  read -r R_B1 R_A1 < <(cpu_sample)
  R_BUSY=$(awk -v b=$((R_B1 - R_B0)) -v a=$((R_A1 - R_A0)) 'BEGIN{printf "%d", (a ? 100*b/a : 0)}')
  [ "$rc" = 0 ] || die "harness ($tag, $target) failed with exit $rc$([ "$rc" = 124 ] && echo " (timed out after ${INVOCATION_TIMEOUT}s)"): $(tail -5 "$err")"
  [ "$mode" != milter ] || [ -d "/proc/$GW_PID" ] || die "the gateway (pid $GW_PID) died during $tag: $(tail -5 "$GW_LOG")"
  # run sent sink accept_s accept/s e2e_s e2e_msg/s errs loadavg(3)
  line=$(awk '$1 ~ /^[0-9]+$/ && NF >= 8 {print; exit}' "$out")
  [ -n "$line" ] || die "no result line in $out: $(tail -5 "$out" "$err")"
  read -r _ R_SENT R_SINK _ R_ACC _ R_RATE R_ERRS R_LOAD _ <<<"$line"
  R_TOTAL=$(sed -n 's/.*sink_total=\([0-9]*\).*/\1/p' "$out"); R_TOTAL=${R_TOTAL:-0}
  R_REJ=$(sed -n 's/.*milter-reject=\([0-9]*\).*/\1/p' "$out"); R_REJ=${R_REJ:-0}
  R_WARN=$(sed -n 's/.*milter-warnings=\([0-9]*\).*/\1/p' "$out"); R_WARN=${R_WARN:-0}
  R_DEF=$(sed -n 's/.*deferred=\([0-9]*\).*/\1/p' "$out"); R_DEF=${R_DEF:-0}
  if [ "$R_SINK" -lt "$R_SENT" ] || [ "$R_WARN" -gt 0 ] || [ "$R_DEF" -gt 0 ] || [ "$R_ERRS" -gt 0 ]; then
    log "WARNING $tag: sent $R_SENT, at sink $R_SINK, smtp-source error lines $R_ERRS, maillog milter-warnings $R_WARN, deferred $R_DEF, milter-reject $R_REJ (see $out, $HARNESS_DIR/maillog)"
  fi
}

# busy% = all CPUs over the whole harness invocation, Postfix start/stop and warm-up included
printf '%-9s %-6s %6s %6s %9s %10s %9s %10s %6s %s\n' run mode sent sink accept/s e2e_msg/s gw_ticks gw_judged busy% load1 | tee "$OUT_DIR/results.txt"
report() { # tag mode ticks judged
  printf '%-9s %-6s %6s %6s %9s %10s %9s %10s %6s %s\n' "$1" "$2" "$R_SENT" "$R_SINK" "$R_ACC" "$R_RATE" "$3" "$4" "$R_BUSY" "$R_LOAD" | tee -a "$OUT_DIR/results.txt"
}

# ---- 3. warm-up through the milter (not counted anywhere below) ----
if [ "$WARMUP_COUNT" -gt 0 ]; then
  c0=$(cpu_ticks "$GW_PID")
  run_harness milter warmup "$WARMUP_COUNT"
  c1=$(cpu_ticks "$GW_PID")
  report warmup milter $((c1 - c0)) $((R_TOTAL + R_REJ))
  WARMUP_NOTE="warm-up invocation through the milter ($WARMUP_COUNT + $HARNESS_WARMUP messages, $R_RATE msgs/s, not counted); gateway CPU there: $((c1 - c0)) ticks for $((R_TOTAL + R_REJ)) messages = $(awk -v t=$((c1 - c0)) -v h="$HZ" -v n=$((R_TOTAL + R_REJ)) 'BEGIN{printf "%.3f", (n ? t*1000/h/n : 0)}') ms/msg (JIT compilation included)"
fi

# ---- 4./5. interleaved measured runs ----
thread_ticks "$GW_PID" >"$OUT_DIR/threads-before.tsv"
NONE_RATES=() MILTER_RATES=() RSPAMD_RATES=() MILTER_TICKS=0 MILTER_STIME=0 JUDGED=0 DELIVERED=0 REJECTED=0 IDLE_TICKS=0 IDLE_MS=0 MILTER_MS=0
t_all0=$(now_ms); c_all0=$(cpu_ticks "$GW_PID")
for i in $(seq 1 "$RUNS"); do
  c0=$(cpu_ticks "$GW_PID"); t0=$(now_ms)
  run_harness none "none-$i"
  c1=$(cpu_ticks "$GW_PID"); t1=$(now_ms)
  IDLE_TICKS=$((IDLE_TICKS + c1 - c0)); IDLE_MS=$((IDLE_MS + t1 - t0))
  NONE_RATES+=("$R_RATE")
  report "none-$i" none "($((c1 - c0)))" - 

  c0=$(cpu_ticks "$GW_PID"); s0=$(stime_ticks "$GW_PID"); t0=$(now_ms)
  run_harness milter "milter-$i"
  c1=$(cpu_ticks "$GW_PID"); s1=$(stime_ticks "$GW_PID"); t1=$(now_ms)
  MILTER_TICKS=$((MILTER_TICKS + c1 - c0)); MILTER_STIME=$((MILTER_STIME + s1 - s0)); MILTER_MS=$((MILTER_MS + t1 - t0))
  JUDGED=$((JUDGED + R_TOTAL + R_REJ)); DELIVERED=$((DELIVERED + R_TOTAL)); REJECTED=$((REJECTED + R_REJ))
  MILTER_RATES+=("$R_RATE")
  report "milter-$i" milter $((c1 - c0)) $((R_TOTAL + R_REJ))

  if [ "$PEER_RSPAMD" = yes ]; then
    run_harness rspamd "rspamd-$i"
    RSPAMD_RATES+=("$R_RATE")
    report "rspamd-$i" rspamd - -
  fi
done
t_all1=$(now_ms); c_all1=$(cpu_ticks "$GW_PID")
thread_ticks "$GW_PID" >"$OUT_DIR/threads-after.tsv"

# ---- 6. summary ----
read -r nmed nmin nmax < <(printf '%s\n' "${NONE_RATES[@]}" | stats)
read -r mmed mmin mmax < <(printf '%s\n' "${MILTER_RATES[@]}" | stats)
ratio=$(awk -v a="$mmed" -v b="$nmed" 'BEGIN{printf "%.3f", (b > 0 ? a/b : 0)}')
pair_ratios=$(for i in $(seq 0 $((RUNS - 1))); do awk -v a="${MILTER_RATES[$i]}" -v b="${NONE_RATES[$i]}" 'BEGIN{printf "%.2f ", (b > 0 ? a/b : 0)}'; done)
ms_per_msg=$(awk -v t="$MILTER_TICKS" -v h="$HZ" -v n="$JUDGED" 'BEGIN{printf "%.4f", (n ? t*1000/h/n : 0)}')
{
  echo
  echo "== results: $SIZE-byte messages, $SESSIONS sessions, $COUNT messages per run, $RUNS runs per mode, interleaved =="
  [ -z "${STARTUP_SUMMARY:-}" ] || echo "$STARTUP_SUMMARY"
  echo "postfix alone (no milter): median $nmed msgs/s, min $nmin, max $nmax   runs: ${NONE_RATES[*]}"
  echo "postfix + mailgate       : median $mmed msgs/s, min $mmin, max $mmax   runs: ${MILTER_RATES[*]}"
  echo "ratio of medians (milter / none): ${ratio}x    per-pair ratios: $pair_ratios"
  if [ "$PEER_RSPAMD" = yes ]; then
    read -r rmed rmin rmax < <(printf '%s\n' "${RSPAMD_RATES[@]}" | stats)
    echo "postfix + rspamd proxy   : median $rmed msgs/s, min $rmin, max $rmax   runs: ${RSPAMD_RATES[*]}"
    echo "ratio of medians (rspamd proxy / none): $(awk -v a="$rmed" -v b="$nmed" 'BEGIN{printf "%.3f", (b > 0 ? a/b : 0)}')x    mailgate / rspamd proxy: $(awk -v a="$mmed" -v b="$rmed" 'BEGIN{printf "%.3f", (b > 0 ? a/b : 0)}')x"
  fi
  [ -z "${WARMUP_NOTE:-}" ] || echo "$WARMUP_NOTE"
  echo "gateway CPU in the $RUNS measured milter invocations: $MILTER_TICKS ticks (utime+stime, $HZ/s; stime $MILTER_STIME) = $(awk -v t="$MILTER_TICKS" -v h="$HZ" 'BEGIN{printf "%.2f", t/h}') s over $(awk -v m="$MILTER_MS" 'BEGIN{printf "%.1f", m/1000}') s wall"
  echo "messages the gateway judged there: $JUDGED (delivered to the sink: $DELIVERED incl. $HARNESS_WARMUP harness warm-up messages per invocation; milter-reject: $REJECTED)"
  echo "gateway CPU per message: $ms_per_msg ms  (nothing subtracted; includes its idle/GC/JIT background during those invocations)"
  echo "for reference, gateway CPU while idle during the no-milter invocations: $IDLE_TICKS ticks over $(awk -v m="$IDLE_MS" 'BEGIN{printf "%.1f", m/1000}') s wall"
  echo "gateway CPU from first to last measured invocation: $((c_all1 - c_all0)) ticks over $(awk -v a="$t_all0" -v b="$t_all1" 'BEGIN{printf "%.1f", (b-a)/1000}') s"
  echo "gateway CPU by thread during the measured part (ticks, threads grouped by name with digits removed):"
  awk -F'\t' 'NR==FNR {b[$1]=$3; next} {n=$2; gsub(/[0-9]+/, "#", n); d[n]+=$3-(($1 in b)?b[$1]:0)} END{for (n in d) if (d[n] > 0) printf "  %6d  %s\n", d[n], n}' \
    "$OUT_DIR/threads-before.tsv" "$OUT_DIR/threads-after.tsv" | sort -rn
  g1=$(awk -v r="$ratio" 'BEGIN{print ((r >= 0.90) ? "MET" : "NOT MET")}')
  g2=$(awk -v c="$ms_per_msg" 'BEGIN{print ((c <= 0.10) ? "MET" : "NOT MET")}')
  echo "goal 1 (throughput ratio >= 0.90x): $g1 ($ratio x, $(awk -v r="$ratio" 'BEGIN{printf "%+.3f", r-0.90}') vs goal)"
  echo "goal 2 (gateway CPU <= 0.10 ms/msg): $g2 ($ms_per_msg ms, $(awk -v c="$ms_per_msg" 'BEGIN{printf "%.2f", c/0.10}')x the goal)"
  w=$(grep -cE ' (WARN|ERROR) ' "$GW_LOG" || true)
  echo "gateway log: $w WARN/ERROR lines ($GW_LOG)"
  [ "$w" = 0 ] || grep -E ' (WARN|ERROR) ' "$GW_LOG" | head -3 | cut -c1-240
  echo "raw harness output and logs: $OUT_DIR"
} | tee "$OUT_DIR/summary.txt"
exit 0
