"""Portrait Studio: retouch portraits with Spark Edit Portrait, in the cloud or on this machine."""

from importlib import metadata as _metadata

APP_NAME = "Portrait Studio"
# One reverse-DNS identity for QApplication.setDesktopFileName, the .desktop file, metainfo and icon.
APP_ID = "io.github.portraitstudio.PortraitStudio"
# Used for the keyring service and folder names.
APP_SLUG = "portrait-studio"

try:
    __version__ = _metadata.version("portrait-studio")
except _metadata.PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["APP_ID", "APP_NAME", "APP_SLUG", "__version__"]
