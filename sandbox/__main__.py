"""``python -m sandbox``: serve the local sandbox, or run the program against it."""

from __future__ import annotations

import sys

from .cli import main

sys.exit(main())
