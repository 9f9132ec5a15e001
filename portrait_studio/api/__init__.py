"""api layer of Portrait Studio (see ARCHITECTURE.md)."""
