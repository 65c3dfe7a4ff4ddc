"""The example GitHub Actions workflow: valid for GitHub, and one job per stack file of the repository."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / "examples/github-actions/pulumi.yml"


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    """check-jsonschema's vendored copy of the GitHub workflow schema (SchemaStore), offline."""
    command = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(path)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_the_workflow_validates_against_githubs_schema() -> None:
    result = validate(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_validation_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = yaml.safe_load(WORKFLOW.read_text())
    del broken["jobs"]["stack"]["runs-on"]
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(broken))
    assert validate(path).returncode != 0


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
