from portrait_studio import APP_ID, APP_NAME
from portrait_studio.ui.app import make_app
from portrait_studio.ui.window.main_window import MainWindow


def test_window_opens_with_title_and_open_action(qtbot):
    app = make_app()
    assert app.desktopFileName() == APP_ID
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    assert w.windowTitle() == APP_NAME
    assert w.window_actions.open_action.shortcut().toString() == "Ctrl+O"
    assert not w.grab().isNull()
