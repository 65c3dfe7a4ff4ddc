"""Every page a user reads keeps the convention the docs test relies on (tests/support/docs_pages.py): each block
is run, run elsewhere, shown to fail, output, or an excerpt of a file that runs; placeholders are known;
every relative link and anchor resolves; the README stays a front door."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import pytest

from tests.support.docs_pages import PLACEHOLDERS, ROOT, anchors, blocks, links, pages

pytestmark = pytest.mark.program


@pytest.mark.parametrize("page", pages())
def test_every_block_says_how_it_is_checked(page: str) -> None:
    unknown = [f"{b.where}: ```{b.info} {b.marker!r}" for b in blocks(page) if b.kind == "unknown"]
    assert unknown == [], "see docs/contributing.md, 'Docs that run'"


@pytest.mark.parametrize("page", pages())
def test_excerpts_are_in_the_files_they_name(page: str) -> None:
    missing = [
        b.where
        for b in blocks(page)
        if b.kind == "excerpt" and (not (ROOT / b.argument).is_file() or b.text not in (ROOT / b.argument).read_text())
    ]
    assert missing == []


@pytest.mark.parametrize("page", pages())
def test_blocks_run_elsewhere_are_read_from_this_page_there(page: str) -> None:
    elsewhere = [b for b in blocks(page) if b.kind == "run by"]
    assert [b.where for b in elsewhere if page not in (ROOT / b.argument).read_text()] == []


@pytest.mark.parametrize("page", pages())
def test_make_targets_of_blocks_not_run_exist(page: str) -> None:
    """A block the suite cannot run still names only targets the Makefile has."""
    targets = set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(), flags=re.M))
    named = {
        line.split()[1]
        for b in blocks(page)
        if b.kind == "not run"
        for line in b.text.splitlines()
        if line.startswith("make ")
    }
    assert named - targets == set()


@pytest.mark.parametrize("page", pages())
def test_placeholders_are_ones_the_test_can_fill(page: str) -> None:
    assert sorted({name for b in blocks(page) for name in b.placeholders()} - set(PLACEHOLDERS)) == []


@pytest.mark.parametrize("page", pages())
def test_every_relative_link_and_anchor_resolves(page: str) -> None:
    broken = []
    for target in links(page):
        if re.match(r"^[a-z]+:", target):  # a URL: this machine has no internet to follow it
            continue
        path, _, anchor = target.partition("#")
        linked = str(PurePosixPath(page).parent / path) if path else page
        resolved = (ROOT / linked).resolve()
        if not resolved.exists():
            broken.append(f"{target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(str(resolved.relative_to(ROOT))):
            broken.append(f"{target}: no such heading")
    assert broken == []


def test_the_anchor_rule_is_githubs() -> None:
    from tests.support.docs_pages import slug

    assert slug("Use `pulumi` yourself on the sandbox") == "use-pulumi-yourself-on-the-sandbox"
    assert slug("What `pulumi up` does") == "what-pulumi-up-does"
    assert (
        slug("Why does no traffic flow? `python -m peering doctor`")
        == "why-does-no-traffic-flow-python--m-peering-doctor"
    )
    assert slug("サンドボックスで `pulumi` を使う") == "サンドボックスで-pulumi-を使う"


@pytest.mark.parametrize("readme", ["README.md", "README.ja.md"])
def test_the_readmes_are_front_doors(readme: str) -> None:
    text = (ROOT / readme).read_text()
    assert len(text.splitlines()) <= 300
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b|measured on", text, flags=re.I)  # no measurement diary


def test_the_scan_sees_the_pages_and_their_kinds() -> None:
    """Guards the tests above: new docs pages are picked up, and each kind of block occurs."""
    assert {"README.md", "README.ja.md", "docs/sandbox.md", "docs/troubleshooting.md"} <= set(pages())
    kinds = {b.kind for page in pages() for b in blocks(page)}
    assert {"run", "own terminal", "fails", "run by", "not run", "output", "excerpt"} <= kinds
