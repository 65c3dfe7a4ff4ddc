"""`python -m sandbox up --program DIR` runs the program with the caller's environment, as `pulumi` does,
adding only the sandbox's own variables."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sandbox.world.sandbox_info import SandboxInfo
from tests.support.pulumi_runs import ROOT, sandbox_run, stack_export, write_ready_file

pytestmark = pytest.mark.e2e

PROGRAM = """import os

import pulumi

for name in ("CALLER_SETTING", "HOME", "AWS_PROFILE", "PYTHONPATH", "PULUMI_HOME", "PULUMI_CONFIG_PASSPHRASE"):
    pulumi.export(name, os.environ.get(name, "(unset)"))
"""


def test_the_callers_environment_reaches_the_program(sandbox_info: SandboxInfo, tmp_path: Path) -> None:
    program = tmp_path / "program"
    program.mkdir()
    (program / "__main__.py").write_text(PROGRAM)
    (program / "Pulumi.yaml").write_text(
        f"name: env-probe\nruntime:\n  name: python\n  options:\n    virtualenv: {ROOT / '.venv'}\n"
    )
    ready = write_ready_file(sandbox_info, tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    caller = {
        **os.environ,
        "CALLER_SETTING": "from the caller",
        "HOME": str(home),
        "AWS_PROFILE": "the-callers-profile",
        "PYTHONPATH": "/the/callers/path",
        "PULUMI_CONFIG_PASSPHRASE": "not the sandbox's",
    }
    done = sandbox_run(ready, "up", "--stack", "env", program=program, env=caller)
    assert done.returncode == 0, done.output
    seen = stack_export(ready, stack="env", program=program)["deployment"]["resources"][0]["outputs"]
    assert seen["CALLER_SETTING"] == "from the caller"
    assert seen["HOME"] == str(home)
    assert seen["AWS_PROFILE"] == "the-callers-profile"
    assert seen["PYTHONPATH"].split(os.pathsep)[-1] == "/the/callers/path"  # this project first, then the caller's
    assert seen["PYTHONPATH"].split(os.pathsep)[0] == str(ROOT)
    assert seen["PULUMI_HOME"].startswith(str(tmp_path / "state"))  # the sandbox's own
    assert seen["PULUMI_CONFIG_PASSPHRASE"] == "(unset)"  # the sandbox's stacks use its passphrase file
