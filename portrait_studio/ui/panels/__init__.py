"""Dockable views and the widgets of the main window: each takes its model and connects to its signals."""
