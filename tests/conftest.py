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
# The test layers (pyproject.toml's markers); `make test-fast` runs the first two.
LAYERS = ("provider", "program", "sandbox", "e2e")
# What the pre-flight promises a user whose herokuApiUrl has nothing listening: the message within this bound.
REFUSED_BOUND = 3.0


def closed_port() -> int:
    """A port that was just free on the loopback: bound, then closed, so nothing listens on it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test belongs to exactly one layer, so that a tier chosen by layer runs what it says."""
    wrong = [
        f"{item.nodeid}: {names or 'none'}"
        for item in items
        if len(names := [mark.name for mark in item.iter_markers() if mark.name in LAYERS]) != 1
    ]
    if wrong:
        raise pytest.UsageError(
            "each test needs exactly one layer (pytestmark = pytest.mark.<layer>):\n" + "\n".join(wrong)
        )


@pytest.fixture(autouse=True)
def _no_ambient_heroku_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never see the developer's real token, netrc or HEROKU_HOST."""
    for name in ("HEROKU_API_KEY", "HEROKU_HOST", "NETRC"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))


@pytest.fixture(scope="session")
def shared_sandbox() -> Iterator[LocalSandbox]:
    sandbox = LocalSandbox(SandboxOptions(timings=FAST, retry_after=1))
    sandbox.start()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def sandbox_info(shared_sandbox: LocalSandbox) -> SandboxInfo:
    assert shared_sandbox.info is not None
    return shared_sandbox.info


@dataclass(frozen=True)
class StartedSandbox:
    info: SandboxInfo
    emulator: HerokuEmulator
    world: HerokuWorld


SandboxFactory = Callable[..., StartedSandbox]


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
