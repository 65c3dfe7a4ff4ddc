"""The Pulumi CLI the sandbox drives: a ``pulumi`` of 3.187 or later already on PATH, else one built here.

The build is ``sandbox/pulumi-cli/``, a Go module that pins Pulumi's own modules (go.mod and go.sum):
``pulumi`` is ``github.com/pulumi/pulumi/pkg/v3/cmd/pulumi`` built as upstream's release does
(``.goreleaser.yml``: ``-trimpath``, ``-ldflags "-w -s -X ...version.Version=v<version>"``, tags
``osusergo,grpcnotrace``, ``CGO_ENABLED=0``); ``pulumi-language-python`` is the module's own
language host (see its ``main.go`` for why); ``pulumi-language-yaml`` is Pulumi's YAML language host,
the module's second ``tool`` (``github.com/pulumi/pulumi-yaml``, with its release's ``-X
.../pulumi-yaml/pkg/version.Version=v<its version>``), for YAML programs; ``pulumi-language-sdkgen`` is
the SDK generation of the Node.js and Go hosts (see its ``main.go``), kept apart in ``sdkgen/`` under
each host's name, for ``pulumi package gen-sdk --language nodejs|go`` only (never on the sandbox's
PATH). Beside them go the two small scripts of the pinned SDK module that the language host and
dynamic providers run (``python/cmd/pulumi-language-python-exec``,
``python/dist/pulumi-resource-pulumi-python``), copied from Go's module cache. The result lives in
``.cache/pulumi-cli/<version>/bin`` and is rebuilt only when the module's files change; the version's
folder is a symbolic link swapped in one step, so that runs started from an older build keep working.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import SandboxError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
MODULE = Path(__file__).resolve().parent / "pulumi-cli"
CACHE = PROJECT_ROOT / ".cache" / "pulumi-cli"
# requiredPulumiVersion in Pulumi.yaml: object config types came with 3.187.
MINIMUM_VERSION = (3, 187, 0)
CLI_PACKAGE = "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
VERSION_VARIABLE = "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version"
YAML_MODULE = "github.com/pulumi/pulumi-yaml"
YAML_HOST_PACKAGE = f"{YAML_MODULE}/cmd/pulumi-language-yaml"
YAML_VERSION_VARIABLE = f"{YAML_MODULE}/pkg/version.Version"
SDK_MODULE = "github.com/pulumi/pulumi/sdk/v3"
# What the language host and the dynamic-provider host need beside the CLI, from the SDK module.
SDK_SCRIPTS = ("python/cmd/pulumi-language-python-exec", "python/dist/pulumi-resource-pulumi-python")
SDKGEN_HOST = "pulumi-language-sdkgen"
SDKGEN_LANGUAGES = ("nodejs", "go")  # the host names it answers to, in sdkgen/
PROGRESS_EVERY = 30.0

Say = Callable[[str], None]


@dataclass(frozen=True)
class PulumiCli:
    """Where ``pulumi`` is, and the folder to put first on PATH so that its language host is found."""

    executable: Path
    version: str
    built_here: bool

    @property
    def bin_dir(self) -> Path:
        return self.executable.parent

    @property
    def sdkgen_dir(self) -> Path | None:
        """Where the sandbox's SDK-generating Node.js and Go hosts are (a CLI built here), for ``gen-sdk`` only."""
        return self.executable.parent.parent / "sdkgen" if self.built_here else None


def pinned_version() -> str:
    """The pkg/v3 version go.mod requires: the one CLI this project builds."""
    found = re.search(r"github\.com/pulumi/pulumi/pkg/v3 (v\d+\.\d+\.\d+)", (MODULE / "go.mod").read_text())
    if found is None:
        raise SandboxError(f"{MODULE / 'go.mod'} does not require github.com/pulumi/pulumi/pkg/v3")
    return found.group(1)


def pinned_yaml_version() -> str:
    """The pulumi-yaml version go.mod requires: its YAML language host."""
    found = re.search(r"github\.com/pulumi/pulumi-yaml (v\d+\.\d+\.\d+)", (MODULE / "go.mod").read_text())
    if found is None:
        raise SandboxError(f"{MODULE / 'go.mod'} does not require {YAML_MODULE}")
    return found.group(1)


def parse_version(text: str) -> tuple[int, int, int] | None:
    found = re.match(r"^v?(\d+)\.(\d+)\.(\d+)", text.strip())
    return (int(found[1]), int(found[2]), int(found[3])) if found else None


def _version_of(executable: Path) -> str | None:
    try:
        done = subprocess.run([str(executable), "version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def ambient_cli() -> PulumiCli | None:
    """A ``pulumi`` on PATH that is recent enough (real users have one); None otherwise."""
    found = shutil.which("pulumi")
    if found is None or Path(found).resolve().is_relative_to(CACHE.resolve()):
        return None
    text = _version_of(Path(found))
    version = parse_version(text or "")
    if version is None or version < MINIMUM_VERSION:
        return None
    return PulumiCli(Path(found), str(text), built_here=False)


def ensure_cli(say: Say, *, allow_ambient: bool = True) -> PulumiCli:
    """The CLI to run: one on PATH if recent enough, else the one built here (built now if missing)."""
    if allow_ambient:
        ambient = ambient_cli()
        if ambient is not None:
            return ambient
    return build_cli(say)


def _stamp() -> str:
    digest = hashlib.sha256()
    for name in ("go.mod", "go.sum"):
        digest.update((MODULE / name).read_bytes())
    for source in sorted(MODULE.rglob("*.go")):
        digest.update(source.read_bytes())
    return digest.hexdigest()


def build_cli(say: Say) -> PulumiCli:
    """Build (once; later calls reuse it) ``pulumi`` and the language host into the project's cache."""
    version = pinned_version()
    target = CACHE / version
    executable = target / "bin" / "pulumi"
    stamp = _stamp()
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build at a time; a second caller waits, then reuses it
        stamp_file = target / "stamp"
        if executable.exists() and stamp_file.exists() and stamp_file.read_text() == stamp:
            return PulumiCli(executable, version, built_here=True)
        go = shutil.which("go")
        if go is None:
            raise SandboxError(
                "The Pulumi CLI is not on PATH (or older than 3.187) and Go is not installed to build it: install "
                "the Pulumi CLI (https://www.pulumi.com/docs/iac/download-install/) or Go 1.26, then run again."
            )
        say(
            f"Building the Pulumi CLI {version} from Pulumi's Go modules into {target.relative_to(PROJECT_ROOT)} "
            "(first run only; a cold build takes several minutes)"
        )
        started = time.monotonic()
        builds = CACHE / "builds"
        builds.mkdir(exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f"{version}.", dir=builds))
        try:
            _go_build(go, version, staging / "bin", say)
            sdkgen = staging / "sdkgen"
            sdkgen.mkdir()
            for language in SDKGEN_LANGUAGES:
                os.link(staging / "bin" / SDKGEN_HOST, sdkgen / f"pulumi-language-{language}")
            (staging / "bin" / SDKGEN_HOST).unlink()
            sdk = _module_dir(go, SDK_MODULE)
            for script in SDK_SCRIPTS:
                installed = staging / "bin" / Path(script).name
                shutil.copyfile(sdk / script, installed)
                installed.chmod(0o755)
            (staging / "stamp").write_text(stamp)
            link = CACHE / f".{version}.link"
            link.unlink(missing_ok=True)
            link.symlink_to(staging.relative_to(CACHE))
            if target.exists() and not target.is_symlink():
                shutil.rmtree(target)  # a folder left by an earlier layout
            os.replace(link, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        for old in builds.iterdir():  # earlier builds: programs already started keep their open files
            if old != staging:
                shutil.rmtree(old, ignore_errors=True)
        say(f"Built the Pulumi CLI {version} in {time.monotonic() - started:.0f}s")
    return PulumiCli(executable, version, built_here=True)


def _go_environment() -> dict[str, str]:
    return {**os.environ, "CGO_ENABLED": "0", "GOFLAGS": "-mod=readonly", "GOTOOLCHAIN": "local"}


def _go_build(go: str, version: str, out: Path, say: Say) -> None:
    out.mkdir(parents=True)
    command = [
        go,
        "build",
        "-trimpath",
        "-tags",
        "osusergo,grpcnotrace",
        "-ldflags",
        f"-w -s -X {VERSION_VARIABLE}={version} -X {YAML_VERSION_VARIABLE}={pinned_yaml_version()}",
        "-o",
        f"{out}/",
        CLI_PACKAGE,
        "./cmd/pulumi-language-python",
        f"./cmd/{SDKGEN_HOST}",
        YAML_HOST_PACKAGE,
    ]
    returncode, tail = run_saying_progress(
        command, MODULE, _go_environment(), PROGRESS_EVERY, lambda s: say(f"  still building the Pulumi CLI ({s:.0f}s)")
    )
    if returncode != 0:
        raise SandboxError(f"go build of the Pulumi CLI failed (exit {returncode}):\n{tail}")


def run_saying_progress(
    command: list[str], cwd: Path, env: dict[str, str], every: float, still: Callable[[float], None]
) -> tuple[int, str]:
    """Run a long command (a Go build), calling ``still`` with the seconds elapsed every ``every`` seconds while it
    runs; its exit code and the last 30 lines of its output (stdout and stderr together)."""
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(process.stdout or []), daemon=True)
    reader.start()
    started = time.monotonic()
    while True:
        try:
            process.wait(timeout=every)
            break
        except subprocess.TimeoutExpired:
            still(time.monotonic() - started)
    reader.join()
    return process.returncode, "".join(output[-30:]).strip()


def _module_dir(go: str, module: str) -> Path:
    done = subprocess.run(
        [go, "list", "-m", "-f", "{{.Dir}}", module],
        cwd=MODULE,
        env=_go_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise SandboxError(f"go list -m {module} failed: {done.stderr.strip()}")
    return Path(done.stdout.strip())
