"""A peering made by the program (`python -m sandbox up` on a served sandbox): the doctor finds nothing
that stops traffic, given the ports by hand or by the stack's own config, and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from sandbox.scenarios import network_faults as faults
from sandbox.world.sandbox_info import SandboxInfo
from tests.support.doctor_runs import doctor, environment, findings, of_vpc, read_only, serving
from tests.support.pulumi_runs import sandbox_run

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SandboxInfo, Path]]:
    workdir = tmp_path_factory.mktemp("doctor-program")
    with serving(workdir / "ready.json") as info:
        up = sandbox_run(workdir / "ready.json", "up")
        assert up.returncode == 0, up.stdout + up.stderr
        yield info, workdir


def test_the_programs_peering_passes_every_check(deployed: tuple[SandboxInfo, Path]) -> None:
    info, _ = deployed
    result = read_only(info, *of_vpc(info), "--port", "tcp:5432")
    assert result.returncode == 0, result.stdout + result.stderr
    found = findings(result)
    assert {f["severity"] for f in found} == {"ok"}
    tables = {f["object_id"] for f in found if f["check"] == "routes"}
    assert tables == set(info.route_table_ids)  # each subnet's own table; the main one serves none


def stack_file(directory: Path, info: SandboxInfo) -> None:
    """A stack file for the served sandbox's demo peering, as `pulumi config set` writes one."""
    config = {"aws:region": info.region, "heroku-peering:herokuApiUrl": info.heroku_url, **info.demo_peering_config()}
    (directory / "Pulumi.served.yaml").write_text(yaml.safe_dump({"config": config}))


def test_the_stacks_config_gives_space_vpc_ports_and_groups(deployed: tuple[SandboxInfo, Path]) -> None:
    info, workdir = deployed
    stack_file(workdir, info)
    env = environment(info, AWS_DEFAULT_REGION=None, HEROKU_HOST=None)  # both from the stack file
    result = doctor(info, "--stack", "served", "-C", str(workdir), "--json", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    found = findings(result)
    assert {f["severity"] for f in found} == {"ok"}
    [group] = [f for f in found if f["check"] == "security-groups"]
    assert (
        group["summary"] == f"security group {info.security_group_ids[0]} (app): admits tcp:5432 from every dyno CIDR"
    )
    text = doctor(info, "--stack", "served", "-C", str(workdir), env=env).stdout
    assert text.startswith(f"main: VPC {info.customer_vpc_id} (us-east-1) and space demo-space")


def test_a_stack_with_several_peerings_is_diagnosed_one_by_one(deployed: tuple[SandboxInfo, Path]) -> None:
    info, workdir = deployed
    lonely, _, _ = faults.bare_vpc(info, "172.29.0.0/16")
    peerings = [
        {
            "name": "app",
            "space": info.space,
            "vpcId": info.customer_vpc_id,
            "ingress": [
                {"securityGroupId": info.security_group_ids[0], "protocol": "tcp", "fromPort": 5432, "toPort": 5432}
            ],
        },
        {"name": "lonely", "space": info.space, "vpcId": lonely},
    ]
    (workdir / "Pulumi.several.yaml").write_text(
        yaml.safe_dump({"config": {"aws:region": info.region, "heroku-peering:peerings": peerings}})
    )
    both = doctor(info, "--stack", "several", "-C", str(workdir))
    assert both.returncode == 1
    reports = both.stdout.split("\n\n")
    assert [report.split(":", 1)[0] for report in reports] == ["app", "lonely"]
    assert reports[0].endswith("nothing found stops traffic.") and "no peering connection joins it" in reports[1]
    one = doctor(info, "--stack", "several", "-C", str(workdir), "--peering", "app")
    assert one.returncode == 0, one.stdout
