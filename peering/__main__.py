"""``python -m peering doctor``: a read-only diagnosis of a peering (see ``doctor/cli.py``)."""

from __future__ import annotations

import sys

from .doctor.cli import main

sys.exit(main())
