"""Settings dialog: backend, base URL, API key (keyring), image hosting, output folder, theme, spending."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from PIL import Image
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from portrait_studio.api import hosting, keys
from portrait_studio.api.backend import open_backend
from portrait_studio.api.client import Client
from portrait_studio.api.keys import ENV_API_KEY
from portrait_studio.core.errors import ConfigError, PortraitStudioError
from portrait_studio.core.i18n import LANGUAGES, N_, _
from portrait_studio.core.params import EditParams
from portrait_studio.core.settings import Settings, save_settings
from portrait_studio.ui.threads.runner import BackgroundRunner

BACKENDS = (
    ("local", N_("Local engine — free, works offline")),
    ("cloud", N_("Cloud — Spark Edit Portrait (paid)")),
)
HOSTS = (
    ("inline", N_("Inline (photo sent inside the request)")),
    ("upload", N_("Upload to my server (URL below)")),
    ("url", N_("Photo already has a public URL")),
)
THEMES = (
    ("system", N_("Follow the system")),
    ("light", N_("Light")),
    ("dark", N_("Dark")),
    ("high_contrast", N_("High contrast")),
)
PROBE_TIMEOUT = 10.0  # seconds per request of "Test connection"


def validate_form(settings: Settings) -> None:
    """Raise ConfigError when the settings cannot work (checked before saving)."""
    if settings.backend == "cloud":
        url = urlparse(settings.base_url.strip())
        if url.scheme not in ("http", "https") or not url.netloc:
            raise ConfigError(
                _("The base URL {url!r} is not a web address.").format(url=settings.base_url),
                _("Enter the gateway's address, e.g. https://cloud.vtrix.ai"),
            )
    if settings.image_host == "upload":
        url = urlparse(settings.upload_url.strip())
        if url.scheme not in ("http", "https") or not url.netloc:
            raise ConfigError(
                _("Upload hosting needs the address of your upload endpoint."),
                _("Enter it as https://… or choose Inline hosting."),
            )
    if settings.output_dir and not Path(settings.output_dir).expanduser().is_dir():
        raise ConfigError(
            _("The output folder {folder} does not exist.").format(folder=settings.output_dir),
            _("Choose an existing folder, or leave it empty to save next to the original."),
        )
    if settings.output_dir:
        reason = _unwritable(Path(settings.output_dir).expanduser())
        if reason:
            raise ConfigError(
                _("The output folder {folder} cannot be written ({reason}).").format(
                    folder=settings.output_dir, reason=reason
                ),
                _("Choose a folder you can write to, or leave it empty to save next to the original."),
            )


def _unwritable(folder: Path) -> str | None:
    """Why nothing can be saved in `folder`, or None. A real try (a temporary file, removed at once): the
    permission bits do not tell (root, read-only mounts, network shares)."""
    import tempfile

    try:
        with tempfile.TemporaryFile(dir=folder):
            return None
    except OSError as err:
        return err.strerror or str(err)


# ---------------------------------------------------------------------- Qt-free helpers (key and probe)
@dataclass(frozen=True)
class KeyStatus:
    """What the dialog says about the API key: a sentence, the masked placeholder, and whether one is set."""

    message: str
    placeholder: str
    present: bool


def mask_key(key: str) -> str:
    """Dots and the last four characters (enough to tell two keys apart, useless to a thief)."""
    return "•" * 8 + key[-4:] if len(key) > 8 else "•" * 8


def key_status() -> KeyStatus:
    """Where the current API key comes from, in plain words."""
    key = keys.get_api_key()
    if os.environ.get(ENV_API_KEY, "").strip():
        return KeyStatus(
            _(
                "The key comes from the {ENV_API_KEY} environment variable, which overrides the one "
                "saved here."
            ).format(ENV_API_KEY=ENV_API_KEY),
            mask_key(key or ""),
            True,
        )
    available = keys.keyring_available()
    if key:
        where = (
            _("your system keyring") if available else _("memory for this session only (no system keyring)")
        )
        return KeyStatus(
            _("A key is stored in {where}. Type a new one to replace it.").format(where=where),
            mask_key(key),
            True,
        )
    if not available:
        return KeyStatus(keys.KeyStorage.SESSION.message, _("Paste your API key"), False)
    return KeyStatus(
        _("No API key yet: paste the key from your account page. It is stored in your system keyring."),
        _("Paste your API key"),
        False,
    )


def _probe_jpeg() -> bytes:
    """A tiny grey JPEG: enough for a precharge, a few hundred bytes on the wire."""
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (128, 128, 128)).save(buf, "JPEG", quality=80)
    return buf.getvalue()


def check_connection(settings: Settings, typed_key: str | None = None) -> str:
    """Ask the configured backend for a precharge (nothing is created or paid); a sentence on success.

    With upload hosting the probe photo goes through the upload endpoint first, so both are tested.
    Raises the app's errors (message + fix) on failure. Blocking: call it off the GUI thread.
    """
    params, probe = EditParams(), _probe_jpeg()
    if settings.backend == "local":
        with open_backend(settings) as session:
            session.client.precharge(params, hosting.data_url(probe, "image/jpeg"))
        return _("The local engine is ready: edits run on this computer, free and offline.")
    key = typed_key or keys.get_api_key()
    if not key:
        raise ConfigError(_("There is no API key to test."), _("Paste your API key above, then test again."))
    uploaded = ""
    image_input = hosting.data_url(probe, "image/jpeg")
    if settings.image_host == "upload":
        image_input = hosting.upload(probe, "image/jpeg", settings.upload_url)
        uploaded = _(" The upload endpoint works ({host}).").format(host=urlparse(settings.upload_url).netloc)
    # One try, short timeouts: a test button must answer in seconds, not after the client's retry budget.
    with Client(settings.base_url, key, max_retries=0, timeout=PROBE_TIMEOUT) as client:
        estimate = client.precharge(params, image_input)
    host = urlparse(settings.base_url).netloc
    if estimate.cost is None:
        price = _("No price was quoted ({reason}).").format(reason=estimate.reason or _("no reason given"))
    elif estimate.cost == 0:
        price = _("Edits cost nothing there.")
    else:
        price = _("A default edit costs about {cost} {currency}.").format(
            cost=estimate.cost, currency=estimate.currency
        )
    return _("Connected to {host} and the key was accepted. {price}{uploaded}").format(
        host=host, price=price, uploaded=uploaded
    )


# ---------------------------------------------------------------------- dialog
def _probe(fn: Callable[[], str]) -> tuple[bool, str]:
    """Run one blocking check (on the probe thread): (ok, plain-language message)."""
    try:
        return True, fn()
    except PortraitStudioError as err:
        return False, str(err)
    except Exception as err:  # a probe must never end without an answer
        return False, _("Unexpected error: {error!r}").format(error=err)


def _combo(items: tuple[tuple[str, str], ...], current: str) -> QComboBox:
    box = QComboBox()
    for value, label in items:
        box.addItem(_(label), value)
    box.setCurrentIndex(max(0, box.findData(current)))
    return box


class SettingsDialog(QDialog):
    """Edit Settings; Save writes them (core.settings.save_settings) and emits settings_changed."""

    settings_changed = Signal(object)  # Settings
    connection_tested = Signal(bool, str)  # ok, plain-language message

    def __init__(
        self, settings: Settings, parent: QWidget | None = None, *, settings_file: Path | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Settings"))
        self.setObjectName("settings-dialog")
        self.setMinimumWidth(560)
        self._initial = settings
        self._settings_file = settings_file
        self._probe: BackgroundRunner | None = None  # one per connection test, stopped when it answers
        self.key_storage: keys.KeyStorage | None = None  # where Save put a typed key (None: no new key)
        self._build(settings)
        self._refresh_key_status()
        self._on_backend_changed()
        self._on_host_changed()

    # ------------------------------------------------------------------ layout
    def _build(self, s: Settings) -> None:
        root = QVBoxLayout(self)
        root.addWidget(self._build_backend_box(s))
        root.addWidget(self._build_output_box(s))
        root.addWidget(self._build_spend_box(s))
        self.error_label = QLabel()
        self.error_label.setObjectName("settings-error")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #e06c5a;")
        self.error_label.hide()
        root.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        root.addWidget(self.buttons)

    def _build_backend_box(self, s: Settings) -> QGroupBox:
        box = QGroupBox(_("Where edits run"))
        form = QFormLayout(box)
        self.backend_combo = _combo(BACKENDS, s.backend)
        self.backend_combo.currentIndexChanged.connect(self._on_backend_changed)
        form.addRow(_("Backend"), self.backend_combo)
        self.base_url_edit = QLineEdit(s.base_url)
        form.addRow(_("Base URL"), self.base_url_edit)
        self.key_edit = QLineEdit()
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)  # never shown in clear
        self.key_edit.setObjectName("api-key")
        self.remove_key_button = QPushButton(_("Remove key"))
        self.remove_key_button.clicked.connect(self._on_remove_key)
        key_row = QHBoxLayout()
        key_row.addWidget(self.key_edit, 1)
        key_row.addWidget(self.remove_key_button)
        form.addRow(_("API key"), key_row)
        self.key_status = QLabel()
        self.key_status.setWordWrap(True)
        form.addRow("", self.key_status)
        self.test_button = QPushButton(_("Test connection"))
        self.test_button.clicked.connect(self.test_connection)
        self.test_result = QLabel()
        self.test_result.setWordWrap(True)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.test_result, 1)
        form.addRow("", test_row)
        self.host_combo = _combo(HOSTS, s.image_host)
        self.host_combo.currentIndexChanged.connect(self._on_host_changed)
        form.addRow(_("Image hosting"), self.host_combo)
        self.upload_url_edit = QLineEdit(s.upload_url)
        self.upload_url_edit.setPlaceholderText(_("https://example.com/upload (multipart field 'file')"))
        form.addRow(_("Upload URL"), self.upload_url_edit)
        return box

    def _build_output_box(self, s: Settings) -> QGroupBox:
        box = QGroupBox(_("Output and look"))
        form = QFormLayout(box)
        self.output_edit = QLineEdit(s.output_dir)
        self.output_edit.setPlaceholderText(_("Next to the original photo"))
        browse = QPushButton(_("Choose…"))
        browse.clicked.connect(self._on_browse_output)
        row = QHBoxLayout()
        row.addWidget(self.output_edit, 1)
        row.addWidget(browse)
        form.addRow(_("Default output folder"), row)
        self.theme_combo = _combo(THEMES, s.theme)
        form.addRow(_("Theme"), self.theme_combo)
        # Each language named in itself (a reader of the other one must find their own); takes effect at the
        # next start: every label is built in the language of the moment (core.i18n).
        languages = (("system", N_("Follow the system")), *LANGUAGES.items())
        self.language_combo = _combo(languages, s.language)
        self.language_combo.setToolTip(_("Used from the next start of the app"))
        form.addRow(_("Language"), self.language_combo)
        return box

    def _build_spend_box(self, s: Settings) -> QGroupBox:
        box = QGroupBox(_("Spending (cloud)"))
        form = QFormLayout(box)
        self.confirm_spin = QDoubleSpinBox()
        self.confirm_spin.setRange(0.0, 100.0)
        self.confirm_spin.setDecimals(3)  # cloud costs are quoted to a tenth of a cent ("0.035")
        self.confirm_spin.setSingleStep(0.01)
        self.confirm_spin.setPrefix(_("$ "))  # USD; "US$ " in Chinese (as core.i18n.format_money)
        self.confirm_spin.setValue(float(s.confirm_cost_above))  # the spin box is a float widget
        form.addRow(_("Ask before paying more than"), self.confirm_spin)
        self.budget_check = QCheckBox(_("Daily budget cap"))
        self.budget_spin = QDoubleSpinBox()
        self.budget_spin.setRange(0.01, 100000.0)
        self.budget_spin.setDecimals(2)
        self.budget_spin.setPrefix(_("$ "))
        self.budget_spin.setValue(float(s.budget_cap) if s.budget_cap is not None else 5.0)
        self.budget_check.setChecked(s.budget_cap is not None)
        self.budget_spin.setEnabled(s.budget_cap is not None)
        self.budget_check.toggled.connect(self.budget_spin.setEnabled)
        form.addRow(self.budget_check, self.budget_spin)
        return box

    # ------------------------------------------------------------------ state
    def result_settings(self) -> Settings:
        """The Settings as currently shown in the form."""
        return self._initial.replace(
            backend=self.backend_combo.currentData(),
            base_url=self.base_url_edit.text().strip(),
            image_host=self.host_combo.currentData(),
            upload_url=self.upload_url_edit.text().strip(),
            output_dir=self.output_edit.text().strip(),
            theme=self.theme_combo.currentData(),
            language=self.language_combo.currentData(),
            confirm_cost_above=round(self.confirm_spin.value(), 3),
            budget_cap=round(self.budget_spin.value(), 2) if self.budget_check.isChecked() else None,
        )

    def _on_backend_changed(self) -> None:
        cloud = self.backend_combo.currentData() == "cloud"
        for w in (self.base_url_edit, self.key_edit, self.host_combo, self.upload_url_edit):
            w.setEnabled(cloud)
        self.remove_key_button.setEnabled(cloud and key_status().present)
        self._on_host_changed()

    def _on_host_changed(self) -> None:
        cloud = self.backend_combo.currentData() == "cloud"
        self.upload_url_edit.setEnabled(cloud and self.host_combo.currentData() == "upload")

    def _on_browse_output(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, _("Default output folder"), self.output_edit.text())
        if folder:
            self.output_edit.setText(folder)

    # ------------------------------------------------------------------ API key
    def showEvent(self, event: QShowEvent) -> None:
        """Tall enough for its wrapped notes: a dialog's size hint ignores that a wrapped label's height
        depends on its width, and the longest note (no keyring; three lines in Chinese) was cut."""
        super().showEvent(event)
        layout = self.layout()
        need = layout.totalHeightForWidth(self.width()) if layout is not None else -1
        if need > self.height():
            self.resize(self.width(), need)

    def _refresh_key_status(self) -> None:
        status = key_status()
        self.key_status.setText(status.message)
        self.key_edit.setPlaceholderText(status.placeholder)
        self.remove_key_button.setEnabled(self.backend_combo.currentData() == "cloud" and status.present)

    def _store_typed_key(self) -> None:
        typed = self.key_edit.text().strip()
        if typed:
            self.key_storage = keys.set_api_key(typed)
            self.key_edit.clear()
            self._refresh_key_status()
            if self.key_storage is keys.KeyStorage.SESSION:
                self.key_status.setText(self.key_storage.message)

    def _on_remove_key(self) -> None:
        keys.delete_api_key()
        self.key_edit.clear()
        self._refresh_key_status()

    # ------------------------------------------------------------------ test connection
    def test_connection(self) -> None:
        """Check the backend off the GUI thread; the answer lands in test_result and connection_tested."""
        if self._probe is not None:
            return  # one probe at a time
        settings = self.result_settings()
        typed = self.key_edit.text().strip() or None
        self.test_button.setEnabled(False)
        self.test_result.setText(_("Testing…"))
        self._probe = BackgroundRunner("settings-probe", self)
        self._probe.submit(lambda: _probe(lambda: check_connection(settings, typed)), self._on_probe_done)

    def is_testing(self) -> bool:
        """True while a connection test is running."""
        return self._probe is not None

    def _on_probe_done(self, answer: tuple[bool, str]) -> None:
        ok, message = answer
        self._stop_probe()  # (the call has returned: its thread only has to quit)
        self.test_button.setEnabled(True)
        self.test_result.setText(("✔ " if ok else "✘ ") + message)
        self.test_result.setStyleSheet("" if ok else "color: #e06c5a;")
        self.connection_tested.emit(ok, message)

    def _stop_probe(self) -> None:
        probe, self._probe = self._probe, None
        if probe is not None:
            probe.stop()  # waits for a test in hand: bounded, the client's own timeouts end the request

    # ------------------------------------------------------------------ close
    def accept(self) -> None:
        """Validate, store the key, write settings atomically, emit settings_changed, close."""
        settings = self.result_settings()
        try:
            validate_form(settings)
            self._store_typed_key()
            save_settings(settings, self._settings_file)
        except PortraitStudioError as err:
            self.error_label.setText(str(err))
            self.error_label.show()
            return
        except OSError as err:
            self.error_label.setText(
                _("Could not save settings: {error}. — Check the folder is writable.").format(error=err)
            )
            self.error_label.show()
            return
        self._initial = settings
        self._stop_probe()
        self.settings_changed.emit(settings)
        super().accept()

    def reject(self) -> None:
        """Close without saving (waits for a running connection test)."""
        self._stop_probe()
        super().reject()


__all__ = ["SettingsDialog", "validate_form"]
