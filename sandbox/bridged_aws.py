"""pulumi-aws built from terraform-provider-aws's own code, for the conformance run and an opt-in sandbox.

The build is ``sandbox/pulumi-aws-bridged/``, a Go module of ours (go.mod and go.sum pin Upbound's
served fork of terraform-provider-aws 6.34.0, pulumi-terraform-bridge v3.123.0 and Pulumi's
terraform-plugin-sdk fork): a ``pulumi-resource-aws`` serving pulumi-aws's tokens for the types and
functions the sandbox's own plugin serves. It is big: a cold build takes 35-75 minutes on two cores,
about 9.5 GB of memory when it links, 457 MiB of module downloads and an 857 MiB binary. So it is never
built by ``make test`` or CI; ``make aws-conformance`` builds it once into ``.cache/pulumi-aws-bridged``
(again only when the module's files change), and ``--aws-plugin bridged`` uses it when it is there.

The engine asks for pulumi-aws at the version of the pulumi_aws package the program imports; the folder
put on PATH holds a ``pulumi-resource-aws`` script that starts the binary with that version
(``PULUMI_AWS_VERSION``, read by the program's ``main.go``).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shlex
import shutil
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from .errors import SandboxError
from .pulumi_cli import PROJECT_ROOT, run_saying_progress

MODULE = Path(__file__).resolve().parent / "pulumi-aws-bridged"
CACHE = PROJECT_ROOT / ".cache" / "pulumi-aws-bridged"
BINARY = CACHE / "pulumi-resource-aws.bin"
BIN_DIR = CACHE / "bin"  # what goes on PATH: the launcher script
STAMP = CACHE / "stamp"
EXPECTED = (
    "a cold build takes 35-75 minutes on two cores and about 9.5 GB of memory at link; later builds reuse Go's cache"
)
PROGRESS_EVERY = 60.0
HOW_TO_BUILD = "make aws-conformance (or: python -m sandbox bridged-aws --build)"

Say = Callable[[str], None]


def _stamp() -> str:
    digest = hashlib.sha256()
    for path in sorted([MODULE / "go.mod", MODULE / "go.sum", *MODULE.glob("*.go")]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def pulumi_aws_version() -> str:
    """The pulumi_aws package's version: the plugin version the program's SDK asks the engine for."""
    try:
        return metadata.version("pulumi_aws")
    except metadata.PackageNotFoundError:
        return "7.0.0"


def _write_launcher() -> Path:
    BIN_DIR.mkdir(parents=True, exist_ok=True)
    launcher = BIN_DIR / "pulumi-resource-aws"
    text = (
        "#!/bin/sh\n"
        "# pulumi-aws built from terraform-provider-aws's code (sandbox/bridged_aws.py), at the pulumi_aws version.\n"
        f'PULUMI_AWS_VERSION="${{PULUMI_AWS_VERSION:-{pulumi_aws_version()}}}"\n'
        "export PULUMI_AWS_VERSION\n"
        f'exec {shlex.quote(str(BINARY))} "$@"\n'
    )
    if not launcher.exists() or launcher.read_text() != text:
        temporary = launcher.with_suffix(".tmp")
        temporary.write_text(text)
        temporary.chmod(0o755)
        os.replace(temporary, launcher)
    return BIN_DIR


def built() -> Path | None:
    """The folder to put on PATH, when the plugin is built from the module as it is now; else None."""
    if BINARY.exists() and STAMP.exists() and STAMP.read_text() == _stamp():
        return _write_launcher()
    return None


def require_built() -> Path:
    found = built()
    if found is None:
        state = "is out of date (its Go module changed)" if BINARY.exists() else "is not built"
        raise SandboxError(
            f"pulumi-aws from terraform-provider-aws's code (--aws-plugin bridged) {state}: build it with "
            f"`{HOW_TO_BUILD}`; {EXPECTED}."
        )
    return found


def build(say: Say) -> Path:
    """Build it once (later calls reuse it); the folder to put on PATH."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build at a time: a second caller waits, then reuses it
        found = built()
        if found is not None:
            return found
        go = shutil.which("go")
        if go is None:
            raise SandboxError("Go 1.26 is needed to build pulumi-aws from terraform-provider-aws's code: install it.")
        say(
            f"Building pulumi-aws from terraform-provider-aws's code ({MODULE.relative_to(PROJECT_ROOT)}) into "
            f"{CACHE.relative_to(PROJECT_ROOT)}: {EXPECTED}."
        )
        started = time.monotonic()
        staging = CACHE / "pulumi-resource-aws.building"
        _go_build(go, staging, say)
        os.replace(staging, BINARY)
        STAMP.write_text(_stamp())
        say(f"Built pulumi-aws from terraform-provider-aws's code in {time.monotonic() - started:.0f}s")
        return _write_launcher()


def _go_build(go: str, out: Path, say: Say) -> None:
    command = [go, "build", "-trimpath", "-ldflags", "-s -w", "-o", str(out), "."]
    env = {**os.environ, "GOFLAGS": "-buildvcs=false -mod=readonly", "GOTOOLCHAIN": "local"}
    returncode, tail = run_saying_progress(
        ["nice", "-n", "19", *command],
        MODULE,
        env,
        PROGRESS_EVERY,
        lambda s: say(f"  still building pulumi-aws from terraform-provider-aws's code ({s / 60:.0f} min)"),
    )
    if returncode != 0:
        out.unlink(missing_ok=True)
        raise SandboxError(
            f"go build of pulumi-aws from terraform-provider-aws's code failed (exit {returncode}):\n{tail}"
        )
