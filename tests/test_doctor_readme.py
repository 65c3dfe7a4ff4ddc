"""The doctor's output shown in docs/doctor.md is its real output: the same scenario, run on a served
sandbox, prints exactly those blocks, but for the ids moto made (each id stands for the same object in both:
compared by order of first appearance)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.scenarios import network_faults as faults
from sandbox.scenarios.peering_requests import customer_ec2, hand_made_peering
from sandbox.world.sandbox_info import SandboxInfo
from tests.support.docs_pages import blocks
from tests.support.doctor_runs import doctor, of_vpc, serving

pytestmark = pytest.mark.sandbox

PAGE = "docs/doctor.md"
PROMPT = "$ .venv/bin/python -m peering doctor --space demo-space --vpc-id "
AWS_ID = re.compile(r"\b(?P<kind>vpc|pcx|rtb|subnet|sg|acl|sgr|eni|igw)-[0-9a-f]{8,17}\b")


def shown() -> list[str]:
    """The page's output blocks that show a doctor run, prompt line first."""
    return [b.text for b in blocks(PAGE) if b.kind == "output" and b.text.startswith(PROMPT)]


def without_ids(text: str) -> str:
    """Each AWS id replaced by its kind and the order in which it first appears (vpc-1, vpc-2, ...)."""
    seen: dict[str, str] = {}

    def name(match: re.Match[str]) -> str:
        kind = match["kind"]
        return seen.setdefault(match[0], f"{kind}-{sum(1 for v in seen.values() if v.startswith(kind + '-')) + 1}")

    return AWS_ID.sub(name, text)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[SandboxInfo]:
    with serving(tmp_path / "ready.json") as info:
        yield info


def test_the_docs_show_the_doctors_real_output(served: SandboxInfo) -> None:
    info = served
    command = f"{PROMPT}{info.customer_vpc_id} --port tcp:5432"
    assert command.split()[1:] == [".venv/bin/python", "-m", "peering", "doctor", *of_vpc(info), "--port", "tcp:5432"]
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
    runs = [f"{command}\n{faulty.stdout}", f"{command}\n{healthy.stdout}"]
    assert [without_ids(text) for text in shown()] == [without_ids(text) for text in runs]


def test_ids_are_compared_by_what_they_stand_for() -> None:
    """Guards the comparison: the same objects in the same places match; one id in another place does not."""
    one = "vpc-62d6155ea16c45a3b to vpc-d66805b426839b480; route via pcx-cf9b0188e1ed17636 for vpc-62d6155ea16c45a3b"
    other = "vpc-0000000000000000a to vpc-0000000000000000b; route via pcx-0000000000000000c for vpc-0000000000000000a"
    swapped = (
        "vpc-0000000000000000a to vpc-0000000000000000b; route via pcx-0000000000000000c for vpc-0000000000000000b"
    )
    assert without_ids(one) == without_ids(other) != without_ids(swapped)
