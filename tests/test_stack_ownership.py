"""One owner per peering, through the real `pulumi` with several stacks on one sandbox: another stack never adopts,
changes or deletes a stack's peering; the owner hands it over on purpose (retainOnDelete, destroy, then pcxId);
an adopted peering converges in one run whatever the hand procedure left; a converged stack refreshes with no change.

Each test is one whole story on one sandbox, so that a few real-CLI runs prove several points at once.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from sandbox.scenarios.peering_requests import customer_ec2, hand_made_peering, vpc_tables
from sandbox.world.heroku_world import Timings
from sandbox.world.sandbox_info import SandboxInfo
from tests.support.pulumi_runs import CliRun, sandbox_run, stack_export, state_resources, write_ready_file
from tests.support.sandboxes import SandboxFactory, StartedSandbox

pytestmark = pytest.mark.e2e

TIMINGS = Timings(visibility_delay=0.3, provisioning=0.3, expiry=3600, deleted_retention=600)
NO_CHANGES = ("--expect-no-changes",)
MARKER = "heroku-peering"
SPACE_CIDR = "10.0.0.0/16"


@pytest.fixture
def sandbox(make_sandbox: SandboxFactory) -> StartedSandbox:
    return make_sandbox(timings=TIMINGS)


@pytest.fixture
def ready(sandbox: StartedSandbox, tmp_path: Path) -> Path:
    return write_ready_file(sandbox.info, tmp_path)


def run(ready: Path, stack: str, command: str, *config: str, flags: tuple[str, ...] = ()) -> CliRun:
    """``python -m sandbox <command> --stack STACK -c ...``: every stack in one backend, as a team's are. `up`,
    `refresh` and `destroy` skip their preview (`preview` is run where what it says matters)."""
    args = [item for override in config for item in ("-c", override)]
    skip = ("--skip-preview",) if command != "preview" else ()
    return sandbox_run(ready, command, "--stack", stack, *skip, *args, *(("--", *flags) if flags else ()))


def ok(done: CliRun) -> CliRun:
    assert done.returncode == 0, done.output
    assert "Traceback" not in done.output
    return done


def said(done: CliRun) -> str:
    """Every diagnostic of the run (the program's warnings and information, errors), one per line."""
    return "\n".join(str(d.get("message", "")) for d in done.report.get("diagnostics", []))


def world(info: SandboxInfo, vpcs: list[str] | None = None) -> dict[str, Any]:
    """The peering connections (with their tags) requested from the sandbox's VPC (or ``vpcs``), the routes to
    peerings of their tables and the rules from the dynos of their groups. (moto's backends are the test process's,
    shared by every sandbox it starts: only this sandbox's VPCs are looked at.)"""
    ec2 = customer_ec2(info)
    in_vpcs = [{"Name": "vpc-id", "Values": vpcs or [info.customer_vpc_id]}]
    pcxs = ec2.describe_vpc_peering_connections(
        Filters=[{"Name": "requester-vpc-info.vpc-id", "Values": vpcs or [info.customer_vpc_id]}]
    )["VpcPeeringConnections"]
    tables = ec2.describe_route_tables(Filters=in_vpcs)["RouteTables"]
    groups = [g["GroupId"] for g in ec2.describe_security_groups(Filters=in_vpcs)["SecurityGroups"]]
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": groups}])["SecurityGroupRules"]
    return {
        "pcxs": {
            p["VpcPeeringConnectionId"]: (p["Status"]["Code"], {t["Key"]: t["Value"] for t in p.get("Tags") or []})
            for p in pcxs
            if p["RequesterVpcInfo"]["VpcId"] in (vpcs or [info.customer_vpc_id])  # moto may ignore the filter
        },
        "routes": sorted(
            (t["RouteTableId"], r["DestinationCidrBlock"], r["VpcPeeringConnectionId"], r.get("State"))
            for t in tables
            for r in t["Routes"]
            if r.get("VpcPeeringConnectionId")
        ),
        "rules": sorted(
            (
                r["SecurityGroupRuleId"],
                r.get("CidrIpv4"),
                {t["Key"]: t["Value"] for t in r.get("Tags") or []}.get(MARKER),
            )
            for r in rules
            if not r["IsEgress"] and str(r.get("CidrIpv4", "")).startswith("10.0.") and r["GroupId"] in groups
        ),
    }


def claim(info: SandboxInfo, pcx: str) -> str | None:
    tags: dict[str, str] = world(info)["pcxs"][pcx][1]
    return tags.get(MARKER)


def test_another_stack_never_takes_a_peering_and_the_owner_hands_it_over(sandbox: StartedSandbox, ready: Path) -> None:
    """Production (`peerings`, protected) owns the peering; staging is refused, by vpcId and by pcxId, with the
    owner named and no advice to adopt it; production lets go of it (retainOnDelete, destroy: everything stays);
    staging adopts it, converges in one run, and its own destroy (no retainOnDelete) deletes it. Each converged
    stack refreshes with no change: `peerings` and protected, with a claim resource, single form and adopted."""
    info = sandbox.info
    item = {
        "name": "db",
        "space": info.space,
        "vpcId": info.customer_vpc_id,
        "ingress": info.demo_peering_config()["heroku-peering:ingress"],
        "protect": True,
    }
    production = ("space=", "vpcId=", "ingress=", "peerings=" + json.dumps([item]))
    ok(run(ready, "production", "up", *production))
    [pcx] = world(info)["pcxs"]
    assert claim(info, pcx) == "heroku-peering/production/db"
    ok(run(ready, "production", "refresh", *production, flags=NO_CHANGES))
    owned = world(info)

    refused = run(ready, "staging", "up")
    assert refused.returncode != 0
    [error, *_] = refused.errors
    assert f"by {pcx} (active), stack production's peering 'db'" in error
    assert "pulumi config set pcxId" not in error and "release it in stack production first" in error
    by_id = run(ready, "staging", "up", f"pcxId={pcx}")
    assert by_id.returncode != 0
    assert any(f"pcxId = '{pcx}': this is stack production's peering 'db'" in e for e in by_id.errors), by_id.errors
    assert world(info) == owned, "refused before anything is made, changed or deleted"
    assert state_resources(stack_export(ready, "staging")) == []

    # production lets go of it: retainOnDelete (and protect off for the destroy), then destroy
    item.update(protect=False, retainOnDelete=True)
    releasing = ("space=", "vpcId=", "ingress=", "peerings=" + json.dumps([item]))
    marked = ok(run(ready, "production", "up", *releasing))
    assert marked.changed() == Counter(create=1), marked.output  # the claim, a resource of its own now
    assert "retainOnDelete is true: `pulumi destroy`" in said(marked)
    ok(run(ready, "production", "refresh", *releasing, flags=NO_CHANGES))
    ok(run(ready, "production", "destroy"))
    released = world(info)
    assert released["routes"] == owned["routes"] and released["rules"] == owned["rules"], "traffic still flows"
    assert released["pcxs"][pcx][0] == "active" and claim(info, pcx) is None, "only the claim went"
    assert state_resources(stack_export(ready, "production")) == []

    # staging adopts what production left: the peering, its routes and its rules, claimed at once
    preview = ok(run(ready, "staging", "preview", f"pcxId={pcx}"))
    assert f"{pcx} is adopted and becomes this stack's" in said(preview) and "DELETES it" in said(preview)
    ok(run(ready, "staging", "up", f"pcxId={pcx}"))
    adopted = world(info)
    assert adopted["routes"] == owned["routes"], "the routes are taken in as they are"
    assert claim(info, pcx) == "heroku-peering/staging/main"
    assert {rule[2] for rule in adopted["rules"]} == {"heroku-peering/staging/main"}, "the rules' claim follows"
    ok(run(ready, "staging", "up", f"pcxId={pcx}", flags=NO_CHANGES))
    ok(run(ready, "staging", "refresh", f"pcxId={pcx}", flags=NO_CHANGES))
    assert world(info) == adopted

    # without retainOnDelete, the adopting stack's destroy deletes it, as its preview said
    ok(run(ready, "staging", "destroy"))
    gone = world(info)
    assert gone["pcxs"][pcx][0] == "deleted" and gone["routes"] == [] and gone["rules"] == []


SHAPES = {  # (route tables routed by hand: all, some, none) x (the rule made by hand or not); a Name tag or none
    "all-rules": ("all", True, True),
    "all-bare": ("all", False, False),
    "some-rules": ("some", True, False),
    "some-bare": ("some", False, True),
    "none-rules": ("none", True, True),
    "none-bare": ("none", False, False),
}


def hand_tags(shape: str) -> dict[str, str]:
    """The tags the hand procedure left on the peering of that shape."""
    return {"Name": "made-by-hand"} if SHAPES[shape][2] else {}


def test_adoption_converges_in_one_run_in_every_shape(sandbox: StartedSandbox, ready: Path) -> None:
    """Six hand-made peerings, one per VPC, each left by the hand procedure in another shape (with a Name tag or with
    no tag at all), adopted by one stack in one `up`: the next `up` and `refresh` propose nothing, and what the first
    run added (routes, rules, the claim) stays. With retainOnDelete, the stack's destroy then leaves them all as
    they were, unclaimed."""
    info = sandbox.info
    ec2 = customer_ec2(info)
    items, pcxs, vpcs = [], {}, []
    for index, (name, (routed, rule, named)) in enumerate(SHAPES.items()):
        vpc = ec2.create_vpc(CidrBlock=f"172.{20 + index}.0.0/16")["Vpc"]["VpcId"]
        vpcs.append(vpc)
        ec2.create_route_table(VpcId=vpc)  # two tables: the main one and this
        group = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
        tables = vpc_tables(info, vpc)
        by_hand = {"all": tables, "some": tables[:1], "none": []}[routed]
        pcxs[name] = hand_made_peering(info, route_tables=by_hand, rule=rule, vpc_id=vpc, group_id=group)
        if not named:  # a peering with no tag at all: its tagsAll too must keep the claim the first run adds
            ec2.delete_tags(Resources=[pcxs[name]], Tags=[{"Key": "Name"}])
        ingress = [{"securityGroupId": group, "protocol": "tcp", "fromPort": 5432, "toPort": 5432}]
        items.append({"name": name, "space": info.space, "vpcId": vpc, "pcxId": pcxs[name], "ingress": ingress})
    config = ("space=", "vpcId=", "ingress=", "peerings=" + json.dumps(items))

    first = ok(run(ready, "adopter", "up", *config))
    assert not [op for op in first.changed() if op not in ("create", "import", "update")], first.changed()
    assert Counter(s["type"].rsplit(":", 1)[-1] for s in first.steps() if s["op"] == "create")["Tag"] == 6
    after = world(info, vpcs)
    ok(run(ready, "adopter", "up", *config, flags=NO_CHANGES))
    ok(run(ready, "adopter", "refresh", *config, flags=NO_CHANGES))
    assert world(info, vpcs) == after, "what the first run added stays"
    for name, pcx in pcxs.items():
        assert after["pcxs"][pcx] == ("active", {**hand_tags(name), MARKER: f"heroku-peering/adopter/{name}"})
        assert len([r for r in after["routes"] if r[2] == pcx]) == 2, name  # both tables, made or taken in
    assert len(after["rules"]) == 6 * 4  # 4 dyno CIDRs a VPC
    # the stack lets go of them all without deleting anything: retainOnDelete recorded by one `up`, then destroy
    ok(run(ready, "adopter", "up", *config, "retainOnDelete=true", flags=NO_CHANGES))
    ok(run(ready, "adopter", "destroy"))
    let_go = world(info, vpcs)
    assert let_go["routes"] == after["routes"] and let_go["rules"] == after["rules"]
    for name, pcx in pcxs.items():
        assert let_go["pcxs"][pcx] == ("active", hand_tags(name)), name
