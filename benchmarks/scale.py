"""Figures at scale: how `up` grows with peerings and route tables, and what it costs Heroku's budget.

- `up` with 1, 4, 8 and 16 peerings (one VPC each, to the demo space), wall time beside one peering's.
  Pulumi's Python provider host serves 4 calls at a time, so more than 4 acceptances queue.
- the same with the component package (``component_package/``): a YAML program with 1 and 16 ``HerokuPeering``s,
  whose acceptances the package's own provider serves all at once.
- 50 peerings x 10 route tables: program evaluation (a preview) beside the same AWS graph without the
  Heroku parts (no pre-flight, no acceptance); Heroku requests of `up` and of a no-op `up`, which must
  grow with peerings and not with routes; the same for 50 x 1 route table.
- the size of the pickled provider (``__provider``), stored with every acceptance.

Everything runs through the real Pulumi CLI (`pulumi up --skip-preview`, `pulumi preview`) against one
sandbox (moto and the emulator); the baseline graph runs through the same CLI and the sandbox's pulumi-aws.

    python -m benchmarks.scale [--sizes 1 4 8 16] [--wide 50] [--tables 10]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pulumi.dynamic.dynamic import serialize_provider

from providers.peering_acceptance import PeeringAcceptanceProvider
from sandbox.errors import SandboxError
from sandbox.pulumi_cli import ensure_cli
from sandbox.pulumi_environment import StateFolder, pulumi_environment
from sandbox.scenarios.peering_requests import customer_ec2
from sandbox.stack_commands import Program, StackRun, events_report, stack_config
from sandbox.world.heroku_world import Timings
from sandbox.world.local_sandbox import LocalSandbox, SandboxOptions
from sandbox.world.sandbox_info import SandboxInfo

ROOT = Path(__file__).resolve().parents[1]
COMPONENT = "heroku-peering:index:HerokuPeering"
TIMINGS = Timings(visibility_delay=1.0, provisioning=2.0)
BASELINE_PROGRAM = '''"""The AWS half of the same graph, every Heroku value written in: no pre-flight, no acceptance."""
import json
from pathlib import Path

import pulumi_aws as aws

for item in json.loads((Path(__file__).parent / "graph.json").read_text()):
    pcx = aws.ec2.VpcPeeringConnection(
        item["name"] + "-pcx", vpc_id=item["vpc"], peer_vpc_id=item["peer_vpc"], peer_owner_id=item["peer_owner"]
    )
    for table in item["tables"]:
        aws.ec2.Route(
            f"{item['name']}-route-{table}",
            route_table_id=table,
            destination_cidr_block=item["cidr"],
            vpc_peering_connection_id=pcx.id,
        )
'''


@dataclass(frozen=True)
class Run:
    seconds: float
    heroku_requests: int
    resources: int


def make_vpcs(info: SandboxInfo, count: int, tables: int, offset: int) -> list[str]:
    """``count`` VPCs with ``tables`` route tables each (the main one included)."""
    ec2 = customer_ec2(info)
    vpcs = []
    for index in range(offset, offset + count):
        vpc = ec2.create_vpc(CidrBlock=f"192.168.{index}.0/24")["Vpc"]["VpcId"]
        for _ in range(tables - 1):
            ec2.create_route_table(VpcId=vpc)
        vpcs.append(vpc)
    return vpcs


STATE = Path(tempfile.mkdtemp(prefix="scale-"))


def operate(
    sandbox: LocalSandbox,
    config: dict[str, Any],
    command: str,
    *,
    stack: str,
    program: Program | None = None,
    environment: dict[str, str] | None = None,
) -> Run:
    """One `pulumi` command on a stack of this sandbox (``up`` without its preview); wall time from start to exit."""
    assert sandbox.info is not None and sandbox.emulator is not None
    run = StackRun(
        ensure_cli(print),
        StateFolder(STATE, sandbox.info.sandbox_id),
        program or Program(ROOT),
        stack,
        sandbox.info.heroku_url,
    )
    run.environment.update(environment or {})
    run.prepare(config)
    sandbox.emulator.clear_requests()
    started = time.monotonic()
    code, documents = run.run(command, skip_preview=True, json_output=True)
    seconds = time.monotonic() - started
    report = events_report(documents)
    if code != 0:
        raise SandboxError(f"{command} of {stack} failed: {[d['message'] for d in report['diagnostics']]}")
    steps = report["steps"] or (report["preview"] or {}).get("steps") or []
    custom = [s for s in steps if not str(s["type"]).startswith("pulumi:") and s["type"] != COMPONENT]
    return Run(seconds, len(sandbox.emulator.requests()), len(custom))


def package_program(info: SandboxInfo, vpcs: list[str], directory: Path) -> Program:
    """A YAML program with one ``HerokuPeering`` of the package per VPC, its plugin installed (`pulumi install`)."""
    resources = {
        f"p{i}": {"type": COMPONENT, "properties": {"space": info.space, "vpcId": vpc}} for i, vpc in enumerate(vpcs)
    }
    project = {
        "name": "scale-package",
        "runtime": "yaml",
        "packages": {"heroku-peering": str(ROOT / "component_package")},
        "resources": resources,
    }
    directory.mkdir(parents=True)
    (directory / "Pulumi.yaml").write_text(yaml.safe_dump(project))
    cli = ensure_cli(print)
    environment = pulumi_environment(cli, StateFolder(STATE, info.sandbox_id).create())
    line = [str(cli.executable), "install"]
    done = subprocess.run(
        line, cwd=directory, env={**os.environ, **environment}, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SandboxError(f"pulumi install of the package's program failed: {done.stderr[-2000:]}")
    return Program(directory)


def package_config(info: SandboxInfo) -> dict[str, Any]:
    """The stack's AWS config (the token is HEROKU_API_KEY: see ``operate``'s environment)."""
    return {k: v for k, v in stack_config("scale", info, [], Program(ROOT)).items() if k.startswith("aws:")}


def peerings_config(info: SandboxInfo, vpcs: list[str]) -> dict[str, Any]:
    peerings = [{"name": f"p{i}", "space": info.space, "vpcId": vpc} for i, vpc in enumerate(vpcs)]
    config = stack_config("scale", info, [], Program(ROOT))
    for key in ("space", "vpcId", "ingress"):
        config.pop(f"heroku-peering:{key}", None)
    return {**config, "heroku-peering:peerings": peerings}


def baseline_preview(sandbox: LocalSandbox, info: SandboxInfo, vpcs: list[str]) -> Run:
    peer = sandbox.world.spaces()[0] if sandbox.world else None
    assert peer is not None
    ec2 = customer_ec2(info)
    graph = [
        {
            "name": f"p{i}",
            "vpc": vpc,
            "peer_vpc": peer.vpc_id,
            "peer_owner": info.heroku_account_id,
            "cidr": peer.vpc_cidr,
            "tables": [
                t["RouteTableId"]
                for t in ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"]
            ],
        }
        for i, vpc in enumerate(vpcs)
    ]
    directory = Path(tempfile.mkdtemp())
    venv = ROOT / ".venv"
    (directory / "Pulumi.yaml").write_text(
        f"name: baseline\nruntime:\n  name: python\n  options:\n    toolchain: pip\n    virtualenv: {venv}\n"
    )
    (directory / "__main__.py").write_text(BASELINE_PROGRAM)
    (directory / "graph.json").write_text(json.dumps(graph))
    config = {k: v for k, v in stack_config("scale", info, [], Program(ROOT)).items() if k.startswith("aws:")}
    return operate(sandbox, config, "preview", stack=f"baseline-{len(vpcs)}", program=Program(directory))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 4, 8, 16])
    parser.add_argument("--wide", type=int, default=50, help="peerings in the wide case")
    parser.add_argument("--tables", type=int, default=10, help="route tables per VPC in the wide case")
    args = parser.parse_args()
    print(
        f"Measured {date.today().isoformat()} on {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; sandbox visibility {TIMINGS.visibility_delay:.0f} s, provisioning "
        f"{TIMINGS.provisioning:.0f} s.\n"
    )
    sandbox = LocalSandbox(SandboxOptions(timings=TIMINGS, rate_limit_capacity=100_000))
    info = sandbox.start()
    try:
        offset = 0
        print(f"{'up with N peerings':28} {'wall s':>8} {'x one':>7} {'Heroku req':>11} {'resources':>10}")
        one: float | None = None
        for size in args.sizes:
            vpcs = make_vpcs(info, size, 1, offset)
            offset += size
            config = peerings_config(info, vpcs)
            up = operate(sandbox, config, "up", stack=f"size-{size}")
            one = one or up.seconds
            print(
                f"{size:>4} peering(s){'':14} {up.seconds:>8.1f} {up.seconds / one:>7.1f} {up.heroku_requests:>11} "
                f"{up.resources:>10}"
            )
            operate(sandbox, config, "destroy", stack=f"size-{size}")
        print("the component package (a YAML program; the package's own provider accepts them all at once)")
        package_one: float | None = None
        for size in sorted({1, max(args.sizes)}):
            vpcs = make_vpcs(info, size, 1, offset)
            offset += size
            program = package_program(info, vpcs, Path(tempfile.mkdtemp(prefix="scale-package-")) / f"p{size}")
            token = {"HEROKU_API_KEY": info.heroku_api_key}
            up = operate(
                sandbox, package_config(info), "up", stack=f"package-{size}", program=program, environment=token
            )
            package_one = package_one or up.seconds
            print(
                f"{size:>4} peering(s){'':14} {up.seconds:>8.1f} {up.seconds / package_one:>7.1f} "
                f"{up.heroku_requests:>11} {up.resources:>10}"
            )
            operate(
                sandbox, package_config(info), "destroy", stack=f"package-{size}", program=program, environment=token
            )
        print()
        print(f"{'wide case':56} {'ours':>14} {'AWS-only graph':>16}")
        for tables in (1, args.tables):
            vpcs = make_vpcs(info, args.wide, tables, offset)
            offset += args.wide
            config = peerings_config(info, vpcs)
            ours = operate(sandbox, config, "preview", stack=f"wide-{tables}")
            base = baseline_preview(sandbox, info, vpcs)
            label = f"{args.wide} peerings x {tables} route table(s)"
            print(f"{label + ': program evaluation (preview) s':56} {ours.seconds:>14.1f} {base.seconds:>16.1f}")
            print(f"{'  resources in the graph':56} {ours.resources:>14} {base.resources:>16}")
            print(f"{'  Heroku requests of the preview':56} {ours.heroku_requests:>14} {base.heroku_requests:>16}")
            up = operate(sandbox, config, "up", stack=f"wide-{tables}")
            again = operate(sandbox, config, "up", stack=f"wide-{tables}")
            print(f"{'  Heroku requests of up':56} {up.heroku_requests:>14} {'-':>16}")
            print(f"{'  Heroku requests of a no-op up':56} {again.heroku_requests:>14} {'-':>16}")
            print(f"{'  up wall s':56} {up.seconds:>14.1f} {'-':>16}")
            operate(sandbox, config, "destroy", stack=f"wide-{tables}")
        print()
        size = len(serialize_provider(PeeringAcceptanceProvider()))
        print(f"__provider (pickled provider, stored with each acceptance): {size} bytes")
    finally:
        sandbox.stop()


if __name__ == "__main__":
    main()
