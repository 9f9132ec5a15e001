"""`python -m portrait_studio` — same as the `portrait-studio` command."""

import sys

from portrait_studio.entry import main

sys.exit(main())
