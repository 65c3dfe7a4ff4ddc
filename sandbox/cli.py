"""Command line of the sandbox: ``serve``, the Pulumi CLI's ``preview/up/refresh/destroy`` on it, ``check-policy``."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import threading
from dataclasses import replace
from pathlib import Path
from types import FrameType

from . import bridged_aws
from .errors import SandboxError
from .printed_commands import FOOTER, HEADING, user_commands
from .proofs import doctor_policy_check, policy_check, policy_file
from .pulumi_cli import ensure_cli
from .pulumi_environment import AWS_PLUGINS, DEFAULT_STATE_DIR, StateFolder, aws_plugin_bin, pulumi_environment
from .stack_commands import add_commands, run
from .world.faults import FaultInjector, rules_from_options
from .world.heroku_world import ANSWER_BODIES, Behaviour, Timings
from .world.local_sandbox import SEED_SPACE_REGION, LocalSandbox, SandboxOptions
from .world.sandbox_info import SandboxInfo

DEFAULT_TIMINGS = Timings()
# Each Timings field as a serve option: (field, help); the default is the field's.
TIMING_OPTIONS = (
    (
        "visibility_delay",
        "how long a new AWS request stays invisible to Heroku (default %(default)g; real life: 1-3 minutes)",
    ),
    ("provisioning", "how long an accepted peering stays `provisioning` (default %(default)g)"),
    (
        "expiry",
        f"how long an unaccepted request lives before `expired` (default {DEFAULT_TIMINGS.expiry / 86400:g} days)",
    ),
    (
        "deleted_retention",
        "how long a deleted peering stays listed as `deleted` before Heroku answers 404 (default %(default)g)",
    ),
)
UNPROMISED_TIMING_OPTIONS = (
    (
        "pending_phase",
        "a visible request first reads `pending`, a status the schema does not list (default %(default)g)",
    ),
    (
        "accept_lag",
        "accept is refused this long after the request first reads pending-acceptance (default %(default)g)",
    ),
)


def _add_timing_options(parser: argparse.ArgumentParser) -> None:
    harsh = parser.add_argument_group(
        "Heroku's unpromised behaviours (each can also be switched on a running sandbox: PATCH /__sandbox/behaviour)"
    )
    for group, options in ((parser, TIMING_OPTIONS), (harsh, UNPROMISED_TIMING_OPTIONS)):
        for name, text in options:
            group.add_argument(
                f"--{name.replace('_', '-')}",
                type=float,
                default=getattr(DEFAULT_TIMINGS, name),
                metavar="SECONDS",
                help=text,
            )
    harsh.add_argument(
        "--accept-lag-status", type=int, choices=(404, 422), default=422, help="the refusal during the lag"
    )
    harsh.add_argument(
        "--answer-body",
        choices=ANSWER_BODIES,
        default="empty",
        help='what accept and destroy answer with (their schema says "rel": "empty"; default: no body)',
    )
    harsh.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="ROUTE:KIND=VALUE",
        help="inject faults: KIND 429, 500, 503, drop (before processing), lost (after processing) with a rate "
        "0..1, or latency in seconds; ROUTE is list, get, accept, destroy, peering_info, space... or * (repeatable; "
        "also PUT /__sandbox/faults)",
    )
    harsh.add_argument("--fault-seed", type=int, default=0, help="seed for the fault draws (default 0)")
    parser.add_argument("--token", default="", help="the Heroku API token the emulator accepts (default: random)")


def _options(args: argparse.Namespace) -> SandboxOptions:
    timings = Timings(
        visibility_delay=args.visibility_delay,
        provisioning=args.provisioning,
        expiry=args.expiry,
        deleted_retention=args.deleted_retention,
        pending_phase=args.pending_phase,
        accept_lag=args.accept_lag,
    )
    return SandboxOptions(
        timings=timings,
        behaviour=Behaviour(answer_body=args.answer_body, accept_lag_status=args.accept_lag_status),
        faults=FaultInjector(rules_from_options(args.fault), seed=args.fault_seed),
        token=args.token,
        heroku_port=args.heroku_port,
        aws_port=args.aws_port,
        iam_policy=policy_file.load_policy_text(args.iam_policy) if args.iam_policy else None,
        extra_spaces=tuple(args.space),
        space_region=args.space_region,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="start moto and the Heroku emulator until Ctrl-C")
    _add_timing_options(serve)
    serve.add_argument("--ready-file", type=Path, help="write the endpoints as JSON here once everything answers")
    serve.add_argument("--heroku-port", type=int, default=0, help="the Heroku API's port (default 0: any free port)")
    serve.add_argument("--aws-port", type=int, default=0, help="moto's port (default 0: any free port)")
    serve.add_argument(
        "--iam-policy",
        type=Path,
        metavar="FILE",
        help="enforce IAM: stacks act as a user with only this policy (e.g. iam/deployer-policy.json); "
        "the printed environment is the customer's administrator",
    )
    serve.add_argument(
        "--space-region",
        default=SEED_SPACE_REGION,
        metavar="REGION",
        help=f"the spaces' region (default {SEED_SPACE_REGION}, as in the seed article; the customer's VPC is in "
        "us-east-1, so the peering is inter-region)",
    )
    serve.add_argument(
        "--state-dir",
        type=Path,
        default=DEFAULT_STATE_DIR,
        help="where the sandbox's Pulumi backend and home go (default .sandbox-state); removed when it stops",
    )
    serve.add_argument(
        "--space",
        action="append",
        default=[],
        metavar="NAME",
        help="another space beside demo-space, with the same ranges (Heroku's default); repeatable",
    )
    add_aws_plugin_option(serve)
    add_commands(commands)
    policy_check.add_command(commands)
    doctor_policy_check.add_command(commands)
    bridged = commands.add_parser(
        "bridged-aws",
        help="where pulumi-aws built from terraform-provider-aws's code is (--aws-plugin bridged); --build builds it",
    )
    bridged.add_argument("--build", action="store_true", help=f"build it now if needed ({bridged_aws.EXPECTED})")
    cli = commands.add_parser("cli", help="find the Pulumi CLI (3.187 or later on PATH) or build it; print its path")
    cli.add_argument("--build", action="store_true", help="build it here even when one is on PATH")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "serve":
        try:
            options = _options(args)
        except (ValueError, policy_file.PolicyFileError) as error:  # a bad --fault or --iam-policy
            parser.error(str(error))
        return serve(args, options)
    if args.command == "check-policy":
        return policy_check.run(args)
    if args.command == "check-doctor-policy":
        return doctor_policy_check.run(args)
    if args.command == "bridged-aws":
        return bridged_command(args.build)
    if args.command == "cli":
        try:
            found = ensure_cli(lambda line: print(line, file=sys.stderr, flush=True), allow_ambient=not args.build)
        except SandboxError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        print(f"{found.executable} ({found.version}, {'built here' if found.built_here else 'on PATH'})")
        return 0
    return run(args)


def add_aws_plugin_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--aws-plugin",
        choices=AWS_PLUGINS,
        default="sandbox",
        help="the pulumi-aws the Pulumi CLI runs: the sandbox's own (default), or pulumi-aws built from "
        f"terraform-provider-aws's code, once built ({bridged_aws.HOW_TO_BUILD})",
    )


def bridged_command(build: bool) -> int:
    try:
        found = bridged_aws.build(lambda line: print(line, file=sys.stderr, flush=True)) if build else None
        found = found or bridged_aws.require_built()
    except SandboxError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(found / "pulumi-resource-aws")
    return 0


def serve(args: argparse.Namespace, options: SandboxOptions) -> int:
    try:
        aws_plugin_bin(args.aws_plugin)  # refused before anything starts when it is not built
    except SandboxError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    try:
        cli = ensure_cli(lambda line: print(line, flush=True))
    except SandboxError as error:
        cli = None
        print(f"note: no Pulumi CLI for this sandbox ({error})", flush=True)
    sandbox = LocalSandbox(options)
    info = sandbox.start()
    folder = StateFolder(args.state_dir.resolve(), info.sandbox_id)
    exports: dict[str, str] = {}
    if cli is not None:
        info = replace(info, pulumi_environment=pulumi_environment(cli, folder.create(), aws_plugin=args.aws_plugin))
        exports = pulumi_environment(cli, folder, path="$PATH", aws_plugin=args.aws_plugin)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print(describe(info, exports), flush=True)
    if args.ready_file:
        _write_atomically(args.ready_file, info.to_json())
    stop.wait()
    sandbox.stop()
    folder.remove()  # the stacks of a sandbox that is gone describe nothing any more
    if args.ready_file:
        args.ready_file.unlink(missing_ok=True)
    print("sandbox stopped", flush=True)
    return 0


def describe(info: SandboxInfo, pulumi_exports: dict[str, str] | None = None) -> str:
    """What ``serve`` prints: the sandbox's endpoints and ids, then the commands a user runs in another terminal."""
    commands = "\n".join(f"  {line}" for line in user_commands(info, pulumi_exports))
    return (
        "Sandbox running (Ctrl-C to stop)\n"
        f"  Heroku API      {info.heroku_url}   token {info.heroku_api_key}\n"
        f"  AWS (moto)      {info.aws_endpoint_url}   region {info.region}\n"
        f"  space           {info.space} ({info.space_id}) in {info.space_region}\n"
        f"  customer VPC    {info.customer_vpc_id} {info.customer_vpc_cidr} in account {info.customer_account_id}\n"
        f"  subnets         {', '.join(info.subnet_ids)}\n"
        f"  route tables    {', '.join(info.route_table_ids)}\n"
        f"  security groups {', '.join(info.security_group_ids)}\n"
        + (
            "  IAM             enforced: stacks act as heroku-peering-deployer with only the --iam-policy policy; "
            "the exported AWS keys are the customer's administrator\n"
            if info.iam_enforced
            else ""
        )
        + (
            "The exports point AWS clients, the Heroku CLI and the Pulumi CLI at it; the rest makes the `sandbox` "
            "stack for `pulumi up -s sandbox` (its file, Pulumi.sandbox.yaml, is yours: git ignores it).\n"
            if pulumi_exports
            else "The exports point AWS clients and the Heroku CLI at it (no Pulumi CLI: see the note above).\n"
        )
        + f"{HEADING}\n{commands}\n{FOOTER}\n"
    )


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(tmp, path)
