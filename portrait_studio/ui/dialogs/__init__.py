"""Modal and modeless dialogs: About, Save as, Settings (each opened by the window, none imports it)."""
