"""gateway layer of Portrait Studio (see ARCHITECTURE.md)."""
