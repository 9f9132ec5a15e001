"""Entry point of the PyInstaller bundle: the same as the `portrait-studio` command."""

import multiprocessing
import sys

from portrait_studio.entry import main

if __name__ == "__main__":
    # A frozen app that ever starts a process must call this first (PyInstaller docs, "multiprocessing").
    multiprocessing.freeze_support()
    sys.exit(main())
