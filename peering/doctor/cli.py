"""``python -m peering doctor``: diagnose one peering, or a stack's, and exit 0 (nothing stops
traffic), 1 (something does, or could not be read) or 2 (a usage error)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, NoRegionError

from ..model.args import SG_ID, VPC_ID
from ..model.traffic import PORT_FORMS, Traffic, parse_port
from .aws_reads import read_network
from .diagnose import Diagnosis, Target, diagnose
from .errors import DoctorReadError, DoctorUsageError
from .heroku_reads import read_space
from .report import exit_code, render_json, render_text
from .stack import Given, stack_targets

USAGE_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m peering", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    doctor = commands.add_parser(
        "doctor",
        help="read-only: what stops traffic between a VPC and a space, and the fix",
        description="Reads the peering's both sides, the routes, security groups and network ACLs; changes nothing.",
    )
    doctor.add_argument("--space", help="the Private Space's name or UUID (with --stack: instead of the stack's)")
    doctor.add_argument("--vpc-id", help="your VPC (vpc-...) (with --stack: instead of the stack's)")
    doctor.add_argument(
        "--stack", help="take space, vpcId and ingress from Pulumi.<STACK>.yaml, and the peering from its state"
    )
    doctor.add_argument("-C", "--cwd", type=Path, default=Path(), help="the project's directory, for --stack")
    doctor.add_argument("--peering", help="with --stack: only the peering of that name")
    doctor.add_argument(
        "--port",
        action="append",
        default=[],
        metavar="PROTO:PORT",
        help=f"traffic the dynos send into the VPC: {PORT_FORMS} (repeatable)",
    )
    doctor.add_argument(
        "--security-group",
        action="append",
        default=[],
        metavar="SG",
        help="a group that must admit every --port (default: any group of the VPC's resources must)",
    )
    doctor.add_argument("--region", help="the VPC's region (default: boto3's, e.g. AWS_REGION; or the stack's)")
    doctor.add_argument("--heroku-api-url", help="default: the stack's herokuApiUrl, else HEROKU_HOST")
    doctor.add_argument("--json", action="store_true", help="the findings as JSON")
    return parser


def targets_of(args: argparse.Namespace) -> tuple[list[Target], str | None]:
    """What to diagnose, from the options; DoctorUsageError for anything wrong in them."""
    ports: list[tuple[Traffic, ...]] = []
    for text in args.port:
        try:
            ports.append(parse_port(text))
        except ValueError as error:
            raise DoctorUsageError(str(error)) from None
    for group in args.security_group:
        if not SG_ID.match(group):
            raise DoctorUsageError(f"--security-group {group!r}: give a security group id (sg-...) of the VPC")
    if args.security_group and not ports:
        raise DoctorUsageError("--security-group needs the ports it must admit: add --port, e.g. --port tcp:5432")
    required = tuple((group, traffic) for group in args.security_group for traffic in ports)
    discover = () if args.security_group else tuple(ports)
    if args.stack is not None:
        if args.vpc_id and not VPC_ID.match(args.vpc_id):
            raise DoctorUsageError(f"--vpc-id {args.vpc_id!r}: give the id of your VPC (vpc-...)")
        given = Given(args.space, args.vpc_id, args.heroku_api_url, args.region, bool(args.port or args.security_group))
        targets, region = stack_targets(args.stack, args.cwd, args.peering, discover, given)
        targets = [replace(t, required=(*t.required, *required)) for t in targets]
        return targets, args.region or region
    if args.peering:
        raise DoctorUsageError("--peering goes with --stack")
    if not args.space:
        raise DoctorUsageError("--space: give the Private Space's name (heroku spaces), or --stack")
    if not args.vpc_id or not VPC_ID.match(args.vpc_id):
        raise DoctorUsageError(f"--vpc-id {args.vpc_id!r}: give the id of your VPC (vpc-...), or --stack")
    return [Target(args.space, args.vpc_id, discover, required)], args.region


def ec2_client(region: str | None) -> Any:
    """boto3's own chain picks credentials, region and endpoint (AWS_ENDPOINT_URL reaches a sandbox)."""
    try:
        return boto3.client("ec2", region_name=region)
    except NoRegionError:
        raise DoctorUsageError(
            "no AWS region: give --region, or set AWS_REGION (or AWS_DEFAULT_REGION, or a profile's region)"
        ) from None
    except BotoCoreError as error:
        raise DoctorUsageError(f"AWS client: {error}") from None


def run(args: argparse.Namespace) -> list[Diagnosis]:
    targets, region = targets_of(args)
    ec2 = ec2_client(region)
    diagnoses = []
    for target in targets:
        reading = read_space(target.space, args.heroku_api_url or target.heroku_api_url)
        diagnoses.append(diagnose(target, reading, read_network(ec2, target.vpc_id)))
    return diagnoses


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        diagnoses = run(args)
    except DoctorUsageError as error:
        print(f"python -m peering doctor: error: {error}", file=sys.stderr)
        return USAGE_ERROR
    except DoctorReadError as error:
        print(f"python -m peering doctor: error: {error}", file=sys.stderr)
        return 1
    print(render_json(diagnoses) if args.json else render_text(diagnoses), end="" if not args.json else "\n")
    return exit_code(diagnoses)
