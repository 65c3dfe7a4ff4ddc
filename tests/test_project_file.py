"""Pulumi.yaml as the CLI checks it, and in step with the keys the program reads and the README documents."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from peering.model.stack_config import PROGRAM_KEYS, PROJECT

pytestmark = pytest.mark.program

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = Draft202012Validator(json.loads((ROOT / "tests/schemas/pulumi-project.schema.json").read_text()))
PROJECTS = [ROOT / "Pulumi.yaml", *sorted((ROOT / "examples").glob("*/Pulumi.yaml"))]


@pytest.mark.parametrize("path", PROJECTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_project_files_validate_against_pulumis_schema(path: Path) -> None:
    project = yaml.safe_load(path.read_text())
    errors = sorted(str(e.message) for e in SCHEMA.iter_errors(project))
    assert errors == []
    assert project["requiredPulumiVersion"] == ">=3.187.0"
    for key, declaration in project["config"].items():
        assert isinstance(declaration, dict) and "type" in declaration and declaration.get("description"), key


def test_the_schema_refuses_what_the_cli_refuses() -> None:
    """Guards the validation above: an unknown type, and an unknown field of a declaration, fail."""
    for declaration in ({"type": "map"}, {"type": "string", "typo": 1}):
        project = {"name": "x", "runtime": "python", "config": {"key": declaration}}
        assert list(SCHEMA.iter_errors(project)), declaration


def test_declared_keys_are_the_keys_the_program_reads() -> None:
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    declared = {f"{PROJECT}:{key}" for key in project["config"]}
    assert declared == {key for key in PROGRAM_KEYS if key.startswith(f"{PROJECT}:")}


def test_the_readme_documents_every_key() -> None:
    readme = (ROOT / "README.md").read_text()
    block = readme.split("| key | default | meaning |", 1)[1].split("\n\n", 1)[0]
    table = re.findall(r"^\| `([A-Za-z:]+)` \|", block, flags=re.MULTILINE)
    assert set(table) == {key.split(":", 1)[1] if key.startswith(f"{PROJECT}:") else key for key in PROGRAM_KEYS}


@pytest.mark.parametrize("readme", ["README.md", "README.ja.md"])
def test_the_readmes_give_pulumi_yamls_defaults(readme: str) -> None:
    """Pulumi.yaml's defaults are the program's (tests/test_peering_args.py); the key tables say the same."""
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    rows = dict(re.findall(r"^\| `([A-Za-z]+)` \| ([^|]+) \|", (ROOT / readme).read_text(), flags=re.MULTILINE))
    given = {key: d["default"] for key, d in project["config"].items() if d.get("default") not in ("", [], {})}
    assert {"routeTo", "visibilityTimeout", "activationTimeout"} <= set(given)
    written = {key: str(value).lower() if isinstance(value, bool) else str(value) for key, value in given.items()}
    assert {key: rows[key].strip().strip("`") for key in given} == written  # as YAML writes them
