"""Safety under change, measured: a live peering tried as a demanding user would, case by case.

Each case runs on a fresh served sandbox (``python -m sandbox serve``) through the real Pulumi CLI (``python -m
sandbox up|preview|refresh|destroy|cancel``): edits to a live stack, kills at each phase, Heroku faults during
refresh and destroy, tokens from each source with odd whitespace, inputs at AWS's limits and just past them.
For every case it records the exit code of each step and whether it did what the user expects, then what the
probe counts: outputs with a ``Traceback``, places where a token appears (any output, any file under the state
folders), live peerings deleted or replaced by a change that should not touch them, what a final ``destroy``
leaves (live peerings, routes to a peering, rules from the dyno CIDRs) and processes of the case still alive
10 s after it ended. Each count should be 0 once the product is fixed.

    python -m benchmarks.change_probe [--only NAME...] [--json] [--out DIR]
    python -m benchmarks.change_probe --report DIR/results.json   # the table and evidence of an earlier run

Every command's output is kept under ``--out`` (default ``.cache/change-probe/<time>``), tokens masked.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.probe_kit import (
    ACCEPTANCE_TYPE,
    PCX_TYPE,
    ROOT,
    STACK,
    Case,
    CaseRun,
    Probe,
    Result,
    SetupFailed,
    Step,
    Verdict,
    case_processes,
    details,
    run_case,
    table,
    totals,
)
from providers.statuses import ENDED
from sandbox.scenarios.peering_requests import hand_made_peering

CASES: list[Case] = []


def case(
    name: str, kind: str, expected: str, *, replaces: bool = False, serve: tuple[str, ...] = ()
) -> Callable[[CaseRun], CaseRun]:
    """Register a case function under ``name``."""

    def register(run: CaseRun) -> CaseRun:
        CASES.append(Case(name, kind, expected, run, replaces, serve))
        return run

    return register


# -- config and checks -----------------------------------------------------------------------------

DEMO_DESCRIPTION = "Heroku dynos to PostgreSQL"
MARKER_TAG = "heroku-peering"  # the tag on what the stack makes: <project>/<stack>/<peering>
# "pulumi config set pcxId pcx-..." (single form) or "add pcxId: pcx-... to heroku-peering:peerings[0]"
ADOPT_ADVICE = re.compile(r"(?:pulumi config set pcxId|add pcxId:) (pcx-[0-9a-f]+)")


def rule(p: Probe, port: int = 5432, description: str = DEMO_DESCRIPTION, **more: Any) -> dict[str, Any]:
    found = {"securityGroupId": p.info.security_group_ids[0], "protocol": "tcp", "fromPort": port, "toPort": port}
    return {**found, "description": description, **more}


def ingress(*rules: dict[str, Any]) -> str:
    return "ingress=" + json.dumps(list(rules))


def peerings(*items: dict[str, Any]) -> tuple[str, ...]:
    """The `peerings` form, the single-form keys of the demo peering cleared."""
    return ("space=", "vpcId=", "ingress=", "peerings=" + json.dumps(list(items)))


def demo_item(p: Probe, **more: Any) -> dict[str, Any]:
    """The demo peering as an item of `peerings`."""
    return {"space": p.info.space, "vpcId": p.info.customer_vpc_id, "ingress": [rule(p)], **more}


def live_up(p: Probe, *config: str) -> str:
    """The set-up of a case on a live stack: a successful `up`, its one active peering marked as live."""
    done = p.up(*config, label="up (set-up)")
    if done.code != 0:
        raise SetupFailed(f"the set-up up failed: {first_error(done)}")
    [pcx] = p.mark_live()
    return pcx


def first_error(step: Step, limit: int = 240) -> str:
    """The step's first real error on one line, cut; of a traceback, its last line (the exception)."""
    errors = [e for e in step.errors if "an unhandled error occurred" not in e] or step.errors
    text = errors[0] if errors else (step.output.strip().splitlines() or [""])[-1]
    if "Traceback (most recent call last)" in text:
        lines = [line for line in text.splitlines() if line.strip()]
        text = "traceback ending " + next((line for line in reversed(lines) if not line.startswith(" ")), lines[-1])
    return " ".join(text.split())[:limit]


def complete(p: Probe, pcx: str, routes: int = 3, rules: int = 4) -> bool:
    """The peering is live with all its routes (not blackholes) and rules."""
    mine = [r for r in p.routes_to_pcx() if r[2] == pcx and r[3] != "blackhole"]
    return pcx in p.live_pcxs() and len(mine) == routes and len(p.dyno_rules()) == rules


def said(step: Step) -> str:
    """What a step ended with, for an outcome: its exit code and its first error."""
    return f"{step.label} exit {step.code}" + (f" ({first_error(step)})" if step.code not in (0, None) else "")


def changes(step: Step) -> str:
    found = step.changed()
    return ", ".join(f"{n} {op}" for op, n in sorted(found.items())) or "no changes"


# -- 1. edits to a live stack ----------------------------------------------------------------------


def adopt_advice(step: Step) -> str | None:
    """The pcx a refusal says to adopt (`pulumi config set pcxId pcx-...`), if it says so."""
    found = ADOPT_ADVICE.search("\n".join(step.errors)) if step.code != 0 else None
    return found[1] if found else None


def rewritten(
    p: Probe,
    make: Callable[[str | None], tuple[str, ...]],
    setup: tuple[str, ...] = (),
    warning: str | None = None,
    check: Callable[[str], tuple[bool, str]] | None = None,
) -> Verdict:
    """The same peering written another way (``make(None)``; ``make(pcx)`` with the advice's pcxId): expected
    no change to AWS (in-place updates at most), the pcx kept, and a second `up` a no-op. ``warning``: words the
    first `up` must say (a rename: "kept under the new name"); ``check(pcx)``: what AWS must hold after it."""
    pcx = live_up(p, *setup)
    preview = p.run("preview", *make(None))
    done = p.up(*make(None))
    warned = warning is None or any(warning in m for m in done.warnings)
    checked, seen = check(pcx) if check else (True, "")
    advised = adopt_advice(done)
    followed = p.up(*make(advised), label="up (advice: pcxId)") if advised else None  # as the message says
    again = p.up(*make(advised), label="up (again, same config)")
    lost = p.check_live()
    parts = [f"preview exit {preview.code} ({changes(preview)})", said(done)]
    if done.code == 0:
        parts[-1] += f" ({changes(done)})"
    if warning is not None:
        parts.append(f"warning {warning!r}: {'yes' if warned else 'NO'}")
    if seen:
        parts.append(seen)
    if followed:
        parts.append(f"followed its advice: {said(followed)} ({changes(followed)})")
    parts.append(f"{said(again)} ({changes(again)})")
    if lost:
        parts.append(f"live {pcx} DELETED")
    replaced = "replace" in done.changed() or "delete" in done.changed()
    ok = done.code == 0 and not replaced and not lost and complete(p, pcx) and not again.changed()
    return Verdict(ok and warned and checked, "; ".join(parts))


RENAMED = "kept under the new name"  # the warning of a rename kept by aliases


def marker_is(p: Probe, name: str) -> Callable[[str], tuple[bool, str]]:
    """The pcx's marker tag names the peering ``name`` (a rename updates only this tag, in place)."""

    def check(pcx: str) -> tuple[bool, str]:
        value = p.pcx_tags(pcx).get(MARKER_TAG, "")
        return value == MARKER_PREFIX + name, f"marker tag {value!r}"

    return check


@case("space-by-uuid", "edit", "the same space by UUID: no AWS change, the pcx kept")
def space_by_uuid(p: Probe) -> Verdict:
    return rewritten(p, lambda pcx: (f"space={p.info.space_id}", *((f"pcxId={pcx}",) if pcx else ())))


def into_peerings(p: Probe, name: str, warning: str | None = None) -> Verdict:
    def make(pcx: str | None) -> tuple[str, ...]:
        return peerings(demo_item(p, name=name, **({"pcxId": pcx} if pcx else {})))

    return rewritten(p, make, warning=warning, check=marker_is(p, name))


@case("single-to-peerings-named", "edit", "single form (named main) moved into `peerings` with name main: no change")
def single_to_peerings_named(p: Probe) -> Verdict:
    return into_peerings(p, "main")


@case(
    "single-to-peerings-unnamed",
    "edit",
    "single form moved into `peerings` without a name: refused naming `name`, nothing touched",
)
def single_to_peerings_unnamed(p: Probe) -> Verdict:
    pcx = live_up(p)
    done = p.up(*peerings(demo_item(p)))
    lost = p.check_live()
    errors = " ".join(done.errors)
    named = "name" in errors
    untouched = not done.changed() and complete(p, pcx)
    text = f"{said(done)} ({changes(done)})" + ("" if named else "; the error does not name `name`")
    ok = done.code != 0 and named and untouched and not lost
    return Verdict(ok, text + ("; live pcx DELETED" if lost else ""))


@case(
    "single-to-peerings-other-name",
    "edit",
    "single form moved into `peerings` under another name (the space's): a rename, kept under the new name",
)
def single_to_peerings_other_name(p: Probe) -> Verdict:
    return into_peerings(p, p.info.space, warning=RENAMED)


@case(
    "rename-peering",
    "edit",
    "a peering of `peerings` renamed (alpha -> beta): kept under the new name, only the marker tag updated",
)
def rename_peering(p: Probe) -> Verdict:
    def make(pcx: str | None) -> tuple[str, ...]:
        return peerings(demo_item(p, name="beta", **({"pcxId": pcx} if pcx else {})))

    return rewritten(p, make, setup=peerings(demo_item(p, name="alpha")), warning=RENAMED, check=marker_is(p, "beta"))


def in_place(
    p: Probe, setup: tuple[str, ...], change: tuple[str, ...], check: Callable[[str], tuple[bool, str]]
) -> Verdict:
    """A change that must leave the pcx alone; ``check(pcx)`` says whether AWS now holds what was asked."""
    pcx = live_up(p, *setup)
    done = p.up(*change)
    lost = p.check_live()
    good, seen = check(pcx)
    replaced = [op for op in done.ops_of(PCX_TYPE) + done.ops_of(ACCEPTANCE_TYPE) if op not in ("same", "update")]
    text = f"{said(done)} ({changes(done)}); {seen}" + (f"; pcx/acceptance steps {replaced}" if replaced else "")
    return Verdict(done.code == 0 and good and not lost and not replaced, text + ("; live pcx DELETED" if lost else ""))


def tables(p: Probe) -> tuple[str, str]:
    first, second = p.info.route_table_ids
    return first, second


@case("add-route-table", "edit", "routeTableIds [t1] -> [t1, t2]: one route added, the pcx kept")
def add_route_table(p: Probe) -> Verdict:
    t1, t2 = tables(p)

    def check(pcx: str) -> tuple[bool, str]:
        return p.route_of(t1) == pcx and p.route_of(t2) == pcx, f"t1 -> {p.route_of(t1)}, t2 -> {p.route_of(t2)}"

    return in_place(p, (f"routeTableIds=[{t1}]",), (f"routeTableIds=[{t1}, {t2}]",), check)


@case("remove-route-table", "edit", "routeTableIds [t1, t2] -> [t1]: one route removed, the pcx kept")
def remove_route_table(p: Probe) -> Verdict:
    t1, t2 = tables(p)

    def check(pcx: str) -> tuple[bool, str]:
        return p.route_of(t1) == pcx and p.route_of(t2) == "", f"t1 -> {p.route_of(t1)}, t2 -> {p.route_of(t2) or '-'}"

    return in_place(p, (f"routeTableIds=[{t1}, {t2}]",), (f"routeTableIds=[{t1}]",), check)


@case("new-table-in-vpc", "edit", "a route table added to the VPC (routeTableIds unset): up routes it")
def new_table_in_vpc(p: Probe) -> Verdict:
    pcx = live_up(p)
    table = p.ec2.create_route_table(VpcId=p.info.customer_vpc_id)["RouteTable"]["RouteTableId"]
    done = p.up()
    lost = p.check_live()
    ok = done.code == 0 and p.route_of(table) == pcx and not lost
    return Verdict(ok, f"{said(done)} ({changes(done)}); new table -> {p.route_of(table) or '-'}")


def tag_check(p: Probe, key: str, value: str | None) -> Callable[[str], tuple[bool, str]]:
    def check(pcx: str) -> tuple[bool, str]:
        tags = p.pcx_tags(pcx)
        return tags.get(key) == value, f"pcx tag {key}={tags.get(key)!r}"

    return check


@case("tags-change", "edit", "tags {team: a} -> {team: b}: updated in place, the pcx kept")
def tags_change(p: Probe) -> Verdict:
    return in_place(p, ("tags={team: a}",), ("tags={team: b}",), tag_check(p, "team", "b"))


@case("tags-removed", "edit", "tags {team: a} removed: updated in place, the pcx kept")
def tags_removed(p: Probe) -> Verdict:
    return in_place(p, ("tags={team: a}",), ("tags=",), tag_check(p, "team", None))


def rules_check(p: Probe, want: Callable[[dict[str, Any]], bool], what: str) -> Callable[[str], tuple[bool, str]]:
    def check(pcx: str) -> tuple[bool, str]:
        rules = p.dyno_rules()
        return len(rules) == 4 and all(
            want(r) for r in rules
        ), f"{sum(want(r) for r in rules)}/{len(rules)} rules {what}"

    return check


@case("rule-description", "edit", "a rule's description changed: updated in place, the pcx kept")
def rule_description(p: Probe) -> Verdict:
    check = rules_check(p, lambda r: r.get("Description") == "new words", "with the new description")
    return in_place(p, (), (ingress(rule(p, description="new words")),), check)


@case("rule-port", "edit", "a rule's port 5432 -> 6432: rules remade, the pcx kept")
def rule_port(p: Probe) -> Verdict:
    check = rules_check(p, lambda r: r.get("FromPort") == 6432 and r.get("ToPort") == 6432, "on 6432")
    return in_place(p, (), (ingress(rule(p, port=6432)),), check)


@case("route-to-space", "edit", "routeTo vpc -> space: the space CIDRs routed instead, the pcx kept")
def route_to_space(p: Probe) -> Verdict:
    def check(pcx: str) -> tuple[bool, str]:
        mine = [r for r in p.routes_to_pcx() if r[2] == pcx]
        narrow = [r for r in mine if r[1] != "10.0.0.0/16"]
        return len(mine) == 12 and len(narrow) == 12, f"{len(mine)} routes to the pcx, {len(narrow)} to space CIDRs"

    return in_place(p, (), ("routeTo=space",), check)


def plain_words(step: Step, pcx: str) -> bool:
    """The program itself says, in a warning or an info line, that the live pcx will be replaced or deleted."""
    diagnostics = step.report.get("diagnostics", [])
    messages = [str(d.get("message", "")) for d in diagnostics if d.get("severity") in ("warning", "info")]
    return any(pcx in m and re.search(r"replac|delet|recreat", m, re.IGNORECASE) for m in messages)


def moved(p: Probe, change: Callable[[], tuple[str, ...]], routes: int) -> Verdict:
    """A change that legitimately replaces the pcx: the preview must say so in plain words, then up does it."""
    pcx = live_up(p)
    config = change()
    preview = p.run("preview", *config)
    engine = preview.ops_of(PCX_TYPE)
    plain = plain_words(preview, pcx)
    done = p.up(*config)
    live = p.live_pcxs()
    lost = p.check_live()
    text = (
        f"preview exit {preview.code}, the engine's op for the pcx {engine or '-'}, "
        f"plain words: {'yes' if plain else 'NO'}; {said(done)} ({changes(done)}); live after: {live}"
    )
    ok = done.code == 0 and plain and bool(lost) and len(live) == 1 and complete(p, live[0], routes=routes)
    return Verdict(ok, text)


@case("vpc-change", "edit", "vpcId changed: preview says in plain words the pcx is replaced; up does it", replaces=True)
def vpc_change(p: Probe) -> Verdict:
    def change() -> tuple[str, ...]:
        vpc, _, group = p.new_vpc()
        return (f"vpcId={vpc}", ingress({**rule(p), "securityGroupId": group}))

    return moved(p, change, routes=2)  # the new VPC's main table and the one made with it


@case(
    "space-change",
    "edit",
    "space changed to another space: preview says in plain words the pcx is replaced; up does it",
    replaces=True,
    serve=("--space", "other-space"),
)
def space_change(p: Probe) -> Verdict:
    return moved(p, lambda: ("space=other-space",), routes=3)


def unprotect(p: Probe, *config: str) -> tuple[bool, str]:
    """`protect` set back to false (as its description says, before a destroy): no AWS change."""
    done = p.up("protect=false", *config, label="up (protect set back to false)")
    aws = [op for op in done.changed() if op != "update"]
    return done.code == 0 and not aws, f"{said(done)} ({changes(done)})"


@case("protect-key", "edit", "`protect: true` on a live stack: accepted, nothing changes; set back to false: same")
def protect_key(p: Probe) -> Verdict:
    pcx = live_up(p)
    done = p.up("protect=true")
    kept = complete(p, pcx)
    back, text = unprotect(p)
    ok = done.code == 0 and not [op for op in done.changed() if op != "update"] and kept and back
    return Verdict(ok and complete(p, pcx), f"{said(done)} ({changes(done)}); {text}")


@case("protect-stops-replace", "edit", "`protect: true` + vpcId changed: the engine refuses the replace")
def protect_stops_replace(p: Probe) -> Verdict:
    """`protect: true` set in the same edit as the vpcId change (the stack was not protected before)."""
    return protected_replace(p, first=False)


@case(
    "protect-then-replace",
    "edit",
    "`protect: true` applied (up), then vpcId changed: the engine refuses the replace, nothing touched",
)
def protect_then_replace(p: Probe) -> Verdict:
    return protected_replace(p, first=True)


def protected_replace(p: Probe, first: bool) -> Verdict:
    pcx = live_up(p)
    steps = [p.up("protect=true", label="up (protect: true)")] if first else []
    vpc, _, group = p.new_vpc()
    moved = (f"vpcId={vpc}", ingress({**rule(p), "securityGroupId": group}))
    done = p.up("protect=true", *moved)
    lost = p.check_live()
    named = "protect" in " ".join(done.errors).lower()
    unknown = "is not a key this program reads" in " ".join(done.errors)
    ok = all(s.code == 0 for s in steps) and done.code != 0 and named and not unknown and not lost
    ok = ok and complete(p, pcx)
    back, unprotected = unprotect(p, *(moved if done.code == 0 else ()))  # set back on what the stack now holds
    text = "; ".join([*(said(s) for s in steps), f"{said(done)} ({changes(done)})"])
    text += ("; protect is not a config key yet" if unknown else "") + f"; {unprotected}"
    return Verdict(ok and back, text + ("; live pcx DELETED" if lost else ""))


@case("protect-stops-destroy", "edit", "`protect: true` then destroy: the engine refuses to delete the pcx")
def protect_stops_destroy(p: Probe) -> Verdict:
    pcx = live_up(p)
    done = p.up("protect=true")
    if done.code != 0:
        return Verdict(False, f"{said(done)}: protect does not exist, so destroy was not tried")
    destroyed = p.run("destroy", "protect=true")
    lost = p.check_live()
    ok = destroyed.code != 0 and "protect" in " ".join(destroyed.errors).lower() and not lost and complete(p, pcx)
    back, unprotected = unprotect(p)
    text = f"{said(done)}; {said(destroyed)}; {unprotected}"
    return Verdict(ok and back, text + ("; live pcx DELETED" if lost else ""))


@case("own-route-to-igw", "edit", "an own route repointed to an internet gateway out of band: `up` puts it back")
def own_route_to_igw(p: Probe) -> Verdict:
    pcx = live_up(p)
    t1, _ = tables(p)
    igw = p.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    p.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=p.info.customer_vpc_id)
    p.ec2.replace_route(RouteTableId=t1, DestinationCidrBlock="10.0.0.0/16", GatewayId=igw)
    done = p.up()
    parts = [f"{said(done)} ({changes(done)}), t1 -> {p.route_of(t1)}"]
    repaired = done.code == 0 and p.route_of(t1) == pcx
    if not repaired:
        advice = re.search(
            r"aws ec2 delete-route --route-table-id (\S+) --destination-cidr-block ([0-9./]+)", done.output
        )
        if advice:  # as the message says: delete it, refresh (it was this stack's), up
            p.ec2.delete_route(RouteTableId=advice[1], DestinationCidrBlock=advice[2])
            refreshed = p.run("refresh")
            again = p.up(label="up (after the advice)")
            parts.append(
                f"followed the advice (delete-route, {said(refreshed)}, {said(again)}), t1 -> {p.route_of(t1)}"
            )
        else:
            refreshed = p.run("refresh")
            again = p.up(label="up (after refresh)")
            parts.append(f"{said(refreshed)}, {said(again)}, t1 -> {p.route_of(t1)}")
    lost = p.check_live()
    return Verdict(repaired and not lost, "; ".join(parts))


@case("own-rule-revoked", "edit", "an own rule revoked out of band: the next `up` (or refresh, up) restores it")
def own_rule_revoked(p: Probe) -> Verdict:
    pcx = live_up(p)
    [first, *_] = p.dyno_rules()
    p.ec2.revoke_security_group_ingress(GroupId=first["GroupId"], SecurityGroupRuleIds=[first["SecurityGroupRuleId"]])
    done = p.up()
    parts = [f"{said(done)} ({changes(done)}), rules {len(p.dyno_rules())}/4"]
    restored_by_up = len(p.dyno_rules()) == 4
    if not restored_by_up:
        refreshed = p.run("refresh")
        again = p.up(label="up (after refresh)")
        parts.append(
            f"{said(refreshed)} ({changes(refreshed)}), {said(again)} ({changes(again)}), rules {len(p.dyno_rules())}/4"
        )
    lost = p.check_live()
    ok = complete(p, pcx) and not lost and all(s.code == 0 for s in p.steps)
    return Verdict(ok, "; ".join(parts) + ("" if restored_by_up else " (plain `up` does not see it)"))


def own_tag(p: Probe, key: str, honoured_ok: bool = False) -> Verdict:
    """A user tag named like one the project writes: refused by name (``honoured_ok``: or written as given);
    never silently overwritten."""
    pcx = live_up(p)
    before = p.pcx_tags(pcx)
    done = p.up(f"tags={json.dumps({key: 'x'})}")
    after = p.pcx_tags(pcx)
    refused = done.code != 0 and key in " ".join(done.errors)
    honoured = done.code == 0 and after.get(key) == "x"
    lost = p.check_live()
    text = f"{said(done)} ({changes(done)}); pcx tag {key}: {before.get(key)!r} -> {after.get(key)!r}"
    if done.code == 0 and not honoured:
        text += " (the user's value silently overwritten)"
    return Verdict((refused or (honoured and honoured_ok)) and not lost and complete(p, pcx), text)


@case("user-tag-marker", "edit", "tags {heroku-peering: x} (the project's marker): refused by name")
def user_tag_marker(p: Probe) -> Verdict:
    return own_tag(p, "heroku-peering", honoured_ok=False)


@case("user-tag-name", "edit", "tags {Name: x} (the project writes Name): refused by name")
def user_tag_name(p: Probe) -> Verdict:
    return own_tag(p, "Name")


@case("user-tag-heroku-space", "edit", "tags {heroku-space: x} (a project tag): refused by name")
def user_tag_heroku_space(p: Probe) -> Verdict:
    return own_tag(p, "heroku-space")


# -- 2. kills at each phase ------------------------------------------------------------------------


def resolve_pending(p: Probe) -> list[Step]:
    """Interrupted creates left in the state, resolved as refresh's interactive prompt offers: the pcx that AWS
    holds and the state does not, imported (`--import-pending-creates`); whatever else, cleared."""
    pending = p.pending_creates()
    known = set(p.state_ids(PCX_TYPE))
    unknown = [pcx for pcx in p.live_pcxs() if pcx not in known]
    imports = [  # the flag takes one value each time: --import-pending-creates URN --import-pending-creates ID
        item
        for urn, kind in pending
        if kind == PCX_TYPE and len(unknown) == 1
        for item in ("--import-pending-creates", urn, "--import-pending-creates", unknown[0])
    ]
    steps = []
    if imports:
        steps.append(p.run("refresh", extra=tuple(imports), label="refresh --import-pending-creates"))
    if p.pending_creates():
        steps.append(p.run("refresh", extra=("--clear-pending-creates",), label="refresh --clear-pending-creates"))
    return steps


UNREADABLE = "failed to load checkpoint"  # the CLI's words when the stack's state file cannot be read
# What a run names as an interrupted run's leftover, with what to do: take the pcx over, or delete it / the route.
DELETE_PCX = re.compile(r"aws ec2 delete-vpc-peering-connection --vpc-peering-connection-id (pcx-[0-9a-f]+)")
DELETE_ROUTE = re.compile(r"aws ec2 delete-route --route-table-id (\S+) --destination-cidr-block ([0-9./]+)")


def follow_leftover_advice(p: Probe, step: Step, command: str, config: list[str]) -> list[Step]:
    """A refusal that names an interrupted run's leftover: do what it says first (take the pcx over with pcxId,
    kept in ``config`` from then on; else delete what it names), then run again. No advice: nothing done."""
    if step.code in (0, None) or command != "up":
        return []
    errors = "\n".join(step.errors)
    adopt = adopt_advice(step)
    if adopt and f"pcxId={adopt}" not in config:
        config.append(f"pcxId={adopt}")
        return [p.run(command, *config, label=f"{command} (advice: pcxId={adopt})")]
    deleted = []
    for pcx in sorted(set(DELETE_PCX.findall(errors))):
        p.ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx)
        deleted.append(pcx)
    for route_table, destination in sorted(set(DELETE_ROUTE.findall(errors))):
        p.ec2.delete_route(RouteTableId=route_table, DestinationCidrBlock=destination)
        deleted.append(f"{route_table} {destination}")
    if not deleted:
        return []
    return [p.run(command, *config, label=f"{command} (advice: deleted {', '.join(deleted)})")]


def recover(p: Probe, command: str = "up", *config: str) -> list[Step]:
    """After a kill, what the CLI says, in turn: run again; `cancel` the lock it names, run again; do what a
    refusal naming the killed run's leftovers says (adopt with pcxId, or delete it), run again; `refresh`
    (which asks to be run interactively for interrupted creates: see ``resolve_pending``), run again."""
    given = list(config)
    steps = [p.run(command, *given, label=f"{command} (after the kill)")]
    if steps[-1].code != 0 and "pulumi cancel" in steps[-1].output:
        steps.append(p.run("cancel"))
        steps.append(p.run(command, *given, label=f"{command} (after cancel)"))
    for _ in range(2):  # a pcx taken over, then perhaps a route it names
        steps += follow_leftover_advice(p, steps[-1], command, given)
    if steps[-1].code != 0 and UNREADABLE in steps[-1].output:
        return steps  # the CLI cannot read the stack's state and says nothing of what to do: not followed further
    if steps[-1].code != 0:
        steps.append(p.run("refresh", *given))
        steps += resolve_pending(p)
        steps.append(p.run(command, *given, label=f"{command} (after refresh)"))
        for _ in range(2):
            steps += follow_leftover_advice(p, steps[-1], command, given)
    return steps


def after_kill(
    p: Probe, landed: bool, steps: list[Step], *, destroyed: bool = False, routes: int = 3, rules: int = 4
) -> Verdict:
    """Converged: one complete peering (after `up`), or nothing left (after `destroy`)."""
    text = "; ".join(said(s) for s in steps)
    if not landed:
        return Verdict(False, "the kill did not land: " + text)
    live = p.live_pcxs()
    if destroyed:
        ok = steps[-1].code == 0 and not live and not p.routes_to_pcx() and not p.dyno_rules()
        return Verdict(ok, f"{text}; live after: {live or 'none'}")
    ok = steps[-1].code == 0 and len(live) == 1 and complete(p, live[0], routes=routes, rules=rules)
    return Verdict(ok, f"{text}; live pcx after: {len(live)}; accepts that reached Heroku: {p.accepted()}")


KILL_EXPECTED = "then cancel / refresh / run again as the CLI says: one complete peering, destroy leaves nothing"


@case("kill-aws-initiating", "kill", f"killed while AWS makes the pcx (initiating-request); {KILL_EXPECTED}")
def kill_aws_initiating(p: Probe) -> Verdict:
    p.behave(aws_initiating_seconds=3)
    running = p.start("up")
    landed = p.kill_when(running, lambda: "initiating-request" in p.pcxs().values(), "while initiating-request")
    p.behave(aws_initiating_seconds=0)
    return after_kill(p, landed, recover(p))


@case("kill-heroku-visibility", "kill", f"killed while waiting for Heroku to see the request; {KILL_EXPECTED}")
def kill_heroku_visibility(p: Probe) -> Verdict:
    p.behave(visibility_delay=30)
    running = p.start("up")

    def polled() -> bool:  # the acceptance has asked Heroku for the new pcx at least once (404: not visible)
        live = p.live_pcxs()
        return bool(live) and any(e["route"] == "get" and live[0] in e["path"] for e in p.heroku_log())

    landed = p.kill_when(running, polled, "while Heroku does not see it yet")
    p.behave(visibility_delay=0.3)
    return after_kill(p, landed, recover(p))


@case("kill-after-accept", "kill", f"killed right after Heroku took the accept; {KILL_EXPECTED}")
def kill_after_accept(p: Probe) -> Verdict:
    p.behave(provisioning=5)
    running = p.start("up")
    landed = p.kill_when(running, lambda: p.accepted() >= 1, "right after the accept")
    p.behave(provisioning=0.3)
    return after_kill(p, landed, recover(p))


@case("kill-routes-rules", "kill", f"killed while routes and rules are made; {KILL_EXPECTED}")
def kill_routes_rules(p: Probe) -> Verdict:
    for _ in range(8):  # more tables, more rules: a wider window between the first route and the last
        p.ec2.create_route_table(VpcId=p.info.customer_vpc_id)
    many = ingress(*(rule(p, port=port) for port in range(5432, 5436)))
    running = p.start("up", many)
    landed = p.kill_when(running, lambda: bool(p.routes_to_pcx() or p.dyno_rules()), "after the first route or rule")
    return after_kill(p, landed, recover(p, "up", many), routes=11, rules=16)


@case("kill-as-provider-host-starts", "kill", f"killed as Pulumi's dynamic-provider host starts; {KILL_EXPECTED}")
def kill_as_provider_host_starts(p: Probe) -> Verdict:
    running = p.start("up")
    landed = p.kill_when(
        running, lambda: any("pulumi.dynamic" in c for c in case_processes(str(p.folder)).values()), "as it starts"
    )
    return after_kill(p, landed, recover(p))


@case("kill-destroy-as-routes-go", "kill", "killed in destroy as the last route and rule go; destroy again: none left")
def kill_destroy_as_routes_go(p: Probe) -> Verdict:
    """Killed as soon as routes and rules are gone, as the engine turns to the acceptance (then the pcx):
    timing-dependent within ~0.1 s."""
    live_up(p)
    p.check_live()
    running = p.start("destroy")
    landed = p.kill_when(running, lambda: not p.routes_to_pcx() and not p.dyno_rules(), "as routes and rules go")
    return after_kill(p, landed, recover(p, "destroy"), destroyed=True)


def heroku_destroys(p: Probe) -> int:
    """Destroy requests that reached Heroku: a destroy must send none (deleting the pcx ends both sides)."""
    return sum(1 for e in p.heroku_log() if e["route"] == "destroy")


@case(
    "kill-destroy-in-refresh",
    "kill",
    "killed in destroy's refresh with Heroku's read in flight; destroy again: none left, nothing asked of Heroku",
)
def kill_destroy_in_refresh(p: Probe) -> Verdict:
    proxy = p.use_proxy()  # it sees the refresh's read arrive, while the emulator holds it
    pcx = live_up(p)
    p.check_live()
    proxy.arrived.clear()
    p.faults("get:latency=5")
    running = p.start("destroy")
    landed = p.kill_when(
        running,
        lambda: any(a.startswith(f"GET /spaces/{p.info.space}/peerings/{pcx}") for a in proxy.arrived),
        "with the refresh's Heroku read in flight",
    )
    p.faults()
    state = f"at the kill: {pcx} {p.pcxs().get(pcx)}, {len(p.routes_to_pcx())} routes"
    verdict = after_kill(p, landed, recover(p, "destroy"), destroyed=True)
    sent = heroku_destroys(p)
    return Verdict(verdict.ok and not sent, f"{state}; {verdict.text}; Heroku destroys sent: {sent}")


@case(
    "kill-destroy-pcx-deleted",
    "kill",
    "killed in destroy as AWS deletes the pcx (routes, rules, acceptance gone); destroy again: none left",
)
def kill_destroy_pcx_deleted(p: Probe) -> Verdict:
    pcx = live_up(p)
    p.check_live()
    running = p.start("destroy")
    landed = p.kill_when(running, lambda: p.pcxs().get(pcx) in ("deleting", "deleted"), "as AWS deletes the pcx")
    verdict = after_kill(p, landed, recover(p, "destroy"), destroyed=True)
    sent = heroku_destroys(p)
    return Verdict(verdict.ok and not sent, f"{verdict.text}; Heroku destroys sent: {sent}")


@case(
    "kill-replacement",
    "kill",
    "killed mid-replacement (vpcId changed, new pcx accepted); up again: one peering",
    replaces=True,
)
def kill_replacement(p: Probe) -> Verdict:
    old = live_up(p)
    vpc, _, group = p.new_vpc()
    config = (f"vpcId={vpc}", ingress({**rule(p), "securityGroupId": group}))
    p.behave(provisioning=5)
    running = p.start("up", *config)
    landed = p.kill_when(running, lambda: p.accepted() >= 2, "after the new pcx's accept")
    p.behave(provisioning=0.3)
    verdict = after_kill(p, landed, recover(p, "up", *config), routes=2)
    still = "old pcx still live" if old in p.live_pcxs() else "old pcx gone"
    return Verdict(verdict.ok and old not in p.live_pcxs(), f"{verdict.text}; {still}")


# -- 3. Heroku faults during refresh and destroy ---------------------------------------------------


def revoke(p: Probe) -> None:
    """Heroku revokes the token the stack was made with: 401 to every call (``p.use_proxy()`` first)."""
    assert p.proxy is not None
    p.proxy.revoked.add(p.info.heroku_api_key)


def faulty_refresh(p: Probe, *faults: str, revoked: bool = False, proxy_404: int = 0) -> Verdict:
    """Refresh while Heroku misbehaves: it may fail (clearly) but must not drop what exists from the state;
    the next `up` on a healthy Heroku is a no-op."""
    proxy = p.use_proxy() if revoked or proxy_404 else None
    pcx = live_up(p)
    p.faults(*faults)
    if revoked:
        revoke(p)
    if proxy:
        proxy.answer_404(proxy_404)
    refreshed = p.run("refresh")
    p.faults()
    if proxy:
        proxy.revoked.clear()
    kept = ACCEPTANCE_TYPE in p.state_types() and PCX_TYPE in p.state_types()
    after = p.up(label="up (Heroku healthy again)")
    lost = p.check_live()
    text = f"{said(refreshed)} ({changes(refreshed)}); acceptance {'kept in' if kept else 'DROPPED from'} the state"
    text += f"; {said(after)} ({changes(after)})"
    ok = kept and after.code == 0 and not after.changed() and not lost and complete(p, pcx)
    return Verdict(ok, text + ("; live pcx DELETED" if lost else ""))


def refresh_with(rule: str) -> CaseRun:
    return lambda p: faulty_refresh(p, rule)


for name, fault in (
    ("refresh-500", "get:500=1.0"),
    ("refresh-503", "get:503=1.0"),
    ("refresh-dropped", "get:drop=1.0"),
    ("refresh-lost-answers", "get:lost=1.0"),
):
    case(name, "fault", f"refresh with Heroku's reads {fault}: a clear failure or no change; state kept")(
        refresh_with(fault)
    )


@case("refresh-401", "fault", "refresh after Heroku revoked the token (401): a clear failure; state kept")
def refresh_401(p: Probe) -> Verdict:
    return faulty_refresh(p, revoked=True)


@case("refresh-transient-404", "fault", "refresh with one 404 on the peering's read: re-checked, the state kept")
def refresh_transient_404(p: Probe) -> Verdict:
    return faulty_refresh(p, proxy_404=1)


@case("refresh-two-404s", "fault", "refresh with two 404s in a row on the peering's read: re-read, the state kept")
def refresh_two_404s(p: Probe) -> Verdict:
    return faulty_refresh(p, proxy_404=2)


def status_after_active(p: Probe, status: str) -> Verdict:
    """Heroku reads the peering `status` after it was active (AWS still says active): refresh succeeds, keeps it
    in the state and warns with what it means; the next `up` reports it too; AWS left alone."""
    pcx = live_up(p)
    p.force_status(pcx, status)
    refreshed = p.run("refresh")
    after = p.up()
    lost = p.check_live()

    def reported(step: Step) -> bool:
        return step.code != 0 or any(status in m for m in step.warnings + step.errors)

    text = (
        f"{said(refreshed)} ({changes(refreshed)}; {'reports' if reported(refreshed) else 'says nothing of'} {status})"
    )
    text += f"; {said(after)} ({changes(after)}; {'reports' if reported(after) else 'says nothing of'} {status})"
    warned = refreshed.code == 0 and any(status in m for m in refreshed.warnings)
    kept = ACCEPTANCE_TYPE in p.state_types()
    text += f"; acceptance {'kept in' if kept else 'DROPPED from'} the state"
    ok = warned and kept and reported(after) and not lost
    return Verdict(ok, text + ("; live pcx DELETED" if lost else ""))


def forced(status: str) -> CaseRun:
    return lambda p: status_after_active(p, status)


for status in ENDED:
    case(
        f"status-{status}-after-active",
        "fault",
        f"Heroku reads {status} after active: refresh warns (kept in the state), up reports it",
    )(forced(status))


@case("status-active-before-accept", "fault", "Heroku reads active while AWS says pending-acceptance: not believed")
def status_active_before_accept(p: Probe) -> Verdict:
    p.behave(visibility_delay=5)
    running = p.start("up")
    found: list[str] = []

    def requested() -> bool:
        found[:] = p.live_pcxs()
        return bool(found)

    deadline = time.monotonic() + 60
    while not requested() and time.monotonic() < deadline and running.process.poll() is None:
        time.sleep(0.02)
    if not found:
        raise SetupFailed("no pcx was requested")
    p.force_status(found[0], "active")
    done = p.finish(running)
    aws = p.pcxs()[found[0]]
    routes = [r for r in p.routes_to_pcx() if r[2] == found[0]]
    text = f"{said(done)}; AWS: {aws}; routes toward it: {len(routes)}; rules: {len(p.dyno_rules())}"
    text += f"; accepts: {p.accepted()}"
    ok = (done.code == 0 and aws == "active") or (done.code != 0 and not routes and not p.dyno_rules())
    return Verdict(ok, text)


NO_REFRESH = "pulumi destroy --refresh=false"
STORE_NEW_TOKEN = "run `pulumi up --refresh=false` once to store it"


def faulty_destroy(
    p: Probe, *faults: str, revoked: bool = False, status: str | None = None, reads: bool = False
) -> Verdict:
    """Destroy while Heroku misbehaves. Its deletes ask nothing of Heroku, so only its refresh (``reads``: Heroku's
    reads fail) may stop it, touching nothing and advising `pulumi destroy --refresh=false`; that advice,
    followed while Heroku still misbehaves, destroys everything. Otherwise: whole, exit 0."""
    if revoked:
        p.use_proxy()
    pcx = live_up(p)
    p.faults(*faults)
    if revoked:
        revoke(p)
    if status:
        p.force_status(pcx, status)
    p.check_live()
    done = p.run("destroy")
    ok, shape = destroy_shape(p, pcx, done)
    if done.code == 0 or not reads:
        p.faults()
        return Verdict(ok and done.code == 0 and not heroku_destroys(p), shape)
    advised = NO_REFRESH in " ".join(done.errors)
    if not advised:
        p.faults()
        return Verdict(False, f"{shape}; no advice to run `{NO_REFRESH}`")
    again = p.run("destroy", extra=("--refresh=false",), label="destroy --refresh=false (as advised)")
    whole_ok, whole = destroy_shape(p, pcx, again)
    p.faults()
    ok = ok and again.code == 0 and whole_ok and not heroku_destroys(p)
    return Verdict(ok, f"{shape}; followed the advice: {whole}")


def destroy_shape(p: Probe, pcx: str, done: Step) -> tuple[bool, str]:
    """Whole (nothing left) with exit 0, or nothing touched with a failure; anything else is half a destroy."""
    live = p.live_pcxs()
    routes = [r for r in p.routes_to_pcx() if r[2] == pcx]
    rules = p.dyno_rules()
    whole = not live and not routes and not rules
    untouched = complete(p, pcx)
    shape = "whole" if whole else "nothing touched" if untouched else "HALF: "
    if not whole and not untouched:
        shape += f"pcx {p.pcxs().get(pcx)}, {len(routes)}/3 routes, {len(rules)}/4 rules"
    ok = (done.code == 0 and whole) or (done.code != 0 and untouched)
    return ok, f"{said(done)}; {shape}"


def destroy_with(rule: str) -> CaseRun:
    return lambda p: faulty_destroy(p, rule)


for name, fault in (
    ("destroy-500", "destroy:500=1.0"),
    ("destroy-503", "destroy:503=1.0"),
    ("destroy-dropped", "destroy:drop=1.0"),
    ("destroy-lost-answer", "destroy:lost=1.0"),
):
    case(name, "fault", f"destroy with Heroku answering {fault}: whole (a destroy asks nothing of Heroku)")(
        destroy_with(fault)
    )


def destroy_reading(fault: str) -> CaseRun:
    return lambda p: faulty_destroy(p, fault, reads=True)


for name, fault in (
    ("destroy-reads-500", "get:500=1.0"),
    ("destroy-reads-503", "get:503=1.0"),
    ("destroy-reads-dropped", "get:drop=1.0"),
):
    case(
        name,
        "fault",
        f"destroy with Heroku's reads {fault}: whole, or its refresh stops it untouched advising "
        "--refresh=false, which then destroys everything",
    )(destroy_reading(fault))


@case(
    "destroy-401",
    "fault",
    "destroy after Heroku revoked the token (401): whole, or untouched advising --refresh=false, which then "
    "destroys everything",
)
def destroy_401(p: Probe) -> Verdict:
    return faulty_destroy(p, revoked=True, reads=True)


@case("destroy-heroku-says-deleted", "fault", "destroy when Heroku already reads deleted: whole")
def destroy_heroku_says_deleted(p: Probe) -> Verdict:
    return faulty_destroy(p, status="deleted")


# -- 4. tokens from each source with odd whitespace ------------------------------------------------

# (name, decoration of the sandbox's token); a whitespace one must be stripped, the others refused by name.
ODD_WHITESPACE = (
    ("trailing-newline", "{}\n"),
    ("surrounding-spaces", "  {}  "),
    ("tab", "\t{}"),
    ("crlf", "{}\r\n"),
)
NOT_A_HEADER = (
    ("inner-newline", "{}\nX-Injected: 1"),
    ("non-latin1", "{}\u2603"),
)
SOURCE_NAMES = {"config": "heroku:apiKey", "env": "HEROKU_API_KEY", "netrc": ".netrc"}
Runner = Callable[..., Step]  # (command, label, extra=()) -> the step


def token_runner(p: Probe, source: str, token: str) -> Runner:
    """`up`/`refresh`/`destroy` with ``token`` from ``source``: secret stack config (through the wrapper), the
    HEROKU_API_KEY environment variable, or ``~/.netrc`` in a scratch HOME (``token`` is then the file's text).
    The last two go through ``Probe.run_direct``: the wrapper hands the CLI a fixed environment."""
    p.tokens.add(token)
    if source == "config":
        return lambda command, label, extra=(): p.run(
            command, f"heroku:apiKey={json.dumps(token)}", label=label, extra=extra
        )
    if source == "env":
        return lambda command, label, extra=(): p.run_direct(
            command, env={"HEROKU_API_KEY": token}, label=label, extra=extra
        )
    home = p.folder / "home"
    home.mkdir(exist_ok=True)
    netrc = home / ".netrc"
    netrc.write_bytes(token.encode())
    netrc.chmod(0o600)
    return lambda command, label, extra=(): p.run_direct(command, env={"HOME": str(home)}, label=label, extra=extra)


def odd_token(p: Probe, source: str, template: str) -> Verdict:
    """Whitespace around a good token is stripped: on a fresh stack, up, refresh and destroy all succeed."""
    run = token_runner(p, source, template.format(p.info.heroku_api_key))
    up = run("up", "up (odd token)")
    made = complete(p, (p.live_pcxs() or [""])[0])
    refreshed = run("refresh", "refresh (odd token)")
    destroyed = run("destroy", "destroy (odd token)")
    ok = up.code == 0 and made and refreshed.code == 0 and destroyed.code == 0 and not p.live_pcxs()
    return Verdict(ok, "; ".join(said(s) for s in (up, refreshed, destroyed)))


def named_refusal(step: Step, source: str) -> bool:
    """Refused, the message naming where the token came from."""
    return step.code != 0 and SOURCE_NAMES[source] in " ".join(step.errors)


def refused_destroy(p: Probe, pcx: str, done: Step, run: Runner, ok: bool) -> Verdict:
    """A destroy refused over its token (``ok``: refused as expected, nothing touched). When the refusal advises
    `pulumi destroy --refresh=false` (a destroy asks nothing of Heroku), that, run the same way, destroys all."""
    _, shape = destroy_shape(p, pcx, done)
    if NO_REFRESH not in " ".join(done.errors):
        return Verdict(ok, shape)
    again = run("destroy", "destroy --refresh=false (as advised)", extra=("--refresh=false",))
    whole_ok, whole = destroy_shape(p, pcx, again)
    return Verdict(ok and whole_ok and again.code == 0, f"{shape}; followed the advice: {whole}")


def bad_token(p: Probe, source: str, template: str, good_template: str) -> Verdict:
    """A token that cannot be a header value: refused by name, never echoed, nothing touched. From the config
    only `up` can try it: refresh and destroy use the token stored with the provider at the last `up` (the
    engine keeps a dynamic provider's config in the state). From the environment or ~/.netrc, the stack is
    first made with a good token from the same source, then up, refresh and destroy try the bad one."""
    if source == "config":
        up = token_runner(p, source, template.format(p.info.heroku_api_key))("up", "up (bad token)")
        made = p.live_pcxs()
        ok = named_refusal(up, source) and not made
        return Verdict(ok, f"{said(up)}; pcx made: {len(made)}")
    set_up = token_runner(p, source, good_template.format(p.info.heroku_api_key))("up", "up (set-up, good token)")
    if set_up.code != 0:
        raise SetupFailed(f"the set-up up failed: {first_error(set_up)}")
    [pcx] = p.mark_live()
    run = token_runner(p, source, template.format(p.info.heroku_api_key))
    steps = [run(command, f"{command} (bad token)") for command in ("up", "refresh")]
    p.check_live()
    steps.append(run("destroy", "destroy (bad token)"))
    ok = all(named_refusal(s, source) for s in steps) and complete(p, pcx)
    verdict = refused_destroy(p, pcx, steps[-1], run, ok)
    return Verdict(verdict.ok, "; ".join(said(s) for s in steps[:-1]) + f"; {verdict.text}")


def token_case(source: str, name: str, template: str, good: str | None) -> None:
    """Register one token case: ``good`` is None for a token to strip, else the good token for the set-up."""

    def run(p: Probe) -> Verdict:
        return odd_token(p, source, template) if good is None else bad_token(p, source, template, good)

    expected = "stripped: up, refresh, destroy succeed" if good is None else "refused by name, never echoed"
    case(f"token-{source}-{name}", "token", f"token from {SOURCE_NAMES[source]} with {name}: {expected}")(run)


for source in ("config", "env"):
    for name, template in ODD_WHITESPACE:
        token_case(source, name, template, None)
    for name, template in NOT_A_HEADER:
        token_case(source, name, template, "{}")

NETRC = "machine api.heroku.com\n  login user@example.com\n  password {}\n"  # as `heroku login` writes it
token_case("netrc", "crlf", NETRC.replace("\n", "\r\n"), None)
token_case(
    "netrc", "tabs-and-trailing-spaces", "machine\tapi.heroku.com\tlogin\tu@example.com\tpassword\t{}   \n\n", None
)
token_case("netrc", "quoted-with-spaces", 'machine api.heroku.com login u@example.com password " {} "\n', None)
token_case("netrc", "non-latin1", NETRC.replace("{}", "{}\u2603"), NETRC)


@case("token-missing-on-destroy", "token", "made with HEROKU_API_KEY, destroyed without it: refused by name")
def token_missing_on_destroy(p: Probe) -> Verdict:
    made = token_runner(p, "env", p.info.heroku_api_key)("up", "up (set-up, HEROKU_API_KEY)")
    if made.code != 0:
        raise SetupFailed(f"the set-up up failed: {first_error(made)}")
    [pcx] = p.mark_live()
    p.check_live()

    def run(command: str, label: str, extra: tuple[str, ...] = ()) -> Step:
        return p.run_direct(command, env={}, label=label, extra=extra)

    done = run("destroy", "destroy (no token anywhere)")
    return refused_destroy(p, pcx, done, run, named_refusal(done, "env") and complete(p, pcx))


@case(
    "token-rotated",
    "token",
    "Heroku revoked the stack's token, a new one set in the config: the refused refresh says how to store the new "
    "one (the engine configures a refresh's provider from the state), and following it, refresh and destroy work",
)
def token_rotated(p: Probe) -> Verdict:
    proxy = p.use_proxy()
    pcx = live_up(p)
    new = "probe-rotated-" + p.info.sandbox_id[:16]
    p.tokens.add(new)
    proxy.revoked.add(p.info.heroku_api_key)
    proxy.aliases[new] = p.info.heroku_api_key
    refreshed = p.run("refresh", f"heroku:apiKey={new}")
    parts = [said(refreshed)]
    took_it = refreshed.code == 0  # an engine that configured a refresh from the new config would do this
    advised = not took_it and STORE_NEW_TOKEN in " ".join(refreshed.errors)
    if advised:  # the advice, followed: one `up` without its refresh stores the new token
        stored = p.run("up", f"heroku:apiKey={new}", extra=("--refresh=false",), label="up --refresh=false")
        parts.append(f"followed the advice: {said(stored)} ({changes(stored)})")
        advised = stored.code == 0
        refreshed = p.run("refresh", f"heroku:apiKey={new}", label="refresh (after)")
        parts.append(said(refreshed))
    p.check_live()
    destroyed = p.run("destroy", f"heroku:apiKey={new}")
    ok, shape = destroy_shape(p, pcx, destroyed)
    parts.append(shape)
    return Verdict(ok and destroyed.code == 0 and refreshed.code == 0 and (took_it or advised), "; ".join(parts))


# -- 5. inputs at AWS's limits and just past them --------------------------------------------------

MARKER_PREFIX = f"heroku-peering/{STACK}/"  # the marker tag's value: <project>/<stack>/<peering>
TAG_VALUE_MAX = 256
LONG_SPACE_AT_LIMIT = "s" * (TAG_VALUE_MAX - len("heroku-"))  # its Name tag, heroku-<space>, is 256 characters
LONG_SPACE_PAST = "s" * 252


def limit(p: Probe, config: tuple[str, ...], accepted: bool, check: Callable[[str], bool] | None = None) -> Verdict:
    """A fresh stack with an input at a limit (``accepted``: `up` must succeed and AWS hold it as written) or just
    past it (refused before anything is made, in a message of readable length)."""
    done = p.up(*config)
    made = p.live_pcxs()
    longest = max((len(e) for e in done.errors), default=0)
    text = f"{said(done)}; pcx made: {len(made)}; rules: {len(p.dyno_rules())}; longest error {longest} chars"
    if accepted:
        ok = done.code == 0 and len(made) == 1 and (check is None or check(made[0]))
        return Verdict(ok, text)
    upfront = not made and not p.routes_to_pcx() and not p.dyno_rules()
    if done.code == 0:
        text += " (AWS would refuse it)"
    elif not upfront:
        text += " (failed halfway: not refused up front)"
    return Verdict(done.code != 0 and upfront and longest < 2000, text)


def user_tags(count: int) -> str:
    return "tags=" + json.dumps({f"k{i:02d}": "v" for i in range(count)})


def pcx_tag_count(p: Probe, want: int) -> Callable[[str], bool]:
    return lambda pcx: len(p.pcx_tags(pcx)) == want


LIMITS: tuple[tuple[str, str, Callable[[Probe], tuple[str, ...]], bool], ...] = (
    ("tags-50", "47 user tags + the project's 3 = 50", lambda p: (user_tags(47),), True),
    ("tags-51", "48 user tags + 3 = 51", lambda p: (user_tags(48),), False),
    ("tag-key-128", "a tag key of 128 characters", lambda p: ("tags=" + json.dumps({"k" * 128: "v"}),), True),
    ("tag-key-129", "a tag key of 129 characters", lambda p: ("tags=" + json.dumps({"k" * 129: "v"}),), False),
    ("tag-value-256", "a tag value of 256 characters", lambda p: ("tags=" + json.dumps({"k": "v" * 256}),), True),
    ("tag-value-257", "a tag value of 257 characters", lambda p: ("tags=" + json.dumps({"k": "v" * 257}),), False),
    ("tag-aws-prefix", "a tag key aws:owner", lambda p: ("tags={'aws:owner': x}",), False),
    (
        "description-255",
        "a rule description of 255 characters",
        lambda p: (ingress(rule(p, description="d" * 255)),),
        True,
    ),
    (
        "description-256",
        "a rule description of 256 characters",
        lambda p: (ingress(rule(p, description="d" * 256)),),
        False,
    ),
    (
        "description-bad-char",
        "a rule description with <, > and é",
        lambda p: (ingress(rule(p, description="db <é>")),),
        False,
    ),
    ("port-65535", "fromPort/toPort 65535", lambda p: (ingress(rule(p, port=65535)),), True),
    ("port-65536", "fromPort/toPort 65536", lambda p: (ingress(rule(p, port=65536)),), False),
    ("ports-reversed", "fromPort 6000 > toPort 5000", lambda p: (ingress(rule(p, port=6000, toPort=5000)),), False),
    (
        "rules-60",
        "15 rules x 4 dyno CIDRs = 60 inbound rules (AWS's default quota per group)",
        lambda p: (ingress(*(rule(p, port=5000 + i) for i in range(15))),),
        True,
    ),
    (
        "rules-64",
        "16 rules x 4 dyno CIDRs = 64 inbound rules (past the default quota of 60)",
        lambda p: (ingress(*(rule(p, port=5000 + i) for i in range(16))),),
        False,
    ),
    (
        "peering-name-at-limit",
        f"a peering name of {TAG_VALUE_MAX - len(MARKER_PREFIX)} characters (marker tag value 256)",
        lambda p: peerings(demo_item(p, name="n" * (TAG_VALUE_MAX - len(MARKER_PREFIX)))),
        True,
    ),
    (
        "peering-name-300",
        "a peering name of 300 characters (marker tag value over 256)",
        lambda p: peerings(demo_item(p, name="n" * 300)),
        False,
    ),
    ("space-100k", "a space name of 100,000 characters", lambda p: ("space=" + "s" * 100_000,), False),
)
for name, what, config, accepted in LIMITS:
    expected = "accepted, held by AWS as written" if accepted else "refused up front, in a readable message"

    def limit_case(p: Probe, config: Callable[[Probe], tuple[str, ...]] = config, accepted: bool = accepted) -> Verdict:
        check = {"tags-50": pcx_tag_count(p, 50)}.get(p.folder.name)
        return limit(p, config(p), accepted, check)

    case(name, "limit", f"{what}: {expected}")(limit_case)


@case(
    "space-name-at-limit",
    "limit",
    "a space name of 249 characters (Name tag heroku-<space> is 256), in `peerings` named short: accepted",
    serve=("--space", LONG_SPACE_AT_LIMIT),
)
def space_name_at_limit(p: Probe) -> Verdict:
    return limit(p, peerings(demo_item(p, name="long", space=LONG_SPACE_AT_LIMIT)), True)


@case(
    "space-name-252",
    "limit",
    "a space name of 252 characters (tags over 256): refused up front",
    serve=("--space", LONG_SPACE_PAST),
)
def space_name_252(p: Probe) -> Verdict:
    return limit(p, (f"space={LONG_SPACE_PAST}",), False)


# -- 7. several stacks and programs on one VPC and one space --------------------------------------------------------

OTHER_PROGRAM = """\
\"\"\"Another program on the same VPC and space: a team's own repository using HerokuPeering.\"\"\"

import pulumi

from peering.program.component import HerokuPeering, HerokuPeeringArgs

config = pulumi.Config()
HerokuPeering("data", HerokuPeeringArgs(config.require("space"), config.require("vpcId"), pcx_id=config.get("pcxId")))
"""
RIVAL = "rival"  # a second stack of this project


def other_program(p: Probe, stack: str = "other") -> str:
    """A program of another project (``other-program``) that uses the component, its stack registered for the probe's
    runs and final destroy; the stack's name."""
    folder = p.folder / "other-program"
    folder.mkdir(exist_ok=True)
    virtualenv = ROOT / ".venv"
    (folder / "Pulumi.yaml").write_text(
        f"name: other-program\nruntime:\n  name: python\n  options:\n    toolchain: pip\n    virtualenv: {virtualenv}\n"
    )
    (folder / "__main__.py").write_text(OTHER_PROGRAM)
    p.programs[stack] = folder
    return stack


def owner_named(step: Step, owner: str) -> bool:
    """Refused, naming the owner, with the way to move it on purpose, and no advice to adopt it."""
    errors = "\n".join(step.errors)
    return step.code not in (0, None) and owner in errors and "release it in stack" in errors


def untouched(p: Probe, pcx: str) -> tuple[bool, str]:
    """The owner's peering still live and whole, and no step of another stack touched it."""
    lost = p.check_live()
    whole = complete(p, pcx)
    return not lost and whole, ("" if whole else "; the owner's peering is no longer whole") + (
        f"; live {pcx} DELETED" if lost else ""
    )


def another_stack_tries(p: Probe, stack: str, config: tuple[str, ...], owner: str) -> Verdict:
    """A stack that is not the owner runs `up` on the owner's VPC and space (``config``): refused naming the owner; if
    it advised adopting, the advice is followed (as a user would); then its destroy. The owner's peering is intact."""
    pcx = live_up(p)
    done = p.run("up", *config, stack=stack, label=f"up {stack}")
    advised = adopt_advice(done)
    followed = (
        p.run("up", *config, f"pcxId={advised}", stack=stack, label=f"up {stack} (advice: pcxId)") if advised else None
    )
    by_id = p.run("up", *config, f"pcxId={pcx}", stack=stack, label=f"up {stack} -c pcxId=<the owner's>")
    destroyed = p.run("destroy", stack=stack, label=f"destroy {stack}")
    intact, lost = untouched(p, pcx)
    parts = [said(done), f"names {owner!r}: {'yes' if owner_named(done, owner) else 'NO'}"]
    if advised:
        parts.append(f"ADVISED adopting {advised}; followed: {said(followed)}" if followed else f"ADVISED {advised}")
    parts += [said(by_id), f"its pcxId refused naming the owner: {'yes' if owner_named(by_id, owner) else 'NO'}"]
    parts.append(said(destroyed))
    ok = owner_named(done, owner) and owner_named(by_id, owner) and not advised and destroyed.code == 0 and intact
    return Verdict(ok, "; ".join(parts) + lost)


@case(
    "owners-second-stack",
    "owners",
    "a second stack on the live VPC and space: refused naming the owner, never advised to adopt it; its "
    "pcxId refused; its destroy touches nothing",
)
def owners_second_stack(p: Probe) -> Verdict:
    return another_stack_tries(p, RIVAL, (), f"stack {STACK}'s peering 'main'")


@case(
    "owners-other-program",
    "owners",
    "another program using HerokuPeering on the live VPC and space: refused naming the owner and its "
    "project; its pcxId refused; its destroy touches nothing",
)
def owners_other_program(p: Probe) -> Verdict:
    stack = other_program(p)
    config = (f"space={p.info.space}", f"vpcId={p.info.customer_vpc_id}")
    return another_stack_tries(p, stack, config, f"stack {STACK}'s peering 'main' in project heroku-peering")


@case(
    "owners-rename",
    "owners",
    "the owner renames its peering (main -> db): the claim follows, a second stack is refused naming 'db'",
)
def owners_rename(p: Probe) -> Verdict:
    pcx = live_up(p)
    renamed = p.up(*peerings(demo_item(p, name="db")), label="up (rename to db)")
    claim = p.pcx_tags(pcx).get(MARKER_TAG, "")
    done = p.run("up", stack=RIVAL, label=f"up {RIVAL}")
    destroyed = p.run("destroy", stack=RIVAL, label=f"destroy {RIVAL}")
    intact, lost = untouched(p, pcx)
    named = owner_named(done, f"stack {STACK}'s peering 'db'")
    text = (
        f"{said(renamed)} ({changes(renamed)}); claim {claim!r}; {said(done)}; names 'db': {'yes' if named else 'NO'}"
    )
    ok = renamed.code == 0 and claim == f"{MARKER_PREFIX}db" and named and not adopt_advice(done) and intact
    return Verdict(ok and destroyed.code == 0, text + lost)


@case(
    "owners-race",
    "owners",
    "two stacks `up` at once on one VPC and space: one peering; the other stack fails without advice to "
    "adopt it, and its destroy leaves the winner's whole",
)
def owners_race(p: Probe) -> Verdict:
    runs = [p.start("up", stack=STACK), p.start("up", stack=RIVAL)]
    done = [p.finish(run) for run in runs]
    live = p.live_pcxs()
    if len(live) != 1:
        return Verdict(False, f"{[said(d) for d in done]}; live peerings after the race: {live}")
    [pcx] = p.mark_live()
    holders = [stack for stack in (STACK, RIVAL) if pcx in p.state_ids(PCX_TYPE, stack)]
    losers = [stack for stack in (STACK, RIVAL) if stack not in holders]
    advised = [adopt_advice(step) for step in done if adopt_advice(step)]
    destroyed = [p.run("destroy", stack=stack, label=f"destroy {stack} (the loser)") for stack in losers]
    winner = holders[0] if len(holders) == 1 else None
    again = p.run("up", stack=winner, label=f"up {winner} (again)") if winner else None
    intact, lost = untouched(p, pcx)
    text = f"{', '.join(said(d) for d in done)}; {pcx} held by {holders}; " + ", ".join(said(d) for d in destroyed)
    if again is not None:
        text += f"; {said(again)} ({changes(again)})"
    if advised:
        text += f"; ADVISED adopting {advised}"
    ok = len(holders) == 1 and not advised and all(d.code == 0 for d in destroyed) and intact
    ok = ok and again is not None and again.code == 0 and not again.changed()
    return Verdict(ok, text + lost)


@case(
    "owners-hand-over",
    "owners",
    "the README's hand-over: the owner sets retainOnDelete and destroys (all stays), another stack adopts "
    "it in one run; the old owner's next `up` is refused naming the new one",
)
def owners_hand_over(p: Probe) -> Verdict:
    pcx = live_up(p)
    released = p.up("retainOnDelete=true", label="up (retainOnDelete)")
    gone = p.run("destroy", label="destroy (retained)")
    left = p.pcxs().get(pcx) == "active" and complete(p, pcx) and not p.pcx_tags(pcx).get(MARKER_TAG)
    adopted = p.run("up", f"pcxId={pcx}", stack=RIVAL, label=f"up {RIVAL} -c pcxId")
    again = p.run("up", f"pcxId={pcx}", stack=RIVAL, label=f"up {RIVAL} (again)")
    back = p.up(label="up (the old owner, again)")
    intact, lost = untouched(p, pcx)
    named = owner_named(back, f"stack {RIVAL}'s peering 'main'")
    claim = p.pcx_tags(pcx).get(MARKER_TAG, "")
    text = (
        f"{said(released)} ({changes(released)}); {said(gone)}; left whole, unclaimed: {'yes' if left else 'NO'}; "
        f"{said(adopted)} ({changes(adopted)}); {said(again)} ({changes(again)}); claim {claim!r}; {said(back)}"
    )
    ok = released.code == 0 and gone.code == 0 and left and adopted.code == 0 and again.code == 0
    ok = ok and not again.changed() and claim == f"heroku-peering/{RIVAL}/main" and named and intact
    return Verdict(ok, text + lost)


@case(
    "owners-adopt-race",
    "owners",
    "two stacks adopt one hand-made peering at the same moment (EC2 tags have no compare-and-set: both take it): the "
    "one whose claim was overwritten is refused at its next `up`, lets go as its message says (nothing in AWS "
    "touched), and the other keeps it",
)
def owners_adopt_race(p: Probe) -> Verdict:
    pcx = hand_made_peering(p.info)
    p.mark_live()
    runs = [p.start("up", f"pcxId={pcx}", stack=STACK), p.start("up", f"pcxId={pcx}", stack=RIVAL)]
    done = [p.finish(run) for run in runs]
    holders = [stack for stack in (STACK, RIVAL) if pcx in p.state_ids(PCX_TYPE, stack)]
    checks = {
        stack: p.run("up", f"pcxId={pcx}", stack=stack, label=f"up {stack} (after the race)") for stack in holders
    }
    refused = [
        stack for stack, step in checks.items() if step.code != 0 and "two stacks hold it" in " ".join(step.errors)
    ]
    text = f"{', '.join(said(d) for d in done)}; held by {holders}; refused after: {refused}"
    if len(holders) == 2 and len(refused) != 1:
        return Verdict(False, text + "; both hold it and no later run (or both) said so")
    for stack in refused:  # its advice: remove the peering from its state, nothing in AWS touched
        urns = [urn for urn in p.state_urns(stack) if urn.endswith("HerokuPeering::main")]
        let_go = p.run_pulumi(
            "state", "delete", *urns, "--target-dependents", "--yes", stack=stack, label=f"{stack}: state delete"
        )
        text += f"; {let_go.label} exit {let_go.code}"
    holders = [stack for stack in (STACK, RIVAL) if pcx in p.state_ids(PCX_TYPE, stack)]
    keeper = holders[0] if len(holders) == 1 else None
    kept = p.run("up", f"pcxId={pcx}", stack=keeper, label=f"up {keeper} (keeps it)") if keeper else None
    lost = p.check_live()
    text += f"; keeper {keeper}: {said(kept) if kept else 'none'}" + (f"; live {pcx} DELETED" if lost else "")
    ok = keeper is not None and kept is not None and kept.code == 0 and not kept.changed() and not lost
    return Verdict(ok and complete(p, pcx), text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.change_probe", description=__doc__)
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these cases (or kinds)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument("--out", type=Path, help="where the logs go (default .cache/change-probe/<time>)")
    parser.add_argument(
        "--report",
        type=Path,
        metavar="RESULTS_JSON",
        help="print the table, the totals and each failing case's commands and evidence from an earlier run",
    )
    args = parser.parse_args(argv)
    if args.report:
        results = [Result(**{"wrapper_tracebacks": [], **item}) for item in json.loads(args.report.read_text())]
        print(report(results, args.report.parent))
        return 0
    if args.list:
        for item in CASES:
            print(f"{item.name:32} {item.kind:6} {item.expected}")
        return 0
    chosen = [c for c in CASES if not args.only or c.name in args.only or c.kind in args.only]
    unknown = set(args.only or ()) - {c.name for c in CASES} - {c.kind for c in CASES}
    if unknown:
        parser.error(f"unknown cases: {', '.join(sorted(unknown))} (see --list)")
    out = (args.out or ROOT / ".cache" / "change-probe" / time.strftime("%Y%m%d-%H%M%S")).resolve()
    out.mkdir(parents=True, exist_ok=True)
    results = []
    for index, item in enumerate(chosen, 1):
        result = run_case(item, out)
        results.append(result)
        mark = "ok" if result.ok else "FAIL"
        print(f"[{index}/{len(chosen)}] {item.name}: {mark} ({result.seconds}s) {result.outcome}", file=sys.stderr)
        (out / "results.json").write_text(json.dumps([r.__dict__ for r in results], indent=2))
    if args.json:
        print(json.dumps({"results": [r.__dict__ for r in results], "totals": totals(results)}, indent=2))
    else:
        print(report(results, out))
    return 0


def report(results: list[Result], out: Path) -> str:
    summed = "\n".join(f"{key:68} {value}" for key, value in totals(results).items())
    return f"{table(results)}\n\n{summed}\n\nlogs: {out}\n\n{details(results, out)}"


if __name__ == "__main__":
    sys.exit(main())
