"""Peak memory of the app's full-resolution path with a 24 MP 16-bit Adobe RGB original: open, run, compare.

Goal (issue 16): the peak RSS of the app with a 24 MP 16-bit original open, merged and compared ≤ 250 MB +
4 × the decoded original (6000 × 4000 × 3 × 2 bytes = 144 MB), i.e. ≤ 826 MB. The baseline is that budget,
computed in the same run from the decoded original's own size.

One fresh child process is "the app"; it reports its peak (VmHWM) after each stage, so each figure is the
peak up to then:
- floor: the imports and the face models (loaded once by any app process);
- open: what the window's loader does with a new photo (ui.jobs.loader, the very functions it runs off the
  GUI thread): the ≤ 1920 px working copy and its thumbnail (`load_screen`), the faces and the pre-flight
  report (`analyse`); what the window keeps of them is kept;
- run: `run_edit(..., size="original")` through a local gateway over HTTP whose engine runs in this very
  process (the app's own engine runs in worker processes, so this counts more than the app holds): the one
  decode, the sRGB upload, the engine's answer at the photo's aspect (2048 × 1365), the merge at full size
  and depth, the 16-bit TIFF written;
- compare: a 1:1 compare of the two (`load_detail`, as the window's zoom calls it): both full-size decodes
  kept at 8 bits in their own colour space (72 MB each), a crop of each converted for the screen.

The photo: skimage's astronaut on skimage's rocket, 6000 × 4000 (bench/_photo24.py), taken into Adobe RGB at
16 bits with its own low bits. Nothing is downloaded.

Usage: .venv/bin/python bench/full_res_memory.py
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from _photo24 import ROOT, photo_24mp


def _peak_mb() -> float:
    """This process's peak RSS (VmHWM). Not ru_maxrss: Linux carries the forking parent's peak over exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: the best there is


def _make_original(folder: Path) -> Path:
    import io

    import numpy as np
    from PIL import Image

    from portrait_studio.core.colour import Space
    from portrait_studio.core.deep_io import write_tiff
    from tests.core.icc_profiles import adobe_rgb

    srgb = np.asarray(Image.open(io.BytesIO(photo_24mp())).convert("RGB"))
    space = Space.of(adobe_rgb())
    grain = np.random.default_rng(16).normal(0, 60, srgb.shape).astype(np.float32)
    deep = np.clip(np.rint(space.from_srgb(srgb) * 65535 + grain), 0, 65535).astype(np.uint16)
    return write_tiff(folder / "portrait.tif", deep, adobe_rgb())


def _child(original: Path) -> None:
    """The app's path, stage by stage; one JSON line of figures (MB)."""
    import numpy as np

    from portrait_studio.api.client import Client
    from portrait_studio.api.pipeline import Backend, run_edit
    from portrait_studio.core.deep_io import read_deep
    from portrait_studio.core.faces import detect_faces
    from portrait_studio.core.journal import Journal
    from portrait_studio.core.memory import give_back_large_blocks
    from portrait_studio.core.params import EditParams
    from portrait_studio.engine.local import LocalEngine
    from portrait_studio.gateway import LocalGateway
    from portrait_studio.ui.jobs.loader import analyse, load_detail, load_screen

    give_back_large_blocks()  # as the app's entry point does (portrait_studio.entry)
    detect_faces(np.zeros((64, 64, 3), np.uint8))  # the face models, once
    figures = {"floor_mb": _peak_mb()}
    params = EditParams(gpen=0.5, skin=0.8, skin_unifi=0.5)  # the size follows the photo: 2048 × 1365
    screen = load_screen(original)  # the window keeps the working copy, its QImages and the analysis
    analysis = analyse(original, screen.rgb, params)
    figures["open_mb"] = _peak_mb()
    with (
        LocalGateway(LocalEngine(), cache_dir=original.parent / "gw") as gateway,
        Client(gateway.base_url, gateway.token) as client,
        Journal() as journal,
    ):
        result = run_edit(Backend(client, "local"), original, params, journal=journal)
    figures["run_mb"] = _peak_mb()
    side = json.loads(result.sidecar_path.read_text())
    width = screen.rgb.shape[1]
    shown = [load_detail(p, (800.0, 300.0, 400.0, 300.0), width) for p in (original, result.output_path)]
    figures["compare_mb"] = _peak_mb()
    figures["decoded_mb"] = read_deep(original).pixels.nbytes / 1e6
    figures["result"] = {
        "size": side.get("size"),
        "bits": side.get("bits"),
        "faces": analysis.report.faces.count,
        "crops": [image.width() for _rect, image in shown],
    }
    print(json.dumps(figures))


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        _child(Path(sys.argv[2]))
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        original = _make_original(Path(tmp))
        env = {**os.environ, "PORTRAIT_STUDIO_DATA_DIR": str(Path(tmp) / "data")}
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(original)],
            capture_output=True, text=True, check=True, cwd=ROOT, env=env,
        ).stdout  # fmt: skip
    f = json.loads(out.strip().splitlines()[-1])
    goal = 250 + 4 * f["decoded_mb"]
    print(f"24 MP 16-bit Adobe RGB TIFF ({f['decoded_mb']:.0f} MB decoded); result {f['result']}")
    for stage in ("floor", "open", "run", "compare"):
        print(f"  peak after {stage:8} {f[f'{stage}_mb']:6.0f} MB")
    print(f"peak {f['compare_mb']:.0f} MB; goal ≤ 250 MB + 4 × {f['decoded_mb']:.0f} MB = {goal:.0f} MB   "
          f"ratio {f['compare_mb'] / goal:.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
