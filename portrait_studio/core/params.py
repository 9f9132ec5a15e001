"""EditParams: the one source of truth for a Spark Edit Portrait request."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal, cast, get_args

from portrait_studio.core.errors import CODE_INVALID_PARAM, ParamsError, PortraitStudioError
from portrait_studio.core.i18n import N_, _

MODEL = "spark_edit_portrait"

GenMode = Literal["creative", "reference", "reference_char"]
GEN_MODES: tuple[str, ...] = get_args(GenMode)
AUTO = "auto"  # the dict/CLI spelling of "no manual gen_mode choice"

STRENGTH_FIELDS = ("gpen", "skin", "skin_unifi")
#: The one name each strength has in every view (sliders, History, presets, the CLI's lines and --help); the
#: API's name (the field, the CLI flag) is shown next to it where it helps: tooltips and --help.
#: (English here, marked N_: each view translates them where it shows them.)
STRENGTH_NAMES = {"gpen": N_("Face HD"), "skin": N_("Skin"), "skin_unifi": N_("Tone")}
STRENGTH_MEANINGS = {
    "gpen": N_("face detail enhancement"),
    "skin": N_("skin beautification"),
    "skin_unifi": N_("skin-tone uniformity and blemish removal"),
}
SIZE_MIN, SIZE_MAX = 512, 2048  # each side (docs/PROTOCOL.md: "512–2048"; no step or multiple rule)
MODEL_DEFAULT_SIZE = 1328  # the model's own default edge, when a request leaves width × height out
SEED_RANDOM = -1
SEED_MAX = 2**32 - 1  # the seed document gives no bound; 32 bits is what generation back-ends take

DEFAULTS: dict[str, Any] = {
    "gpen": 0.4,
    "skin": 0.3,
    "skin_unifi": 0.0,
    "width": None,  # None (spelt "auto"): width × height follow the photo (fit_size)
    "height": None,
    "seed": SEED_RANDOM,
    "gen_mode": None,
    "prompt": None,
}


def snap_strength(name: str, value: object) -> float:
    """Snap a 0..1 strength to the nearest 0.1 (half up: 0.05 → 0.1, 0.04 → 0.0)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise ParamsError(
            name,
            _("must be a number from 0 to 1, got {value!r}").format(value=value),
            allowed=_("0.0 to 1.0 in 0.1 steps"),
        )
    if isinstance(value, float) and not math.isfinite(value):
        raise ParamsError(
            name,
            _("must be a finite number from 0 to 1, got {value!r}").format(value=value),
            allowed=_("0.0 to 1.0"),
        )
    # repr() gives the shortest decimal that round-trips, so 0.05 is seen as 0.05, not 0.05000000000000000277.
    dec = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not dec.is_finite() or dec < 0 or dec > 1:
        raise ParamsError(
            name,
            _("must be from 0 to 1, got {value!r}").format(value=value),
            allowed=_("0.0 to 1.0 in 0.1 steps"),
        )
    # float(Decimal("0.3")) is the double whose repr is "0.3": the JSON payload shows exact decimals.
    return float(dec.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


#: The aspect presets: "photo" (the default) follows the photo (fit_size); the others pin a size. "1:1" is
#: the seed's 1328 × 1328 square; the rest are common print shapes within 512–2048 at about the same area.
ASPECT_PRESETS: dict[str, tuple[int, int] | None] = {
    "photo": None,
    "1:1": (MODEL_DEFAULT_SIZE, MODEL_DEFAULT_SIZE),
    "4:5": (1184, 1480),
    "2:3": (1088, 1632),
    "3:4": (1152, 1536),
    "5:4": (1480, 1184),
    "3:2": (1632, 1088),
    "16:9": (1792, 1008),
}


def fit_size(photo_width: int, photo_height: int) -> tuple[int, int]:
    """The largest width × height the model allows with the photo's own aspect: the long side 2048, the
    short side in proportion (rounded; 6000 × 4000 → 2048 × 1365, 3000 × 4000 → 1536 × 2048). A photo
    longer than 4:1 gets 512 on its short side, so the model sees a crop of it (`crop_share` says how much).
    """
    if photo_width <= 0 or photo_height <= 0:
        raise ValueError(f"a photo has a positive size, not {photo_width}×{photo_height}")
    if photo_width >= photo_height:
        return SIZE_MAX, min(SIZE_MAX, max(SIZE_MIN, round(SIZE_MAX * photo_height / photo_width)))
    return min(SIZE_MAX, max(SIZE_MIN, round(SIZE_MAX * photo_width / photo_height))), SIZE_MAX


def crop_share(photo_width: int, photo_height: int, width: int, height: int) -> float:
    """The share of the photo (0..1) that a width × height output of another aspect leaves out, when the
    largest window of the output's aspect is cut from it (as the model frames its answer); 0 within 1 %."""
    photo, out = photo_width / photo_height, width / height
    share = 1 - min(photo, out) / max(photo, out)
    return 0.0 if share < 0.01 else share


def _check_size(name: str, value: object) -> int | None:
    if value is None or value == AUTO:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParamsError(
            name,
            _("must be a whole number of pixels, got {value!r}").format(value=value),
            allowed=f"{SIZE_MIN}–{SIZE_MAX}",
        )
    if not SIZE_MIN <= value <= SIZE_MAX:
        raise ParamsError(
            name,
            _("must be {SIZE_MIN}–{SIZE_MAX} pixels, got {value}").format(
                SIZE_MIN=SIZE_MIN, SIZE_MAX=SIZE_MAX, value=value
            ),
            allowed=f"{SIZE_MIN}–{SIZE_MAX}",
        )
    return value


def _check_seed(value: object) -> int:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())  # the protocol allows the seed as a string
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParamsError(
            "seed",
            _("must be a whole number, got {value!r}").format(value=value),
            allowed=_("-1 (random) or 0–{SEED_MAX}").format(SEED_MAX=SEED_MAX),
        )
    if value != SEED_RANDOM and not 0 <= value <= SEED_MAX:
        raise ParamsError(
            "seed",
            _("must be -1 (random) or 0–{SEED_MAX}, got {value}").format(SEED_MAX=SEED_MAX, value=value),
            allowed=_("-1 or 0–{SEED_MAX}").format(SEED_MAX=SEED_MAX),
        )
    return value


def _check_gen_mode(value: object) -> GenMode | None:
    if value is None or value == AUTO:
        return None
    if value not in GEN_MODES:
        allowed = ", ".join((AUTO, *GEN_MODES))
        raise ParamsError("gen_mode", _("unknown mode {value!r}").format(value=value), allowed=allowed)
    return cast(GenMode, value)


def _check_prompt(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ParamsError(
            "prompt",
            _("must be text, got {value}").format(value=type(value).__name__),
            allowed=_("any text, or none"),
        )
    return value


@dataclass(frozen=True)
class EditParams:
    """Every parameter of a request, validated and snapped on construction (immutable)."""

    gpen: float = DEFAULTS["gpen"]
    skin: float = DEFAULTS["skin"]
    skin_unifi: float = DEFAULTS["skin_unifi"]
    width: int | None = DEFAULTS["width"]  # None: follows the photo (fit_size), resolved per photo
    height: int | None = DEFAULTS["height"]
    seed: int = DEFAULTS["seed"]
    gen_mode: GenMode | None = DEFAULTS["gen_mode"]  # None = automatic
    prompt: str | None = DEFAULTS["prompt"]

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise in place once, here
        for name in STRENGTH_FIELDS:
            set_(self, name, snap_strength(name, getattr(self, name)))
        set_(self, "width", _check_size("width", self.width))
        set_(self, "height", _check_size("height", self.height))
        if (self.width is None) != (self.height is None):
            given, missing = ("width", "height") if self.height is None else ("height", "width")
            raise ParamsError(
                missing,
                _("must be given with {given} (or both left to follow the photo)").format(given=given),
                allowed=_("{min}–{max}, or {auto} for both").format(min=SIZE_MIN, max=SIZE_MAX, auto=AUTO),
            )
        set_(self, "seed", _check_seed(self.seed))
        set_(self, "gen_mode", _check_gen_mode(self.gen_mode))
        set_(self, "prompt", _check_prompt(self.prompt))

    # ------------------------------------------------------------------ derived
    @property
    def effective_prompt(self) -> str | None:
        """The prompt as sent: stripped, or None when empty or only whitespace."""
        if self.prompt is None:
            return None
        return self.prompt.strip() or None

    @property
    def effective_gen_mode(self) -> GenMode:
        """The seed's rule: a manual choice wins; else a prompt → creative, none → reference."""
        if self.gen_mode is not None:
            return self.gen_mode
        return "creative" if self.effective_prompt else "reference"

    @property
    def is_identity(self) -> bool:
        """True when no effect is asked for (all three strengths 0 and no prompt)."""
        return not (self.gpen or self.skin or self.skin_unifi or self.effective_prompt)

    @property
    def follows_photo(self) -> bool:
        """True when width × height are not pinned: each photo is sent at fit_size of its own size."""
        return self.width is None

    def size_for(self, photo_width: int, photo_height: int) -> tuple[int, int]:
        """The width × height this request has for a photo of that (upright) size."""
        if self.width is None or self.height is None:
            return fit_size(photo_width, photo_height)
        return self.width, self.height

    def for_photo(self, photo_width: int, photo_height: int) -> EditParams:
        """A copy with width × height pinned for this photo (what is sent, journalled and recorded)."""
        if not self.follows_photo:
            return self
        width, height = fit_size(photo_width, photo_height)
        return self.replace(width=width, height=height)

    def replace(self, **changes: Any) -> EditParams:
        """A copy with some fields changed (validated like the constructor)."""
        return dataclasses.replace(self, **changes)

    # ------------------------------------------------------------------ wire
    def to_payload(self, image_input: str) -> dict[str, Any]:
        """The exact create body of docs/PROTOCOL.md for this image URL (width × height left out while they
        follow the photo: then the model's default, 1328 × 1328, applies)."""
        if not isinstance(image_input, str) or not image_input.strip():
            raise ParamsError("image_input", _("is missing"), allowed=_("an image URL or data URL"))
        params: dict[str, Any] = {
            "image_input": image_input,
            "gpen": self.gpen,
            "skin": self.skin,
            "skin_unifi": self.skin_unifi,
            "width": self.width,
            "height": self.height,
            # What the UI shows as the automatic choice is exactly what is sent.
            "gen_mode": self.effective_gen_mode,
            "seed": self.seed,
        }
        if self.effective_prompt:
            params["prompt"] = self.effective_prompt
        if self.follows_photo:
            # Not pinned for a photo (run_edit always pins it: for_photo): the service's own default applies.
            del params["width"], params["height"]
        return {"model": MODEL, "input": [{"params": params}]}

    # ------------------------------------------------------------------ storage
    def to_dict(self) -> dict[str, Any]:
        """A plain JSON-able dict (presets and the journal store this)."""
        d = dataclasses.asdict(self)
        d["gen_mode"] = self.gen_mode or AUTO
        if self.follows_photo:
            d["width"] = d["height"] = AUTO
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EditParams:
        """Build from a plain dict; missing keys take defaults, unknown keys are an error."""
        if not isinstance(data, dict):
            raise ParamsError(
                "params",
                _("must be an object, got {data}").format(data=type(data).__name__),
                allowed=_("a JSON object"),
            )
        unknown = sorted(set(data) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            known = ", ".join(f.name for f in dataclasses.fields(cls))
            raise ParamsError(
                ", ".join(unknown), _("is not a parameter of Spark Edit Portrait"), allowed=known
            )
        return cls(**data)

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> tuple[EditParams, str]:
        """Parse a create body's params (as the gateway receives it) → (params, image_input).

        A body without width × height gets the model's own default (1328 × 1328), as the cloud does.
        """
        p = {"width": MODEL_DEFAULT_SIZE, "height": MODEL_DEFAULT_SIZE, **payload}
        image_input = p.pop("image_input", None)
        if not isinstance(image_input, str) or not image_input:
            raise ParamsError("image_input", _("is missing"), allowed=_("an image URL or data URL"))
        params = cls.from_dict(p)
        if params.follows_photo:  # "auto" is the app's word, not the protocol's
            raise ParamsError(
                "width",
                _("must be a whole number of pixels, got 'auto'"),
                allowed=f"{SIZE_MIN}–{SIZE_MAX}",
            )
        return params, image_input


def describe_strengths(params: EditParams, sep: str = " · ") -> str:
    """`Face HD 0.4 · Skin 0.7 · Tone 0.0`: the strengths by the names every view uses (STRENGTH_NAMES)."""
    return sep.join(f"{_(STRENGTH_NAMES[n])} {getattr(params, n):.1f}" for n in STRENGTH_FIELDS)


def check_local(params: EditParams) -> None:
    """Refuse what only the cloud model can do (regenerating from a prompt, creative mode) before any work.

    The local engine checks it too, but a refusal that comes back over the protocol keeps only its code, whose
    generic fix ("check the sliders") misleads; so run_edit checks it first for a local backend.
    """
    if params.effective_prompt or params.effective_gen_mode == "creative":
        raise PortraitStudioError(
            _(
                "Prompt regeneration needs the cloud model; the local engine only retouches (detail, "
                "skin smoothing, tone and blemishes)."
            ),
            _("Clear the prompt and use a reference mode, or switch the backend to the cloud in Settings."),
            code=CODE_INVALID_PARAM,
        )


__all__ = [
    "ASPECT_PRESETS",
    "AUTO",
    "DEFAULTS",
    "GEN_MODES",
    "MODEL",
    "MODEL_DEFAULT_SIZE",
    "SIZE_MAX",
    "SIZE_MIN",
    "STRENGTH_FIELDS",
    "STRENGTH_MEANINGS",
    "STRENGTH_NAMES",
    "EditParams",
    "GenMode",
    "check_local",
    "crop_share",
    "describe_strengths",
    "fit_size",
    "snap_strength",
]
