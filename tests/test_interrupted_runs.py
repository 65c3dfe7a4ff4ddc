"""A `pulumi up` killed mid-way: the lock lifted (`pulumi cancel`), then `up` names what the killed run made and
never recorded, with what to do; following that advice converges with one peering, and `destroy` leaves
nothing behind; no process of the killed run is left either."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sandbox.scenarios.peering_requests import customer_ec2, wait_until
from sandbox.scenarios.run_processes import marked_processes
from sandbox.scenarios.served_sandbox import start_served, stop_served
from sandbox.world.sandbox_info import SandboxInfo
from tests.support.pulumi_runs import ROOT, sandbox_run

pytestmark = pytest.mark.e2e

# Every process of a run that kill_when starts carries this variable, with a value of that run's own (see
# sandbox/scenarios/run_processes.py): other tests' runs, on other workers, are never taken for its leftovers.
RUN_MARK = "HEROKU_PEERING_KILLED_RUN"


def marked(mark: str) -> dict[int, str]:
    """The live processes of the run that kill_when marked ``mark``."""
    return marked_processes(f"{RUN_MARK}={mark}\0")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[SandboxInfo, Path]]:
    ready = tmp_path / "ready.json"
    server = start_served(ready, "--provisioning", "2")
    yield SandboxInfo.load(ready), ready
    stop_served(server)


def kill_when(ready: Path, moment: Callable[[], bool]) -> str:
    """Start `up` in a process group of its own, SIGKILL the group at ``moment``; the run's mark (see `marked`).

    The plugins, in process groups of their own, outlive the kill; the callers wait for them to exit."""
    mark = uuid.uuid4().hex
    command = [sys.executable, "-m", "sandbox", "up", "--skip-preview", "--sandbox", str(ready)]
    command += ["--state-dir", str(ready.parent / "state")]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, RUN_MARK: mark},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_until(lambda: moment() or process.poll() is not None, "the moment to kill", timeout=120)
    assert process.poll() is None, "the run ended before the moment to kill it"
    running = " ".join(marked(mark).values())
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert "pulumi-language-python" in running and "sandbox.aws_plugin" in running, f"the mark reached: {running}"
    return mark


def alive_pcxs(info: SandboxInfo) -> list[str]:
    found = customer_ec2(info).describe_vpc_peering_connections()["VpcPeeringConnections"]
    return [p["VpcPeeringConnectionId"] for p in found if p["Status"]["Code"] not in ("deleted", "failed")]


def accepted(info: SandboxInfo) -> int:
    import requests

    log = requests.get(info.heroku_url + "/__sandbox/requests", timeout=5).json()
    return sum(1 for e in log if e["route"] == "accept" and e["status"] == 202)


def leftovers(info: SandboxInfo) -> dict[str, object]:
    """What a destroy must have removed: live peerings, routes to a peering, the stack's rules."""
    ec2 = customer_ec2(info)
    routes = [
        (t["RouteTableId"], r.get("DestinationCidrBlock"))
        for t in ec2.describe_route_tables()["RouteTables"]
        for r in t["Routes"]
        if r.get("VpcPeeringConnectionId")
    ]
    rules = [
        r["SecurityGroupRuleId"] for r in ec2.describe_security_group_rules()["SecurityGroupRules"] if r.get("Tags")
    ]
    return {"pcxs": alive_pcxs(info), "routes": routes, "rules": rules}


def killed_while_aws_makes_the_peering(info: SandboxInfo, ready: Path) -> str:
    """Kill `up` while the provider waits on AWS's first state: the pcx exists, the state never recorded it."""
    import requests

    # AWS's first state, held long enough that the kill lands while the provider waits for it to pass.
    requests.patch(info.heroku_url + "/__sandbox/behaviour", json={"aws_initiating_seconds": 3}, timeout=5)
    mark = kill_when(ready, lambda: bool(alive_pcxs(info)))
    requests.patch(info.heroku_url + "/__sandbox/behaviour", json={"aws_initiating_seconds": 0}, timeout=5)
    wait_until(lambda: not marked(mark), "the killed run's processes to exit")
    [made] = alive_pcxs(info)
    locked = sandbox_run(ready, "up")
    assert locked.returncode != 0 and "locked" in locked.output and "pulumi cancel" in locked.output
    assert sandbox_run(ready, "cancel").returncode == 0
    return made


def test_killed_while_aws_makes_the_peering(served: tuple[SandboxInfo, Path]) -> None:
    """Never accepted: the advice is to delete it; following it, `up` requests a new one."""
    info, ready = served
    made = killed_while_aws_makes_the_peering(info, ready)
    named = sandbox_run(ready, "up")
    assert named.returncode != 0
    [error] = [e for e in named.errors if made in e]
    assert "made by an interrupted run of this stack" in error and "it was never accepted" in error
    assert alive_pcxs(info) == [made], "nothing was made beside it"
    customer_ec2(info).delete_vpc_peering_connection(VpcPeeringConnectionId=made)  # the advice
    again = sandbox_run(ready, "up", "--skip-preview")
    assert again.returncode == 0, again.output
    [new] = alive_pcxs(info)
    assert new != made
    assert sandbox_run(ready, "destroy", "--skip-preview").returncode == 0
    assert leftovers(info) == {"pcxs": [], "routes": [], "rules": []}


def test_an_interrupted_runs_peering_accepted_meanwhile_is_taken_over(served: tuple[SandboxInfo, Path]) -> None:
    """Accepted by hand after the kill: the advice is pcxId; following it adopts the peering, nothing is remade."""
    info, ready = served
    made = killed_while_aws_makes_the_peering(info, ready)
    from providers.heroku_api import HerokuClient

    with HerokuClient(info.heroku_api_key, info.heroku_url) as heroku:
        wait_until(lambda: heroku.get_peering(info.space, made).status == "pending-acceptance", "visible")
        heroku.accept_peering(info.space, made)
        wait_until(lambda: heroku.get_peering(info.space, made).status == "active", "active")
    named = sandbox_run(ready, "up")
    [error] = [e for e in named.errors if made in e]
    assert f"pulumi config set pcxId {made}" in error
    adopted = sandbox_run(ready, "up", "--skip-preview", "-c", f"pcxId={made}")
    assert adopted.returncode == 0, adopted.output
    assert alive_pcxs(info) == [made] and accepted(info) == 1, "adopted as it is: no second request or accept"
    assert sandbox_run(ready, "destroy", "--skip-preview", "-c", f"pcxId={made}").returncode == 0
    assert leftovers(info) == {"pcxs": [], "routes": [], "rules": []}


def test_killed_while_heroku_provisions_the_peering(served: tuple[SandboxInfo, Path]) -> None:
    info, ready = served
    mark = kill_when(ready, lambda: accepted(info) == 1)
    wait_until(lambda: not marked(mark), "the killed run's processes to exit")
    assert sandbox_run(ready, "cancel").returncode == 0
    again = sandbox_run(ready, "up", "--skip-preview")
    assert again.returncode == 0, again.output
    assert "adopting it (no accept sent)" in again.stderr  # the interrupted create of the acceptance, redone
    assert accepted(info) == 1 and len(alive_pcxs(info)) == 1
    assert sandbox_run(ready, "destroy", "--skip-preview").returncode == 0
    assert leftovers(info) == {"pcxs": [], "routes": [], "rules": []}
