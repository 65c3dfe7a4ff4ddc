"""The package's page (docs/component-package.md) shows the programs the tests run and compile, as they are
written in component_package/examples/ (each block marked `<!-- docs-test: from PATH -->` is found in that
file as printed), and the README in both languages gives the same `pulumi package add` line as the page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.program

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "component-package.md"
MARKED = re.compile(r"<!-- docs-test: from (\S+) -->\n```[a-z]*\n(.*?)```", re.S)
ADD = "pulumi package add ../heroku-peering/component_package"


def test_each_program_on_the_page_is_the_file_the_tests_run() -> None:
    blocks = MARKED.findall(PAGE.read_text())
    assert sorted(Path(path).parent.name for path, _ in blocks) == ["go", "python", "typescript", "yaml"]
    for path, block in blocks:
        assert block in (ROOT / path).read_text(), f"{path}: the page's block is not in the file as printed"


def test_the_readme_in_both_languages_gives_the_pages_package_add_line() -> None:
    for readme in ("README.md", "README.ja.md"):
        text = (ROOT / readme).read_text()
        assert f"```sh\n{ADD}\n```" in text and "docs/component-package.md" in text, readme
    assert f"```sh\n{ADD}\n```" in PAGE.read_text()
