"""`make test` starts the test files in the order tests/support/schedule.py gives them, the longest first.

pytest-xdist sorts files by their number of tests unless told not to (``--loadscope-reorder`` is its
default): the long one-test files then start last and one worker runs them alone at the end. This runs
pytest with the flags the Makefile passes (as `make -n` prints them) on a scratch tree whose conftest puts
two one-test files before a file of five, with one worker, so that the order the tests ran in is the
order the files were handed out.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
CONFTEST = """
import pytest

ORDER = ["test_one_a.py", "test_one_b.py"]  # what the schedule would start first


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: ORDER.index(item.path.name) if item.path.name in ORDER else len(ORDER))


@pytest.fixture(autouse=True)
def record(request):
    with open("ran.txt", "a") as ran:
        ran.write(request.node.path.name + "\\n")
"""


def makefile_xdist_flags() -> list[str]:
    """The xdist flags of `make test-fast JOBS=2`'s pytest line, as `make -n` prints it (installs taken as done)."""
    printed = subprocess.run(
        ["make", "-n", "-s", "--no-print-directory", "-o", ".venv/bin/.installed", "test-fast", "JOBS=2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    [line] = [shlex.split(line) for line in printed.splitlines() if " pytest " in line]
    flags = line[line.index("-n") :]
    assert flags[:2] == ["-n", "2"] and "--dist" in flags, line
    return flags


def test_files_start_in_the_schedules_order_not_by_their_number_of_tests(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_many.py").write_text("".join(f"def test_{n}():\n    pass\n" for n in range(5)))
    for name in ("test_one_a.py", "test_one_b.py"):
        (tmp_path / name).write_text("def test_it():\n    pass\n")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *makefile_xdist_flags(), "-n", "1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    ran = (tmp_path / "ran.txt").read_text().split()
    assert ran == ["test_one_a.py", "test_one_b.py"] + ["test_many.py"] * 5
