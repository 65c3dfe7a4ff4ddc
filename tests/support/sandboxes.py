"""Private sandboxes for tests, and the fixture that hides the developer's Heroku credentials.

``make_sandbox`` starts a sandbox with its own timings, faults, tokens or rate limit and stops it after the
test; ``_no_ambient_heroku_credentials`` is autouse wherever a conftest imports it.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from sandbox.world.faults import FaultInjector
from sandbox.world.heroku_emulator import HerokuEmulator
from sandbox.world.heroku_world import HerokuWorld, Timings
from sandbox.world.local_sandbox import LocalSandbox, SandboxOptions
from sandbox.world.sandbox_info import SandboxInfo

FAST = Timings(visibility_delay=0.3, provisioning=0.3, expiry=3600.0, deleted_retention=1.0)


def closed_port() -> int:
    """A port that was just free on the loopback: bound, then closed, so nothing listens on it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class StartedSandbox:
    info: SandboxInfo
    emulator: HerokuEmulator
    world: HerokuWorld


SandboxFactory = Callable[..., StartedSandbox]


@pytest.fixture(autouse=True)
def _no_ambient_heroku_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never see the developer's real token, netrc or HEROKU_HOST."""
    for name in ("HEROKU_API_KEY", "HEROKU_HOST", "NETRC"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))


@pytest.fixture
def make_sandbox() -> Iterator[SandboxFactory]:
    """A private sandbox with its own timings, faults, tokens or rate limit."""
    started: list[LocalSandbox] = []

    def make(timings: Timings = FAST, faults: FaultInjector | None = None, **options: Any) -> StartedSandbox:
        sandbox = LocalSandbox(SandboxOptions(timings=timings, faults=faults or FaultInjector(), **options))
        info = sandbox.start()
        started.append(sandbox)
        assert sandbox.emulator is not None and sandbox.world is not None
        return StartedSandbox(info, sandbox.emulator, sandbox.world)

    yield make
    for sandbox in started:
        sandbox.stop()
