#!/bin/sh
# Before `make run`: the system libraries Qt's xcb platform plugin (the X11 window) needs but PySide6's wheel
# does not ship. Without them Qt aborts with "Could not load the Qt platform plugin 'xcb'".
# Installs what is missing when it can (root + apt-get), else prints the exact apt-get line and stops `make`.
# Stays out of the way when Qt will not use xcb (QT_QPA_PLATFORM=offscreen/wayland…), off Linux, or without apt.
# FOR_TESTS=1 (`make test`): also Xvfb, for the test that starts the real window under a real X server, and
# Noto CJK, for the test that renders the window in Simplified Chinese.
# PY: the virtualenv's python (default .venv/bin/python).
PY=${PY:-.venv/bin/python}
[ "$(uname -s)" = Linux ] || exit 0
if [ -z "$FOR_TESTS" ] && [ -n "$QT_QPA_PLATFORM" ] && [ "${QT_QPA_PLATFORM%%:*}" != xcb ]; then exit 0; fi
qt=$("$PY" -c 'import os, PySide6; print(os.path.join(os.path.dirname(PySide6.__file__), "Qt"))') || exit 1
# Linked libraries ldd cannot find, plus libxcb-cursor, which Qt >= 6.5 opens at run time (not linked).
missing=$(ldd "$qt/plugins/platforms/libqxcb.so" "$qt/lib/libQt6XcbQpa.so.6" 2>/dev/null |
	awk '/not found/ {print $1}' | sort -u)
# (ldconfig is in /sbin, often not on a user's PATH; without it the check is left out, not guessed.)
ldconfig=$(command -v ldconfig || ls /sbin/ldconfig /usr/sbin/ldconfig 2>/dev/null | head -n 1)
if [ -n "$ldconfig" ] && ! "$ldconfig" -p | grep -q 'libxcb-cursor\.so\.0'; then missing="$missing libxcb-cursor.so.0"; fi
packages=""
for lib in $missing; do
	case $lib in  # Debian's package name from the library's soname: libxcb-icccm.so.4 -> libxcb-icccm4
	libxkbcommon-x11.so.0) pkg=libxkbcommon-x11-0 ;;
	*.so.*) pkg=$(echo "$lib" | sed 's/\.so\./ /' | awk '{n=tolower($1); v=$2; if (n ~ /[0-9]$/) n=n "-"; print n v}') ;;
	*) pkg=$lib ;;
	esac
	packages="$packages $pkg"
done
if [ -n "$FOR_TESTS" ] && ! command -v Xvfb >/dev/null 2>&1; then packages="$packages xvfb"; fi
if [ -n "$FOR_TESTS" ] && ! command -v xwininfo >/dev/null 2>&1; then packages="$packages x11-utils"; fi
# A CJK font, so the zh_CN window renders in tests and screenshots (tests/ui/test_zh_cn_window.py).
if [ -n "$FOR_TESTS" ] && [ -z "$(fc-list :lang=zh family 2>/dev/null)" ]; then packages="$packages fonts-noto-cjk"; fi
packages=$(echo $packages)
[ -n "$packages" ] || exit 0
if ! command -v apt-get >/dev/null 2>&1; then
	echo "note: Qt's X11 (xcb) plugin may need these libraries: $(echo $missing); install them with your" \
		"package manager if the window does not open." >&2
	exit 0
fi
if [ "$(id -u)" = 0 ]; then
	echo "Installing what Qt's X11 (xcb) plugin needs: $packages"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages
	exit $?
fi
echo "Qt's X11 (xcb) plugin needs system libraries that are missing. Install them with:" >&2
echo "  sudo apt-get install -y $packages" >&2
echo "then run make again (or QT_QPA_PLATFORM=wayland make run on a Wayland desktop)." >&2
exit 1
