"""core.engine_notes: the local engine's notes in a JPEG comment, and nobody else's comments."""

from __future__ import annotations

from portrait_studio.core.engine_notes import PREFIX, as_comment, from_comment


def test_notes_round_trip_in_utf8() -> None:
    notes = ["the crop had to cut the chin", "2 faces found: framed on the largest — retouched both"]
    assert from_comment(as_comment(notes)) == notes


def test_someone_elses_comment_is_not_ours_and_a_damaged_one_loses_only_its_notes() -> None:
    assert from_comment(b"Shot on a Fujifilm X-T5") is None
    assert from_comment(PREFIX + b"[not json") == []
    assert from_comment(PREFIX + b'{"a": 1}') == []
