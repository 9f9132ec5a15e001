#!/usr/bin/env bash
# Check a built bundle (`make bundle`) the way a user meets it: validators, version, smoke test, then an
# install into a throwaway prefix whose launcher and smoke test are checked too. Used by `make bundle-test`/CI.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
name="portrait-studio"
app_id="io.github.portraitstudio.PortraitStudio"
exe="dist/$name/$name"
py="${PY:-.venv/bin/python}"

bash packaging/scripts/validate_linux.sh

expected="$("$py" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
reported="$("$exe" --version)"
if [[ "$reported" != "$name $expected" ]]; then
    echo "The bundle reports '$reported', pyproject.toml says $expected" >&2
    exit 1
fi
echo "version: $reported"

status=0
out="$("$exe" --smoke-test)" || status=$?
echo "$out"
((status == 0)) || { echo "smoke test failed (exit $status)" >&2; exit 1; }
[[ "$(tail -n 1 <<<"$out")" == "OK" ]] || { echo "smoke test did not end with OK" >&2; exit 1; }

# CLI subcommands are imported by name at run time: one of them proves they were collected.
"$exe" check portrait_studio/resources/samples/astronaut.jpg

prefix="$(mktemp -d)"
trap 'rm -rf "$prefix"' EXIT
bash packaging/scripts/install_linux.sh "$prefix"
desktop-file-validate "$prefix/share/applications/$app_id.desktop"
grep -qx "Exec=$prefix/bin/$name %F" "$prefix/share/applications/$app_id.desktop"
test -f "$prefix/share/icons/hicolor/scalable/apps/$app_id.svg"
test -f "$prefix/share/icons/hicolor/256x256/apps/$app_id.png"
"$prefix/bin/$name" --smoke-test | tail -n 1 | grep -qx OK
bash packaging/scripts/install_linux.sh --uninstall "$prefix"
test ! -e "$prefix/bin/$name"
echo "installed launcher, icons and smoke test: OK"
