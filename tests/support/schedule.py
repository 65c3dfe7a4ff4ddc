"""The order a parallel `make test` starts files in: the longest first, so that no long file starts last.

pytest-xdist's ``--dist loadfile`` hands whole files to its workers in collection order; with the
longest started first, the workers stay busy to the end (longest processing time first). ``LONGEST``
is the files that took longest in a whole run (`pytest -n 3 --dist loadfile --durations`, 2 cores,
2026-12-07), longest first; every other file keeps its place after them. The order changes when a test
starts, never what it checks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LONGEST = (
    "tests/test_iam_policy.py",
    "tests/test_docs_as_written.py",
    "tests/test_live_changes.py",
    "tests/test_real_engine.py",
    "tests/test_end_to_end.py",
    "tests/test_bad_inputs.py",
    "tests/test_existing_objects.py",
    "component_package/tests/test_python_consumer.py",
    "tests/test_peering_acceptance.py",
    "tests/test_stack_ownership.py",
    "tests/test_interrupted_runs.py",
    "tests/test_reliability.py",
    "component_package/tests/test_sdks_compile.py",
)


def longest_first(items: list[pytest.Item]) -> None:
    """Sort ``items`` in place: the files of ``LONGEST`` in its order, then the rest as collected."""
    rank = {name: place for place, name in enumerate(LONGEST)}
    items.sort(key=lambda item: rank.get(item.path.relative_to(ROOT).as_posix(), len(LONGEST)))
