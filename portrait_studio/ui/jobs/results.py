"""A result as the window shows it: its screen image and the facts the photographer needs about it.

    shown = load_result(path, original_size)      # on the io thread
    shown.image, shown.pixels, shown.full_size, shown.refused, shown.summary()

A full-resolution result (the original's own size) gets a working copy like the original's (≤ SCREEN_MAX;
zooming in fetches its own pixels, `loader.load_detail`); a model-size result is decoded at its own size (at
most `OWN_MAX`), so 1:1 shows its real pixels without a second decode. The sidecar says how it was made: its
size choice, depth, colour space, and why a merge was refused (in the pipeline's plain words).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtGui import QImage

from portrait_studio.core.i18n import _
from portrait_studio.ui.jobs.imaging import SCREEN_MAX, decode_screen, to_qimage

OWN_MAX = 4096  # the model's answers are ≤ 2048² (PROTOCOL.md); a larger one gets a working copy instead


@dataclass(frozen=True)
class ShownResult:
    """A decoded result: the after pane's image, the file's own pixel size, and what its sidecar says."""

    image: QImage
    pixels: tuple[int, int]  # (width, height) of the result file
    full_size: bool  # the original's own size: merged at full resolution
    refused: str | None = None  # why the answer was not merged onto the original ("" or None: it was)
    bits: int = 8
    file_format: str = ""  # "TIFF", "PNG", "JPEG"
    colour_space: str = ""

    def caption(self) -> str:
        """What the compare view's label adds after "Result · engine": its size, and depth or origin."""
        w, h = self.pixels
        if self.full_size:
            return _("{width} × {height}, {bits}-bit").format(width=w, height=h, bits=self.bits)
        if self.refused:
            return _("model's {width} × {height}, not merged").format(width=w, height=h)
        return _("model's {width} × {height}").format(width=w, height=h)

    def summary(self) -> str:
        """One line for the Edit panel: what this result is, or why it is only the model's image."""
        w, h = self.pixels
        if self.full_size:
            space = f", {self.colour_space}" if self.colour_space else ""
            kind = _("{bits}-bit {format}").format(bits=self.bits, format=self.file_format or _("image"))
            return _("This result: {width} × {height}, {kind}{space} (full size).").format(
                width=w, height=h, kind=kind, space=space
            )
        if self.refused:
            return _(
                "This result is the model's image ({width} × {height}), not merged onto the original: {why}."
            ).format(width=w, height=h, why=self.refused)
        return _("This result is the model's image ({width} × {height}).").format(width=w, height=h)


def load_result(path: Path, original_size: tuple[int, int] | None) -> ShownResult:
    """Decode the result at `path` for the screen and read its sidecar (a worker thread's job)."""
    from PIL import Image

    from portrait_studio.api.output import read_sidecar, sidecar_for

    with Image.open(path) as im:
        pixels = im.size
        file_format = str(im.format or "")
        turned = im.getexif().get(0x0112, 1) in (5, 6, 7, 8)
    if turned:
        pixels = (pixels[1], pixels[0])
    side: dict[str, Any] = read_sidecar(sidecar_for(path))
    full = original_size is not None and tuple(pixels) == tuple(original_size) and max(pixels) > SCREEN_MAX
    rgb, _scale = decode_screen(path, SCREEN_MAX if full or max(pixels) > OWN_MAX else max(pixels))
    refused = side.get("merge_refused")
    return ShownResult(
        image=to_qimage(rgb),
        pixels=(int(pixels[0]), int(pixels[1])),
        full_size=full or side.get("result_size") == "original",
        refused=str(refused).rstrip(".") if refused else None,
        bits=int(side.get("bits") or 8),
        file_format=file_format,
        colour_space=str(side.get("colour_space") or ""),
    )


__all__ = ["OWN_MAX", "ShownResult", "load_result"]
