#!/usr/bin/env bash
# Install (or remove) the one-folder bundle built by `make bundle` as a desktop app, for one user by default.
#   install_linux.sh [PREFIX]              PREFIX defaults to ~/.local (use /usr/local as root for everyone)
#   install_linux.sh --uninstall [PREFIX]
# Layout (freedesktop): PREFIX/lib/portrait-studio/ (the bundle), PREFIX/bin/portrait-studio (link; and
# PREFIX/bin/portrait-studio-edit, the same program started as `portrait-studio edit`, for catalogs' Edit In),
# PREFIX/share/{applications,metainfo,icons/hicolor}/… named after the app id.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
app_id="io.github.portraitstudio.PortraitStudio"
name="portrait-studio"
uninstall=0
if [[ "${1:-}" == "--uninstall" ]]; then uninstall=1; shift; fi
prefix="${1:-$HOME/.local}"
bundle="$root/dist/$name"
share="$prefix/share"

remove() {
    rm -rf "$prefix/lib/$name" "$prefix/lib/$name.new"
    rm -f "$prefix/bin/$name" "$prefix/bin/$name-edit" "$share/applications/$app_id.desktop" "$share/metainfo/$app_id.metainfo.xml"
    find "$share/icons/hicolor" -name "$app_id.*" -delete 2>/dev/null || true
}

refresh_caches() {
    # Desktops pick up new launchers and icons without these on most systems; run them when present.
    command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$share/applications" || true
    command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$share/icons/hicolor" || true
}

if ((uninstall)); then
    remove
    refresh_caches
    echo "Removed $name from $prefix"
    exit 0
fi

if [[ ! -x "$bundle/$name" ]]; then
    echo "No bundle at $bundle: run \`make bundle\` first." >&2
    exit 1
fi
mkdir -p "$prefix/lib" "$prefix/bin" "$share/applications" "$share/metainfo"
# Copy beside the old install, then swap, so a failed copy never leaves a half-installed app.
rm -rf "$prefix/lib/$name.new"
cp -a "$bundle" "$prefix/lib/$name.new"
rm -rf "$prefix/lib/$name"
mv "$prefix/lib/$name.new" "$prefix/lib/$name"
ln -sfn "../lib/$name/$name" "$prefix/bin/$name"
ln -sfn "../lib/$name/$name" "$prefix/bin/$name-edit"  # entry.py: started under this name = `edit`
# Absolute Exec/TryExec: a launcher started by the desktop may not have PREFIX/bin on its PATH.
sed -e "s|^Exec=$name|Exec=$prefix/bin/$name|" -e "s|^TryExec=$name|TryExec=$prefix/bin/$name|" \
    "$root/packaging/linux/$app_id.desktop" >"$share/applications/$app_id.desktop"
cp "$root/packaging/linux/$app_id.metainfo.xml" "$share/metainfo/"
for icon in "$root"/portrait_studio/resources/icons/hicolor/*/apps/"$app_id".*; do
    size_dir="$(basename "$(dirname "$(dirname "$icon")")")"
    mkdir -p "$share/icons/hicolor/$size_dir/apps"
    cp "$icon" "$share/icons/hicolor/$size_dir/apps/"
done
refresh_caches
echo "Installed $name to $prefix (run: $prefix/bin/$name)"
