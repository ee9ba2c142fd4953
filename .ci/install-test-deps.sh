#!/usr/bin/env bash
# install-test-deps.sh - packages and a private Sendmail for the real-MTA integration tests
# (gateway/testkit dev.mailgate.testkit.mta). Debian 12, run as root. Idempotent: re-running
# only installs what is missing and re-extracts Sendmail only when its directory is incomplete.
#
#   .ci/install-test-deps.sh                 # packages + Sendmail into /opt/mailgate-test/sendmail
#   MAILGATE_SENDMAIL_DIR=/x .ci/install-test-deps.sh
#
# Tests find the Sendmail copy through -Dmailgate.sendmail.dir / $MAILGATE_SENDMAIL_DIR, falling
# back to /opt/mailgate-test/sendmail. The system's default Postfix instance is never started:
# the tests run their own throwaway instances with `postfix -c DIR`.
set -euo pipefail

SM_DIR=${MAILGATE_SENDMAIL_DIR:-/opt/mailgate-test/sendmail}
# bsdutils: script(1), gives `postfix start` a tty so it prints its errors; util-linux: unshare(1);
# hostname: sets the private Sendmail's hostname (see below); procps/iproute2: ps, ss for debugging
PACKAGES=(postfix miltertest swaks libmilter-dev m4 python3 bsdutils util-linux hostname procps iproute2)
SENDMAIL_DEBS=(sendmail-bin sendmail-base sendmail-cf libwrap0)

say() { printf '[install-test-deps] %s\n' "$*"; }
[ "$(id -u)" = 0 ] || { say "must run as root"; exit 1; }
case "$SM_DIR" in /?*) ;; *) say "MAILGATE_SENDMAIL_DIR must be absolute"; exit 2 ;; esac

say "apt-get update"
apt-get update -qq

# Preseed postfix so its install does not open the debconf dialog. "Local only" keeps the default
# instance on loopback; without systemd its start is refused by policy-rc.d anyway.
say "debconf preseed: postfix 'Local only', mailname localhost"
echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
echo "postfix postfix/mailname string localhost" | debconf-set-selections

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  # Never start the default Postfix instance: maintainer scripts ask invoke-rc.d, which obeys
  # policy-rc.d (exit 101 = "action forbidden"). Docker images usually have one; add ours otherwise.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    say "temporary /usr/sbin/policy-rc.d: no services are started by the install"
  fi
  say "installing: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
else
  say "packages already installed: ${PACKAGES[*]}"
fi

# ---- private Sendmail 8.17 (sendmail-bin conflicts with postfix, so never apt-get install it) ----
libdir() { dirname "$(ls "$SM_DIR"/root/usr/lib/*/libwrap.so.0 2>/dev/null | head -1)"; }
if [ -x "$SM_DIR/bin/sendmail" ] && [ -f "$SM_DIR/root/usr/share/sendmail/cf/m4/cf.m4" ] \
   && ls "$SM_DIR"/root/usr/lib/*/libwrap.so.0 >/dev/null 2>&1; then
  say "private Sendmail already present in $SM_DIR"
else
  say "extracting private Sendmail into $SM_DIR"
  mkdir -p "$SM_DIR/debs"
  rm -rf "$SM_DIR/root" "$SM_DIR/bin"
  rm -f "$SM_DIR"/debs/*.deb
  # apt-get download runs as _apt when it can: let _apt write there (else it warns and uses root)
  chown _apt "$SM_DIR/debs" 2>/dev/null || true
  (cd "$SM_DIR/debs" && apt-get download -q "${SENDMAIL_DEBS[@]}")
  for d in "$SM_DIR"/debs/*.deb; do dpkg -x "$d" "$SM_DIR/root"; done
  mkdir -p "$SM_DIR/bin"
  # A copy without the setgid bit: the dynamic loader ignores LD_LIBRARY_PATH (needed for the
  # extracted libwrap.so.0) for setgid binaries.
  cp "$SM_DIR/root/usr/libexec/sendmail/sendmail" "$SM_DIR/bin/sendmail"
  chmod 755 "$SM_DIR/bin/sendmail"
fi

# Sendmail sleeps 60 s at startup when the hostname has no domain part ("vm", container ids), so
# the check runs with a qualified hostname in its own UTS namespace, as SendmailInstance does.
smcheck="exec '$SM_DIR/bin/sendmail' -d0.1 -bt -C /dev/null </dev/null 2>&1"
if unshare -u true 2>/dev/null; then
  smcheck="hostname smtest.test.invalid && $smcheck"
  run_check() { LD_LIBRARY_PATH="$(libdir)" unshare -u sh -c "$smcheck"; }
else
  say "note: unshare -u not permitted; this check may take 60 s if the hostname is unqualified"
  run_check() { LD_LIBRARY_PATH="$(libdir)" sh -c "$smcheck"; }
fi
# Capture the whole output first: piping into `grep -q` would SIGPIPE sendmail and trip pipefail.
info=$(run_check || true)
version=$(printf '%s\n' "$info" | head -1)
case "$info" in
  *MILTER*) say "sendmail OK: $version (compiled with MILTER), libwrap from $(libdir)" ;;
  *) say "ERROR: $SM_DIR/bin/sendmail does not report MILTER support: $info"; exit 1 ;;
esac

say "done: postfix $(postconf -h mail_version 2>/dev/null), miltertest $(command -v miltertest)," \
    "swaks $(command -v swaks), m4 $(command -v m4), sendmail dir $SM_DIR"

# ---- what each module's integration tests need (one script per module, e.g. .ci/deps/dns.sh) ----
for extra in "$(dirname "$0")"/deps/*.sh; do
  [ -e "$extra" ] || continue
  say "running $extra"
  bash "$extra"
done
