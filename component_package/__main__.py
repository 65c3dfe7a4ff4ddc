"""The package's plugin: Pulumi's Python language host runs this folder (``python <folder> <engine address>``).

The folder is part of this repository (``pulumi package add`` of a git URL clones the whole repository and
runs the folder): the repository's root goes on ``sys.path`` so that ``peering`` and ``providers`` import.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from component_package.serve import main

main()
