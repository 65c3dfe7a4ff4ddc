"""The example GitHub Actions workflow: valid for GitHub, and one job per stack file of the repository."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from check_jsonschema import main as check_jsonschema

pytestmark = pytest.mark.program

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / "examples/github-actions/pulumi.yml"


def validate(path: Path) -> int:
    """check-jsonschema's vendored copy of the GitHub workflow schema (SchemaStore), offline; its exit status."""
    try:
        check_jsonschema(["--builtin-schema", "vendor.github-workflows", str(path)])
    except SystemExit as done:
        return int(done.code or 0)
    return 0


def test_the_workflow_validates_against_githubs_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert validate(WORKFLOW) == 0, capsys.readouterr()


def test_the_validation_catches_a_broken_workflow(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = yaml.safe_load(WORKFLOW.read_text())
    del broken["jobs"]["stack"]["runs-on"]
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(broken))
    assert validate(path) != 0
    assert "runs-on" in capsys.readouterr().out


def test_preview_on_pull_requests_up_on_main_one_job_per_stack() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    assert triggers["pull_request"]["branches"] == ["main"] and triggers["push"]["branches"] == ["main"]
    job = workflow["jobs"]["stack"]
    stacks = sorted(entry["stack"] for entry in job["strategy"]["matrix"]["include"])
    files = sorted(p.name.split(".")[1] for p in ROOT.glob("Pulumi.*.yaml") if p.name != "Pulumi.sandbox.yaml")
    assert stacks == files
    steps = {step.get("uses", "").split("@")[0]: step for step in job["steps"]}
    pulumi = steps["pulumi/actions"]
    assert pulumi["with"]["command"] == "${{ github.event_name == 'pull_request' && 'preview' || 'up' }}"
    assert pulumi["env"]["HEROKU_API_KEY"] == "${{ secrets.HEROKU_API_KEY }}"
    assert "role-to-assume" in steps["aws-actions/configure-aws-credentials"]["with"]
    assert workflow["permissions"]["id-token"] == "write"
