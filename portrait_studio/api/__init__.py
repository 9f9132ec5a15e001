"""The protocol client and what an edit needs above it: pipeline, batch, resume, results on disk (no Qt).

Layers and flow: docs/ARCHITECTURE.md; the protocol: docs/PROTOCOL.md.
"""
