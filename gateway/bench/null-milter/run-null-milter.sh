#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds the libmilter null milter (package libmilter-dev) and runs it in the foreground on
# 127.0.0.1:PORT, so the load driver or the Postfix harness can measure the floor beside mailgate:
#   gateway/bench/null-milter/run-null-milter.sh 18998 &
#   java -jar gateway/bench/target/mailgate-bench.jar --target inet:127.0.0.1:18998 --pid $(pgrep -f 'null_milter 18998')
set -eu
here=$(cd "$(dirname "$0")" && pwd)
port=${1:-18998}
out=${TMPDIR:-/tmp}/mailgate-null-milter
mkdir -p "$out"
gcc -O2 -Wall -o "$out/null_milter" "$here/null_milter.c" -lmilter -lpthread
exec "$out/null_milter" "$port"
