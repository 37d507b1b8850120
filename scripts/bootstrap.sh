#!/usr/bin/env bash
# Bootstrap a fresh Debian/Ubuntu machine for the kiosk: apt packages only when missing, a .venv,
# and the pinned Python dependencies.  Idempotent: a second run does nothing but check.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
APT_PACKAGES=(pcscd vsmartcard-vpcd libpcsclite-dev pcsc-tools swig libegl1 libgl1 libmtdev1
              fonts-ipaexfont fonts-noto-cjk fonts-dejavu-core postgresql opensc poppler-utils
              cups-ipp-utils avahi-daemon dbus)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing apt packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

stamp="$VENV/.bootstrap-stamp"
want=$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "bootstrap: installing pinned Python dependencies into $VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -c constraints.txt -e '.[dev]' --config-settings editable_mode=compat
  echo "$want" > "$stamp"
fi
