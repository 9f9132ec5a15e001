#!/usr/bin/env bash
# Validate the .desktop file and the AppStream metainfo with the standard validators, installing them from
# Debian (desktop-file-utils, appstream) when they are missing. Usage: validate_linux.sh [folder with the files]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
folder="${1:-$here/linux}"
app_id="io.github.portraitstudio.PortraitStudio"

missing=()
command -v desktop-file-validate >/dev/null 2>&1 || missing+=(desktop-file-utils)
command -v appstreamcli >/dev/null 2>&1 || missing+=(appstream)
if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing ${missing[*]} from Debian"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "The validators are missing: install ${missing[*]} (e.g. sudo apt-get install ${missing[*]})" >&2
        exit 1
    fi
fi

desktop-file-validate "$folder/$app_id.desktop"
echo "desktop-file-validate: $app_id.desktop is valid"
# Fails on errors and warnings; --no-net because CI has no network (the screenshot URLs are not fetched).
appstreamcli validate --no-net "$folder/$app_id.metainfo.xml"
