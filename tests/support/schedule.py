"""The order a parallel `make test` starts files in: the longest first, so that no long file starts last.

pytest-xdist's ``--dist loadfile --no-loadscope-reorder`` hands whole files to its workers in collection
order (without ``--no-loadscope-reorder`` it would first sort them by their number of tests: the long
one-test files would start last, and one worker would run them alone at the end). With the longest started
first, the workers stay busy to the end (longest processing time first). ``LONGEST`` is the files that
took longest in a whole run (`make test PYTEST_ARGS=--junitxml=...`, summed per file), longest first;
every other file keeps its place after them. The order changes when a test starts, never what it checks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LONGEST = (  # the seconds each file took, 4 workers on 2 cores, 2026-12-07
    "tests/test_docs_as_written.py",  # 722
    "tests/test_live_changes.py",  # 718
    "tests/test_iam_policy.py",  # 550
    "tests/test_real_engine.py",  # 314
    "tests/test_existing_objects.py",  # 280
    "tests/test_bad_inputs.py",  # 273
    "tests/test_end_to_end.py",  # 273
    "tests/test_stack_ownership.py",  # 170
    "tests/test_peering_acceptance.py",  # 156
    "tests/test_reliability.py",  # 146
    "tests/test_interrupted_runs.py",  # 144
    "component_package/tests/test_python_consumer.py",  # 143
    "tests/test_token_nowhere.py",  # 123
    "tests/test_doctor_sandbox.py",  # 114
    "tests/test_doctor_stack.py",  # 107
    "tests/test_example_program.py",  # 86
    "component_package/tests/test_yaml_consumer.py",  # 72
    "component_package/tests/test_sdks_compile.py",  # 66
    "tests/test_failed_move.py",  # 60
    "component_package/tests/test_provider_host.py",  # 43
    "tests/test_aws_plugin.py",  # 39
    "tests/test_doctor_program.py",  # 34
    "tests/test_heroku_emulator.py",  # 33
)


def longest_first(items: list[pytest.Item]) -> None:
    """Sort ``items`` in place: the files of ``LONGEST`` in its order, then the rest as collected."""
    rank = {name: place for place, name in enumerate(LONGEST)}
    items.sort(key=lambda item: rank.get(item.path.relative_to(ROOT).as_posix(), len(LONGEST)))
