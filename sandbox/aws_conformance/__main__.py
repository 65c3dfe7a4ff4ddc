"""``python -m sandbox.aws_conformance``: see ``run.py``."""

import sys

from .run import main

sys.exit(main())
