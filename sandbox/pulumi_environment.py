"""The environment in which the Pulumi CLI runs against one sandbox, fully local.

Each sandbox gets a state folder of its own (``<state dir>/<sandbox id>``): a local (``file://``)
backend and a ``PULUMI_HOME``, so that nothing is written to the user's ``~/.pulumi`` and a restarted
sandbox starts with an empty stack. Secrets use the passphrase provider, its passphrase kept in
``<state dir>/passphrase`` (made once). The CLI never reaches the network: no update check, no
plugin downloads (``pkg/cmd/pulumi`` and ``pkg/engine/plugins.go``). PATH leads with the sandbox's
pulumi-aws plugin, which the engine prefers to any installed one (``sdk/go/common/workspace/plugins.go``),
then the CLI built here (its language host and scripts beside it). The plugin is the sandbox's own
(``aws_plugin``), or with ``aws_plugin="bridged"`` pulumi-aws built from terraform-provider-aws's code
(``bridged_aws.py``), which must have been built.
"""

from __future__ import annotations

import os
import secrets
import shutil
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from . import bridged_aws
from .pulumi_cli import PROJECT_ROOT, PulumiCli

PLUGIN_BIN = PROJECT_ROOT / "sandbox" / "aws_plugin" / "bin"
AWS_PLUGINS = ("sandbox", "bridged")
DEFAULT_STATE_DIR = PROJECT_ROOT / ".sandbox-state"
OFFLINE = {
    "PULUMI_SKIP_UPDATE_CHECK": "true",
    "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
    "PULUMI_DISABLE_REGISTRY_RESOLVE": "true",
}


@dataclass(frozen=True)
class StateFolder:
    """Where one sandbox's stacks live."""

    state_dir: Path
    sandbox_id: str

    @property
    def root(self) -> Path:
        return self.state_dir / self.sandbox_id[:12]

    @property
    def backend(self) -> Path:
        return self.root / "backend"

    @property
    def home(self) -> Path:
        return self.root / "pulumi-home"

    @property
    def stacks(self) -> Path:
        """The stack config files the sandbox commands write (the project's own are left as written)."""
        return self.root / "stacks"

    @property
    def passphrase_file(self) -> Path:
        return self.state_dir / "passphrase"

    def create(self) -> StateFolder:
        for folder in (self.backend, self.home, self.stacks):
            folder.mkdir(parents=True, exist_ok=True)
        register_aws_plugin(self.home)
        if not self.passphrase_file.exists():
            self._make_passphrase()
        return self

    def _make_passphrase(self) -> None:
        """The passphrase file, made whole or not at all: written aside, then linked into place, which fails
        when another process made it meanwhile (the sandbox's commands run in parallel), and theirs stays."""
        aside = self.passphrase_file.with_name(f".passphrase.{os.getpid()}.{secrets.token_hex(4)}")
        aside.write_text(secrets.token_urlsafe(24))
        aside.chmod(0o600)
        try:
            os.link(aside, self.passphrase_file)
        except FileExistsError:
            pass
        finally:
            aside.unlink()

    def mend_killed_writes(self) -> list[Path]:
        """Empty ``*.attrs`` files a killed run left in the backend, removed; the files removed.

        The local backend's storage (gocloud.dev/blob/fileblob, ``setAttrs``) truncates ``<file>.attrs``, then
        writes it: a run killed between leaves it empty, and every later command fails with "failed to load
        checkpoint: EOF". A missing ``.attrs`` is read as no attributes (``getAttrs``), so removing it is safe."""
        empty = [path for path in self.backend.rglob("*.attrs") if path.stat().st_size == 0]
        for path in empty:
            path.unlink()
        return empty

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def register_aws_plugin(home: Path) -> Path:
    """The sandbox's pulumi-aws in the Pulumi home's plugin cache, as ``pulumi plugin install`` leaves pulumi-aws.

    The engine runs the one first on PATH, but installing a package (``pulumi package add``, ``pulumi package
    get-schema``, a ``packages:`` entry) first installs the plugins the package's own program needs, and finds
    them by their folder in the cache only (``pkg/cmd/pulumi/packageinstallation``, ``pluginstorage.HasPlugin``),
    at the version of the installed ``pulumi_aws``: the folder holds a script that runs the stand-in."""
    try:
        version = metadata.version("pulumi_aws")
    except metadata.PackageNotFoundError:
        version = "7.0.0"
    folder = home / "plugins" / f"resource-aws-v{version}"
    executable = folder / "pulumi-resource-aws"
    if not executable.exists():
        folder.mkdir(parents=True, exist_ok=True)
        executable.write_text(f'#!/bin/sh\nexec "{PLUGIN_BIN / "pulumi-resource-aws"}" "$@"\n')
        executable.chmod(0o755)
    return executable


def aws_plugin_bin(aws_plugin: str = "sandbox") -> Path:
    """The folder whose ``pulumi-resource-aws`` the engine starts for this sandbox."""
    return bridged_aws.require_built() if aws_plugin == "bridged" else PLUGIN_BIN


def pulumi_environment(
    cli: PulumiCli, folder: StateFolder, path: str | None = None, aws_plugin: str = "sandbox"
) -> dict[str, str]:
    """The variables to export so that ``pulumi`` runs against this sandbox (``path``: the PATH to extend)."""
    front = [str(aws_plugin_bin(aws_plugin))]
    if cli.built_here:
        front.append(str(cli.bin_dir))
    return {
        "PATH": os.pathsep.join([*front, path if path is not None else os.environ.get("PATH", "")]),
        "PULUMI_HOME": str(folder.home),
        "PULUMI_BACKEND_URL": folder.backend.as_uri(),
        "PULUMI_CONFIG_PASSPHRASE_FILE": str(folder.passphrase_file),
        **OFFLINE,
    }
