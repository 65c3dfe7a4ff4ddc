"""The user's pages (README.md, README.ja.md, docs/**/*.md) as the tests read them: fenced blocks, the
``docs-test`` marker before each, placeholders, links and heading anchors.

The convention (docs/contributing.md, "Docs that run"):

- a ```` ```sh ```` block is run as printed, after the blocks before it on its page, in one shell;
- a ```` ```text ```` block is output, never run;
- any other block (```` ```python ````, ```` ```yaml ````) is an excerpt of a file that runs, named by
  ``<!-- docs-test: from PATH -->`` on the line before it, and must be found in that file as printed;
- the line before a ```` ```sh ```` block may say how it is run: ``<!-- docs-test: own terminal -->``
  (a command that keeps running, e.g. ``serve``: started in the background, then the lines it
  printed under its heading are run, as its prose says), ``<!-- docs-test: fails -->`` (shown to
  fail: it must exit non-zero), ``<!-- docs-test: run by tests/FILE.py -->`` (too long for this test:
  that test runs it, reading it from this page) or ``<!-- docs-test: not run: REASON -->``;
- ``<name>`` in a ```` ```sh ```` block is a placeholder the user fills in; the test fills only those,
  each from the served sandbox (``PLACEHOLDERS``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MARKER = re.compile(r"^<!-- docs-test: (?P<what>.+?) -->$")
FENCE = re.compile(r"^```(?P<info>\S*)\s*$")
PLACEHOLDER = re.compile(r"<(?P<name>[a-z][a-z0-9-]*)>")
LINK = re.compile(r"\[[^\]]*\]\((?P<target>[^)\s]+)\)")
# The section that starts the sandbox: a page that links it runs its `serve` block first.
SANDBOX_SECTION = "README.md#use-pulumi-yourself-on-the-sandbox"
# What each placeholder stands for; tests/test_docs_as_written.py fills them from the served sandbox.
PLACEHOLDERS = {
    "stack": "a new stack's name",
    "region": "your VPC's region",
    "space": "your Private Space",
    "vpc-id": "your VPC",
    "security-group-id": "a security group of your VPC",
    "heroku-aws-account-id": "the space's AWS account (heroku spaces:peering:info)",
    "heroku-vpc-id": "the space's VPC (heroku spaces:peering:info)",
    "space-region": "the space's region (heroku spaces:peering:info)",
    "space-vpc-cidr": "the space's VPC CIDR (heroku spaces:peering:info)",
    "dyno-cidrs": "the space's dyno CIDRs, separated by spaces (heroku spaces:peering:info)",
    "pcx-id": "the peering connection made by hand",
}


@dataclass(frozen=True)
class Block:
    """One fenced block of a page."""

    page: str  # relative to the project's root
    line: int  # the opening fence's line, from 1
    info: str  # the fence's info string: sh, text, python, yaml, ...
    text: str
    marker: str  # what the docs-test marker before it says ("" without one)

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def kind(self) -> str:
        """run, own terminal, fails, run by, not run, output, excerpt; or "unknown" (a mistake the tests name)."""
        marker = self.marker
        if self.info == "sh":
            if not marker:
                return "run"
            for kind in ("own terminal", "fails"):
                if marker == kind:
                    return kind
            for kind in ("run by ", "not run: "):
                if marker.startswith(kind) and marker.removeprefix(kind).strip():
                    return kind.strip(": ")
            return "unknown"
        if self.info == "text":
            return "output" if not marker else "unknown"
        if self.info and marker.startswith("from ") and marker.removeprefix("from ").strip():
            return "excerpt"
        return "unknown"

    @property
    def argument(self) -> str:
        """The marker's argument: the file of ``from`` and ``run by``, the reason of ``not run``."""
        return re.sub(r"^(from |run by |not run: )", "", self.marker).strip()

    def placeholders(self) -> list[str]:
        return [m["name"] for m in PLACEHOLDER.finditer(self.text)] if self.info == "sh" else []


def pages() -> list[str]:
    """Every page a user reads: the READMEs and every Markdown file under docs/, new ones included."""
    found = ["README.md", "README.ja.md", *(str(p.relative_to(ROOT)) for p in sorted((ROOT / "docs").rglob("*.md")))]
    return [page for page in found if (ROOT / page).exists()]


def blocks(page: str, root: Path = ROOT) -> list[Block]:
    found: list[Block] = []
    lines = (root / page).read_text().splitlines()
    opened: tuple[int, str, str] | None = None
    body: list[str] = []
    for number, line in enumerate(lines, start=1):
        fence = FENCE.match(line)
        if opened is None and fence:
            before = next((lines[i] for i in range(number - 2, -1, -1) if lines[i].strip()), "")
            marker = MARKER.match(before.strip())
            opened, body = (number, fence["info"], marker["what"].strip() if marker else ""), []
        elif opened is not None and line.strip() == "```":
            found.append(Block(page, opened[0], opened[1], "\n".join(body) + "\n", opened[2]))
            opened = None
        elif opened is not None:
            body.append(line)
    assert opened is None, f"{page}:{opened[0]}: a code block is never closed"
    return found


def block(page: str, kind: str, containing: str) -> Block:
    """The one block of ``page`` of that kind whose text contains ``containing`` (for the tests that run it)."""
    [found] = [b for b in blocks(page) if b.kind == kind and containing in b.text]
    return found


def prose(page: str) -> str:
    """The page without its code blocks."""
    return re.sub(r"^```.*?^```", "", (ROOT / page).read_text(), flags=re.S | re.M)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lowercase, punctuation dropped (letters of any script kept), spaces to -."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: str) -> set[str]:
    found: set[str] = set()
    for heading in re.findall(r"^#{1,6} (.+)$", prose(page), flags=re.M):
        anchor, number = slug(heading), 0
        while (candidate := anchor if not number else f"{anchor}-{number}") in found:
            number += 1
        found.add(candidate)
    return found


def links(page: str) -> list[str]:
    """The page's link targets outside code (relative paths with an optional #anchor, or URLs)."""
    return [m["target"] for m in LINK.finditer(prose(page))]
