"""Qt user interface, the only package that imports PySide6.

Layout: `app` (entry: builds the window) and `smoke` (the packaged self-test) on top; `window/` the main
window and the controllers of its flows; `panels/` its views; `dialogs/`; `model/` what the views show;
`jobs/` work run off the GUI thread; `threads/` the runner and bridge that run it; `style/` palettes, icon.
"""
