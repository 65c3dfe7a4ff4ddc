"""The suite's fixtures; what tests import lives in tests/support/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.world.local_sandbox import LocalSandbox, SandboxOptions
from sandbox.world.sandbox_info import SandboxInfo
from tests.support.sandboxes import FAST, _no_ambient_heroku_credentials, make_sandbox
from tests.support.schedule import longest_first
from tests.support.tiers import LAYERS

__all__ = ["_no_ambient_heroku_credentials", "make_sandbox"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test belongs to exactly one layer, so that a tier chosen by layer runs what it says; the
    longest files first (tests/support/schedule.py)."""
    wrong = [
        f"{item.nodeid}: {names or 'none'}"
        for item in items
        if len(names := [mark.name for mark in item.iter_markers() if mark.name in LAYERS]) != 1
    ]
    if wrong:
        raise pytest.UsageError(
            "each test needs exactly one layer (pytestmark = pytest.mark.<layer>):\n" + "\n".join(wrong)
        )
    longest_first(items)


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
