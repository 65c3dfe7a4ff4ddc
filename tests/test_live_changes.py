"""Changes around a live stack, through the real `pulumi` on a sandbox: what must not touch the peering does not,
what would replace it says so first, own drift is repaired, and destroy is whole whatever Heroku does."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from sandbox.scenarios import network_faults as faults
from sandbox.scenarios.peering_requests import customer_ec2
from sandbox.world.heroku_world import Space, Timings
from tests.support.pulumi_runs import CliRun, sandbox_run, stack_export, state_resources, write_ready_file
from tests.support.sandboxes import SandboxFactory, StartedSandbox

pytestmark = pytest.mark.e2e

TIMINGS = Timings(visibility_delay=0.5, provisioning=0.5, expiry=3600, deleted_retention=600)
STACK = ("--stack", "live")


@pytest.fixture
def sandbox(make_sandbox: SandboxFactory) -> StartedSandbox:
    return make_sandbox(timings=TIMINGS)


@pytest.fixture
def ready(sandbox: StartedSandbox, tmp_path: Path) -> Path:
    return write_ready_file(sandbox.info, tmp_path)


def run(ready: Path, command: str, *overrides: str, flags: tuple[str, ...] = (), skip_preview: bool = False) -> CliRun:
    args = [item for override in overrides for item in ("-c", override)]
    skip = ["--skip-preview"] if skip_preview else []
    return sandbox_run(ready, command, *STACK, *skip, *args, *(("--", *flags) if flags else ()))


def up(ready: Path, *overrides: str) -> CliRun:
    done = run(ready, "up", *overrides)
    assert done.returncode == 0, done.output
    return done


def made(ready: Path, *overrides: str) -> None:
    """The live stack a test starts from: `up --skip-preview`. A first up's preview is proven in test_end_to_end
    and the docs' pages, and a protect toggle changes no resource; the runs under test keep their previews."""
    done = run(ready, "up", *overrides, skip_preview=True)
    assert done.returncode == 0, done.output


def live_pcxs(sandbox: StartedSandbox) -> dict[str, str]:
    # moto's backends are the test process's, shared by every sandbox it starts: keep to this sandbox's VPC
    found = customer_ec2(sandbox.info).describe_vpc_peering_connections()["VpcPeeringConnections"]
    return {
        p["VpcPeeringConnectionId"]: p["Status"]["Code"]
        for p in found
        if p["Status"]["Code"] == "active" and p["RequesterVpcInfo"]["VpcId"] == sandbox.info.customer_vpc_id
    }


def routes_to_peerings(sandbox: StartedSandbox) -> dict[tuple[str, str], str]:
    tables = customer_ec2(sandbox.info).describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [sandbox.info.customer_vpc_id]}]
    )["RouteTables"]
    return {
        (t["RouteTableId"], str(r.get("DestinationCidrBlock"))): str(
            r.get("VpcPeeringConnectionId") or r.get("GatewayId")
        )
        for t in tables
        for r in t["Routes"]
        if r.get("DestinationCidrBlock") == "10.0.0.0/16"
    }


def stack_rules(sandbox: StartedSandbox) -> list[str]:
    rules = customer_ec2(sandbox.info).describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": list(sandbox.info.security_group_ids)}]
    )["SecurityGroupRules"]
    return [r["SecurityGroupRuleId"] for r in rules if any(t["Key"] == "heroku-peering" for t in r.get("Tags", []))]


def warnings(done: CliRun) -> list[str]:
    """The program's warnings, and the dynamic provider's: its host has no engine to log to, so the SDK writes
    them to stderr as "warning: ..." and the engine shows them as the plugin's output (severity info#err)."""
    return [
        d["message"]
        for d in done.report.get("diagnostics", [])
        if d.get("severity") == "warning"
        or (d.get("severity") == "info#err" and str(d.get("message", "")).startswith("warning: "))
    ]


def test_the_space_by_uuid_and_a_move_into_peerings_change_nothing(sandbox: StartedSandbox, ready: Path) -> None:
    made(ready)
    [pcx] = live_pcxs(sandbox)
    space = sandbox.world.find_space(sandbox.info.space)
    assert space is not None
    by_uuid = up(ready, f"space={space.id}")
    assert by_uuid.changed() == Counter(), by_uuid.output
    item = {
        "name": "db",
        "space": sandbox.info.space,
        "vpcId": sandbox.info.customer_vpc_id,
        "ingress": sandbox.info.demo_peering_config()["heroku-peering:ingress"],
    }
    moved = up(ready, "space=", "vpcId=", "ingress=", f"peerings={json.dumps([item])}")
    # renamed in place: no create, no delete; only the marker tag (project/stack/peering) follows the new name
    assert set(moved.changed()) == {"update"}, moved.output
    assert {d for s in moved.steps() if s["op"] == "update" for d in s["diffs"]} == {"tags", "tagsAll"}
    assert any("kept under the new name 'db'" in w for w in warnings(moved)), warnings(moved)
    assert list(live_pcxs(sandbox)) == [pcx]
    names = {r["urn"].rsplit("::", 1)[-1] for r in state_resources(stack_export(ready, "live"))}
    assert "db-pcx" in names and "main-pcx" not in names
    again = up(ready, "space=", "vpcId=", "ingress=", f"peerings={json.dumps([item])}")
    assert again.changed() == Counter() and not any("kept under" in w for w in warnings(again))


def test_an_own_route_repointed_by_hand_is_put_back(sandbox: StartedSandbox, ready: Path) -> None:
    made(ready)
    [pcx] = live_pcxs(sandbox)
    ec2 = customer_ec2(sandbox.info)
    table = sorted(routes_to_peerings(sandbox))[0][0]
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=sandbox.info.customer_vpc_id)
    ec2.replace_route(RouteTableId=table, DestinationCidrBlock="10.0.0.0/16", GatewayId=gateway)
    repaired = up(ready)
    assert repaired.changed() == Counter(update=1), repaired.output
    assert set(routes_to_peerings(sandbox).values()) == {pcx}


def test_moving_to_another_space_says_it_replaces_and_protect_refuses(sandbox: StartedSandbox, ready: Path) -> None:
    sandbox.world.add_space(
        Space(
            name="other-space",
            region=sandbox.info.space_region,
            vpc_cidr="10.30.0.0/16",
            data_cidr="10.31.0.0/16",
            space_cidr_blocks=("10.30.0.0/20",),
            dyno_cidr_blocks=("10.30.0.0/20",),
            unavailable_cidr_blocks=("10.31.0.0/16",),
        )
    )
    made(ready, "protect=true")
    [pcx] = live_pcxs(sandbox)
    refused = run(ready, "up", "protect=true", "space=other-space")
    assert refused.returncode != 0
    assert any("protect is true, so nothing is changed" in e for e in refused.errors), refused.output
    assert list(live_pcxs(sandbox)) == [pcx], "nothing was touched"
    # protect set in the same edit as the replacement (the state does not hold it yet): refused all the same
    made(ready, "protect=false")
    at_once = run(ready, "up", "protect=true", "space=other-space")
    assert at_once.returncode != 0 and list(live_pcxs(sandbox)) == [pcx], at_once.output
    assert any("protect is true, so nothing is changed" in e for e in at_once.errors), at_once.errors
    made(ready, "protect=true")
    # and the engine's own refusal stands behind it: a destroy of the protected peering
    preview = run(ready, "preview", "space=other-space")
    [note] = [w for w in warnings(preview) if "REPLACED" in w]
    assert f"peering connection {pcx} is REPLACED" in note and "the space's VPC changes" in note
    stopped = run(ready, "destroy", "protect=true")
    assert stopped.returncode != 0 and list(live_pcxs(sandbox)) == [pcx]
    assert len(routes_to_peerings(sandbox)) == 3 and len(stack_rules(sandbox)) == 4, "destroy stopped before anything"
    made(ready, "protect=false")
    assert run(ready, "destroy").returncode == 0


@pytest.mark.parametrize("fault", ["500", "401"])
def test_destroy_is_whole_or_nothing_whatever_heroku_does(sandbox: StartedSandbox, ready: Path, fault: str) -> None:
    """Heroku failing: the refresh before destroy stops it before anything is deleted, with the reason; destroy
    itself asks nothing of Heroku, so `--refresh=false` (the message's advice) removes everything."""
    made(ready)
    [pcx] = live_pcxs(sandbox)
    if fault == "500":
        sandbox.emulator.settings.faults.queue("get", "500", count=100)
        sandbox.emulator.settings.faults.queue("destroy", "500", count=100)
    else:  # refresh and destroy configure the provider from the state (the token of the last up): revoke that
        sandbox.emulator.settings.tokens.pop(sandbox.info.heroku_api_key)
    stopped = run(ready, "destroy")
    assert stopped.returncode != 0
    assert (
        list(live_pcxs(sandbox)) == [pcx] and len(routes_to_peerings(sandbox)) == 3 and len(stack_rules(sandbox)) == 4
    )
    said = [e for e in stopped.errors if "reading " in e and pcx in e]
    assert len(said) == 1, stopped.output
    [error] = said
    assert "Traceback" not in stopped.output, stopped.output
    assert ("401 unauthorized" if fault == "401" else "returned 500") in error and "Request-Id" in error
    assert "pulumi destroy --refresh=false" in error
    destroyed = run(ready, "destroy", flags=("--refresh=false",))
    assert destroyed.returncode == 0, destroyed.output
    assert live_pcxs(sandbox) == {} and routes_to_peerings(sandbox) == {} and stack_rules(sandbox) == []
    assert state_resources(stack_export(ready, "live")) == []
    assert not any(e.route == "destroy" for e in sandbox.emulator.requests()), "destroy asked nothing of Heroku"


def test_heroku_reporting_failed_after_active_is_reported(sandbox: StartedSandbox, ready: Path) -> None:
    made(ready)
    [pcx] = live_pcxs(sandbox)
    sandbox.world.force_status(pcx, "failed")
    refreshed = run(ready, "refresh")
    assert refreshed.returncode == 0
    said = {w for w in warnings(refreshed) if "reads failed on Heroku's side" in w}  # preview's read, then refresh's
    assert len(said) == 1, refreshed.output
    [warning] = said
    assert "no traffic flows" in warning
    assert f"aws ec2 delete-vpc-peering-connection --vpc-peering-connection-id {pcx}" in warning
    again = run(ready, "up")
    assert any("reads failed on Heroku's side" in w for w in warnings(again)), again.output
    # the advice, followed: AWS still reports it active, so delete it and run `pulumi up`
    sandbox.world.force_status(pcx, None)
    customer_ec2(sandbox.info).delete_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    renewed = up(ready)
    [new] = live_pcxs(sandbox)
    assert new != pcx and set(routes_to_peerings(sandbox).values()) == {new}, renewed.output


@pytest.mark.parametrize("token", ["{}\n", "  {}\t"], ids=["newline", "spaces"])
def test_a_token_with_whitespace_around_it_works_everywhere(sandbox: StartedSandbox, ready: Path, token: str) -> None:
    padded = json.dumps(token.format(sandbox.info.heroku_api_key))
    for command in ("up", "refresh", "destroy"):
        done = sandbox_run(ready, command, *STACK, "-c", f"heroku:apiKey={padded}")
        assert done.returncode == 0, done.output
        assert sandbox.info.heroku_api_key not in done.output
    assert live_pcxs(sandbox) == {}


def test_a_network_acl_that_drops_the_dynos_is_a_warning_not_a_refusal(sandbox: StartedSandbox, ready: Path) -> None:
    info = sandbox.info
    faults.deny_in_acl(info, info.subnet_ids[0], "10.0.144.0/20")
    done = up(ready)
    said = sorted({w for w in warnings(done) if "network ACL" in w})  # the program runs for preview, then for up
    assert len(said) == 1 and "10.0.144.0/20 is denied by rule 90" in said[0], warnings(done)
    assert "The peering is made all the same" in said[0] and "create-network-acl-entry" in said[0]
    assert list(live_pcxs(sandbox)) and len(stack_rules(sandbox)) == 4


def test_a_rotated_token_takes_the_advice_of_the_refused_refresh(make_sandbox: SandboxFactory, tmp_path: Path) -> None:
    """Refresh configures the provider from the state (the token of the last up): once the old token is revoked,
    the first `up` stops at its refresh with Heroku's 401 and the way on, `--refresh=false`, which works."""
    new_token = "sandbox-rotated-0123456789abcdef"
    sandbox = make_sandbox(timings=TIMINGS, extra_tokens={new_token: None})
    ready = write_ready_file(sandbox.info, tmp_path)
    made(ready)
    [pcx] = live_pcxs(sandbox)
    sandbox.emulator.settings.tokens.pop(sandbox.info.heroku_api_key)  # rotated: the old one revoked
    stopped = run(ready, "up", f"heroku:apiKey={new_token}")
    assert stopped.returncode != 0 and list(live_pcxs(sandbox)) == [pcx]
    said = [e for e in stopped.errors if "reading " in e and pcx in e]
    assert len(said) == 1 and "401" in said[0] and "pulumi up --refresh=false" in said[0], stopped.output
    assert new_token not in stopped.output and sandbox.info.heroku_api_key not in stopped.output
    advised = run(ready, "up", f"heroku:apiKey={new_token}", flags=("--refresh=false",))
    assert advised.returncode == 0 and advised.changed() == Counter(), advised.output
    again = run(ready, "refresh", f"heroku:apiKey={new_token}")
    assert again.returncode == 0 and list(live_pcxs(sandbox)) == [pcx], again.output
