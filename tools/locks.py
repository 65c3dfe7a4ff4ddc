"""What each lock file was made from, stamped into it: ``make lock`` writes the stamp, a test checks it.

A lock is stale when any file it was resolved from changed after ``make lock`` made it: its first line
records the tool and a digest of those files (``# made by uv 0.13.9 from requirements.in, sha256 ...``), and ``python -m
tools.locks check`` (and ``tests/test_locks.py``) recompute it. The dev lock is resolved with the
program's lock as a constraint, so it is made from that lock too.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Each lock and the files it is resolved from (in `make lock`'s order: the program's lock first).
LOCKS: dict[str, tuple[str, ...]] = {
    "requirements.txt": ("requirements.in",),
    "requirements-dev.txt": ("requirements-dev.in", "requirements.in", "requirements.txt"),
}
PREFIX = "# made by "


def digest(lock: str, root: Path = ROOT) -> str:
    """The sha256 of the files ``lock`` is made from, each by name and content."""
    hasher = hashlib.sha256()
    for name in LOCKS[lock]:
        hasher.update(name.encode() + b"\0" + (root / name).read_bytes() + b"\0")
    return hasher.hexdigest()


def made_from(lock: str, root: Path = ROOT) -> str:
    """The stamp's part that names the inputs and their digest."""
    return f"from {', '.join(LOCKS[lock])}, sha256 {digest(lock, root)}"


def stamp(lock: str, tool: str, root: Path = ROOT) -> None:
    """Put the stamp (the tool that made the lock, what from) on the first line of ``lock``, replacing an older one."""
    path = root / lock
    lines = path.read_text().splitlines(keepends=True)
    if lines and lines[0].startswith(PREFIX):
        lines = lines[1:]
    path.write_text(f"{PREFIX}{tool} {made_from(lock, root)}\n" + "".join(lines))


def stamped_tool(lock: str, root: Path = ROOT) -> str:
    """The tool and version the stamp names ("uv 0.13.9"), empty without a stamp."""
    first = (root / lock).read_text().split("\n", 1)[0]
    return first.removeprefix(PREFIX).split(" from ", 1)[0] if first.startswith(PREFIX) else ""


def stale(root: Path = ROOT) -> list[str]:
    """The locks whose stamp does not match the files they are made from, each with the fix."""
    found = []
    for lock, inputs in LOCKS.items():
        first = (root / lock).read_text().split("\n", 1)[0]
        if not (first.startswith(PREFIX) and first.endswith(" " + made_from(lock, root))):
            found.append(f"{lock} is stale: {', '.join(inputs)} changed since it was made; run `make lock`")
    return found


def entry(lock: str, name: str, root: Path = ROOT) -> str:
    """One package's entry in ``lock``: its ``name==version`` line and its hash lines, for ``pip install -r``.

    Raises ``KeyError`` when the lock has no such package.
    """
    lines = (root / lock).read_text().splitlines()
    start = next((i for i, line in enumerate(lines) if line.lower().startswith(f"{name.lower()}==")), None)
    if start is None:
        raise KeyError(f"{lock} has no {name}")
    taken = [lines[start]]
    for line in lines[start + 1 :]:
        if not line.strip().startswith("--hash="):
            break
        taken.append(line)
    return "\n".join(taken).rstrip(" \\") + "\n"


def main(argv: list[str]) -> int:
    if argv[:1] == ["stamp"] and len(argv) == 3 and argv[1] in LOCKS:
        stamp(argv[1], argv[2])
        return 0
    if argv[:1] == ["entry"] and len(argv) == 3 and argv[1] in LOCKS:
        print(entry(argv[1], argv[2]), end="")
        return 0
    if argv == ["check"]:
        problems = stale()
        print("\n".join(problems) or "every lock is up to date with what it was made from")
        return 1 if problems else 0
    names = ",".join(LOCKS)
    print(f"usage: python -m tools.locks stamp {{{names}}} TOOL | entry {{{names}}} PACKAGE | check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
