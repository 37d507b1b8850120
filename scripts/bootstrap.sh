#!/usr/bin/env bash
# Bootstrap a fresh Debian/Ubuntu machine for the kiosk: apt packages only when missing, a .venv,
# and the pinned Python dependencies.  Idempotent: a second run does nothing but check.
#
#   scripts/bootstrap.sh          everything `make test` and `make demo` need (PC/SC, PostgreSQL, ...)
#   scripts/bootstrap.sh unit     only what the unit tests need: Python, fonts, no system services
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
LOG_DIR=var/log
APT_LOG=$LOG_DIR/bootstrap-apt.log
PIP_VERSION=26.3  # pinned like every other dependency: a new pip must not change an install silently

# Files only (fonts, PDF tools): what rendering and the unit tests read.
APT_UNIT=(fonts-ipaexfont fonts-noto-cjk fonts-dejavu-core poppler-utils open-jtalk open-jtalk-mecab-naist-jdic espeak-ng)
# The real parts the integration, UI and HIL tests start: pcscd with vpcd, OpenSC, PostgreSQL, SDL's GL.
# cups-ipp-utils brings ippeveprinter, the IPP printer the page-printer tests print to; it needs D-Bus
# and avahi (it refuses to start without DNS-SD), which the IPP fixture starts by hand.
APT_FULL=("${APT_UNIT[@]}" pcscd vsmartcard-vpcd libpcsclite-dev pcsc-tools swig libegl1 libgl1 libmtdev1
          postgresql opensc cups-ipp-utils avahi-daemon dbus)
# The operations console's browser test (chromium + chromedriver, NSS tools for the operator's
# certificate), and `systemd-analyze verify` of deploy/ units (which needs the cage they name).
APT_FULL+=(chromium chromium-driver libnss3-tools systemd cage)
# bench/center.py: strace counts the center's PostgreSQL round trips, ip (iproute2) builds --netns.
APT_FULL+=(strace iproute2)

want_set=full
[ "${1:-}" = unit ] && want_set=unit

# Python 3.11 or newer: the code uses StrEnum, `X | Y` unions at run time and tomllib.
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
  echo "bootstrap: Python 3.11 or newer is required; '$PYTHON' is $("$PYTHON" --version 2>&1 || echo missing)." >&2
  echo "bootstrap: install python3.11 (or newer) and run again, or set PYTHON=/path/to/python3.11." >&2
  exit 2
fi

if [ "$want_set" = unit ]; then packages=("${APT_UNIT[@]}"); else packages=("${APT_FULL[@]}"); fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  mkdir -p "$LOG_DIR"
  echo "bootstrap: installing apt packages: ${missing[*]} (log: $APT_LOG)"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  if ! { $SUDO apt-get update -qq &&
         DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"; \
       } >"$APT_LOG" 2>&1; then
    echo "bootstrap: apt-get failed installing ${missing[*]}; the last lines of $APT_LOG:" >&2
    tail -n 15 "$APT_LOG" >&2
    exit 1
  fi
fi

stamp="$VENV/.bootstrap-stamp"
want=$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "bootstrap: installing pinned Python dependencies into $VENV"
  "$VENV/bin/python" -m pip install -q "pip==$PIP_VERSION"
  "$VENV/bin/python" -m pip install -q -c constraints.txt -e '.[dev]' --config-settings editable_mode=compat
  echo "$want" > "$stamp"
fi
