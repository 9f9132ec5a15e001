"""The main window (widgets and signal wiring), its actions and docks, and the controllers of its flows."""
