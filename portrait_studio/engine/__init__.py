"""The local retouch engine (no Qt): gpen detail, skin smoothing, skin_unifi tone and blemishes.

- `retouch(rgb, params, faces=None) -> RetouchResult` frames, resizes and retouches one photo.
- `LocalEngine().run(image_bytes, params, progress) -> bytes` is what the local gateway calls.
- `PreviewRenderer(rgb_screen).render(params)` re-renders the sliders cheaply for the GUI preview.
"""

from portrait_studio.engine.local import LocalEngine
from portrait_studio.engine.preview import PreviewRenderer
from portrait_studio.engine.retouch import (
    LocalEngineError,
    NoFaceError,
    RetouchResult,
    retouch,
)

__all__ = [
    "LocalEngine",
    "LocalEngineError",
    "NoFaceError",
    "PreviewRenderer",
    "RetouchResult",
    "retouch",
]
