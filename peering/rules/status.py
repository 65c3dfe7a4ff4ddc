"""Both sides' status: which peering connection joins the VPC and the space's VPC, and what AWS and
Heroku each say of it. The statuses are one table, each row with its meaning and fix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from providers.heroku_models import Peering, PeeringInfo
from providers.statuses import LIVE_RANK, NOT_LISTED

from ..model.network import PeeringConnection
from ..model.ownership import MARKER_TAG, Claim
from .findings import Finding, Severity


@dataclass(frozen=True)
class StatusRow:
    severity: Severity
    meaning: str
    fix: str  # {pcx}, {space} and {request} (the command that requests a new peering) are filled in


_NEW = (
    "for a stack: pulumi up (it requests and accepts a new one and points the routes at it); by hand, the seed's "
    "procedure: request a new one ({request}), heroku spaces:peerings:accept <its pcx id> --space {space}, then point "
    "the routes at <its pcx id>"
)
FINDING_BY_STATUS: dict[str, StatusRow] = {
    "active": StatusRow("ok", "", ""),
    "provisioning": StatusRow(
        "fault",
        "accepted; Heroku is still setting up the space's side: traffic does not flow yet",
        "wait, then run the doctor again",
    ),
    "pending-acceptance": StatusRow(
        "fault",
        "the request waits for Heroku's acceptance: nothing flows until it is active",
        "heroku spaces:peerings:accept {pcx} --space {space}",
    ),
    "pending": StatusRow(
        "fault",
        "Heroku lists the request but is not ready to accept it yet",
        "wait, then heroku spaces:peerings:accept {pcx} --space {space}",
    ),
    "initiating-request": StatusRow("fault", "AWS is still creating the request", "wait, then run the doctor again"),
    # AWS's VPC Peering Guide, "VPC peering connection lifecycle": a failed request cannot be accepted, rejected or
    # deleted, and stays visible to the requester for 2 hours.
    "failed": StatusRow(
        "fault",
        "AWS marked it failed, almost always because the VPC's CIDRs overlap the space's vpc_cidr or "
        "unavailable_cidr_blocks; a failed request cannot be used or deleted (AWS drops it after 2 hours)",
        "peer a VPC whose ranges avoid the space's (see the cidrs findings), then " + _NEW,
    ),
    "expired": StatusRow("fault", "the request was not accepted within 7 days", _NEW),
    "rejected": StatusRow("fault", "the request was rejected on Heroku's side", "check the space and account; " + _NEW),
    "deleted": StatusRow("fault", "the peering was deleted, from one side or the other", _NEW),
    "deleting": StatusRow("fault", "the peering is being deleted", _NEW),
    NOT_LISTED: StatusRow(
        "fault",
        "Heroku does not list it (it sees a new request 1-3 minutes after AWS creates it); a request it never lists "
        "does not reach the space's VPC, account or region",
        "wait, then run the doctor again; if it stays unlisted, delete it and " + _NEW,
    ),
}
UNKNOWN = StatusRow(
    "fault",
    "a status Heroku's schema does not list: traffic may not flow",
    "wait, then run the doctor again; if it stays, ask Heroku support",
)


def request_command(vpc_id: str, info: PeeringInfo) -> str:
    return (
        f"aws ec2 create-vpc-peering-connection --vpc-id {vpc_id} --peer-vpc-id {info.vpc_id} "
        f"--peer-owner-id {info.aws_account_id} --peer-region {info.aws_region}"
    )


def joins_space(pcx: PeeringConnection, vpc_id: str, info: PeeringInfo) -> bool:
    """Between the VPC and the space's VPC, in Heroku's account and the space's region, either way."""
    space_side = (info.vpc_id, info.aws_account_id, info.aws_region)
    requester = (pcx.requester_vpc_id, pcx.requester_owner_id, pcx.requester_region)
    accepter = (pcx.accepter_vpc_id, pcx.accepter_owner_id, pcx.accepter_region)
    return (pcx.requester_vpc_id == vpc_id and accepter == space_side) or (
        pcx.accepter_vpc_id == vpc_id and requester == space_side
    )


def misdirected(pcx: PeeringConnection, vpc_id: str, info: PeeringInfo) -> bool:
    """Requested from the VPC to the space's VPC id, but in another account or region."""
    return pcx.requester_vpc_id == vpc_id and pcx.accepter_vpc_id == info.vpc_id and not joins_space(pcx, vpc_id, info)


@dataclass(frozen=True)
class Stack:
    """What a stack says of its peering: the connection its state holds, and its claim tag (project/stack/peering)."""

    own_pcx: str | None
    claim: str | None
    state_unread: str = ""  # why its state could not be read


def newest(candidates: Sequence[PeeringConnection], heroku: Sequence[Peering]) -> PeeringConnection:
    """The newest as far as AWS and Heroku tell: the latest expiry (a request expires 7 days after it is made; AWS
    and Heroku give it while it is pending), else one Heroku still lists (it forgets ended ones after a while), else
    the last AWS describes. AWS gives no creation time for a peering connection."""
    listed = {peering.pcx_id: peering for peering in heroku}

    def recency(indexed: tuple[int, PeeringConnection]) -> tuple[str, bool, int]:
        index, pcx = indexed
        seen = listed.get(pcx.pcx_id)
        return (pcx.expires or (seen.expires if seen is not None else None) or "", seen is not None, index)

    return max(enumerate(candidates), key=recency)[1]


def choose(
    joined: Sequence[PeeringConnection],
    live: Sequence[PeeringConnection],
    heroku: Sequence[Peering],
    stack: Stack | None,
) -> tuple[PeeringConnection | None, str]:
    """The peering connection to diagnose, and why it (said when there were several): a stack's own (its state, else
    its claim tag), else the live one, else the newest."""
    if stack is not None and stack.own_pcx:
        own = next((pcx for pcx in joined if pcx.pcx_id == stack.own_pcx), None)
        if own is not None:
            return own, "the stack's own, from its state"
    if stack is not None and stack.claim:
        claimed = [pcx for pcx in joined if pcx.tags.get(MARKER_TAG) == stack.claim]
        if claimed:
            mine = [pcx for pcx in live if pcx in claimed]
            return (mine[0] if mine else newest(claimed, heroku)), f"it carries the stack's claim tag {MARKER_TAG}"
    if live:
        return live[0], "the live one"
    if joined:
        return newest(joined, heroku), f"none is live; the newest of {len(joined)}"
    return None, ""


def check_status(
    vpc_id: str,
    space: str,
    info: PeeringInfo,
    peerings: Sequence[PeeringConnection],
    heroku: Sequence[Peering],
    region: str,
    stack: Stack | None = None,
) -> tuple[PeeringConnection | None, list[Finding]]:
    """The peering connection that carries (or should carry) the traffic, and what both sides say; the others seen
    are named."""
    findings = [_misdirected(pcx, vpc_id, space, info) for pcx in peerings if misdirected(pcx, vpc_id, info)]
    joined = [pcx for pcx in peerings if joins_space(pcx, vpc_id, info)]
    live = sorted((p for p in joined if p.status in LIVE_RANK), key=lambda p: LIVE_RANK[p.status])
    seen = {pcx.pcx_id for pcx in peerings}
    for peering in heroku:
        if peering.aws_vpc_id == vpc_id and not peering.heroku_managed and peering.pcx_id not in seen:
            findings.append(
                Finding(
                    "fault",
                    "status",
                    peering.pcx_id,
                    f"peering connection {peering.pcx_id}: Heroku lists it for {vpc_id} ({peering.status}), but AWS "
                    f"does not describe it in region {region} for these credentials",
                    "the doctor reads another region or account than the peering's",
                    f"run the doctor with the VPC's region and account (Heroku says {peering.aws_region}, "
                    f"{peering.aws_account_id})",
                )
            )
    chosen, why = choose(joined, live, heroku, stack)
    if chosen is None:
        findings.append(
            Finding(
                "fault",
                "status",
                vpc_id,
                f"VPC {vpc_id}: no peering connection joins it to space {space}'s VPC {info.vpc_id} "
                f"(account {info.aws_account_id}, region {info.aws_region})",
                "there is no path between the dynos and the VPC",
                f"request one (pulumi up; or {request_command(vpc_id, info)}), then heroku spaces:peerings:accept "
                f"<its pcx id> --space {space}",
            )
        )
        return None, findings
    others = [pcx for pcx in live if pcx != chosen]
    if others:
        findings.append(_several_live(chosen, others, vpc_id, space, stack))
    ended = [pcx for pcx in joined if pcx not in live and pcx != chosen]
    if ended:
        findings.append(
            Finding(
                "ok",
                "status",
                chosen.pcx_id,
                f"also seen between {vpc_id} and space {space}'s VPC: "
                + ", ".join(f"{pcx.pcx_id} ({pcx.status})" for pcx in ended)
                + f"; diagnosed: {chosen.pcx_id} ({why})",
                "ended peering connections AWS still describes for a while; they carry nothing",
            )
        )
    if stack is not None and stack.state_unread and len(joined) > 1 and "claim tag" not in why:
        findings.append(
            Finding(
                "warning",
                "status",
                chosen.pcx_id,
                f"the stack's state could not be read ({stack.state_unread}); {chosen.pcx_id} was chosen as {why}",
                "the doctor may diagnose another peering connection than the stack's own",
                "run the doctor where `pulumi stack export` works for this stack (its backend and credentials)",
            )
        )
    findings.extend(_sides(chosen, vpc_id, space, info, heroku))
    return chosen, findings


def _several_live(
    chosen: PeeringConnection, others: Sequence[PeeringConnection], vpc_id: str, space: str, stack: Stack | None
) -> Finding:
    """More than one live connection: the others are to delete, unless a stack claims one (then it is that stack's)."""
    advice = []
    for pcx in others:
        claim = Claim.parse(pcx.tags.get(MARKER_TAG))
        if claim is not None and (stack is None or pcx.tags.get(MARKER_TAG) != stack.claim):
            advice.append(f"{pcx.pcx_id} is stack {claim.stack}'s peering {claim.peering!r}: leave it to that stack")
        else:
            advice.append(f"aws ec2 delete-vpc-peering-connection --vpc-peering-connection-id {pcx.pcx_id}")
    return Finding(
        "warning",
        "status",
        chosen.pcx_id,
        f"more than one peering connection joins {vpc_id} and space {space}'s VPC: {chosen.pcx_id} "
        f"({chosen.status}) and " + ", ".join(f"{p.pcx_id} ({p.status})" for p in others),
        "AWS allows one between two VPCs; routes may point at the wrong one",
        f"keep {chosen.pcx_id}; for the others: " + "; ".join(advice),
    )


def _sides(
    pcx: PeeringConnection, vpc_id: str, space: str, info: PeeringInfo, heroku: Sequence[Peering]
) -> list[Finding]:
    listed = next((p for p in heroku if p.pcx_id == pcx.pcx_id), None)
    heroku_status = listed.status if listed is not None else NOT_LISTED
    heroku_type = f", {listed.type}" if listed is not None else ""
    expires = pcx.expires or (listed.expires if listed is not None else None)
    pending = f", expires {expires}" if expires and pcx.status == "pending-acceptance" else ""
    fill = {"pcx": pcx.pcx_id, "space": space, "request": request_command(vpc_id, info)}
    aws_row = FINDING_BY_STATUS.get(pcx.status, UNKNOWN)
    heroku_row = FINDING_BY_STATUS.get(heroku_status, UNKNOWN)
    name = f"peering connection {pcx.pcx_id}"
    if aws_row.severity == "ok" and heroku_row.severity == "ok":
        return [
            Finding(
                "ok",
                "status",
                pcx.pcx_id,
                f"{name} ({vpc_id} to {info.vpc_id}): AWS active, Heroku active{heroku_type}",
            )
        ]
    findings = []
    if aws_row.severity != "ok":
        findings.append(
            Finding(
                aws_row.severity,
                "status",
                pcx.pcx_id,
                f"{name}: AWS says {pcx.status} ({pcx.message}{pending})",
                aws_row.meaning,
                aws_row.fix.format(**fill),
            )
        )
    if heroku_row.severity != "ok" and (heroku_status != pcx.status or aws_row.severity == "ok"):
        findings.append(
            Finding(
                heroku_row.severity,
                "status",
                pcx.pcx_id,
                f"{name}: Heroku says {heroku_status}{heroku_type}{pending if not findings else ''}",
                heroku_row.meaning,
                heroku_row.fix.format(**fill),
            )
        )
    return findings


def _misdirected(pcx: PeeringConnection, vpc_id: str, space: str, info: PeeringInfo) -> Finding:
    return Finding(
        "fault",
        "status",
        pcx.pcx_id,
        f"peering connection {pcx.pcx_id} ({pcx.status}): requested from {vpc_id} to {pcx.accepter_vpc_id} in "
        f"account {pcx.accepter_owner_id}, region {pcx.accepter_region}; space {space}'s VPC is in account "
        f"{info.aws_account_id}, region {info.aws_region}",
        "it is not between this VPC and the space's: it can never carry the dynos' traffic",
        f"delete it (aws ec2 delete-vpc-peering-connection --vpc-peering-connection-id {pcx.pcx_id}) and "
        f"{request_command(vpc_id, info)}",
    )
