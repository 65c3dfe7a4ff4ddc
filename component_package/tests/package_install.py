"""The package's virtualenv, installed by one test process while the others wait, before any test runs Pulumi on it.

Pulumi installs a local package's plugin on every ``pulumi package add``, ``gen-sdk`` or ``get-schema`` of its
folder: ``python -m venv venv``, ``pip install --upgrade pip setuptools wheel``, ``pip install -r requirements.txt``
(pulumi/pulumi: pkg/workspace/plugin.go ``InstallPluginAtPath``, sdk/python/toolchain/pip.go
``InstallDependencies``). On a fresh ``component_package/venv`` the upgrade replaces the bundled pip, and an install
beside it (another pytest-xdist worker) runs a half-replaced pip: ``ImportError: cannot import name ... from
pip._internal``. Once pip is the newest, each install changes nothing and several can run side by side.

So each worker installs it once, through the real CLI, holding an exclusive lock on a file in ``.cache/``: the first
does the work, the others wait for it and then find nothing to do.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
from pathlib import Path

from sandbox.pulumi_cli import PulumiCli
from sandbox.pulumi_environment import StateFolder, pulumi_environment

from .consumers import CACHES, PACKAGE, ROOT

LOCK = ROOT / ".cache" / "component-package-install.lock"


def install_package(cli: PulumiCli, scratch: Path) -> None:
    """``pulumi package get-schema`` on the package, one process at a time; AssertionError with its output."""
    environment = {
        **os.environ,
        **pulumi_environment(cli, StateFolder(scratch / "state", "install").create()),
        **CACHES,
    }
    LOCK.parent.mkdir(parents=True, exist_ok=True)
    with LOCK.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # released when the file closes
        done = subprocess.run(
            ["pulumi", "package", "get-schema", str(PACKAGE)],
            cwd=scratch,
            env=environment,
            capture_output=True,
            text=True,
            timeout=1200,
            check=False,
        )
    assert done.returncode == 0, (
        f"installing the package's virtualenv failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
    )
