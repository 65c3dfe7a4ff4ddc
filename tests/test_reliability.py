"""A deterministic subset of ``make reliability``: outcomes that must hold whatever the fault draws."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from benchmarks.reliability_matrix import MIXES, RUN_MIXES, ProviderWorker, crash_after_accept, run_whole
from sandbox.scenarios.served_sandbox import start_served

pytestmark = pytest.mark.e2e

SUBSET = (
    "429/500/503/drop, 50 % in all",
    "answer lost after accept",
    "accept lag 2 s (404)",
    "undocumented status for 2 s",
    "latency beyond the deadline (read timeout)",
    "deleted while provisioning",
)


@pytest.fixture(scope="module")
def worker() -> Iterator[ProviderWorker]:
    started = ProviderWorker(0)
    yield started
    started.close()


@pytest.mark.parametrize("name", SUBSET)
def test_provider_converges_or_fails_rightly_with_one_accept(worker: ProviderWorker, name: str) -> None:
    mix = next(m for m in MIXES if m.name == name)
    if mix.expect is None:  # deadlines far away: a busy machine must not turn a convergence into a deadline
        mix = replace(mix, visibility_timeout=180, activation_timeout=180)
    outcome = worker.run(mix, seed=1)
    if mix.expect is None:
        assert outcome.converged, outcome.message
    else:
        assert outcome.right_failure, outcome.message
    assert not outcome.over_deadline, outcome.seconds
    assert outcome.accepts_taken <= 1


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    ready = tmp_path_factory.mktemp("served") / "ready.json"
    server = start_served(ready, "--provisioning", "0.5", "--deleted-retention", "5")
    yield ready
    server.terminate()
    server.wait(timeout=30)


def test_harsh_heroku_up_converges_with_one_accept_and_destroy_twice_leaves_nothing(served: Path) -> None:
    _, behaviour, faults = RUN_MIXES[0]  # empty bodies, pending phase, accept lag, 25 % 429/503 everywhere
    outcome = run_whole(served, behaviour, faults, seed=4)
    assert outcome.converged, outcome.detail
    assert outcome.accepts_taken == 1
    assert outcome.destroyed_clean, outcome.detail


def test_killed_right_after_accept_the_next_up_adopts(served: Path) -> None:
    outcome = crash_after_accept(served)
    assert outcome.converged, outcome.detail
    assert outcome.accepts_taken == 1 and outcome.destroyed_clean
