"""`python -m ui.cli`: the `amity` command without the installed script."""

from __future__ import annotations

import sys

from ui.cli import main

sys.exit(main())
