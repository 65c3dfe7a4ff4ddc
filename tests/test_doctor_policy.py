"""The doctor's least-privilege IAM policy: describe actions only, enough for the whole diagnosis, each
one needed. Proven as the deploy policy is: `python -m sandbox check-doctor-policy` runs the doctor as
a user with only the policy on an IAM-enforcing sandbox, then without each action."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from peering.doctor.diagnose import NEEDED_FOR

pytestmark = pytest.mark.sandbox

ROOT = Path(__file__).resolve().parents[1]
POLICY = ROOT / "iam" / "doctor-policy.json"


def check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sandbox", "check-doctor-policy", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_the_policy_is_the_describe_actions_the_doctor_reads_and_nothing_else() -> None:
    policy = json.loads(POLICY.read_text())
    actions = [action for statement in policy["Statement"] for action in statement["Action"]]
    assert sorted(actions) == sorted(NEEDED_FOR)
    assert all(action.startswith("ec2:Describe") for action in actions)
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow" and statement["Resource"] == "*"
        assert "Condition" not in statement and "NotAction" not in statement


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    result = check("--json")
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr + result.stdout
    return dict(json.loads(result.stdout))


def test_the_doctor_passes_with_the_policy_alone(report: dict[str, Any]) -> None:
    assert report["full"]["exit_code"] == 0 and report["full"]["refused"] == []


@pytest.mark.parametrize("action", sorted(NEEDED_FOR))
def test_without_each_action_the_doctor_reports_it_refused(report: dict[str, Any], action: str) -> None:
    run = report["without"][action]
    assert (run["exit_code"], run["refused"]) == (1, [action])
    assert f"not authorized to perform: {action}" in run["output"]
    assert "iam/doctor-policy.json" in run["output"] and "Traceback" not in run["output"]


def test_a_policy_that_writes_is_refused_before_anything_runs(tmp_path: Path) -> None:
    writes = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["ec2:CreateRoute"], "Resource": "*"}],
    }
    path = tmp_path / "writes.json"
    path.write_text(json.dumps(writes))
    result = check("--policy", str(path))
    assert result.returncode == 1
    assert result.stdout.strip() == (
        f"error: policy {path}: ['ec2:CreateRoute'] are not describe actions; the doctor only reads"
    )
