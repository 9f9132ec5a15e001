"""Issue 19's goals on real faces (tests/engine/real_faces.py: glasses, beards, hair over the face, darker and
older skin, close-ups, small faces enlarged ×7). Measured by tests/engine/goals.py with the judge's own
masks; bench/quality.py prints the same numbers as a table (docs/quality/QUALITY.md).

The photos come from `make test-photos`; without them every test here fails and says so (no skip).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from portrait_studio.core.params import EditParams
from portrait_studio.engine import retouch
from portrait_studio.engine.crop import crop_resize
from tests.engine import goals, measure, real_faces

FACES = [f.name for f in real_faces.FACES]
# Faces with glasses, a beard or moustache, or hair across the face: their structures must be measured.
STRUCTURED = ["obama", "obama2", "walter", "jesse", "beard", "sunglasses", "lenna", "einstein"]
STEPS = [round(i / 10, 1) for i in range(11)]
# Goals still missed on a face (docs/quality/QUALITY.md): strict xfails, so a fix shows up as a failure to
# update here, and a new miss on any other face fails at once.
KNOWN_MISSES = {
    ("structures", "sunglasses"): "the judge finds no frames: they lie in the eye zones it leaves out",
    ("removed", "sunglasses"): "44 % of the skin's energy removed (a small, soft face enlarged ×4)",
    ("spots", "sunglasses"): "65 % of the 31 pasted spots that fit on its judge skin removed",
    ("regions", "beard"): "the cheeks are mostly beard and hand: nose/forehead ratios 1.24/1.19",
    ("regions", "lenna"): "forehead smoothed 0.846 of the cheeks (goal 0.85): its sample is partly hat brim",
    ("blush", "beard"): "its cheek is paler than its face: evening reddens the plain cheek, 26 % kept",
    ("under_eyes", "sunglasses"): "the band is mostly lens: its gap to the cheek grows 12.7 → 14.7 L*",
    ("strokes", "einstein"): "its grainy forehead is healed in sheets; wrinkle cores left as dots: 1.55",
}


def _cases(goal: str, names: list[str]) -> list[object]:
    return [
        pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[(goal, n)]))
        if (goal, n) in KNOWN_MISSES
        else n
        for n in names
    ]


def test_the_set_is_complete() -> None:
    assert real_faces.missing() == [], f"run {real_faces.FETCH_COMMAND}"
    assert len(FACES) >= 10


@pytest.mark.parametrize("name", FACES)
def test_the_skin_mask_covers_the_plain_skin(name: str) -> None:
    share = measure.sure_skin_share(goals.rendered(name, 0, 0, 0), goals.judged(name).mesh)
    assert share >= measure.SURE_SKIN_SHARE, f"sure skin is only {share:.1%} of the face box"


@pytest.mark.parametrize("name", _cases("structures", STRUCTURED))
def test_thin_dark_structures_keep_their_detail_at_full_smoothing(name: str) -> None:
    kept = goals.structure_detail_kept(name)
    assert kept is not None, "the judge found no frames, strands or beard on this face"
    assert kept >= 0.90, f"only {kept:.0%} of the frames', strands' and beard's detail kept at skin = 1"


@pytest.mark.parametrize("name", FACES)
def test_the_defaults_never_make_skin_grainier(name: str) -> None:
    ratio = goals.skin_energy_ratio(name, goals.DEFAULTS)
    assert ratio <= 1.0, f"skin high-frequency energy ×{ratio:.2f} at .4/.3/0"


@pytest.mark.parametrize("name", _cases("removed", FACES))
def test_full_smoothing_removes_most_skin_high_frequencies(name: str) -> None:
    removed = 1 - goals.skin_energy_ratio(name, (0, 1, 0))
    assert removed >= 0.60, (
        f"only {removed:.0%} removed at skin = 1 (eye distance {goals.eye_distance(name):.0f})"
    )


@pytest.mark.parametrize("name", FACES)
def test_pores_stay_visible_at_low_smoothing(name: str) -> None:
    kept = goals.skin_energy_ratio(name, (0, 0.3, 0))
    assert kept >= 0.45, f"only {kept:.0%} of the skin's texture left at skin = 0.3"


@pytest.mark.parametrize("name", _cases("heal", FACES))
def test_healing_leaves_no_stain(name: str) -> None:
    worst = max(goals.heal_delta_e(name), default=0.0)
    assert worst < 6.0, f"a healed area differs from its skin by ΔE2000 {worst:.1f}"


@pytest.mark.parametrize("name", _cases("strokes", FACES))
def test_healing_draws_no_stroke(name: str) -> None:
    # The soft shading of a crease (a nose wing, a nasolabial fold) whose dark line the skin mask leaves
    # out was healed up to that line, left as a crisp stroke: 1.8-2.4 on fringe, sunglasses, bob, beard
    # and einstein before the engine took such areas for rims.
    worst = goals.heal_strokes(name)
    assert worst < 1.5, f"a heal sharpened the edges around it {worst:.2f} times"


@pytest.mark.parametrize("name", FACES)
def test_moles_are_kept_and_blemishes_of_their_size_healed(name: str) -> None:
    # Issue 19, item 5: a mole is part of the face, not a blemish. A brown disc of ~4 mm (at least 12 px)
    # on one cheek, a red one of the same size on the other, at skin_unifi = 1.
    m = goals.marks(name)
    assert m.mole_left >= 0.8, f"only {m.mole_left:.0%} of a {m.diameter} px mole's contrast kept"
    assert m.blemish_left <= 0.5, f"{m.blemish_left:.0%} of a {m.diameter} px red blemish left"
    # The same mole as a tilted oval 1.8 times as long as wide (obama2's own is 1.7): 42 % and 55 % of it
    # were kept on obama and obama2 while moles were judged by a disc cut out of them.
    assert m.oval_left >= 0.8, f"only {m.oval_left:.0%} of an oval mole's contrast kept"


# Faces whose cheeks the judge sees (sunglasses: its cheeks are lens, shadow and smile).
BLUSHED = [n for n in FACES if n != "sunglasses"]


@pytest.mark.parametrize("name", _cases("blush", BLUSHED))
def test_a_natural_blush_is_kept(name: str) -> None:
    # Issue 19, item 5: a blush is the face's own colour, not a blotch. A broad warm flush (σ 0.12 eye
    # distances, ΔE ~4) on both cheeks, at skin_unifi = 1 (main: 37-68 % kept on these faces).
    kept = goals.blush_kept(name)
    assert kept >= 0.6, f"only {kept:.0%} of a cheek's blush kept at skin_unifi = 1"


def test_the_blush_is_measured_where_the_cheeks_are_seen() -> None:
    assert np.isnan(goals.blush_kept("sunglasses"))


@pytest.mark.parametrize("name", _cases("spots", FACES))
def test_pasted_spots_are_removed_at_any_face_scale(name: str) -> None:
    removed = goals.spots_removed(name)
    assert removed >= 0.90, (
        f"{removed:.0%} of {len(goals.spotted(name).spots)} pasted 3–8 px spots removed "
        f"(eye distance {goals.eye_distance(name):.0f})"
    )


def test_the_close_up_has_a_500_px_eye_distance() -> None:
    # The spots goal names this scale; the close-up at 2048 px is the set's case of it.
    assert goals.eye_distance("einstein") >= 450


@pytest.mark.parametrize("name", _cases("regions", FACES))
def test_nose_and_forehead_are_smoothed_like_the_cheeks(name: str) -> None:
    red = goals.region_reduction(name)
    for part in ("nose", "forehead"):
        if np.isnan(red[part]):
            continue  # hidden: a fringe over the forehead, a profile's far side
        ratio = red[part] / red["cheeks"]
        assert 0.85 <= ratio <= 1.15, f"{part}: {red[part]:.0%} removed vs the cheeks' {red['cheeks']:.0%}"


@pytest.mark.parametrize("name", FACES)
def test_the_head_has_room_above_it_when_it_fits(name: str) -> None:
    room, fits = goals.headroom(name)
    if fits:
        assert room >= 0.1, f"head top to frame = {room:.2f} of the head height"


def test_headroom_is_measured_on_several_faces() -> None:
    assert sum(goals.headroom(n)[1] for n in FACES) >= 4


@pytest.mark.parametrize("name", _cases("colour", FACES))
def test_skin_colour_is_stable_at_the_defaults(name: str) -> None:
    assert goals.mean_skin_shift(name) < 0.2


@pytest.mark.parametrize("name", FACES)
def test_full_smoothing_keeps_the_skin_colour(name: str) -> None:
    # Skin is lighter and redder than the brows, hair and shadows beside it; the smoothing bands took that
    # in, and removing them darkened and greyed the skin: mean ΔE2000 0.30-1.28 at skin = 1 (jesse 1.28,
    # sunglasses 0.84) before the middle band lost its mean over the skin, 0.05-0.55 after.
    shift = goals.mean_skin_shift(name, (0, 1, 0))
    assert shift < 0.75, f"mean skin ΔE2000 {shift:.2f} at skin = 1"


@pytest.mark.parametrize("name", ["einstein", "fringe", "three_quarter", "bob"])
def test_a_frame_filling_close_up_is_found_again_in_the_engines_own_output(name: str) -> None:
    first = goals.rendered(name, 0.4, 0.3, 0.0)
    size = first.shape[0]
    again = retouch(first, EditParams(gpen=0.4, skin=0.3, skin_unifi=0, width=size, height=size))
    assert again.faces_retouched == 1


@pytest.mark.parametrize("name", FACES)
def test_nothing_outside_the_face_changes(name: str) -> None:
    base, out = goals.rendered(name, 0, 0, 0), goals.rendered(name, 1, 1, 1)
    j = goals.judged(name)
    pad = 0.6 * j.eye_d  # the engine's region: the oval plus a margin of 0.35 eye distances
    x0, y0 = np.floor(j.mesh.min(0) - pad).astype(int)
    x1, y1 = np.ceil(j.mesh.max(0) + pad).astype(int)
    outside = np.ones(base.shape[:2], bool)
    outside[max(0, y0) : y1, max(0, x0) : x1] = False
    assert np.array_equal(base[outside], out[outside])


@pytest.mark.parametrize("name", _cases("under_eyes", FACES))
def test_under_eyes_are_lifted_towards_the_cheek(name: str) -> None:
    under, cheek = goals.under_eye_gap(name, (0, 0, 0)), goals.under_eye_gap(name, (0, 0, 1))
    if under is None or cheek is None:
        pytest.fail("the judge found no under-eye band")
    # Darker under-eyes come nearer the cheek's lightness (measured: obama 7.6 → 2.4 L*, fringe 3.8 → 1.2);
    # lighter ones are never darkened and only their darker patches are lifted (walter −1.3 → −3.0).
    if under > 1.0:
        assert cheek < 0.75 * under, f"under-eye L* gap {under:.1f} → {cheek:.1f}"
    else:
        assert under - 3.0 < cheek <= under + 0.5, f"under-eye L* gap {under:.1f} → {cheek:.1f}"


@pytest.mark.parametrize("name", ["obama", "biden"])
def test_skin_tone_is_evened_on_deeper_skin_too(name: str) -> None:
    # The face at 0.4 of its brightness stands in for deep-brown skin (skin luma ~70). Deep shadow is
    # left alone relative to the face's own skin: with a fixed luma bound (40) biden's spread fell only
    # 5 % (2.13 → 2.02); now 26 %, obama 36 %.
    base, j = goals.rendered(name, 0, 0, 0), goals.judged(name)
    deep = np.clip(base.astype(np.float32) * 0.4, 0, 255).astype(np.uint8)
    size = base.shape[0]
    out = retouch(deep, EditParams(gpen=0, skin=0, skin_unifi=1, width=size, height=size)).image
    before, after = measure.ab_spread(deep, j.skin), measure.ab_spread(out, j.skin)
    assert after < 0.85 * before, f"a*b* spread {before:.2f} → {after:.2f}"


@pytest.mark.parametrize("name", FACES)
def test_nostrils_are_not_healed_away(name: str) -> None:
    # Measured: jesse's lit nostril healed into skin 0.0118 (main at 46399f9), 0.0014 now; the largest
    # elsewhere is einstein's 0.0024: moustache hair tips under the nose, not the nostrils.
    area = goals.nostrils_lightened(name)
    assert area < 0.004, f"{area:.4f} eye distances² of the lower nose lightened by > 40 grey levels"


@pytest.mark.parametrize("name", ["obama", "walter", "einstein"])
def test_all_zero_is_the_plain_crop(name: str) -> None:
    c = goals.case(name)
    params = EditParams(gpen=0, skin=0, skin_unifi=0, width=c.size, height=c.size)
    result = retouch(c.photo, params)
    assert np.array_equal(result.image, crop_resize(c.photo, result.crop_box, c.size, c.size))


@pytest.mark.parametrize("effect", [0, 1, 2])
@pytest.mark.parametrize("name", ["walter", "fringe"])
def test_each_effect_grows_in_tenth_steps(name: str, effect: int) -> None:
    base = goals.rendered(name, 0, 0, 0).astype(np.float64)
    oval = goals.judged(name).oval
    changes = []
    for v in STEPS:
        args = [0.0, 0.0, 0.0]
        args[effect] = v
        changes.append(np.abs(goals.rendered(name, *args).astype(np.float64) - base)[oval].mean())
    assert changes[0] == 0.0
    assert all(b > a for a, b in itertools.pairwise(changes)), changes


@pytest.mark.parametrize("name", ["walter", "fringe"])
def test_skin_energy_falls_in_tenth_steps(name: str) -> None:
    skin = goals.judged(name).skin
    energy = [measure.laplacian_energy(goals.rendered(name, 0, s, 0), skin) for s in STEPS]
    assert all(b < a for a, b in itertools.pairwise(energy)), energy
