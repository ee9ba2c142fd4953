#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# redis.sh - redis-server for the shared-state integration tests (gateway/state, filters/greylist,
# gateway/app State*IT / Greylist*IT). Debian 12, run as root; idempotent.
#
# The tests start their own redis-server on 127.0.0.1:<free port> with a private config and data
# directory; the system's redis service is never started (policy-rc.d forbids it during the
# install, and nothing here enables or starts it).
set -euo pipefail

say() { printf '[deps/redis] %s\n' "$*"; }
[ "$(id -u)" = 0 ] || { say "must run as root"; exit 1; }

if dpkg-query -W -f='${Status}' redis-server 2>/dev/null | grep -q 'install ok installed'; then
  say "redis-server already installed"
else
  # Maintainer scripts ask invoke-rc.d, which obeys policy-rc.d (exit 101 = "action forbidden").
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    say "temporary /usr/sbin/policy-rc.d: the redis service is not started by the install"
  fi
  [ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -print -quit 2>/dev/null)" ] || apt-get update -qq
  say "installing redis-server (redis-tools comes with it)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server
fi
say "done: $(redis-server --version)"
