"""core.memory: in the app's process, large freed blocks go back to the system at once (Linux/glibc)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from portrait_studio.core.memory import glibc

CHILD = r"""
import sys
from pathlib import Path

import numpy as np

from portrait_studio.core.memory import give_back_large_blocks

def rss_mb():
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096 / 2**20

if sys.argv[1] == "app":
    give_back_large_blocks()
np.ones(8 << 20, np.uint8)  # one large block freed: by default glibc raises its mmap threshold past 6 MB
# What a photo's strips do: 6 MB buffers, each followed by a smaller array that outlives it (so the heap's
# top is pinned and nothing freed below it could be trimmed).
big, small = [], []
for _ in range(60):
    big.append(np.ones(6 << 20, np.uint8))
    small.append(np.ones(100_000, np.uint8))
before = rss_mb()
big.clear()
print(before - rss_mb())
"""


@pytest.mark.skipif(glibc() is None, reason="glibc's allocator only (Linux)")
def test_the_apps_process_gives_freed_large_buffers_back() -> None:
    def freed(kind: str) -> float:
        out = subprocess.run([sys.executable, "-c", CHILD, kind], capture_output=True, text=True, check=True)
        return float(out.stdout.strip())

    assert freed("app") > 300  # of 360 MB
    # Without it (glibc's dynamic threshold) the same buffers stay with the process once one was freed: the
    # check above is not true by default.
    assert freed("default") < 100
