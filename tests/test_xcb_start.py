"""The window starts through Qt's real xcb plugin under a real X server (Xvfb), not the offscreen plugin.

`make test` installs Xvfb and the xcb libraries first (packaging/scripts/check_qt_libs.sh FOR_TESTS=1): a
missing libxcb-cursor0 etc. makes Qt abort with "Could not load the Qt platform plugin 'xcb'" (issue 18).
"""

from __future__ import annotations

import os
import subprocess
import time

from tests.conftest import cli_args


def _xvfb() -> tuple[subprocess.Popen, str]:
    """A running Xvfb and its display. A server just stopped can still hold the display Xvfb picks, and the
    new one then exits at once: try again (up to 5 times) until one answers."""
    for _ in range(5):
        read_end, write_end = os.pipe()
        xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
            pass_fds=(write_end,),
            stderr=subprocess.DEVNULL,
        )
        os.close(write_end)
        display = ":" + os.read(read_end, 16).decode().strip()
        os.close(read_end)
        env = {**os.environ, "DISPLAY": display}
        ready = time.monotonic() + 20
        while xvfb.poll() is None and time.monotonic() < ready:
            if subprocess.run(["xwininfo", "-root"], env=env, capture_output=True).returncode == 0:
                return xvfb, display
            time.sleep(0.1)
        xvfb.kill()
        xvfb.wait()
        time.sleep(0.5)
    raise AssertionError("Xvfb did not start")


def test_the_window_shows_on_a_real_x_server(tmp_path):
    xvfb, display = _xvfb()
    with xvfb:
        env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
        try:
            with subprocess.Popen(
                cli_args(), env=env, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
            ) as app:
                shown = ""
                deadline = time.monotonic() + 60
                while app.poll() is None and time.monotonic() < deadline:
                    tree = subprocess.run(
                        ["xwininfo", "-root", "-tree"], env=env, capture_output=True, text=True
                    ).stdout
                    if '"Portrait Studio' in tree:
                        shown = tree
                        break
                    time.sleep(0.25)
                app.terminate()
                _, err = app.communicate(timeout=30)
        finally:
            xvfb.terminate()
    assert "Could not load the Qt platform plugin" not in err, err
    assert shown, f"no Portrait Studio window appeared on {display}; stderr: {err}"
