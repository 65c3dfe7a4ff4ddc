"""The machinery of ``benchmarks.change_probe``: one probe case on a fresh served sandbox, and what it measures.

A ``Probe`` owns one served sandbox (``python -m sandbox serve`` in its own process) and one folder: the
wrapper's state folder, the sandbox's own, the logs of every command. It runs ``python -m sandbox
<command> --sandbox READY --state-dir DIR --json`` (or, for tokens that must come from the environment or
``~/.netrc``, the same CLI command line through ``StackRun``, since the wrapper hands the CLI a fixed
environment), starts runs to kill, switches the emulator's behaviours, reads both clouds, and at the end
measures what the probe counts: tracebacks, token echoes, live peerings lost, leftovers after a final
destroy, orphaned processes.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from providers.statuses import LIVE
from sandbox.pulumi_cli import PulumiCli, ensure_cli
from sandbox.pulumi_environment import StateFolder
from sandbox.scenarios.peering_requests import customer_ec2
from sandbox.scenarios.run_processes import RUN_PROCESSES, marked_processes
from sandbox.scenarios.served_sandbox import start_served, stop_served
from sandbox.stack_commands import Program, StackRun, events_report, stack_config
from sandbox.world.sandbox_info import SandboxInfo

ROOT = Path(__file__).resolve().parents[1]
STACK = "probe"  # no Pulumi.probe.yaml: the sandbox's demo peering (space, vpcId, one ingress rule)
# Bounded waits for every run, so that a hang is a finding rather than a stuck probe.
BASE_CONFIG = ("visibilityTimeout=60", "activationTimeout=90")
COMMAND_TIMEOUT = 300.0
ORPHAN_GRACE = 10.0
ENGINE_TYPES = ("pulumi:pulumi:Stack", "pulumi:providers:", "heroku-peering:index:HerokuPeering")
PCX_TYPE = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
ACCEPTANCE_TYPE = "pulumi-python:dynamic/heroku:PeeringAcceptance"
DEFAULT_BEHAVIOUR = {
    "visibility_delay": 0.3,
    "provisioning": 0.3,
    "pending_phase": 0.0,
    "accept_lag": 0.0,
    "aws_initiating_seconds": 0.0,
}


class SetupFailed(Exception):
    """The case's own set-up did not do what the case needs (e.g. the first `up` failed)."""


@dataclass
class Step:
    """One command of a case: what was run, its exit code (None: killed or timed out) and its output."""

    label: str
    command: str
    code: int | None
    stdout: str
    stderr: str
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    @property
    def errors(self) -> list[str]:
        found = [str(d["message"]) for d in self.report.get("diagnostics", []) if d.get("severity") == "error"]
        if not found and self.code not in (0, None):  # the wrapper's own errors, or the CLI's plain text
            found = [line for line in self.output.splitlines() if line.lstrip().startswith("error:")]
        return found

    @property
    def warnings(self) -> list[str]:
        """The run's warnings; a dynamic provider's (``pulumi.log.warn`` in its host) reach the engine as the host's
        stderr, ``info#err`` lines that read ``warning: ...``: shown to the user as warnings all the same."""
        return [
            str(d["message"])
            for d in self.report.get("diagnostics", [])
            if (
                d.get("severity") == "warning"
                or (d.get("severity") == "info#err" and str(d.get("message", "")).startswith("warning:"))
            )
            and "pulumi-resource-aws from $PATH" not in str(d.get("message"))
        ]

    def resource_steps(self) -> list[dict[str, Any]]:
        """The run's steps on the peering's resources, without the reads of the refresh every run starts with
        (Pulumi.yaml: ``refresh: always``): what it changed, or would."""
        steps = self.report.get("steps") or (self.report.get("preview") or {}).get("steps") or []
        return [s for s in steps if not str(s["type"]).startswith(ENGINE_TYPES) and s["op"] != "refresh"]

    def changed(self) -> Counter[str]:
        return Counter(str(s["op"]) for s in self.resource_steps() if s["op"] != "same")

    def ops_of(self, resource_type: str) -> list[str]:
        return [str(s["op"]) for s in self.resource_steps() if s["type"] == resource_type]

    @property
    def short(self) -> str:
        code = "killed" if self.code is None else str(self.code)
        return f"{self.label}={code}"


@dataclass(frozen=True)
class Verdict:
    """Whether the case did what a demanding user expects, and what happened, in a line."""

    ok: bool
    text: str


@dataclass
class Running:
    """A command started in a process group of its own, to be killed at a chosen moment."""

    label: str
    command: list[str]
    process: subprocess.Popen[bytes]
    stdout_path: Path
    stderr_path: Path


def _documents(text: str) -> Iterator[Any]:
    """The CLI's ``--json`` output: JSON documents one after another (a preview's, then engine events)."""
    decoder = json.JSONDecoder()
    rest = text.lstrip()
    while rest:
        try:
            document, end = decoder.raw_decode(rest)
        except ValueError:
            return
        yield document
        rest = rest[end:].lstrip()


# -- processes -------------------------------------------------------------------------------------


def case_processes(marker: str) -> dict[int, str]:
    """Live processes of the kinds a run starts whose environment names ``marker`` (the case's folder)."""
    return {pid: command[:200] for pid, command in marked_processes(marker, RUN_PROCESSES).items()}


# -- a proxy for faults the emulator cannot make over HTTP ----------------------------------------


class FaultProxy:
    """Pass-through HTTP proxy in front of the emulator, for what ``PUT /__sandbox/faults`` cannot make: a
    transient 404 on one peering's read (``GET /spaces/{space}/peerings/{pcx}``), and tokens revoked (401 to
    every call with them) or rotated (a new token that Heroku takes in place of the sandbox's)."""

    READ = re.compile(r"^/spaces/[^/]+/peerings/pcx-[0-9a-f]+$")

    def __init__(self, upstream: str) -> None:
        self.upstream = urlsplit(upstream)
        self.pending_404 = 0
        self.revoked: set[str] = set()
        self.aliases: dict[str, str] = {}  # a rotated token -> the token the emulator knows
        self.arrived: list[str] = []  # "METHOD path" of each request, as it arrives (before any answer)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def answer_404(self, count: int) -> None:
        with self._lock:
            self.pending_404 = count

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _refusal(self, method: str, path: str, token: str) -> tuple[int, str] | None:
        with self._lock:
            self.arrived.append(f"{method} {path}")
            if token in self.revoked:
                return 401, json.dumps({"id": "unauthorized", "message": "Invalid credentials provided."})
            if method == "GET" and self.pending_404 > 0 and self.READ.match(path.split("?", 1)[0]):
                self.pending_404 -= 1
                return 404, json.dumps({"id": "not_found", "message": "Couldn't find that peering connection."})
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                return

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                token = (self.headers.get("Authorization") or "").partition(" ")[2].strip()
                refusal = proxy._refusal(self.command, self.path, token)
                if refusal is not None:
                    status, text = refusal
                    self._reply(status, text.encode(), {"Content-Type": "application/json", "Request-Id": "probe"})
                    return
                skip = {"host", "connection", "content-length"}
                headers = {k: v for k, v in self.headers.items() if k.lower() not in skip}
                if token in proxy.aliases:
                    headers["Authorization"] = f"Bearer {proxy.aliases[token]}"
                connection = http.client.HTTPConnection(proxy.upstream.hostname or "", proxy.upstream.port, timeout=60)
                connection.request(self.command, self.path, body=body or None, headers=headers)
                answer = connection.getresponse()
                data = answer.read()
                kept = {k: v for k, v in answer.getheaders() if k.lower() not in ("transfer-encoding", "connection")}
                kept.pop("Content-Length", None)
                connection.close()
                self._reply(answer.status, data, kept)

            def _reply(self, status: int, data: bytes, headers: dict[str, str]) -> None:
                try:
                    self.send_response(status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the caller was killed meanwhile
                    self.close_connection = True

            do_GET = do_POST = do_DELETE = do_PATCH = do_PUT = _forward  # noqa: N815 - the stdlib's names

        return Handler


# -- one case --------------------------------------------------------------------------------------


class Probe:
    """One case: a fresh served sandbox, its folder, every command run and what the clouds hold."""

    def __init__(self, folder: Path, serve_options: tuple[str, ...] = ()) -> None:
        self.folder = folder
        self.logs = folder / "logs"
        self.state = folder / "state"  # the wrapper's
        self.serve_state = folder / "serve-state"  # the served sandbox's own (it removes it when it stops)
        self.logs.mkdir(parents=True)
        self.ready = folder / "ready.json"
        self.server = start_served(self.ready, "--state-dir", str(self.serve_state), *serve_options)
        self.info = SandboxInfo.load(self.ready)
        self.cli: PulumiCli = ensure_cli(lambda line: None)
        self.steps: list[Step] = []
        self.tokens: set[str] = {self.info.heroku_api_key}
        self.base: list[str] = list(BASE_CONFIG)
        self.stacks: set[str] = {STACK}
        self.programs: dict[str, Path] = {}  # stacks of another program (``--program``), by stack name
        self.forced: set[str] = set()
        self.live_before: list[str] = []
        self.lost: list[str] = []
        self.live_checked = False
        self.proxy: FaultProxy | None = None
        self.direct_used = False  # some run took the token from the environment or ~/.netrc
        self._faults_on = False
        self.ec2 = customer_ec2(self.info)

    # -- commands ----------------------------------------------------------------------------------

    def _wrapper_line(self, command: str, config: tuple[str, ...], stack: str, extra: tuple[str, ...]) -> list[str]:
        line = [sys.executable, "-m", "sandbox", command, "--sandbox", str(self.ready), "--state-dir", str(self.state)]
        line += ["--stack", stack, "--json"]
        if stack in self.programs:
            line += ["--program", str(self.programs[stack])]
        for item in (*self.base, *config):
            line += ["-c", item]
        if extra:
            line += ["--", *extra]
        return line

    @property
    def heroku_faulty(self) -> bool:
        """Faults are on, or the stack's token is revoked: the wrapper's own summary (it reads Heroku after the
        CLI ends) would fail and hide the CLI's exit code, so runs then go through ``run_direct``."""
        return self._faults_on or bool(self.proxy and self.proxy.revoked)

    def run(
        self,
        command: str,
        *config: str,
        stack: str = STACK,
        extra: tuple[str, ...] = (),
        label: str | None = None,
        timeout: float = COMMAND_TIMEOUT,
    ) -> Step:
        """``python -m sandbox <command> --sandbox READY --state-dir DIR --json -c ...`` (``up``/``destroy``
        skip their preview: the cases run ``preview`` where what it says matters)."""
        if self.heroku_faulty:
            return self.run_direct(command, *config, stack=stack, extra=extra, label=label, timeout=timeout)
        self.stacks.add(stack)
        flags = ("--skip-preview", *extra) if command in ("up", "destroy", "refresh") else extra
        line = self._wrapper_line(command, config, stack, tuple(flags))
        return self._execute(label or command, line, os.environ.copy(), timeout, json_output=True)

    def run_direct(
        self,
        command: str,
        *config: str,
        env: dict[str, str] | None = None,
        label: str | None = None,
        stack: str = STACK,
        extra: tuple[str, ...] = (),
        timeout: float = COMMAND_TIMEOUT,
    ) -> Step:
        """What the wrapper runs for ``pulumi <command>`` (``StackRun``: the same config file, backend and command
        line), without its summary. With ``env``, those variables are added to the CLI's environment and
        ``heroku:apiKey`` is left out of the stack config: the token from HEROKU_API_KEY or ~/.netrc (the wrapper
        hands the CLI a fixed environment, so these sources cannot be tried through it)."""
        self.stacks.add(stack)
        stack_run = StackRun(self.cli, StateFolder(self.state.resolve(), self.info.sandbox_id), Program(ROOT), stack)
        stack_run.environment["HEROKU_HOST"] = self.info.heroku_url
        items = [*self.base, *config]
        if env is not None:
            self.direct_used = True
            stack_run.environment.update(env)
            items.append("heroku:apiKey=")
        stack_run.prepare(stack_config(stack, self.info, items, Program(ROOT)))
        line = [str(self.cli.executable), *stack_run.command_line(command, skip_preview=True, json_output=True)]
        line += [*extra, "--non-interactive"]
        return self._execute(label or f"{command} (direct)", line, stack_run.environment, timeout, json_output=False)

    def _execute(self, label: str, line: list[str], env: dict[str, str], timeout: float, json_output: bool) -> Step:
        process = subprocess.Popen(
            line, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
        )
        try:
            out, err = process.communicate(timeout=timeout)
            code: int | None = process.returncode
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            out, err = process.communicate()
            code = None
            label += f" (timed out after {timeout:.0f}s)"
        stdout, stderr = out.decode(errors="replace"), err.decode(errors="replace")
        report: dict[str, Any] = {}
        if json_output and stdout.strip():
            try:
                report = json.loads(stdout)
            except ValueError:
                report = {}
        elif stdout.strip():
            report = events_report(list(_documents(stdout)))
        step = Step(label, self._shown(line), code, stdout, stderr, report)
        self._record(step)
        return step

    def up(self, *config: str, label: str = "up") -> Step:
        return self.run("up", *config, label=label)

    def start(self, command: str, *config: str, stack: str = STACK) -> Running:
        """Start ``python -m sandbox <command>`` in a process group of its own (to be killed)."""
        self.stacks.add(stack)
        line = self._wrapper_line(command, config, stack, ("--skip-preview",))
        index = len(self.steps) + 1
        out, err = self.logs / f"{index:02d}-{command}.stdout", self.logs / f"{index:02d}-{command}.stderr"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            process = subprocess.Popen(line, cwd=ROOT, stdout=stdout, stderr=stderr, start_new_session=True)
        return Running(command, line, process, out, err)

    def kill_when(self, running: Running, moment: Callable[[], bool], what: str, timeout: float = 120.0) -> bool:
        """SIGKILL the run's process group at ``moment``; False when the run ended (or the moment never came)."""
        deadline = time.monotonic() + timeout
        while not moment():
            if running.process.poll() is not None or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        landed = running.process.poll() is None and moment()
        seen = len(case_processes(str(self.folder)))  # what the orphan count watches, alive at the kill
        if running.process.poll() is None:
            os.killpg(running.process.pid, signal.SIGKILL)
        running.process.wait()
        code = None if landed else running.process.returncode
        label = (
            f"{running.label} (killed {what}, {seen} plugin processes)"
            if landed
            else f"{running.label} (NOT killed: {what})"
        )
        stdout, stderr = (
            running.stdout_path.read_text(errors="replace"),
            running.stderr_path.read_text(errors="replace"),
        )
        self._record(Step(label, self._shown(running.command), code, stdout, stderr))
        return landed

    def finish(self, running: Running, timeout: float = COMMAND_TIMEOUT) -> Step:
        """Wait for a started run to end by itself."""
        try:
            code: int | None = running.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(running.process.pid, signal.SIGKILL)
            running.process.wait()
            code = None
        stdout, stderr = (
            running.stdout_path.read_text(errors="replace"),
            running.stderr_path.read_text(errors="replace"),
        )
        report: dict[str, Any] = {}
        if stdout.strip():
            try:
                report = json.loads(stdout)
            except ValueError:
                report = {}
        step = Step(running.label, self._shown(running.command), code, stdout, stderr, report)
        self._record(step)
        return step

    def _record(self, step: Step) -> None:
        self.steps.append(step)
        name = re.sub(r"[^a-zA-Z0-9]+", "-", step.label).strip("-")[:60]
        text = f"$ {step.command}\nexit code: {step.code}\n--- stdout\n{step.stdout}\n--- stderr\n{step.stderr}\n"
        (self.logs / f"{len(self.steps):02d}-{name}.log").write_text(self.masked(text))

    def _shown(self, line: list[str]) -> str:
        shown = shlex.join(line).replace(str(self.folder), "$CASE").replace(sys.executable, "python")
        return self.masked(shown)

    def masked(self, text: str) -> str:
        for token in sorted(self.tokens, key=len, reverse=True):
            text = text.replace(token, "<TOKEN>")
        return text

    # -- the emulator's admin endpoints ------------------------------------------------------------

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        answer = requests.request(method, self.info.heroku_url + path, json=body, timeout=10)
        if answer.status_code >= 400:
            raise SetupFailed(f"{method} {path}: {answer.status_code} {answer.text}")
        return answer.json() if answer.content else None

    def behave(self, **changes: Any) -> None:
        self.admin("PATCH", "/__sandbox/behaviour", changes)

    def faults(self, *rules: str) -> None:
        self.admin("PUT", "/__sandbox/faults", {"faults": list(rules), "seed": 0})
        self._faults_on = bool(rules)

    def force_status(self, pcx_id: str, status: str | None) -> None:
        self.admin("PUT", f"/__sandbox/peerings/{pcx_id}/status", {"status": status})
        self.forced.add(pcx_id)

    def heroku_log(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.admin("GET", "/__sandbox/requests")
        return found

    def accepted(self) -> int:
        return sum(1 for e in self.heroku_log() if e["route"] in ("accept", "accept_cli") and e["status"] == 202)

    def use_proxy(self) -> FaultProxy:
        """Every later command talks to Heroku through a pass-through proxy (``herokuApiUrl``)."""
        self.proxy = FaultProxy(self.info.heroku_url)
        self.base.append(f"herokuApiUrl={self.proxy.url}")
        return self.proxy

    # -- the clouds --------------------------------------------------------------------------------

    def pcxs(self) -> dict[str, str]:
        """Every peering connection of the customer's account: id -> status."""
        found = self.ec2.describe_vpc_peering_connections()["VpcPeeringConnections"]
        return {p["VpcPeeringConnectionId"]: p["Status"]["Code"] for p in found}

    def live_pcxs(self) -> list[str]:
        return sorted(pcx for pcx, status in self.pcxs().items() if status in LIVE)

    def pcx_tags(self, pcx_id: str) -> dict[str, str]:
        found = self.ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx_id])["VpcPeeringConnections"]
        return {t["Key"]: t["Value"] for t in found[0].get("Tags") or []}

    def routes_to_pcx(self) -> list[tuple[str, str, str, str]]:
        """(table, destination, pcx, state) for every route of the customer's tables that names a peering."""
        tables = self.ec2.describe_route_tables()["RouteTables"]
        return [
            (t["RouteTableId"], r.get("DestinationCidrBlock", ""), r["VpcPeeringConnectionId"], r.get("State", ""))
            for t in tables
            for r in t["Routes"]
            if r.get("VpcPeeringConnectionId")
        ]

    def route_of(self, table: str, destination: str = "10.0.0.0/16") -> str:
        """Where ``destination`` goes in ``table`` ("" when it has no such route)."""
        [found] = self.ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"]
        for route in found["Routes"]:
            if route.get("DestinationCidrBlock") == destination:
                return str(route.get("VpcPeeringConnectionId") or route.get("GatewayId") or "?")
        return ""

    def dyno_rules(self) -> list[dict[str, Any]]:
        """Ingress rules of the customer's groups from the space's dyno CIDRs."""
        info = requests.get(
            f"{self.info.heroku_url}/spaces/{self.info.space}/peering-info",
            headers={
                "Accept": "application/vnd.heroku+json; version=3",
                "Authorization": f"Bearer {self.info.heroku_api_key}",
            },
            timeout=10,
        ).json()
        dynos = set(info["dyno_cidr_blocks"])
        rules = self.ec2.describe_security_group_rules()["SecurityGroupRules"]
        return [r for r in rules if not r["IsEgress"] and r.get("CidrIpv4") in dynos]

    def vpc_tables(self, vpc_id: str | None = None) -> list[str]:
        found = self.ec2.describe_route_tables(
            Filters=[{"Name": "vpc-id", "Values": [vpc_id or self.info.customer_vpc_id]}]
        )["RouteTables"]
        return [t["RouteTableId"] for t in found]

    def new_vpc(self, cidr: str = "192.168.0.0/16") -> tuple[str, str, str]:
        """Another customer VPC with a route table and a security group: (vpc, table, group)."""
        vpc = self.ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
        table = self.ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        group = self.ec2.create_security_group(GroupName="app2", Description="second", VpcId=vpc)["GroupId"]
        return vpc, table, group

    def state_types(self, stack: str = STACK) -> list[str]:
        run = StackRun(self.cli, StateFolder(self.state.resolve(), self.info.sandbox_id), Program(ROOT), stack)
        exported = run.export()
        resources = exported["deployment"].get("resources") or []
        return [str(r["type"]) for r in resources if not str(r["type"]).startswith(ENGINE_TYPES)]

    def pending_creates(self, stack: str = STACK) -> list[tuple[str, str]]:
        """(urn, type) of each create the state records as interrupted."""
        run = StackRun(self.cli, StateFolder(self.state.resolve(), self.info.sandbox_id), Program(ROOT), stack)
        pending = run.export()["deployment"].get("pending_operations") or []
        return [(str(op["resource"]["urn"]), str(op["resource"]["type"])) for op in pending if op["type"] == "creating"]

    def state_urns(self, stack: str = STACK) -> list[str]:
        run = StackRun(self.cli, StateFolder(self.state.resolve(), self.info.sandbox_id), Program(ROOT), stack)
        return [str(r["urn"]) for r in run.export()["deployment"].get("resources") or []]

    def run_pulumi(self, *args: str, stack: str = STACK, label: str | None = None) -> Step:
        """``pulumi <args> -s STACK`` itself (a command the wrapper does not run, e.g. `pulumi state delete`), in the
        stack's workspace with the wrapper's environment."""
        run = StackRun(self.cli, StateFolder(self.state.resolve(), self.info.sandbox_id), Program(ROOT), stack)
        line = [str(self.cli.executable), *args, "-s", stack, "--non-interactive"]
        done = subprocess.run(line, cwd=run.workspace, env=run.environment, capture_output=True, text=True, check=False)
        step = Step(label or f"pulumi {args[0]}", self._shown(line), done.returncode, done.stdout, done.stderr)
        self._record(step)
        return step

    def state_ids(self, resource_type: str, stack: str = STACK) -> list[str]:
        run = StackRun(self.cli, StateFolder(self.state.resolve(), self.info.sandbox_id), Program(ROOT), stack)
        resources = run.export()["deployment"].get("resources") or []
        return [str(r.get("id")) for r in resources if r["type"] == resource_type]

    # -- the live peering --------------------------------------------------------------------------

    def mark_live(self) -> list[str]:
        """The peerings that are live now: a later change that should not touch them must keep them."""
        self.live_before = [pcx for pcx, status in self.pcxs().items() if status == "active"]
        if not self.live_before:
            raise SetupFailed("no active peering after the set-up")
        return self.live_before

    def check_live(self) -> list[str]:
        """Which of the marked peerings are no longer live (deleted or replaced). A case whose own last step is a
        `destroy` checks before it; otherwise the harness checks when the case ends, before the final destroy."""
        live = set(self.live_pcxs())
        self.lost = [pcx for pcx in self.live_before if pcx not in live]
        self.live_checked = True
        return self.lost

    # -- the end of a case -------------------------------------------------------------------------

    def final_destroy(self) -> None:
        """On a healthy world: `destroy`, and when the stack is locked `cancel` then `destroy` again."""
        self.behave(**DEFAULT_BEHAVIOUR)
        self.faults()
        if self.proxy is not None:
            self.proxy.revoked.clear()
            self.proxy.answer_404(0)
        for pcx in sorted(self.forced):
            self.force_status(pcx, None)
        self.base = [item for item in self.base if not item.startswith("heroku:apiKey=")]
        for stack in sorted(self.stacks):
            done = self._destroy(stack, f"final destroy ({stack})")
            if done.code != 0 and "pulumi cancel" in done.output:
                self.run("cancel", stack=stack, label=f"final cancel ({stack})")
                self._destroy(stack, f"final destroy again ({stack})")

    def _destroy(self, stack: str, label: str) -> Step:
        """A stack made with the token from the environment has none in its stored provider config: give it one."""
        if self.direct_used and stack not in self.programs:
            return self.run_direct(
                "destroy", env={"HEROKU_API_KEY": self.info.heroku_api_key}, stack=stack, label=label
            )
        return self.run("destroy", stack=stack, label=label)

    def leftovers(self) -> list[str]:
        found = [f"live {pcx} ({status})" for pcx, status in self.pcxs().items() if status in LIVE]
        found += [f"route {table} {cidr} -> {pcx} ({state})" for table, cidr, pcx, state in self.routes_to_pcx()]
        found += [
            f"rule {r['GroupId']} {r['IpProtocol']} {r.get('FromPort')}-{r.get('ToPort')} from {r['CidrIpv4']}"
            for r in self.dyno_rules()
        ]
        return found

    def token_echoes(self) -> list[str]:
        """Where any token of this case appears: a command's output, or a file under the state folders."""
        wanted = [t for t in self.tokens if t]
        places = [step.label for step in self.steps if any(token in step.output for token in wanted)]
        for folder in (self.state, self.serve_state):
            for path in sorted(folder.rglob("*")) if folder.exists() else []:
                if path.is_file():
                    data = path.read_bytes()
                    if any(token.encode() in data for token in wanted):
                        places.append(str(path.relative_to(self.folder)))
        return places

    def tracebacks(self) -> tuple[list[str], list[str]]:
        """Steps whose output holds a traceback: the program's or a provider's, and the sandbox wrapper's own
        (``python -m sandbox``, e.g. its summary reading Heroku), told apart by the traceback's frames."""
        product: list[str] = []
        wrapper: list[str] = []
        for step in self.steps:
            for chunk in step.output.split("Traceback (most recent call last)")[1:]:
                frames = chunk.split("\n\n")[0]
                mine = "/sandbox/__main__.py" in frames or "/sandbox/stack_commands.py" in frames
                (wrapper if mine else product).append(step.label)
        return sorted(set(product), key=product.index), sorted(set(wrapper), key=wrapper.index)

    def stop(self) -> dict[int, str]:
        """Stop the sandbox; the case's processes still alive ORPHAN_GRACE seconds later (then ended by pid)."""
        stop_served(self.server)
        if self.proxy is not None:
            self.proxy.stop()
        marker = str(self.folder)
        deadline = time.monotonic() + ORPHAN_GRACE
        left = case_processes(marker)
        while left and time.monotonic() < deadline:
            time.sleep(0.2)
            left = case_processes(marker)
        for pid in left:  # this case's own processes, by pid
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return left


# -- cases and their results ------------------------------------------------------------------------

CaseRun = Callable[[Probe], Verdict]


@dataclass(frozen=True)
class Case:
    name: str
    kind: str  # edit, kill, fault, token, limit
    expected: str
    run: CaseRun
    replaces: bool = False  # the change legitimately replaces the live peering
    serve: tuple[str, ...] = ()  # more options for `python -m sandbox serve`


@dataclass
class Result:
    name: str
    kind: str
    expected: str
    ok: bool
    outcome: str
    steps: list[str]
    tracebacks: list[str]
    wrapper_tracebacks: list[str]  # the sandbox wrapper's own, not the product's
    token_echoes: list[str]
    lost: list[str]
    lost_counts: bool  # a loss the change should not have caused
    leftovers: list[str]
    orphans: list[str]
    seconds: float
    commands: list[dict[str, Any]]


def run_case(item: Case, out: Path) -> Result:
    folder = out / item.name
    shutil.rmtree(folder, ignore_errors=True)
    started = time.monotonic()
    probe = Probe(folder, item.serve)
    try:
        verdict = item.run(probe)
    except SetupFailed as error:
        verdict = Verdict(False, f"SET-UP FAILED: {error}")
    except Exception as error:  # the harness's own bug must not stop the other cases
        verdict = Verdict(False, f"HARNESS ERROR: {error!r}")
        (folder / "harness-error.txt").write_text(traceback.format_exc())
    lost = probe.check_live() if probe.live_before and not probe.live_checked else probe.lost
    try:
        probe.final_destroy()
        leftovers = probe.leftovers()
    except Exception as error:
        leftovers = [f"could not measure: {error!r}"]
    echoes, (tracebacks, wrapper_tracebacks) = probe.token_echoes(), probe.tracebacks()
    orphans = probe.stop()
    commands = [
        {"label": s.label, "command": s.command, "code": s.code, "errors": [probe.masked(e)[:2000] for e in s.errors]}
        for s in probe.steps
    ]
    clean = not (tracebacks or echoes or (lost and not item.replaces) or leftovers or orphans)
    return Result(
        item.name,
        item.kind,
        item.expected,
        verdict.ok and clean,
        probe.masked(verdict.text),
        [s.short for s in probe.steps],
        tracebacks,
        wrapper_tracebacks,
        echoes,
        lost,
        bool(lost) and not item.replaces,
        leftovers,
        [f"{pid} {command}" for pid, command in orphans.items()],
        round(time.monotonic() - started, 1),
        commands,
    )


def table(results: list[Result]) -> str:
    rows = [("case", "kind", "ok", "TB", "tok", "lost", "left", "orph", "steps")]
    for r in results:
        lost = f"{len(r.lost)}{'' if r.lost_counts or not r.lost else '(exp)'}"
        rows.append(
            (
                r.name,
                r.kind,
                "ok" if r.ok else "FAIL",
                str(len(r.tracebacks)),
                str(len(r.token_echoes)),
                lost,
                str(len(r.leftovers)),
                str(len(r.orphans)),
                " ".join(r.steps),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=False)) + "  " + row[-1] for row in rows
    ]
    lines.append("")
    for r in results:
        lines.append(f"{r.name}: expected {r.expected}")
        lines.append(f"    {'ok' if r.ok else 'FAIL'}: {r.outcome}")
        for label, found in (
            ("tracebacks in", r.tracebacks),
            ("the sandbox wrapper's own traceback in", r.wrapper_tracebacks),
            ("token in", r.token_echoes),
            ("live pcx lost", r.lost),
            ("left after destroy", r.leftovers),
            ("orphans", r.orphans),
        ):
            if found:
                lines.append(f"    {label}: {'; '.join(found)}")
    return "\n".join(lines)


def evidence(log: str, limit: int = 8) -> list[str]:
    """The lines of one command's log (tokens already masked) that show a problem: its errors, each traceback's
    last line, any line with a token in it."""
    body = log.split("\n--- stdout\n", 1)[-1]
    lines = body.replace("\\n", "\n").splitlines()  # errors inside --json documents carry escaped newlines
    found: list[str] = []
    problems = 0  # the first items of a multi-line error ("N problems ...:" then "  - ...")
    for index, line in enumerate(lines):
        text = line.strip().strip('",')
        shown = text.removeprefix('"message": "')
        last_of_traceback = bool(re.match(r"^[A-Za-z_][\w.]*(Error|Exception)\b.*:", shown)) and index > 0
        item = shown.startswith(("- ", "* ")) and 0 < problems <= 3
        if ("<TOKEN>" in text or last_of_traceback or shown.startswith("error:") or item) and shown not in found:
            found.append(shown)
        problems = problems + 1 if (shown.startswith("error:") and shown.endswith(":")) or (problems and item) else 0
    return [line[:400] for line in found[:limit]]


def details(results: list[Result], out: Path) -> str:
    """For each failing case: its commands in order, with their exit codes and the lines that show the problem."""
    lines: list[str] = []
    for r in results:
        if r.ok:
            continue
        lines.append(f"## {r.name} ({r.kind}): {r.outcome}")
        logs = sorted((out / r.name / "logs").glob("*.log"))
        for path in logs:
            log = path.read_text(errors="replace")
            command, _, rest = log.partition("\n")
            code = rest.split("\n", 1)[0].removeprefix("exit code: ")
            lines.append(f"    {command}   # exit {code}")
            lines += [f"        | {line}" for line in evidence(log)]
        lines.append("")
    return "\n".join(lines)


def totals(results: list[Result]) -> dict[str, int]:
    return {
        "cases": len(results),
        "as expected": sum(r.ok for r in results),
        "cases with a traceback": sum(bool(r.tracebacks) for r in results),
        "cases with a traceback of the sandbox wrapper (not counted above)": sum(
            bool(r.wrapper_tracebacks) and not r.tracebacks for r in results
        ),
        "cases with a token echo": sum(bool(r.token_echoes) for r in results),
        "live peerings lost to a change that should not touch them": sum(len(r.lost) for r in results if r.lost_counts),
        "leftovers after destroy": sum(len(r.leftovers) for r in results),
        "cases with leftovers": sum(bool(r.leftovers) for r in results),
        "orphaned processes": sum(len(r.orphans) for r in results),
    }
