"""A move to another space whose deletion of the old peering connection AWS refused, then the config set back.

The old pcx is live and still carries traffic, but the state marks it for deletion, and the next update deletes it
whatever the program says (pulumi/pulumi pkg/resource/deploy/step_generator.go ``GenerateDeletes``). Pre-flight
cannot see the mark (the engine's state read leaves such resources out), so it must not offer to take the old pcx
over: taken over, it was deleted in the same run, with `up` succeeding. Its message is followed here as written, on
a stack that acts as the deployer on an IAM-enforcing sandbox (the deletion refused by the policy, as a customer's
administrator might).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sandbox.proofs.policy_file import load_policy, without
from sandbox.proofs.stack_life import LIFE, PROJECT_ROOT, IamSandbox
from sandbox.scenarios.peering_requests import customer_ec2
from tests.support.pulumi_runs import stack_export

pytestmark = pytest.mark.e2e

HERE, MOVED = LIFE[2], LIFE[3]  # the peering in the first space; moved to the second (the same stack)
assert MOVED.name == "move to another space" and HERE.scenario == MOVED.scenario


def statuses(sandbox: IamSandbox) -> dict[str, str]:
    found = customer_ec2(sandbox.info).describe_vpc_peering_connections()["VpcPeeringConnections"]
    return {pcx["VpcPeeringConnectionId"]: pcx["Status"]["Code"] for pcx in found}


def exported(sandbox: IamSandbox) -> list[dict[str, Any]]:
    """The stack's resources as `pulumi stack export` shows them (the message's advice)."""
    resources: list[dict[str, Any]] = stack_export(sandbox.ready, "iam", state=sandbox.workdir / HERE.scenario)[
        "deployment"
    ]["resources"]
    return resources


@pytest.mark.timeout(900)
def test_going_back_after_a_failed_move_never_takes_over_what_the_state_will_delete(tmp_path: Path) -> None:
    whole = load_policy(PROJECT_ROOT / "iam" / "deployer-policy.json")
    with IamSandbox(whole, tmp_path / "iam") as sandbox:
        assert sandbox.run(HERE).passed
        [old] = [pcx for pcx, status in statuses(sandbox).items() if status == "active"]

        sandbox.set_policy(without(whole, "ec2:DeleteVpcPeeringConnection"))
        failed = sandbox.run(MOVED)
        assert not failed.passed and failed.denied_action() == "ec2:DeleteVpcPeeringConnection", failed.output
        sandbox.set_policy(whole)
        [new] = [pcx for pcx, status in statuses(sandbox).items() if status == "active" and pcx != old]
        assert statuses(sandbox)[old] == "active"  # the old space's traffic still flows

        back = sandbox.run(HERE)  # the config set back to the first space
        assert not back.passed
        assert f"{old} (active)" in back.output and f"its state holds {new} for this peering" in back.output
        assert 'If it is there with "delete": true' in back.output and "do not take it over" in back.output
        assert statuses(sandbox)[old] == "active"  # refused before anything changed

        # The advice, as written: look for it in `pulumi stack export`...
        marked = [r for r in exported(sandbox) if r.get("id") == old and r["type"].endswith("VpcPeeringConnection")]
        assert [r.get("delete") for r in marked] == [True]
        # ... there with "delete": true: `pulumi up` with the config of that run, then change the config.
        finished = sandbox.run(MOVED)
        assert finished.passed, finished.output
        assert statuses(sandbox)[old] == "deleted" and statuses(sandbox)[new] == "active"
        again = sandbox.run(HERE)
        assert again.passed, again.output
        after = statuses(sandbox)
        [made] = [pcx for pcx, status in after.items() if status == "active"]
        assert made not in (old, new) and after[new] == "deleted"
        assert not [r for r in exported(sandbox) if r.get("delete")]  # nothing left marked for deletion
