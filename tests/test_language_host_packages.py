"""The language host's answers about the Python environment: pip's, kept only while the environment is unchanged.

Upstream's Python host runs `pip list` and a script each time the engine asks for a program's packages, and
`pip --version` for each command's About; the sandbox's host
(``sandbox/pulumi-cli/cmd/pulumi-language-python/environment_cache.go``) keeps their answers while Python's
path is as it was. `pulumi plugin ls --project` and `pulumi about` ask the host, so they show what it
answered. A project's virtualenv here sees the project's own packages through a .pth file, and a fake
``pulumi-listingprobe`` distribution (with an installed plugin of each version) comes and goes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from sandbox.pulumi_cli import PulumiCli, ensure_cli
from sandbox.pulumi_environment import OFFLINE

pytestmark = pytest.mark.e2e

PROBE = "listingprobe"
PROJECT = """name: listing
runtime:
  name: python
  options:
    toolchain: pip
    virtualenv: venv
"""


@pytest.fixture(scope="module")
def cli() -> PulumiCli:
    return ensure_cli(print)


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """A project, its virtualenv's site-packages, and an environment with a Pulumi home of its own."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "Pulumi.yaml").write_text(PROJECT)
    (root / "__main__.py").write_text("import pulumi\n")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")], check=True)
    (site,) = (root / "venv" / "lib").glob("python*/site-packages")
    (site / "project.pth").write_text(str(Path(sys.prefix) / "lib" / site.parent.name / "site-packages") + "\n")
    home = tmp_path / "pulumi-home"
    for version in ("1.2.3", "1.2.4", "9.9.9"):
        plugin = home / "plugins" / f"resource-{PROBE}-v{version}" / f"pulumi-resource-{PROBE}"
        plugin.parent.mkdir(parents=True)
        plugin.write_text("#!/bin/sh\nexit 1\n")
        plugin.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "PIP_"))}
    env.update(PULUMI_HOME=str(home), **OFFLINE)
    return root, site, env


def pulumi_json(cli: PulumiCli, root: Path, env: dict[str, str], *args: str, **extra: str) -> Any:
    """What ``pulumi ARGS --json`` prints in the project, with ``extra`` variables set."""
    result = subprocess.run(
        [str(cli.executable), *args, "--json"],
        cwd=root,
        env={**env, **extra},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def required(cli: PulumiCli, root: Path, env: dict[str, str], **extra: str) -> set[str]:
    """The resource plugins `pulumi plugin ls --project` reports, as name@version."""
    listed = pulumi_json(cli, root, env, "plugin", "ls", "--project", **extra)
    return {f"{p['name']}@{p['version']}" for p in listed if p["kind"] == "resource"}


def about(cli: PulumiCli, root: Path, env: dict[str, str], **extra: str) -> dict[str, str]:
    """The runtime section of `pulumi about`: the language host's About."""
    runtime: dict[str, str] = pulumi_json(cli, root, env, "about", **extra)["runtime"]
    return runtime


def cache_folder(cli: PulumiCli) -> Path:
    return cli.executable.resolve().parent.parent / "python-environments"


def remove_probe(site: Path) -> None:
    for old in site.glob(f"pulumi_{PROBE}-*.dist-info"):
        shutil.rmtree(old)


def install_probe(site: Path, version: str) -> None:
    """What pip leaves for an installed distribution: its .dist-info folder with the metadata."""
    remove_probe(site)
    info = site / f"pulumi_{PROBE}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: pulumi-{PROBE}\nVersion: {version}\n")


def test_each_install_upgrade_and_removal_is_seen_as_pip_list_sees_it(
    cli: PulumiCli, project: tuple[Path, Path, dict[str, str]]
) -> None:
    root, site, env = project
    seen = []
    for change in (None, "1.2.3", None, "1.2.4", "remove", None):
        if change == "remove":
            remove_probe(site)
        elif change:
            install_probe(site, change)
        listed = required(cli, root, env)
        # Upstream's way, `pip list` every time, is the answer to match.
        assert listed == required(cli, root, env, PULUMI_PYTHON_ENVIRONMENT_CACHE="off"), change
        seen.append(sorted(p for p in listed if p.startswith(PROBE)))
    assert seen == [[], [f"{PROBE}@1.2.3"], [f"{PROBE}@1.2.3"], [f"{PROBE}@1.2.4"], [], []]


def test_the_answer_is_kept_while_the_environment_is_unchanged(
    cli: PulumiCli, project: tuple[Path, Path, dict[str, str]]
) -> None:
    if not cli.built_here:
        pytest.skip("the Pulumi CLI on PATH runs upstream's language host, which keeps nothing")
    root, site, env = project
    install_probe(site, "1.2.3")
    assert f"{PROBE}@1.2.3" in required(cli, root, env)
    # The answer just kept: the newest listing naming the probe (earlier runs may have left others).
    kept = max(
        (f for f in cache_folder(cli).glob("*.packages.json") if f'"pulumi-{PROBE}"' in f.read_text()),
        key=lambda f: f.stat().st_mtime,
    )
    kept.write_text(kept.read_text().replace('"Version":"1.2.3"', '"Version":"9.9.9"'))

    # Nothing pip reports changed (a project file is no distribution): the kept answer is the answer.
    (root / "notes.txt").write_text("not a distribution\n")
    assert f"{PROBE}@9.9.9" in required(cli, root, env)
    # An answer unused for more than a week goes when another is written.
    unused = cache_folder(cli) / "0-unused.packages.json"
    unused.write_text("{}")
    os.utime(unused, (time.time() - 8 * 86400, time.time() - 8 * 86400))
    # One more distribution (a new .dist-info in site-packages): pip lists again.
    (site / "another-1.0.dist-info").mkdir()
    (site / "another-1.0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: another\nVersion: 1.0\n")
    assert f"{PROBE}@1.2.3" in required(cli, root, env)
    assert not unused.exists()


def test_about_is_pips_answer_and_is_kept_while_the_environment_is_unchanged(
    cli: PulumiCli, project: tuple[Path, Path, dict[str, str]]
) -> None:
    root, site, env = project
    upstream = about(cli, root, env, PULUMI_PYTHON_ENVIRONMENT_CACHE="off")
    assert upstream["executable"] == str(root / "venv" / "bin" / "python")
    assert upstream["toolchainVersion"] and upstream["version"].startswith("3.")
    assert about(cli, root, env) == upstream
    if not cli.built_here:
        return  # upstream's host keeps nothing: its answer above is the whole check
    (kept,) = [f for f in cache_folder(cli).glob("*.about.json") if str(root) in f.read_text()]
    kept.write_text(kept.read_text().replace(str(root), "/elsewhere"))
    assert about(cli, root, env)["executable"] == "/elsewhere/venv/bin/python"
    install_probe(site, "1.2.3")
    assert about(cli, root, env) == upstream
