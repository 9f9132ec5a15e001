"""The process's allocator (glibc on Linux): how freed memory goes back to the system.

glibc serves a block from its heap unless it is over a threshold that it raises itself, up to 32 MiB, each
time a block that large is freed; what is freed in the heap stays with the process. A 24 MP photo passes
through many 4–32 MB buffers (Pillow's image blocks, tifffile's reads, the strips of the sRGB conversion and
of the merge), so after one photo the app held ~75 MB it no longer used, and the next photo's peak stood on
top of it. A fixed 4 MiB threshold sends those to the kernel and back (bench/full_res_memory.py: peak 732 →
613 MB); with it alone, though, glibc also returns any free heap top over 128 KiB, so the live preview's
1280 px float arrays were faulted in again on every render (3.5 ms instead of 1.2 ms per render of a 30 ms
slider-to-paint). Keeping up to 32 MiB of free heap top costs 45 MB of that gain and most of the preview's
loss: 658 MB, 2.3 ms. The engine's worker processes choose the opposite (gateway.processes.worker_setup):
they keep memory for the next photo and give it back when idle.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt(3) parameter numbers (glibc's malloc.h)
APP_MMAP_THRESHOLD = 4 << 20  # blocks this large come from (and go back to) the kernel directly
APP_TRIM_THRESHOLD = 32 << 20  # free heap top kept for the next small arrays (the live preview's)


def glibc() -> Any:
    """The C library when it is glibc (Linux), else None: the allocator settings here are glibc's."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except OSError:  # musl and others
        return None


def give_back_large_blocks() -> None:
    """For the app's own process (window or CLI): large blocks go back to the system as soon as they are
    freed (a fixed mmap threshold; it also stops glibc from raising it). Elsewhere nothing is changed."""
    libc = glibc()
    if libc is not None:
        libc.mallopt(M_MMAP_THRESHOLD, APP_MMAP_THRESHOLD)
        libc.mallopt(M_TRIM_THRESHOLD, APP_TRIM_THRESHOLD)


__all__ = [
    "APP_MMAP_THRESHOLD",
    "APP_TRIM_THRESHOLD",
    "M_MMAP_THRESHOLD",
    "M_TRIM_THRESHOLD",
    "give_back_large_blocks",
    "glibc",
]
