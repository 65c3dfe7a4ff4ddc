"""README.ja.md stays in step with README.md: the same sections, every config key, every command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

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


def code_lines(text: str) -> list[str]:
    """Every line inside a fenced code block (a fence opens with ``` and any info string, and closes with ```)."""
    inside, lines = False, []
    for line in text.splitlines():
        if line.startswith("```"):
            inside = not inside
        elif inside:
            lines.append(line)
    return lines


def commands(text: str) -> set[str]:
    lines = code_lines(text)
    starts = ("make ", "python", ".venv/", "pulumi ", "heroku ", "curl ", "aws ", "export ")
    return {line.strip() for line in lines if line.strip().startswith(starts)}


def test_same_sections_in_the_same_order() -> None:
    assert heading_levels(JAPANESE) == heading_levels(ENGLISH)


def test_every_config_key() -> None:
    assert config_keys(JAPANESE, "| key | 既定値 | 意味 |") == config_keys(ENGLISH, "| key | default | meaning |")


def test_every_command() -> None:
    missing = commands(ENGLISH) - commands(JAPANESE)
    assert missing == set()
    assert "make demo   # installs .venv, starts a local sandbox (moto + Heroku emulator), runs the program on it" in (
        commands(JAPANESE)
    )


def test_each_links_to_the_other() -> None:
    assert "(README.ja.md)" in ENGLISH and "(README.md)" in JAPANESE
