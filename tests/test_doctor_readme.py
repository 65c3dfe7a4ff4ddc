"""The doctor's output shown in the READMEs is its real output: the same scenario, run on a served
sandbox (whose seeded ids are the READMEs'), prints exactly those blocks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.world import network_faults as faults
from sandbox.world.peering_requests import customer_ec2, hand_made_peering
from sandbox.world.sandbox_info import SandboxInfo
from tests.doctor_runs import ROOT, doctor, of_vpc, serving

pytestmark = pytest.mark.sandbox

COMMAND = "python -m peering doctor --space demo-space --vpc-id vpc-62d6155ea16c45a3b --port tcp:5432"


def shown(readme: str) -> list[str]:
    """The README's code blocks that show a doctor run, prompt line first."""
    blocks: list[str] = []
    current: list[str] | None = None
    for line in (ROOT / readme).read_text().splitlines(keepends=True):
        if line.startswith("```"):
            if current is not None:
                blocks.append("".join(current))
            current = [] if current is None else None
        elif current is not None:
            current.append(line)
    return [block for block in blocks if block.startswith(f"$ {COMMAND}\n")]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[SandboxInfo]:
    with serving(tmp_path / "ready.json") as info:
        yield info


def test_the_readmes_show_the_doctors_real_output(served: SandboxInfo) -> None:
    info = served
    assert COMMAND.split() == ["python", "-m", "peering", "doctor", *of_vpc(info), "--port", "tcp:5432"]
    pcx = hand_made_peering(info, route_tables=info.route_table_ids[:1])  # "the" route table, as the seed says
    made = [
        faults.narrow_group(info, info.security_group_ids[0], "10.0.144.0/20"),
        faults.block_replies_in_acl(info, info.subnet_ids[1]),
    ]
    faulty = doctor(info, *of_vpc(info), "--port", "tcp:5432")
    for one in made:
        one.undo()
    customer_ec2(info).create_route(
        RouteTableId=info.route_table_ids[1], DestinationCidrBlock="10.0.0.0/16", VpcPeeringConnectionId=pcx
    )
    healthy = doctor(info, *of_vpc(info), "--port", "tcp:5432")
    assert (faulty.returncode, healthy.returncode) == (1, 0)
    runs = [f"$ {COMMAND}\n{faulty.stdout}", f"$ {COMMAND}\n{healthy.stdout}"]
    assert shown("README.md") == runs
    assert shown("README.ja.md") == runs
