import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portrait_studio.core.errors import ParamsError
from portrait_studio.core.params import (
    ASPECT_PRESETS,
    DEFAULTS,
    GEN_MODES,
    EditParams,
    crop_share,
    fit_size,
    snap_strength,
)


def test_defaults_match_the_seed_document():
    p = EditParams()
    assert (p.gpen, p.skin, p.skin_unifi) == (0.4, 0.3, 0.0)
    assert (p.width, p.height, p.seed) == (None, None, -1)  # the size follows the photo (issue 16)
    assert p.follows_photo and p.to_dict()["width"] == p.to_dict()["height"] == "auto"
    assert p.gen_mode is None and p.prompt is None
    assert p.effective_gen_mode == "reference"


@pytest.mark.parametrize(
    ("raw", "snapped"),
    [(0.05, 0.1), (0.04, 0.0), (0.15, 0.2), (0.25, 0.3), (0.949, 0.9), (0.95, 1.0), (1, 1.0), (0, 0.0)],
)
def test_snapping_rounds_half_up(raw, snapped):
    assert snap_strength("skin", raw) == snapped


def test_payload_has_exact_decimals():
    p = EditParams(gpen=0.1 + 0.2, skin=0.30000000000000004, skin_unifi=0.7)
    text = json.dumps(p.to_payload("https://example.invalid/a.jpg"))
    assert '"gpen": 0.3' in text and '"skin": 0.3' in text and '"skin_unifi": 0.7' in text
    assert "0.30000000000000004" not in text


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, -0.01, 1.06, "0.3", None, True, [0.3]])
@pytest.mark.parametrize("field", ["gpen", "skin", "skin_unifi"])
def test_bad_strength_names_field_and_range(field, bad):
    with pytest.raises(ParamsError) as err:
        EditParams(**{field: bad})
    assert err.value.field == field
    assert "0" in err.value.allowed and "1" in err.value.allowed
    assert field in str(err.value)


@pytest.mark.parametrize("bad", [511, 2049, 1328.0, "1328", True, -1])
@pytest.mark.parametrize("field", ["width", "height"])
def test_bad_size(field, bad):
    with pytest.raises(ParamsError, match=field):
        EditParams(**{field: bad})


@pytest.mark.parametrize("bad", [-2, 2**32, 1.5, "abc", True])
def test_bad_seed(bad):
    with pytest.raises(ParamsError, match="seed"):
        EditParams(seed=bad)


def test_seed_as_string_is_accepted():
    assert EditParams(seed="42").seed == 42


def test_bad_gen_mode():
    with pytest.raises(ParamsError, match="gen_mode") as err:
        EditParams(gen_mode="artistic")
    assert "reference_char" in err.value.allowed


def test_payload_shape_and_prompt_rules():
    body = EditParams(prompt="  ").to_payload("data:image/jpeg;base64,AAAA")
    assert body["model"] == "spark_edit_portrait"
    params = body["input"][0]["params"]
    assert "prompt" not in params and params["gen_mode"] == "reference"
    assert params["image_input"].startswith("data:")
    body = EditParams(prompt=" Concert group photo ").to_payload("u")
    assert body["input"][0]["params"]["prompt"] == "Concert group photo"
    assert body["input"][0]["params"]["gen_mode"] == "creative"


def test_payload_requires_image():
    with pytest.raises(ParamsError, match="image_input"):
        EditParams().to_payload("  ")


def test_unknown_keys_rejected():
    with pytest.raises(ParamsError, match="strength") as err:
        EditParams.from_dict({"gpen": 0.3, "strength": 1})
    assert "gpen" in err.value.allowed


def test_from_payload_roundtrip():
    p = EditParams(gpen=0.7, prompt="x", gen_mode="reference_char", seed=9, width=1024, height=768)
    back, image = EditParams.from_payload(p.to_payload("u")["input"][0]["params"])
    assert image == "u" and back == p


@pytest.mark.parametrize(
    ("photo", "sent"),
    [
        ((6000, 4000), (2048, 1365)),  # 3:2, the example
        ((3000, 4000), (1536, 2048)),  # 3:4
        ((4000, 4000), (2048, 2048)),
        ((512, 600), (1748, 2048)),  # a small photo is enlarged to the model's largest
        ((8192, 2048), (2048, 512)),  # 4:1, the longest the 512–2048 range allows
        ((10000, 2000), (2048, 512)),  # longer: the short side stays at 512 (the model sees a crop)
        ((2000, 10000), (512, 2048)),
    ],
)
def test_the_size_follows_the_photo_at_the_largest_the_model_allows(photo, sent):
    p = EditParams(gpen=0.5)
    assert fit_size(*photo) == sent == p.size_for(*photo)
    pinned = p.for_photo(*photo)
    assert (pinned.width, pinned.height) == sent and not pinned.follows_photo and pinned.gpen == 0.5
    body = pinned.to_payload("u")["input"][0]["params"]
    assert (body["width"], body["height"]) == sent
    assert EditParams(width=1328, height=1328).for_photo(*photo).width == 1328  # a pinned size stays


def test_the_square_stays_one_preset_away_and_crop_share_says_what_it_leaves_out():
    assert ASPECT_PRESETS["1:1"] == (1328, 1328) and ASPECT_PRESETS["photo"] is None
    for name, size in ASPECT_PRESETS.items():
        if size is not None:
            a, b = (int(v) for v in name.split(":"))
            assert abs(size[0] * b / (size[1] * a) - 1) < 0.01, name
            EditParams(width=size[0], height=size[1])  # within the model's range
    assert crop_share(6000, 4000, 1328, 1328) == pytest.approx(1 / 3)
    assert crop_share(6000, 4000, 2048, 1365) == 0.0
    assert crop_share(10000, 2000, 2048, 512) == pytest.approx(0.2)


def test_a_size_follows_the_photo_on_both_sides_or_neither():
    with pytest.raises(ParamsError, match="height must be given with width"):
        EditParams(width=1024)
    assert EditParams.from_dict({"width": "auto", "height": "auto"}).follows_photo
    # Left out of the body, the model's default applies; the gateway reads it so, as the cloud does.
    body = EditParams().to_payload("u")["input"][0]["params"]
    assert "width" not in body and "height" not in body
    back, _ = EditParams.from_payload(body)
    assert (back.width, back.height) == (1328, 1328)
    with pytest.raises(ParamsError, match="auto"):  # the app's word, not the protocol's
        EditParams.from_payload({**body, "width": "auto", "height": "auto"})


strengths = st.floats(min_value=0, max_value=1, allow_nan=False)
modes = st.sampled_from([None, *GEN_MODES])
prompts = st.one_of(st.none(), st.text(max_size=40))


@given(strengths)
def test_snap_is_nearest_tenth(x):
    s = snap_strength("gpen", x)
    assert s in {round(i / 10, 1) for i in range(11)}
    assert abs(s - x) <= 0.05 + 1e-9
    assert json.dumps(s) == json.dumps(round(s, 1))


@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers()))
def test_out_of_range_always_raises(x):
    if (isinstance(x, float) and math.isfinite(x) and 0 <= x <= 1) or (isinstance(x, int) and 0 <= x <= 1):
        assert 0 <= snap_strength("skin", x) <= 1
    else:
        with pytest.raises(ParamsError):
            snap_strength("skin", x)


@given(modes, prompts)
def test_gen_mode_rule(mode, prompt):
    p = EditParams(gen_mode=mode, prompt=prompt)
    if mode is not None:
        assert p.effective_gen_mode == mode
    elif prompt and prompt.strip():
        assert p.effective_gen_mode == "creative"
    else:
        assert p.effective_gen_mode == "reference"


@given(
    strengths,
    strengths,
    strengths,
    st.integers(512, 2048),
    st.integers(512, 2048),
    st.one_of(st.just(-1), st.integers(0, 2**32 - 1)),
    modes,
    prompts,
)
def test_dict_round_trip(g, s, u, w, h, seed, mode, prompt):
    p = EditParams(gpen=g, skin=s, skin_unifi=u, width=w, height=h, seed=seed, gen_mode=mode, prompt=prompt)
    d = json.loads(json.dumps(p.to_dict()))
    assert EditParams.from_dict(d) == p
    assert set(d) == set(DEFAULTS)
