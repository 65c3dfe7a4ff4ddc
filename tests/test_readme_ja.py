"""README.ja.md stays in step with README.md: the same sections, every config key, the same blocks, every page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.docs_pages import blocks, links

pytestmark = pytest.mark.program

ROOT = Path(__file__).resolve().parents[1]
ENGLISH = (ROOT / "README.md").read_text()
JAPANESE = (ROOT / "README.ja.md").read_text()


def heading_levels(text: str) -> list[int]:
    """Heading levels in order, outside code blocks (a `#` comment in a shell block is no heading)."""
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    return [len(m.group(1)) for m in re.finditer(r"^(#{1,4}) ", prose, flags=re.MULTILINE)]


def config_keys(text: str, header: str) -> list[str]:
    block = text.split(header, 1)[1].split("\n\n", 1)[0]
    return re.findall(r"^\| `([A-Za-z:]+)` \|", block, flags=re.MULTILINE)


def test_same_sections_in_the_same_order() -> None:
    assert heading_levels(JAPANESE) == heading_levels(ENGLISH)


def test_every_config_key() -> None:
    assert config_keys(JAPANESE, "| key | 既定値 | 意味 |") == config_keys(ENGLISH, "| key | default | meaning |")


def test_the_same_blocks_in_the_same_order() -> None:
    """Every command, output and excerpt as in README.md, with the same docs-test markers: running README.md's
    blocks (tests/test_docs_as_written.py) runs README.ja.md's."""
    english = [(b.info, b.marker, b.text) for b in blocks("README.md")]
    assert [(b.info, b.marker, b.text) for b in blocks("README.ja.md")] == english
    assert len([b for b in blocks("README.ja.md") if b.kind == "run" and "pulumi up -s sandbox" in b.text]) == 1


def test_every_english_docs_page_linked_from_the_english_readme_is_linked_from_the_japanese_one() -> None:
    """The Japanese reader reaches every page (English, or its Japanese version where there is one)."""
    english = {target for target in links("README.md") if target.startswith("docs/")}
    japanese = {target.replace(".ja.md", ".md") for target in links("README.ja.md") if target.startswith("docs/")}
    assert english == japanese


def test_each_links_to_the_other() -> None:
    assert "(README.ja.md)" in ENGLISH and "(README.md)" in JAPANESE
