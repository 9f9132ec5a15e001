"""Issue 18 item 9: one name per parameter in every view — sliders, History, presets, the CLI — with the
API's name where it helps (the sliders' tooltips, `--help`)."""

from __future__ import annotations

import subprocess

from PySide6.QtWidgets import QLabel

from portrait_studio.core.params import STRENGTH_NAMES, EditParams
from portrait_studio.core.presets import PresetStore
from portrait_studio.ui import text
from portrait_studio.ui.panels.controls import ControlsPanel
from portrait_studio.ui.panels.presets_panel import PresetsPanel
from tests.conftest import cli_args

NAMES = ("Face HD", "Skin", "Tone")


def test_sliders_history_and_presets_use_the_same_names_with_the_api_name_as_tooltip(qtbot):
    assert tuple(STRENGTH_NAMES.values()) == NAMES
    controls = ControlsPanel()
    qtbot.addWidget(controls)
    for api, name in STRENGTH_NAMES.items():
        caption = controls.findChild(QLabel, f"caption-{api}")
        assert caption.text() == name
        assert f"(API: {api})" in caption.toolTip() and f"(API: {api})" in controls.sliders[api].toolTip()
    line = text.describe_params(EditParams(gpen=0.4, skin=0.7, skin_unifi=0.1))  # History's and the presets'
    assert line.startswith("Face HD 0.4 · Skin 0.7 · Tone 0.1")
    assert "detail" not in line and "gpen" not in line
    store = PresetStore()
    panel = PresetsPanel(store, current_params=EditParams)
    qtbot.addWidget(panel)
    panel.list.setCurrentRow(0)
    assert all(n in panel.details.text() for n in NAMES)


def test_the_cli_says_the_same_names_and_gives_the_api_name_in_help():
    helptext = subprocess.run(
        cli_args("retouch", "--help"), capture_output=True, text=True, check=True
    ).stdout
    for api, name in STRENGTH_NAMES.items():
        assert f"{name}:" in helptext and f"(API: {api})" in " ".join(helptext.split())
    listing = subprocess.run(cli_args("presets", "list"), capture_output=True, text=True, check=True).stdout
    assert "Face HD 0.6  Skin 0.4  Tone 0.3" in listing  # (Studio) not "gpen 0.6 … skin_unifi 0.3"
