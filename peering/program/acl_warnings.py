"""Pre-flight's word on network ACLs: what the doctor's ACL check finds, said as warnings before `up`.

A warning, not a refusal: ACLs are the user's, and a peering made under a denying ACL is still the
right peering; the doctor (`python -m peering doctor --stack`) checks the whole path afterwards.
"""

from __future__ import annotations

from providers.heroku_models import PeeringInfo

from ..model.args import NamedPeering
from ..model.facts import AclRead
from ..model.traffic import traffic_of_rule
from ..rules.nacls import check_network_acls


def acl_notes(peering: NamedPeering, read: AclRead | None, info: PeeringInfo) -> list[str]:
    """One warning per ACL, direction and denying rule for the traffic the peering's ingress rules open."""
    if read is None or read.skipped is not None or not peering.args.ingress:
        return []
    traffic = tuple(dict.fromkeys(one for rule in peering.args.ingress for one in traffic_of_rule(rule)))
    findings = check_network_acls(read.acls, read.subnet_ids, info.dyno_cidr_blocks, traffic, info.vpc_cidr)
    where = peering.where.rstrip(".: ")
    return [
        f"{where}: {finding.summary}: {finding.meaning}. The peering is made all the same (network ACLs are yours); "
        f"fix: {finding.fix}"
        for finding in findings
        if finding.severity == "fault"
    ]
