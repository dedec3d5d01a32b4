#!/usr/bin/env bash
# Sets up everything the project needs on a fresh Debian machine: the system programs the
# tests run for real, and a virtual environment in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed'; }

# Each group: what it is for, then the Debian packages.
# - LibreOffice Calc with a window (not the -nogui build): it recalculates workbooks, is the
#   oracle of what a return shows, and is typed into under Xvfb by xdotool; Writer for the paper.
# - python3-uno drives Calc; ssconvert (Gnumeric) converts returns; pdftoppm renders printed pages.
# - PostgreSQL is the shared store's database.
# - The mail stack a council runs, started by the tests in their own network namespace:
#   Postfix, OpenDKIM, OpenDMARC, the SPF policy server, dnsmasq for DNS, Dovecot (IMAP,
#   LMTP), and the clients that write test messages (swaks, mutt, mpack).
wanted=(
  libreoffice-calc libreoffice-writer python3-uno libreoffice-script-provider-python
  fonts-crosextra-carlito fonts-liberation2
  xvfb xdotool x11-utils imagemagick poppler-utils
  gnumeric
  postgresql
  postfix opendkim opendkim-tools opendmarc postfix-policyd-spf-python dnsmasq-base
  dovecot-imapd dovecot-lmtpd swaks mutt mpack iproute2
)
need_apt=()
for pkg in "${wanted[@]}"; do have_pkg "$pkg" || need_apt+=("$pkg"); done
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "Installing system packages: ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Postfix is configured by the tests, not by its installer.
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "Missing system packages (${need_apt[*]}); run this script as root or install them with apt-get." >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[test,bench]"
