"""Debian's exiftool (libimage-exiftool-perl): what a catalog reads, and how a catalog tags a photo."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

#: A catalog's tags on a photo: rating, colour label, keywords, title, copyright, creator (XMP and IPTC).
CATALOG_TAGS = (
    "-XMP:Rating=4",
    "-XMP:Label=Red",
    "-XMP:Subject=bride",
    "-XMP:Subject=first dance",
    "-IPTC:Keywords=bride",
    "-IPTC:Keywords=first dance",
    "-XMP:Title=The first dance",
    "-IPTC:ObjectName=The first dance",
    "-XMP:Rights=(c) Ann Photographer",
    "-IPTC:CopyrightNotice=(c) Ann Photographer",
    "-EXIF:Copyright=(c) Ann Photographer",
    "-XMP:Creator=Ann Photographer",
    "-IPTC:By-line=Ann Photographer",
    "-EXIF:Artist=Ann Photographer",
    "-EXIF:Make=TestCam",
    "-EXIF:ExposureTime=1/250",
)


def exiftool() -> str:
    """The exiftool command (make test installs it; a missing one fails the test, with the fix)."""
    found = shutil.which("exiftool")
    assert found, (
        "exiftool is missing: apt-get install libimage-exiftool-perl (make test installs it as root)"
    )
    return found


def tag(path: Path, *assignments: str) -> Path:
    """Write tags into `path` in place, as a catalog does (exiftool -overwrite_original)."""
    subprocess.run(
        [exiftool(), "-q", "-q", "-overwrite_original", *(assignments or CATALOG_TAGS), str(path)],
        check=True,
        capture_output=True,
    )
    return path


def read(path: Path) -> dict[str, Any]:
    """Every tag exiftool finds, keyed `Group1:Name` (e.g. `XMP-xmp:Rating`, `IPTC:Keywords`)."""
    out = subprocess.run(
        [exiftool(), "-j", "-a", "-G1", "-n", str(path)], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out)[0]


def as_list(value: Any) -> list[Any]:
    """A tag exiftool gives as one value or a list, as a list."""
    return value if isinstance(value, list) else [value]
