"""Work done off the GUI thread: decoding, analysing, fixing and running edits (no widgets)."""
