#!/usr/bin/env bash
# Sets up everything the project needs on a fresh Debian machine: system packages
# (LibreOffice to recalculate workbooks) and a virtual environment in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
# LibreOffice recalculates workbooks in the tests; PostgreSQL is the shared store's database;
# Dovecot is the IMAP server the mail-intake tests run on loopback.
# (python3-uno drives Calc; ssconvert is Gnumeric's converter.)
command -v soffice >/dev/null 2>&1 || need_apt+=(libreoffice-calc-nogui libreoffice-writer-nogui)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
command -v dovecot >/dev/null 2>&1 || need_apt+=(dovecot-imapd)
# Returns typed into Calc through UNO and converted by Gnumeric are part of the real-program corpus.
/usr/bin/python3 -c 'import uno' >/dev/null 2>&1 || need_apt+=(python3-uno libreoffice-script-provider-python)
command -v ssconvert >/dev/null 2>&1 || need_apt+=(gnumeric)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "Installing system packages: ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
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
