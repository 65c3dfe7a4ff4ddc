"""``python -m sandbox serve`` in a process of its own, as a user starts it; for tests and benchmarks."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path


def start_served(ready: Path, *options: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """`python -m sandbox serve` in its own process, on free ports; returns once the ready file exists.

    ``env`` adds to this process's environment for the sandbox's (moto's own settings, for instance).
    """
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox",
            "serve",
            "--ready-file",
            str(ready),
            "--heroku-port",
            "0",
            "--aws-port",
            "0",
            "--visibility-delay",
            "0.3",
            "--provisioning",
            "0.3",
            *options,
        ],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **env} if env else None,
    )
    deadline = time.monotonic() + 60
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            output = process.stdout.read() if process.stdout else ""
            raise AssertionError(f"the sandbox did not become ready: {output}")
        time.sleep(0.1)
    return process


def stop_served(process: subprocess.Popen[str]) -> None:
    """SIGTERM, as Ctrl-C would: the sandbox stops cleanly and removes its stacks."""
    process.terminate()
    process.wait(timeout=30)
