"""engine layer of Portrait Studio (see ARCHITECTURE.md)."""
