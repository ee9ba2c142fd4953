#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# sasl.sh - Cyrus SASL tools for the SMTP proxy's AUTH pass-through integration test (gateway/app
# ProxyAuthIT): saslpasswd2 writes a private sasldb file that a throwaway Postfix reads through its
# own smtpd.conf (cyrus_sasl_config_path); libsasl2-modules holds the PLAIN/LOGIN and sasldb
# plugins. Debian 12, run as root; idempotent. saslauthd is never enabled or started (the test
# uses the sasldb auxprop plugin, in-process in smtpd).
set -euo pipefail

say() { printf '[deps/sasl] %s\n' "$*"; }
[ "$(id -u)" = 0 ] || { say "must run as root"; exit 1; }

missing=()
for p in sasl2-bin libsasl2-modules; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  # sasl2-bin ships the saslauthd service: invoke-rc.d obeys policy-rc.d (exit 101 = "action forbidden")
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    say "temporary /usr/sbin/policy-rc.d: saslauthd is not started by the install"
  fi
  [ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -print -quit 2>/dev/null)" ] || apt-get update -qq
  say "installing: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
else
  say "sasl2-bin and libsasl2-modules already installed"
fi
say "done: $(command -v saslpasswd2), plugins in $(dirname "$(ls /usr/lib/*/sasl2/libsasldb.so* | head -1)")"
