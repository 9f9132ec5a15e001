#!/bin/sh
# Before `make test`: the command-line tools the tests run as a catalog or a host would.
#   exiftool (libimage-exiftool-perl): reads a result's EXIF, XMP and IPTC as Lightroom/darktable would, and
#     tags the originals the tests start from;
#   luac (lua5.4): checks packaging/darktable/portrait_studio.lua compiles (darktable runs Lua 5.4).
# Installs what is missing when it can (root + apt-get), else prints the exact apt-get line and stops `make`.
packages=""
command -v exiftool >/dev/null 2>&1 || packages="$packages libimage-exiftool-perl"
command -v luac5.4 >/dev/null 2>&1 || command -v luac >/dev/null 2>&1 || packages="$packages lua5.4"
packages=$(echo $packages)
[ -n "$packages" ] || exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
	echo "Installing the tools the tests use: $packages"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages
	exit $?
fi
echo "The tests need: $packages. Install them with:" >&2
echo "  sudo apt-get install -y $packages" >&2
exit 1
