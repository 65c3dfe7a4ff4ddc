"""``doctor``: what would stop traffic between a VPC and a space, from facts already read.

``diagnose`` is pure: it runs every check over a ``SpaceReading`` (Heroku) and a ``VpcNetwork``
(AWS), in the order AWS's own troubleshooting takes (the peering, routes, security groups, network
ACLs), with the CIDR rules pre-flight knows first.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..model.network import Unreadable, VpcNetwork
from ..model.traffic import Traffic
from ..rules.findings import CHECKS, Finding, stops_traffic
from ..rules.groups import check_security_groups
from ..rules.nacls import check_network_acls
from ..rules.routes import RouteContext, check_routes
from ..rules.space import check_cidrs, check_space
from ..rules.status import Stack, check_status
from .heroku_reads import SpaceReading

POLICY_FILE = "iam/doctor-policy.json"
# What each read is for: said when AWS refuses it.
NEEDED_FOR = {
    "ec2:DescribeVpcs": "the CIDR rules",
    "ec2:DescribeSubnets": "the routes and network ACLs of each subnet",
    "ec2:DescribeRouteTables": "the routes",
    "ec2:DescribeNetworkAcls": "the network ACLs",
    "ec2:DescribeSecurityGroups": "the security groups",
    "ec2:DescribeNetworkInterfaces": "which groups the VPC's resources carry (every group of the VPC was checked)",
    "ec2:DescribeVpcPeeringConnections": "the peering connection's status, and so the routes",
}


@dataclass(frozen=True)
class Target:
    """One peering to diagnose, and the traffic that must reach the VPC from the dynos."""

    space: str
    vpc_id: str
    ports: tuple[tuple[Traffic, ...], ...] = ()  # each --port: some group of the VPC's resources must admit it
    required: tuple[tuple[str, tuple[Traffic, ...]], ...] = ()  # (group, traffic): that group must admit it
    heroku_api_url: str | None = None
    name: str = ""  # the stack's peering, for a stack
    own_pcx: str | None = None  # the peering connection the stack's state holds for it
    claim: str | None = None  # the stack's claim tag on it (project/stack/peering)
    state_unread: str = ""  # why the stack's state could not be read, when it could not

    def traffic(self) -> list[Traffic]:
        """Every traffic to check in the network ACLs, once each."""
        every = [one for ports in (*self.ports, *(t for _, t in self.required)) for one in ports]
        return list(dict.fromkeys(every))

    def labels(self) -> list[str]:
        return list(dict.fromkeys(one.label for one in self.traffic()))


@dataclass(frozen=True)
class Diagnosis:
    target: Target
    region: str
    space_vpc_id: str
    space_vpc_cidr: str
    dyno_cidrs: tuple[str, ...]
    pcx_id: str | None
    findings: tuple[Finding, ...]

    @property
    def stops_traffic(self) -> bool:
        return stops_traffic(self.findings)


def diagnose(target: Target, reading: SpaceReading, network: VpcNetwork) -> Diagnosis:
    info = reading.space.info
    dynos = tuple(info.dyno_cidr_blocks)
    findings = [_unreadable(one) for one in network.unreadable]
    findings.extend(check_space(reading.space))
    if network.cidrs is not None:
        findings.extend(check_cidrs(target.vpc_id, network.cidrs, reading.space, network.secondary))
    pcx = None
    if network.peerings is not None:
        pcx, found = check_status(
            target.vpc_id,
            reading.space.name,
            info,
            network.peerings,
            reading.peerings,
            network.region,
            Stack(target.own_pcx, target.claim, target.state_unread) if target.claim else None,
        )
        findings.extend(found)
    if network.subnets is not None and not network.subnets:
        findings.append(
            Finding(
                "warning",
                "routes",
                target.vpc_id,
                f"VPC {target.vpc_id}: it has no subnets",
                "nothing in it can be reached, so routes and network ACLs were not checked",
                "create the subnets the dynos must reach",
            )
        )
    if pcx is not None and network.subnets is not None and network.route_tables is not None:
        context = RouteContext(
            pcx, {p.pcx_id: p for p in network.peerings or ()}, reading.space.name, info.vpc_id, info.vpc_cidr
        )
        findings.extend(check_routes(network.subnets, network.route_tables, dynos, context))
    traffic = target.traffic()
    if not traffic:
        findings.append(
            Finding(
                "warning",
                "security-groups",
                target.vpc_id,
                "security groups and network ACLs were not checked: no port given",
                "the doctor cannot tell which traffic must reach the VPC",
                "give the ports the dynos use, e.g. --port tcp:5432 (or ingress rules in the stack)",
            )
        )
    if traffic and network.groups is not None:
        findings.extend(
            check_security_groups(network.groups, network.attached_groups or (), dynos, target.required, target.ports)
        )
    if traffic and network.acls is not None and network.subnets:
        subnets = [subnet.subnet_id for subnet in network.subnets]
        findings.extend(check_network_acls(network.acls, subnets, dynos, traffic, info.vpc_cidr))
    return Diagnosis(
        replace(target, space=reading.space.name),  # Heroku's name, were it given by UUID
        network.region,
        info.vpc_id,
        info.vpc_cidr,
        dynos,
        pcx.pcx_id if pcx is not None else None,
        tuple(sorted(findings, key=lambda finding: CHECKS.index(finding.check))),
    )


def _unreadable(read: Unreadable) -> Finding:
    fix = (
        f"grant {read.action} to these credentials ({POLICY_FILE} has every action the doctor needs)"
        if read.denied
        else "check the credentials and the region, then run the doctor again"
    )
    return Finding(
        "fault",
        "reads",
        read.action,
        f"AWS refused {read.action}: {read.reason}",
        f"not checked: {NEEDED_FOR.get(read.action, 'what it reads')}",
        fix,
    )
