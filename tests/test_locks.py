"""The locks: each is what `make lock` made from the files it names, holds every direct requirement within its
range, pins every package with hashes, and `make` installs from them (pip's hash-checking mode, `npm ci`)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tools import locks

pytestmark = pytest.mark.program

ROOT = Path(__file__).resolve().parents[1]
HEROKU_CLI = ROOT / "tools" / "heroku-cli"


def direct_requirements(name: str) -> list[Requirement]:
    """The requirements a .in file names, with those of the files it includes (-r)."""
    found: list[Requirement] = []
    for written in (ROOT / name).read_text().splitlines():
        line = written.split("#", 1)[0].strip()
        if line.startswith("-r "):
            found += direct_requirements(line.removeprefix("-r ").strip())
        elif line:
            found.append(Requirement(line))
    return found


def pins(lock: str) -> dict[str, set[str]]:
    """Each locked package's versions (a universal lock may pin one per Python version, under markers)."""
    found: dict[str, set[str]] = {}
    for match in re.finditer(r"^([A-Za-z0-9._-]+)==([^ ;\\]+)", (ROOT / lock).read_text(), flags=re.MULTILINE):
        found.setdefault(canonicalize_name(match.group(1)), set()).add(match.group(2))
    return found


def test_every_lock_is_what_make_lock_made_from_its_inputs() -> None:
    assert locks.stale() == []
    assert all(locks.stamped_tool(lock).startswith("uv ") for lock in locks.LOCKS)


def test_a_changed_input_makes_its_lock_stale(tmp_path: Path) -> None:
    for name in ("requirements.in", "requirements-dev.in", *locks.LOCKS):
        shutil.copy(ROOT / name, tmp_path / name)
    assert locks.stale(tmp_path) == []
    with (tmp_path / "requirements.in").open("a") as edited:
        edited.write("rich>=13\n")
    assert [problem.split(" ", 1)[0] for problem in locks.stale(tmp_path)] == [
        "requirements.txt",
        "requirements-dev.txt",
    ]
    assert "run `make lock`" in locks.stale(tmp_path)[0]


@pytest.mark.parametrize(
    ("source", "lock"), [("requirements.in", "requirements.txt"), ("requirements-dev.in", "requirements-dev.txt")]
)
def test_every_direct_requirement_is_locked_within_its_range(source: str, lock: str) -> None:
    locked = pins(lock)
    outside = {
        str(req): sorted(locked.get(canonicalize_name(req.name), set()))
        for req in direct_requirements(source)
        if not locked.get(canonicalize_name(req.name))
        or not all(req.specifier.contains(Version(v), prereleases=True) for v in locked[canonicalize_name(req.name)])
    }
    assert outside == {}


def test_the_programs_lock_and_the_dev_lock_hold_the_same_versions() -> None:
    program, dev = pins("requirements.txt"), pins("requirements-dev.txt")
    assert {name: versions for name, versions in program.items() if dev.get(name) != versions} == {}


@pytest.mark.parametrize("lock", sorted(locks.LOCKS))
def test_every_pin_carries_hashes(lock: str) -> None:
    entries = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / lock).read_text().split("\n", 3)[3])
    assert entries and all("==" in entry and "--hash=sha256:" in entry for entry in entries if entry.strip())


def test_the_heroku_cli_lock_is_in_step_with_package_json() -> None:
    wanted = json.loads((HEROKU_CLI / "package.json").read_text())["dependencies"]
    locked = json.loads((HEROKU_CLI / "package-lock.json").read_text())
    assert locked["packages"][""]["dependencies"] == wanted  # npm ci refuses a lock out of step, too
    major = wanted["heroku"].removeprefix("^").split(".")[0]
    assert locked["packages"]["node_modules/heroku"]["version"].split(".")[0] == major
    assert all(
        "integrity" in entry
        for key, entry in locked["packages"].items()
        if key and not entry.get("link") and not entry.get("inBundle")
    )


def test_make_installs_from_the_locks_only() -> None:
    makefile = (ROOT / "Makefile").read_text()
    # pip installs the locked uv (its entry, with its hashes), then uv the whole dev lock, hashes required
    assert "-m tools.locks entry requirements-dev.txt uv > $(VENV)/uv-requirement.txt" in makefile
    assert "pip install --quiet --require-hashes --no-deps -r $(VENV)/uv-requirement.txt" in makefile
    assert "uv pip install --quiet --python $(BIN)/python --require-hashes --no-deps" in makefile
    assert "-r requirements-dev.txt" in makefile
    assert "npm ci " in makefile and "npm install --silent" not in makefile
    assert not re.search(r"pip install (?!.*--require-hashes)", makefile)


def test_the_entry_pip_installs_uv_from_is_the_locks_own() -> None:
    """Exactly uv's pinned version and every hash the lock gives for it, nothing of another package."""
    text = locks.entry("requirements-dev.txt", "uv")
    lines = text.splitlines()
    pinned = re.fullmatch(r"uv==([0-9.]+) \\", lines[0])
    assert pinned is not None
    assert all(re.fullmatch(r"    --hash=sha256:[0-9a-f]{64}( \\)?", line) for line in lines[1:])
    assert not lines[-1].endswith("\\")
    lock = (ROOT / "requirements-dev.txt").read_text()
    start = lock.index(f"uv=={pinned.group(1)} ")
    assert lock[start : start + len(text) - 1] == text.rstrip("\n")
    assert len(lines) - 1 == lock[start:].split("# via", 1)[0].count("--hash=")
    with pytest.raises(KeyError):
        locks.entry("requirements-dev.txt", "no-such-package")
