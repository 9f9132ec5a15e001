"""PreviewRenderer: analyse a screen-size photo once, then re-render any slider setting in milliseconds.

For the GUI's live preview (goal: slider change → new preview of a 24 MP photo ≤ 150 ms median):

    renderer = PreviewRenderer(rgb_screen)   # ≤ ~1600 px copy; detects faces, meshes, prepares layers
    shown = renderer.render(params)          # same size as rgb_screen, no crop or resize

Construction does the slow part (face detection, mesh, masks, filter bands: a few hundred ms); `render`
only blends prepared layers inside the face regions. The effects follow the same formula as `retouch()`
(engine/render.py), sized to the face, so the preview looks like the result. `render` ignores the prompt,
the seed and the output size (the preview shows the retouch, not the framing). It is deterministic, never
modifies its input, and a lock makes it safe to call from any one thread at a time (e.g. a worker thread).
"""

from __future__ import annotations

import threading

import numpy as np

from portrait_studio.core.faces import FaceResult
from portrait_studio.core.params import EditParams
from portrait_studio.engine import detect
from portrait_studio.engine.render import FaceLayers, analyse, render


class PreviewRenderer:
    """Analyse once, render often (see the module docstring)."""

    def __init__(self, rgb: np.ndarray, faces: FaceResult | None = None) -> None:
        if not isinstance(rgb, np.ndarray) or rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError("PreviewRenderer expects an H×W×3 uint8 RGB array")
        self._rgb = np.ascontiguousarray(rgb).copy()
        self._rgb.setflags(write=False)
        found = detect.Found(faces) if faces is not None else detect.find(self._rgb)
        self._lock = threading.Lock()
        self._layers: list[FaceLayers] = []
        if not found.result.approximate:  # the Haar fallback has no mesh, so no masks: show the photo as is
            for i in range(len(found.result.faces)):
                prepared = analyse(self._rgb, detect.mesh(self._rgb, found, i))
                if prepared is not None:
                    self._layers.append(prepared)

    @property
    def face_count(self) -> int:
        """How many faces the preview retouches (0: render() returns the photo unchanged)."""
        return len(self._layers)

    def render(self, params: EditParams) -> np.ndarray:
        """The photo with gpen, skin and skin_unifi applied as in `params` (a new array)."""
        with self._lock:
            return render(self._rgb, self._layers, params.gpen, params.skin, params.skin_unifi)


__all__ = ["PreviewRenderer"]
