"""Old import path of `ui.dialogs.about_dialog`, kept while tests/test_packaging.py imports it from here.

The module replaces itself by the real one, so a monkeypatch through this name reaches the dialog's code.
"""

import sys

from portrait_studio.ui.dialogs import about_dialog

sys.modules[__name__] = about_dialog
