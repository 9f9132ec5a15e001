"""The CPU cores this process may run on: how many workers `check` starts, and how many threads one face-model
forward takes when it runs alone."""

from __future__ import annotations

import os


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


__all__ = ["usable_cores"]
