"""A `pulumi up` killed mid-way, repaired the engine's way: the lock lifted (`pulumi cancel`), the pending
create recorded (`pulumi refresh --import-pending-creates`), then `up` converges with one peering; and no
process of the killed run is left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sandbox.world.peering_requests import customer_ec2, wait_until
from sandbox.world.sandbox_info import SandboxInfo
from sandbox.world.served_sandbox import start_served, stop_served
from tests.pulumi_runs import ROOT, sandbox_run, stack_export

pytestmark = pytest.mark.e2e

PCX_URN = (
    "urn:pulumi:sandbox::heroku-peering::heroku-peering:index:HerokuPeering"
    "$aws:ec2/vpcPeeringConnection:VpcPeeringConnection::demo-space-pcx"
)
# What a run starts: the language host, the sandbox's pulumi-aws, Pulumi's dynamic-provider host.
RUN_PROCESSES = ("pulumi-language-python", "sandbox.aws_plugin", "pulumi.dynamic", "pulumi-resource-pulumi-python")


def run_processes() -> set[int]:
    listed = subprocess.run(["ps", "-eo", "pid=,args="], capture_output=True, text=True, check=True).stdout
    return {int(line.split(None, 1)[0]) for line in listed.splitlines() if any(p in line for p in RUN_PROCESSES)}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[SandboxInfo, Path]]:
    ready = tmp_path / "ready.json"
    server = start_served(ready, "--provisioning", "2")
    yield SandboxInfo.load(ready), ready
    stop_served(server)


def kill_when(ready: Path, moment: Callable[[], bool]) -> set[int]:
    """Start `up` in a process group of its own, SIGKILL the group at ``moment``; the run's leftover pids."""
    before = run_processes()
    command = [sys.executable, "-m", "sandbox", "up", "--skip-preview", "--sandbox", str(ready)]
    command += ["--state-dir", str(ready.parent / "state")]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    wait_until(lambda: moment() or process.poll() is not None, "the moment to kill", timeout=120)
    assert process.poll() is None, "the run ended before the moment to kill it"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    return run_processes() - before


def alive_pcxs(info: SandboxInfo) -> list[str]:
    found = customer_ec2(info).describe_vpc_peering_connections()["VpcPeeringConnections"]
    return [p["VpcPeeringConnectionId"] for p in found if p["Status"]["Code"] not in ("deleted", "failed")]


def accepted(info: SandboxInfo) -> int:
    import requests

    log = requests.get(info.heroku_url + "/__sandbox/requests", timeout=5).json()
    return sum(1 for e in log if e["route"] == "accept" and e["status"] == 202)


def test_killed_while_aws_makes_the_peering(served: tuple[SandboxInfo, Path]) -> None:
    info, ready = served
    import requests

    # AWS's first state, held long enough that the kill lands while the provider waits for it to pass.
    requests.patch(info.heroku_url + "/__sandbox/behaviour", json={"aws_initiating_seconds": 3}, timeout=5)
    left = kill_when(ready, lambda: bool(alive_pcxs(info)))
    requests.patch(info.heroku_url + "/__sandbox/behaviour", json={"aws_initiating_seconds": 0}, timeout=5)
    wait_until(lambda: not (left & run_processes()), "the killed run's processes to exit", timeout=20)
    [made] = alive_pcxs(info)

    locked = sandbox_run(ready, "up")
    assert locked.returncode != 0 and "locked" in locked.output and "pulumi cancel" in locked.output
    assert sandbox_run(ready, "cancel").returncode == 0
    pending = stack_export(ready)["deployment"].get("pending_operations") or []
    assert [(p["type"], p["resource"]["urn"]) for p in pending] == [("creating", PCX_URN)]

    imported = sandbox_run(
        ready, "refresh", "--", "--import-pending-creates", PCX_URN, "--import-pending-creates", made
    )
    assert imported.returncode == 0, imported.output
    recorded = stack_export(ready)["deployment"]
    assert not recorded.get("pending_operations")
    assert [r["id"] for r in recorded["resources"] if r["urn"] == PCX_URN] == [made], imported.output
    again = sandbox_run(ready, "up", "--skip-preview")
    assert again.returncode == 0, again.output
    assert again.changed() == Counter(create=8) and again.ops()["same"] == 1  # the pcx was recorded, not remade
    assert alive_pcxs(info) == [made]
    assert sandbox_run(ready, "destroy", "--skip-preview").returncode == 0
    assert alive_pcxs(info) == []


def test_killed_while_heroku_provisions_the_peering(served: tuple[SandboxInfo, Path]) -> None:
    info, ready = served
    left = kill_when(ready, lambda: accepted(info) == 1)
    assert left, "the run had started its plugins"
    wait_until(lambda: not (left & run_processes()), "the killed run's processes to exit", timeout=20)
    assert sandbox_run(ready, "cancel").returncode == 0
    again = sandbox_run(ready, "up", "--skip-preview")
    assert again.returncode == 0, again.output
    assert "adopting it (no accept sent)" in again.stderr  # the interrupted create of the acceptance, redone
    assert accepted(info) == 1 and len(alive_pcxs(info)) == 1
    assert sandbox_run(ready, "destroy", "--skip-preview").returncode == 0
    assert alive_pcxs(info) == []
