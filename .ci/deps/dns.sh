#!/usr/bin/env bash
# dns.sh - the authoritative DNS server the DNS integration tests start on 127.0.0.1:<free port>
# (gateway/dns, filters/dnsbl|sendermx|rdns, gateway/app DnsblPostfixIT). Debian 12, run as root.
# Idempotent; installs NSD from Debian's packages and never starts the system's nsd service:
# the tests run their own instance in the foreground (nsd -d -c <their config>).
set -euo pipefail

say() { printf '[deps/dns] %s\n' "$*"; }
[ "$(id -u)" = 0 ] || { say "must run as root"; exit 1; }

if dpkg-query -W -f='${Status}' nsd 2>/dev/null | grep -q 'install ok installed'; then
  say "nsd already installed"
else
  # the package's maintainer scripts ask invoke-rc.d to start nsd; policy-rc.d (exit 101) forbids it
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    say "temporary /usr/sbin/policy-rc.d: no services are started by the install"
  fi
  [ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -print -quit 2>/dev/null)" ] || apt-get update -qq
  say "installing nsd"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nsd
fi
# a system nsd started by an earlier install would hold port 53 only; ours use free ports
say "done: $(/usr/sbin/nsd -v 2>&1 | head -1) at /usr/sbin/nsd"
