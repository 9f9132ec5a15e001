"""The local engine's retouch quality on the real faces of tests/engine/real_faces.py (issue 19's goals).

    .venv/bin/python bench/quality.py [face ...]      # `make test-photos` first

Prints one row per face and one summary row per goal (worst face), as markdown (docs/quality/QUALITY.md
keeps the table). Exit 1 when a goal is missed. The measurements are tests/engine/goals.py's.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.engine import goals, real_faces

GOALS = {  # column → (label, pass test)
    "frames": ("dark thin structures' detail kept at skin 1", lambda v: v >= 0.90),
    "defaults": ("skin HF energy at .4/.3/0 (× original)", lambda v: v <= 1.0),
    "removed": ("skin HF energy removed at skin 1", lambda v: v >= 0.60),
    "heal": ("worst healed area ΔE2000 vs its skin", lambda v: v < 6.0),
    "strokes": ("edges a heal sharpened (× original)", lambda v: v < 1.5),
    "spots": ("pasted 3–8 px spots removed at skin_unifi 1", lambda v: v >= 0.90),
    "nose": ("nose reduction / cheeks' at skin 1", lambda v: 0.85 <= v <= 1.15),
    "forehead": ("forehead reduction / cheeks' at skin 1", lambda v: 0.85 <= v <= 1.15),
    "blush": ("a pasted blush kept at skin_unifi 1", lambda v: v >= 0.60),
    "headroom": ("head top to frame / head height", lambda v: v >= 0.1),
    "colour": ("mean skin ΔE2000 at the defaults", lambda v: v < 0.2),
}


def row(name: str) -> dict[str, float | None]:
    red = goals.region_reduction(name)
    room, fits = goals.headroom(name)
    heal = goals.heal_delta_e(name)
    return {
        "eye_d": goals.eye_distance(name),
        "frames": goals.structure_detail_kept(name),
        "defaults": goals.skin_energy_ratio(name, goals.DEFAULTS),
        "removed": 1 - goals.skin_energy_ratio(name, (0, 1, 0)),
        "heal": max(heal) if heal else 0.0,
        "strokes": goals.heal_strokes(name),
        "spots": goals.spots_removed(name),
        "nose": red["nose"] / red["cheeks"],
        "forehead": red["forehead"] / red["cheeks"],
        "blush": goals.blush_kept(name),
        "headroom": room if fits else None,
        "colour": goals.mean_skin_shift(name),
    }


def _fmt(key: str, v: float | None) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    text = f"{v:.0%}" if key in ("frames", "removed", "spots", "blush") else f"{v:.2f}"
    return text if key == "eye_d" or GOALS[key][1](v) else f"**{text}** ✗"


def main() -> int:
    names = sys.argv[1:] or [f.name for f in real_faces.FACES]
    missing = real_faces.missing()
    if missing:
        print(f"test photos missing: {missing}; run {real_faces.FETCH_COMMAND}")
        return 2
    keys = ["eye_d", *GOALS]
    print("| face | shows | " + " | ".join(keys) + " |")
    print("|---" * (len(keys) + 2) + "|")
    rows = {}
    ok_rows = True
    for name in names:
        try:
            rows[name] = r = row(name)
        except Exception as err:
            print(f"| {name} | {real_faces.BY_NAME[name].shows} | failed: {type(err).__name__}: {err} |")
            ok_rows = False
            continue
        cells = " | ".join(_fmt(k, r[k]) for k in keys)
        print(f"| {name} | {real_faces.BY_NAME[name].shows} | {cells} |", flush=True)
    print()
    print("| goal | worst face | value | met |")
    print("|---|---|---|---|")
    ok = ok_rows
    for key, (label, passes) in GOALS.items():
        values = [(n, r[key]) for n, r in rows.items() if r[key] is not None and not math.isnan(r[key])]
        if not values:
            print(f"| {label} | — | — | not measured |")
            continue
        bad = [(n, v) for n, v in values if not passes(v)]
        worst = bad[0] if bad else min(values, key=lambda nv: abs(nv[1] - 1.0)) if values else ("—", None)
        if key in ("defaults", "heal", "strokes", "colour"):
            worst = max(values, key=lambda nv: nv[1])
        elif key in ("frames", "removed", "spots", "blush", "headroom"):
            worst = min(values, key=lambda nv: nv[1])
        elif key in ("nose", "forehead"):
            worst = max(values, key=lambda nv: abs(nv[1] - 1.0))
        ok &= not bad
        print(
            f"| {label} | {worst[0]} | {_fmt(key, worst[1])} | {'yes' if not bad else f'no ({len(bad)})'} |"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
