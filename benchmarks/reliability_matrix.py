"""Evidence that the acceptance survives Heroku as harsh as it may be: a fault matrix, many seeds per mix.

Two levels, both for real:
- the provider: ``PeeringAcceptanceProvider.create`` in Pulumi's own provider host over gRPC, against
  the emulator with one mix of faults and behaviours (seeded per run), several sandboxes side by side;
- whole runs: ``python -m sandbox up`` then ``destroy`` twice against a served sandbox, as a user runs them,
  and a crash test (the run killed right after Heroku took the accept, then run again).

Per mix it prints: runs that converged, that failed with the right message inside the deadline, that
failed otherwise, that overran their deadline, and the most accepts that reached Heroku for one peering.

    python -m benchmarks.reliability_matrix [--seeds 20] [--workers 4] [--skip-runs]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import requests
from pulumi.dynamic.dynamic import serialize_provider

from providers.peering_acceptance import PeeringAcceptanceProvider
from sandbox.scenarios.peering_requests import customer_ec2, heroku_status, request_peering, wait_until
from sandbox.scenarios.provider_host import DynamicProviderHost, ProviderError
from sandbox.scenarios.served_sandbox import start_served
from sandbox.world.aws_accounts import HEROKU_ACCOUNT_ID, ec2_client
from sandbox.world.faults import FaultInjector, rules_from_options
from sandbox.world.heroku_world import Behaviour, Timings
from sandbox.world.local_sandbox import LocalSandbox, SandboxOptions
from sandbox.world.sandbox_info import SandboxInfo

ROOT = Path(__file__).resolve().parents[1]
URN = "urn:pulumi:reliability::heroku-peering::pulumi-python:dynamic/heroku:PeeringAcceptance::p"
BASE = Timings(visibility_delay=0.3, provisioning=0.5, expiry=3600, deleted_retention=30)
# Past the deadline, create may still finish one poll (capped at the deadline) and one request (its
# timeout capped at what is left, at least 1 s); the rest is host and gRPC overhead.
DEADLINE_SLACK = 3.0
Action = Callable[[SandboxInfo, str], None]


@dataclass(frozen=True)
class Mix:
    name: str
    faults: tuple[str, ...] = ()
    timings: Timings = BASE
    behaviour: Behaviour = field(default_factory=Behaviour)
    during: Action | None = None  # something that happens to the peering while create waits
    expect: str | None = None  # None: must converge; otherwise a text the failure must contain
    # Heavy faults can outlast a short deadline: then the right failure is the deadline message naming the
    # last error (the real deadlines are 10 and 20 minutes, these 20 seconds).
    may_time_out: bool = False
    visibility_timeout: float = 20.0
    activation_timeout: float = 20.0


@dataclass
class Outcome:
    converged: bool
    right_failure: bool
    seconds: float
    over_deadline: bool
    accepts_taken: int  # accepts Heroku processed for this peering (answered or not)
    message: str = ""


def _reject(info: SandboxInfo, pcx_id: str) -> None:
    wait_until(lambda: heroku_status(info, pcx_id) is not None, "the request to be listed")
    ec2_client(info.aws_endpoint_url, info.space_region, HEROKU_ACCOUNT_ID).reject_vpc_peering_connection(
        VpcPeeringConnectionId=pcx_id
    )


def _delete_while_provisioning(info: SandboxInfo, pcx_id: str) -> None:
    wait_until(lambda: heroku_status(info, pcx_id) == "provisioning", "provisioning")
    customer_ec2(info).delete_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)


def _undocumented_for_a_while(info: SandboxInfo, pcx_id: str) -> None:
    url = f"{info.heroku_url}/__sandbox/peerings/{pcx_id}/status"
    requests.put(url, json={"status": "frobnicating"}, timeout=5)
    time.sleep(2.0)  # the harness plays Heroku here: two seconds of a status nobody documents
    requests.put(url, json={"status": None}, timeout=5)


MIXES: tuple[Mix, ...] = (
    Mix("no faults"),
    Mix("429 at 30 % everywhere", may_time_out=True, faults=("*:429=0.3",)),
    Mix("500 at 30 % everywhere", may_time_out=True, faults=("*:500=0.3",)),
    Mix("503 at 30 % everywhere", may_time_out=True, faults=("*:503=0.3",)),
    Mix("drop at 20 % everywhere", may_time_out=True, faults=("*:drop=0.2",)),
    Mix(
        "429/500/503/drop, 50 % in all",
        ("*:429=0.15", "*:500=0.1", "*:503=0.15", "*:drop=0.1"),
        may_time_out=True,
    ),
    Mix("answer lost after accept", ("accept:lost=1",)),
    Mix("answers lost at 30 % everywhere", may_time_out=True, faults=("*:lost=0.3",)),
    Mix("pending phase 1.5 s", timings=replace(BASE, pending_phase=1.5)),
    Mix("accept lag 2 s (422)", timings=replace(BASE, accept_lag=2.0)),
    Mix("accept lag 2 s (404)", timings=replace(BASE, accept_lag=2.0), behaviour=Behaviour(accept_lag_status=404)),
    Mix("accept/destroy answer {}", behaviour=Behaviour(answer_body="{}")),
    Mix("accept/destroy answer the object", behaviour=Behaviour(answer_body="object")),
    Mix("undocumented status for 2 s", during=_undocumented_for_a_while),
    Mix(
        "latency beyond the deadline (read timeout)",
        ("get:latency=6",),
        visibility_timeout=3.0,
        expect="no answer within the read timeout",
    ),
    Mix("expires while waiting", timings=replace(BASE, accept_lag=5.0, expiry=1.5), expect="is expired"),
    Mix("rejected while waiting", during=_reject, expect="is rejected"),
    Mix(
        "deleted while provisioning",
        timings=replace(BASE, provisioning=5.0),
        during=_delete_while_provisioning,
        expect="is deleted",
    ),
)


class ProviderWorker:
    """One sandbox and one provider host; runs are sequential here, so a seed replays its fault draws."""

    def __init__(self, index: int) -> None:
        self.faults = FaultInjector()
        self.sandbox = LocalSandbox(SandboxOptions(timings=BASE, faults=self.faults))
        self.info = self.sandbox.start()
        self.host = DynamicProviderHost()
        self.host.configure({"heroku:apiKey": self.info.heroku_api_key})
        self.index = index
        self.runs = 0

    def close(self) -> None:
        self.host.close()
        self.sandbox.stop()

    def run(self, mix: Mix, seed: int) -> Outcome:
        world, emulator = self.sandbox.world, self.sandbox.emulator
        assert world is not None and emulator is not None
        self.faults.configure({}, None)
        world.timings, world.behaviour = mix.timings, replace(mix.behaviour, forced={})
        self.runs += 1
        pcx_id = request_peering(self.info, cidr=f"172.{16 + self.index}.{self.runs % 256}.0/24")
        self.faults.configure(rules_from_options(list(mix.faults)), seed)
        helper = threading.Thread(target=mix.during, args=(self.info, pcx_id), daemon=True) if mix.during else None
        if helper:
            helper.start()
        props = {
            "__provider": serialize_provider(PeeringAcceptanceProvider()),
            "space": self.info.space,
            "pcx_id": pcx_id,
            "api_url": self.info.heroku_url,
            "visibility_timeout": mix.visibility_timeout,
            "activation_timeout": mix.activation_timeout,
        }
        started = time.monotonic()
        try:
            _, outs = self.host.create(URN, props)
            converged, message = outs.get("status") == "active", ""
        except ProviderError as error:
            converged, message = False, error.reason
        seconds = time.monotonic() - started
        self.faults.configure({}, None)
        if helper:
            helper.join(timeout=60)
        taken = sum(
            1 for e in emulator.requests() if e.route == "accept" and e.status == 202 and f"/{pcx_id}/" in e.path
        )
        deadline = "within" in message and "last error:" in message
        right = not converged and (
            (mix.expect is not None and mix.expect in message) or (mix.may_time_out and deadline)
        )
        limit = mix.visibility_timeout + mix.activation_timeout + DEADLINE_SLACK
        return Outcome(converged, right, seconds, seconds > limit, taken, message)


def run_provider_matrix(mixes: tuple[Mix, ...], seeds: int, workers: int) -> dict[str, list[Outcome]]:
    pool = [ProviderWorker(index) for index in range(workers)]
    results: dict[str, list[Outcome]] = {mix.name: [] for mix in mixes}
    jobs = [(mix, seed) for mix in mixes for seed in range(seeds)]
    lock = threading.Lock()
    free = list(pool)

    def one(job: tuple[Mix, int]) -> None:
        with lock:
            worker = free.pop()
        try:
            outcome = worker.run(*job)
        finally:
            with lock:
                free.append(worker)
        with lock:
            results[job[0].name].append(outcome)

    try:
        with ThreadPoolExecutor(max_workers=workers) as executor:
            list(executor.map(one, jobs))
    finally:
        for worker in pool:
            worker.close()
    return results


# -- whole runs: `python -m sandbox up` and `destroy` twice, as a user runs them -----------------------

RUN_MIXES: tuple[tuple[str, dict[str, Any], tuple[str, ...]], ...] = (
    (
        "harsh: empty bodies, pending, accept lag, 25 % 429/503",
        {"pending_phase": 1.0, "accept_lag": 1.0, "answer_body": "empty"},
        ("*:429=0.125", "*:503=0.125"),
    ),
    ("answers lost at 20 % everywhere, {} bodies", {"answer_body": "{}"}, ("*:lost=0.2",)),
    ("drop and 500 at 20 % everywhere, object bodies", {"answer_body": "object"}, ("*:drop=0.1", "*:500=0.1")),
)


@dataclass
class RunOutcome:
    converged: bool
    accepts_taken: int
    destroyed_clean: bool
    seconds: float
    detail: str = ""


def _admin(info: dict[str, Any], method: str, path: str, body: Any = None) -> Any:
    answer = requests.request(method, info["heroku_url"] + path, json=body, timeout=10)
    answer.raise_for_status()
    return answer.json() if answer.content else None


def _sandbox_cli(ready: Path, state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "sandbox", *args, "--sandbox", str(ready), "--state-dir", str(state), "--json"]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


def _customer_leftovers(info: dict[str, Any]) -> list[str]:
    ec2 = ec2_client(info["aws_endpoint_url"], info["region"])
    pcxs = ec2.describe_vpc_peering_connections()["VpcPeeringConnections"]
    alive = [p["VpcPeeringConnectionId"] for p in pcxs if p["Status"]["Code"] not in ("deleted", "rejected", "failed")]
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [info["customer_vpc_id"]]}])
    routes = [r for t in tables["RouteTables"] for r in t["Routes"] if r.get("VpcPeeringConnectionId")]
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": info["security_group_ids"]}])
    ingress = [r for r in rules["SecurityGroupRules"] if not r["IsEgress"]]
    return alive + [str(r) for r in routes] + [str(r) for r in ingress]


def run_whole(ready: Path, behaviour: dict[str, Any], faults: tuple[str, ...], seed: int) -> RunOutcome:
    info = json.loads(ready.read_text())
    _admin(info, "PATCH", "/__sandbox/behaviour", {"pending_phase": 0, "accept_lag": 0, **behaviour})
    _admin(info, "PUT", "/__sandbox/faults", {"faults": list(faults), "seed": seed})
    _admin(info, "DELETE", "/__sandbox/requests")
    with tempfile.TemporaryDirectory() as state:
        started = time.monotonic()
        up = _sandbox_cli(ready, Path(state), "up")
        seconds = time.monotonic() - started
        peerings = (json.loads(up.stdout or "{}").get("summary") or {}).get("peerings") or [{}]
        converged = up.returncode == 0 and all(p.get("status_heroku") == "active" for p in peerings)
        log = _admin(info, "GET", "/__sandbox/requests")
        taken = sum(1 for e in log if e["route"] == "accept" and e["status"] == 202)
        first = _sandbox_cli(ready, Path(state), "destroy")
        second = _sandbox_cli(ready, Path(state), "destroy")
    _admin(info, "PUT", "/__sandbox/faults", {"faults": []})
    leftovers = _customer_leftovers(info)
    clean = first.returncode == 0 and second.returncode == 0 and not leftovers
    detail = "" if converged and clean else (up.stderr + first.stderr + second.stderr)[-600:]
    return RunOutcome(converged, taken, clean, seconds, detail)


def crash_after_accept(ready: Path) -> RunOutcome:
    """Kill `up` as soon as Heroku took the accept; lift the lock the kill left (`pulumi cancel`), run it again:
    the engine drops the interrupted create of the acceptance, which adopts the peering, with no second accept."""
    info = json.loads(ready.read_text())
    _admin(info, "PATCH", "/__sandbox/behaviour", {"pending_phase": 0, "accept_lag": 0, "provisioning": 3.0})
    _admin(info, "DELETE", "/__sandbox/requests")
    with tempfile.TemporaryDirectory() as state:
        command = [sys.executable, "-m", "sandbox", "up", "--sandbox", str(ready), "--state-dir", state, "--json"]
        started = time.monotonic()
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )

        def accepted_or_ended() -> bool:
            log = _admin(info, "GET", "/__sandbox/requests")
            return any(e["route"] == "accept" and e["status"] == 202 for e in log) or process.poll() is not None

        accepted = wait_until(accepted_or_ended, "the accept", timeout=120) and process.poll() is None
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        _sandbox_cli(ready, Path(state), "cancel")
        again = _sandbox_cli(ready, Path(state), "up")
        seconds = time.monotonic() - started
        log = _admin(info, "GET", "/__sandbox/requests")
        taken = sum(1 for e in log if e["route"] == "accept" and e["status"] == 202)
        adopted = "adopting it" in again.stderr
        converged = bool(accepted) and again.returncode == 0 and adopted
        destroyed = _sandbox_cli(ready, Path(state), "destroy")
    _admin(info, "PATCH", "/__sandbox/behaviour", {"provisioning": BASE.provisioning})
    clean = destroyed.returncode == 0 and not _customer_leftovers(info)
    return RunOutcome(converged, taken, clean, seconds, "" if converged else again.stderr[-600:])


def run_whole_matrix(seeds: int, workers: int) -> tuple[dict[str, list[RunOutcome]], list[RunOutcome]]:
    with tempfile.TemporaryDirectory() as scratch:
        readies = [Path(scratch) / f"ready-{i}.json" for i in range(workers)]
        servers = [start_served(ready, "--provisioning", "0.5", "--deleted-retention", "5") for ready in readies]
        try:
            results: dict[str, list[RunOutcome]] = {name: [] for name, _, _ in RUN_MIXES}
            jobs = [(name, behaviour, faults, seed) for name, behaviour, faults in RUN_MIXES for seed in range(seeds)]
            lock, free = threading.Lock(), list(readies)

            def one(job: tuple[str, dict[str, Any], tuple[str, ...], int]) -> None:
                with lock:
                    ready = free.pop()
                try:
                    outcome = run_whole(ready, job[1], job[2], job[3])
                finally:
                    with lock:
                        free.append(ready)
                with lock:
                    results[job[0]].append(outcome)

            with ThreadPoolExecutor(max_workers=workers) as executor:
                list(executor.map(one, jobs))
            crashes = [crash_after_accept(readies[0]) for _ in range(max(1, seeds // 4))]  # 5 for 20 seeds
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=30)
    return results, crashes


# -- printing -------------------------------------------------------------------------------------


def print_provider_table(mixes: tuple[Mix, ...], results: dict[str, list[Outcome]]) -> int:
    print("Provider in Pulumi's provider host (create), per mix:")
    header = f"{'mix':44} {'runs':>4} {'converged':>9} {'right msg':>9} {'wrong':>5} {'over dl':>7} {'max acc':>7}"
    print(f"{header} {'median s':>8} {'max s':>6}")
    bad = 0
    for mix in mixes:
        outcomes = results[mix.name]
        converged = sum(o.converged for o in outcomes)
        right = sum(o.right_failure for o in outcomes)
        wrong = sum(1 for o in outcomes if _wrong(mix, o))
        over = sum(o.over_deadline for o in outcomes)
        most = max(o.accepts_taken for o in outcomes)
        seconds = [o.seconds for o in outcomes]
        bad += wrong + over + sum(o.accepts_taken > 1 for o in outcomes)
        print(
            f"{mix.name:44} {len(outcomes):>4} {converged:>9} {right:>9} {wrong:>5} {over:>7} {most:>7} "
            f"{statistics.median(seconds):>8.1f} {max(seconds):>6.1f}"
        )
        for outcome in outcomes:
            if _wrong(mix, outcome):
                print(f"    wrong: {outcome.message[:300]}")
    return bad


def _wrong(mix: Mix, outcome: Outcome) -> bool:
    return bool((outcome.converged and mix.expect) or (not outcome.converged and not outcome.right_failure))


def print_run_table(results: dict[str, list[RunOutcome]], crashes: list[RunOutcome]) -> int:
    print("\nWhole runs (`python -m sandbox up`, then `destroy` twice), per mix:")
    print(f"{'mix':52} {'runs':>4} {'converged':>9} {'max acc':>7} {'clean destroy':>13} {'median s':>8}")
    bad = 0
    rows = [*results.items(), ("killed right after accept, then up again", crashes)]
    for name, outcomes in rows:
        converged = sum(o.converged for o in outcomes)
        clean = sum(o.destroyed_clean for o in outcomes)
        most = max(o.accepts_taken for o in outcomes)
        bad += (len(outcomes) - converged) + (len(outcomes) - clean) + sum(o.accepts_taken > 1 for o in outcomes)
        median = statistics.median(o.seconds for o in outcomes)
        print(f"{name:52} {len(outcomes):>4} {converged:>9} {most:>7} {clean:>13} {median:>8.1f}")
        for outcome in outcomes:
            if outcome.detail:
                print(f"    detail: {outcome.detail}")
    return bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=20, help="runs per mix, each with its own fault seed")
    parser.add_argument("--workers", type=int, default=4, help="sandboxes side by side")
    parser.add_argument("--skip-runs", action="store_true", help="only the provider matrix")
    args = parser.parse_args()
    started = time.monotonic()
    bad = print_provider_table(MIXES, run_provider_matrix(MIXES, args.seeds, args.workers))
    if not args.skip_runs:
        bad += print_run_table(*run_whole_matrix(args.seeds, min(args.workers, 2)))
    print(f"\n{'all runs behaved' if bad == 0 else f'{bad} runs misbehaved'} ({time.monotonic() - started:.0f}s)")
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
