"""`portrait-studio check FILE... [--json] [--fix DIR]`: the pre-flight report for each photo.

Exit status: 0 when every file is ready to submit, 1 when any has a problem, 2 when a file could not be read.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from portrait_studio.cli.check_pool import Checked, check_files
from portrait_studio.core.errors import PortraitStudioError, printable
from portrait_studio.core.fileio import create_unique, fit_name
from portrait_studio.core.i18n import _, ngettext
from portrait_studio.core.images import LoadedImage, PreflightReport, prepare_upload
from portrait_studio.core.params import MODEL_DEFAULT_SIZE, EditParams

EXIT_OK, EXIT_PROBLEM, EXIT_UNREADABLE = 0, 1, 2
EXIT_INTERRUPTED = 130  # the shell's code for a command ended by Ctrl+C


def add_parser(subparsers: Any) -> None:
    """Register `check`."""
    p = subparsers.add_parser(
        "check",
        help=_("check photos before submitting them (format, size, faces)"),
        description=_(
            "Check photos against the service's limits (JPEG/PNG, ≤ 5 MB, ≤ 4096×4096, exactly "
            "one large face) and say how to fix each problem. Exit 0: all ready; 1: a problem; "
            "2: unreadable file."
        ),
    )
    p.add_argument("files", nargs="+", metavar="FILE", help=_("photos to check"))
    p.add_argument("--json", action="store_true", help=_("one JSON object per file, one per line"))
    p.add_argument("--width", type=int, default=None, help=_("requested output width (judges face size)"))
    p.add_argument("--height", type=int, default=None, help=_("requested output height"))
    p.add_argument(
        "--fix",
        metavar="DIR",
        type=Path,
        default=None,
        help=_("write a compliant copy of each photo the app can fix into DIR (originals are never changed)"),
    )


def _params(args: argparse.Namespace) -> EditParams | None:
    if args.width is None and args.height is None:
        return None
    # A side not given is the model's own default (1328), as in a request that leaves it out.
    return EditParams(width=args.width or MODEL_DEFAULT_SIZE, height=args.height or MODEL_DEFAULT_SIZE)


def _unreadable_json(path: str, err: PortraitStudioError) -> dict[str, Any]:
    try:
        size = Path(path).stat().st_size if Path(path).is_file() else None
    except OSError:  # a name too long, a loop of links: the message already says why
        size = None
    problem = {"code": "unreadable", "message": err.message, "fix": err.fix}
    return {
        "path": path,
        "ok": False,
        "format": None,
        "bytes": size,
        "width": None,
        "height": None,
        "faces": None,
        "face_boxes": [],
        "problems": [problem],
    }


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1_000_000 else f"{max(1, round(n / 1e3))} KB"


def _text(report: PreflightReport) -> str:
    count = report.faces.count
    faces = ngettext("{n} face", "{n} faces", count).format(n=count)
    facts = _("{format}, {size}, {width}×{height}, {faces}").format(
        format=report.format,
        size=_size(report.file_bytes),
        width=report.width,
        height=report.height,
        faces=faces,
    )
    n = len(report.problems)
    state = _("ready") if report.ok else ngettext("{n} problem", "{n} problems", n).format(n=n)
    head = _("{path}: {state} — {facts}").format(path=printable(str(report.path)), state=state, facts=facts)
    lines = [head]
    for p in report.problems:
        lines += [
            f"  ✗ {p.code}: {p.message}",
            _("    fix: {fix}").format(fix=p.fix),
        ]
        if p.fixed_on_upload:
            lines.append(_("    (`retouch` and the window do this by themselves when they send the photo)"))
    lines += [_("  note: {note}").format(note=printable(note)) for note in report.notes]
    return "\n".join(lines)


def _fixable(report: PreflightReport) -> bool:
    return not report.ok and all(p.auto_fix is not None for p in report.problems)


def _write_fix(image: LoadedImage, report: PreflightReport, folder: Path) -> tuple[Path, list[str]]:
    wants_crop = any(p.auto_fix == "crop_to_face" for p in report.problems)
    upload = prepare_upload(image, crop_to_face=report.faces.faces[0] if wants_crop else None)
    ext = ".png" if upload.mime == "image/png" else ".jpg"
    stem = image.path.stem if image.path is not None else "photo"
    # Never over anything, originals included; a stem too long for the file system is shortened.
    return create_unique(folder / fit_name(folder, stem, f"-ready{ext}"), upload.data), upload.fixes


def _fix_folder_problem(folder: Path) -> str | None:
    """Why `--fix DIR` cannot be written into (checked before any photo is read), or None."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not os.access(folder, os.W_OK | os.X_OK):
            raise PermissionError(13, "Permission denied")
    except OSError as err:
        return _(
            "error: --fix {folder}: copies cannot be written there ({type}). Give a folder you "
            "can write to (it is created if missing)."
        ).format(folder=folder, type=err.strerror or type(err).__name__)
    return None


def run(args: argparse.Namespace) -> int:
    """Check every file; print a report (or JSON lines); return the worst exit status."""
    try:
        params = _params(args)
    except PortraitStudioError as err:
        print(f"{err.message} {err.fix}", file=sys.stderr)
        return EXIT_UNREADABLE
    problem = _fix_folder_problem(args.fix) if args.fix is not None else None
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_UNREADABLE
    worst = EXIT_OK
    try:
        # Loaded and counted on every core (check_pool), reported here in the order given.
        for checked in check_files(args.files, params, keep_image=args.fix is not None):
            try:
                worst = max(worst, _report(checked, args))
            except PortraitStudioError as err:  # unreadable, or --fix could not write its copy
                worst = EXIT_UNREADABLE
                if args.json:
                    print(json.dumps(_unreadable_json(checked.name, err), ensure_ascii=False))
                else:
                    print(
                        _("{message}\n    fix: {fix}").format(
                            message=printable(err.message), fix=printable(err.fix)
                        )
                    )
            sys.stdout.flush()
    except KeyboardInterrupt:
        print(_("check: interrupted; the files above were checked, the rest were not."), file=sys.stderr)
        return EXIT_INTERRUPTED
    return worst


def _report(checked: Checked, args: argparse.Namespace) -> int:
    """Print one file's report (and write its fixed copy); its exit status."""
    if checked.error is not None:
        raise checked.error
    report, image = checked.report, checked.image
    assert report is not None
    print(json.dumps(report.to_json(), ensure_ascii=False) if args.json else _text(report))
    if args.fix is not None and image is not None and _fixable(report):
        try:
            written, fixes = _write_fix(image, report, args.fix)
        except OSError as err:  # the disk filled up, the folder was removed meanwhile
            why = err.strerror or type(err).__name__
            raise PortraitStudioError(
                _("{checked}: the fixed copy could not be written ({why}).").format(
                    checked=checked.name, why=why
                ),
                _("Free some space or give --fix a folder you can write to, then check again."),
            ) from err
        line = _("  fixed copy: {written} ({fixes})").format(written=written, fixes="; ".join(fixes))
        print(line if args.json else printable(line), file=sys.stderr if args.json else sys.stdout)
    return EXIT_OK if report.ok else EXIT_PROBLEM


__all__ = ["add_parser", "run"]
