#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# external.sh - the scanners behind filters/external, for its integration tests
# (gateway/app External*IT): clamd (clamav-daemon), spamd (spamd + spamassassin with its rules),
# rspamd, and OpenDKIM as a downstream milter. Debian 12, run as root; idempotent.
#
# The tests start every daemon themselves with a temporary configuration on 127.0.0.1 or a unix
# socket (clamd with a signature database the test writes, spamd with a temporary home, rspamd with
# network modules off), and stop them afterwards. No system service is started or enabled here, no
# signature or rule update is downloaded.
set -euo pipefail

PACKAGES=(clamav-daemon spamassassin spamd rspamd opendkim opendkim-tools)

say() { printf '[deps/external] %s\n' "$*"; }
[ "$(id -u)" = 0 ] || { say "must run as root"; exit 1; }

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  # Maintainer scripts ask invoke-rc.d, which obeys policy-rc.d (exit 101 = "action forbidden"):
  # clamav-daemon, clamav-freshclam, spamd, rspamd and opendkim would otherwise start.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    say "temporary /usr/sbin/policy-rc.d: no services are started by the install"
  fi
  [ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -print -quit 2>/dev/null)" ] || apt-get update -qq
  say "installing: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  say "packages already installed: ${PACKAGES[*]}"
fi

# SpamAssassin's rules ship in the spamassassin package (/usr/share/spamassassin); the tests use
# them as they are, never sa-update.
[ -f /usr/share/spamassassin/50_scores.cf ] || { say "ERROR: SpamAssassin rules missing in /usr/share/spamassassin"; exit 1; }

say "done: $(clamd --version 2>/dev/null | head -1), spamd $(spamd --version 2>/dev/null | head -1 | awk '{print $NF}')," \
    "$(rspamd --version 2>/dev/null | head -1), opendkim $(opendkim -V 2>/dev/null | head -1 | awk '{print $NF}')"
