#!/usr/bin/env bash
# Set up perfsheets on a fresh Debian/Ubuntu machine: system packages, then the Python package.
#   bash scripts/setup.sh          # what `perfsheets demo` needs (fonts, harfbuzz subsetter)
#   bash scripts/setup.sh --test   # plus LibreOffice, poppler and dovecot (IMAP) for the tests
set -euo pipefail
cd "$(dirname "$0")/.."

debs=(fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0)
extras=""
if [[ "${1:-}" == "--test" ]]; then
    debs+=(libreoffice-calc-nogui poppler-utils dovecot-imapd)
    extras="[test]"
fi

missing=()
for p in "${debs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# libreoffice-calc (with GUI) satisfies the tests as well as the -nogui flavour.
if [[ " ${missing[*]:-} " == *" libreoffice-calc-nogui "* ]] && command -v soffice >/dev/null; then
    missing=("${missing[@]/libreoffice-calc-nogui}")
fi
missing=(${missing[@]:-})
if (( ${#missing[@]} )); then
    sudo=""; [[ $(id -u) != 0 ]] && sudo="sudo"
    echo "Installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore -e ".${extras}"
