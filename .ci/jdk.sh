#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Prints the home of a JDK >= 21: $JAVA_HOME if it qualifies, else the newest under /usr/lib/jvm.
# The machine's default java may be 17, which cannot build --release 21.
major() {
    "$1/bin/java" -XshowSettings:properties -version 2>&1 |
        awk -F'= ' '/java.specification.version/ {split($2, v, "."); print v[1]; exit}'
}
best=""
best_v=0
for home in ${JAVA_HOME:-} /usr/lib/jvm/*; do
    [ -x "$home/bin/javac" ] || continue
    v=$(major "$home")
    [ -n "$v" ] || continue
    if [ "$v" -ge 21 ] && [ "$v" -gt "$best_v" ]; then
        best="$home"
        best_v="$v"
    fi
    # an explicit JAVA_HOME that qualifies wins
    if [ "$home" = "${JAVA_HOME:-}" ] && [ "$v" -ge 21 ]; then
        echo "$home"
        exit 0
    fi
done
if [ -z "$best" ]; then
    echo "no JDK >= 21 found (looked at \$JAVA_HOME and /usr/lib/jvm/*)" >&2
    exit 1
fi
echo "$best"
