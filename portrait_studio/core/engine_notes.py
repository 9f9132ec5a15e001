"""The local engine's notes to the photographer, carried in its result JPEG's comment (COM) segment.

A note says what the engine did that the sliders do not show: the crop had to cut the chin, three faces were
found and the largest framed, the seed changes nothing locally. The protocol's task object has no place for
them (docs/PROTOCOL.md), so the engine writes them where any JPEG can hold text; the app moves them into the
sidecar and its messages, and takes the segment out of the saved photo.
"""

from __future__ import annotations

import json

PREFIX = b"portrait-studio-notes:"


def as_comment(notes: list[str]) -> bytes:
    """The COM payload for `notes` (a JSON list after PREFIX)."""
    return PREFIX + json.dumps(notes, ensure_ascii=False).encode("utf-8")


def from_comment(payload: bytes) -> list[str] | None:
    """The notes in a COM payload; None when it is somebody else's comment."""
    if not payload.startswith(PREFIX):
        return None
    try:
        value = json.loads(payload[len(PREFIX) :].decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return []  # ours but damaged: the result is still good, only its notes are lost
    return [str(note) for note in value] if isinstance(value, list) else []


__all__ = ["PREFIX", "as_comment", "from_comment"]
