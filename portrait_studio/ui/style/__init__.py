"""Look of the app: palettes that follow the system scheme and the app icon."""
