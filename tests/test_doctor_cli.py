"""The doctor's command line: every bad input is one clear error (exit 2) naming the option, the value
and the fix, found before anything is read."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from peering.doctor.cli import main

pytestmark = pytest.mark.sandbox

ROOT = Path(__file__).resolve().parents[1]
VPC = "vpc-0123456789abcdef0"
PREFIX = "python -m peering doctor: error: "


def usage_error(capsys: pytest.CaptureFixture[str], *argv: str, lines: int = 1) -> str:
    assert main(["doctor", *argv]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(PREFIX) and err.count("\n") == lines, err
    return err[len(PREFIX) :].strip()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ((), "--space: give the Private Space's name (heroku spaces), or --stack"),
        (("--space", "s"), "--vpc-id None: give the id of your VPC (vpc-...), or --stack"),
        (("--space", "s", "--vpc-id", "vpc-1"), "--vpc-id 'vpc-1': give the id of your VPC (vpc-...), or --stack"),
        (
            ("--space", "s", "--vpc-id", VPC, "--port", "tcp:99999"),
            "--port 'tcp:99999': give tcp:PORT, udp:PORT (0-65535, or LOW-HIGH), icmp, icmp:TYPE or all; "
            "e.g. --port tcp:5432",
        ),
        (
            ("--space", "s", "--vpc-id", VPC, "--port", "tcp:1", "--security-group", "default"),
            "--security-group 'default': give a security group id (sg-...) of the VPC",
        ),
        (
            ("--space", "s", "--vpc-id", VPC, "--security-group", "sg-0123456789abcdef0"),
            "--security-group needs the ports it must admit: add --port, e.g. --port tcp:5432",
        ),
        (
            ("--stack", "prod", "-C", str(ROOT), "--space", "s"),
            "--space/--vpc-id with --stack 'prod' replace one peering's values: add --peering (it has: main-app-vpc, "
            "batch-app-vpc, analytics-vpc).",
        ),
        (("--space", "s", "--vpc-id", VPC, "--peering", "app"), "--peering goes with --stack"),
    ],
)
def test_bad_options(capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str) -> None:
    assert usage_error(capsys, *argv) == message


def test_a_stack_that_is_not_there(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    message = usage_error(capsys, "--stack", "nope", "-C", str(tmp_path))
    assert message == (
        f"--stack 'nope': {tmp_path}/Pulumi.nope.yaml cannot be read (No such file or directory). Give a stack of "
        "this project (`pulumi stack ls`), or the project's directory with -C."
    )


def test_a_stack_file_with_config_mistakes_names_each_key(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "Pulumi.bad.yaml").write_text("config:\n  heroku-peering:space: demo\n  heroku-peering:vpcID: vpc-1\n")
    message = usage_error(capsys, "--stack", "bad", "-C", str(tmp_path), lines=3)  # one line a problem
    assert message.startswith("--stack 'bad': Pulumi.bad.yaml has mistakes the program refuses:")
    assert "created" not in message, "a read-only tool creates nothing"
    assert "heroku-peering:vpcID is not a key this program reads (did you mean vpcId?)" in message
    assert "heroku-peering:vpcId = None: set the id of your VPC" in message


def test_a_stack_file_that_is_not_yaml_or_has_no_config(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "Pulumi.broken.yaml").write_text("config: [\n")
    assert usage_error(capsys, "--stack", "broken", "-C", str(tmp_path)) == (
        f"--stack 'broken': {tmp_path}/Pulumi.broken.yaml is not YAML (line 2, column 1: expected the node content, "
        "but found '<stream end>')."
    )
    (tmp_path / "Pulumi.empty.yaml").write_text("# nothing\n")
    assert usage_error(capsys, "--stack", "empty", "-C", str(tmp_path)) == (
        f"--stack 'empty': {tmp_path}/Pulumi.empty.yaml has no config map; set the stack's space and vpcId."
    )


def test_an_unknown_peering_of_a_stack_lists_the_names(capsys: pytest.CaptureFixture[str]) -> None:
    assert usage_error(capsys, "--stack", "prod", "-C", str(ROOT), "--peering", "web") == (
        "--peering 'web': stack prod has no such peering (it has: main-app-vpc, batch-app-vpc, analytics-vpc)."
    )


def test_argparse_mistakes_exit_2_without_a_traceback() -> None:
    for argv in ([], ["doctor", "--no-such-option"]):
        result = subprocess.run(
            [sys.executable, "-m", "peering", *argv], cwd=ROOT, capture_output=True, text=True, check=False
        )
        assert result.returncode == 2 and "usage: python -m peering" in result.stderr
        assert "Traceback" not in result.stderr


# Runs `python -m peering doctor --help` as the user does, then prints the top-level modules the process loaded.
LOADED_BY_HELP = """
import runpy, sys
sys.argv = ["python -m peering", "doctor", "--help"]
try:
    runpy.run_module("peering", run_name="__main__", alter_sys=True)
except SystemExit as done:
    assert done.code == 0, done.code
print("loaded:", *sorted({m.split(".")[0] for m in sys.modules}))
"""


def test_the_doctor_loads_no_pulumi() -> None:
    """The doctor is a boto3 tool: its process never imports pulumi or pulumi_aws (nor pays for them)."""
    result = subprocess.run(
        [sys.executable, "-c", LOADED_BY_HELP], cwd=ROOT, capture_output=True, text=True, check=True
    )
    [line] = [line for line in result.stdout.splitlines() if line.startswith("loaded: ")]
    loaded = set(line.split()[1:])
    assert {"peering", "boto3", "providers"} <= loaded
    assert sorted(loaded & {"pulumi", "pulumi_aws"}) == []


QUOTED = """\
config:
  aws:region: us-east-1
  heroku-peering:space: demo-space
  heroku-peering:vpcId:
    secure: v1:c2VjcmV0LW5vbmNl:Y2lwaGVydGV4dC1vZi10aGUtdnBjLWlk
  heroku-peering:visibilityTimeout: "60"
  heroku-peering:activationTimeout: "90"
  heroku-peering:protect: "true"
  heroku-peering:retainOnDelete: "false"
  heroku-peering:routeTableIds: '["rtb-0123456789abcdef0"]'
  heroku-peering:tags:
    team: data
  heroku-peering:ingress:
    - securityGroupId: sg-0123456789abcdef0
      protocol: tcp
      fromPort: 5432
"""


def test_a_stack_as_pulumi_config_set_writes_it_and_a_secret_without_a_cli(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Numbers and booleans quoted, lists as JSON text, objects: read as the engine hands them to the program. A secret
    with no Pulumi CLI to decrypt it: the option to pass, never the ciphertext."""
    from peering.doctor.stack import Given, stack_targets

    (tmp_path / "Pulumi.quoted.yaml").write_text(QUOTED)
    monkeypatch.setenv("PATH", str(tmp_path))  # no pulumi on it
    message = usage_error(capsys, "--stack", "quoted", "-C", str(tmp_path))
    assert message.startswith("--stack 'quoted': vpcId is a secret in Pulumi.quoted.yaml and could not be decrypted")
    assert "(no Pulumi CLI on PATH): pass --vpc-id" in message and "v1:" not in message
    [target], region = stack_targets("quoted", tmp_path, None, (), Given(vpc_id=VPC))
    assert (target.space, target.vpc_id, region) == ("demo-space", VPC, "us-east-1")
    assert [(group, traffic[0].label) for group, traffic in target.required] == [("sg-0123456789abcdef0", "tcp:5432")]
    assert target.claim == "heroku-peering/quoted/main" and target.own_pcx is None
