"""One owner per peering, on facts written by hand: another stack's peering, routes and rules are named with their
owner and never offered for adoption; a hand-made peering is; a released one is adopted with what it left behind.

Pure: pre-flight's checks (``plan_peering``) and what the component is told to declare.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from peering.model.facts import PeeringFacts, RuleFacts
from peering.model.network import Route
from peering.model.own_state import OwnState, parse
from peering.model.ownership import MARKER_TAG, SPACE_TAG, Claim
from peering.program.preflight import PeeringPlan, plan_peering
from tests.support.ownership_facts import (
    MARKER,
    OTHER_PCX,
    OWN_PCX,
    SPACE_VPC,
    TABLE,
    VPC,
    connection,
    facts,
    held,
    pcx,
    peering,
)

pytestmark = pytest.mark.program

STAGING = "heroku-peering/staging/main"
OTHER_PROGRAM = "vpc-and-peering/prod/data"
ADOPT = f"pulumi config set pcxId {OTHER_PCX}"


def plan(found: PeeringFacts, **args: object) -> tuple[PeeringPlan | None, list[str]]:
    return plan_peering(peering("main", **args), found, MARKER, frozenset({"main"}))


def rule(rule_id: str, tags: dict[str, str] | None = None) -> RuleFacts:
    return RuleFacts(rule_id, "tcp", 5432, 5432, "10.0.128.0/20", "x", tags or {})


def before_the_advice(problem: str) -> str:
    """What a refusal says before its hand-over procedure (which names pcxId as the last step, after the release)."""
    return problem.split("To move it here on purpose", maxsplit=1)[0]


def test_claims_are_read_from_the_marker_tag() -> None:
    assert Claim.parse(STAGING) == Claim("heroku-peering", "staging", "main")
    assert Claim.parse("heroku-peering/dev") is None and Claim.parse("a//b") is None and Claim.parse(None) is None
    claim = Claim.parse(OTHER_PROGRAM)
    assert claim is not None and claim.owner(MARKER) == "stack prod's peering 'data' in project vpc-and-peering"
    assert claim.is_of("vpc-and-peering/prod/other") and not claim.is_of(MARKER)


@pytest.mark.parametrize(("tag", "owner"), [(STAGING, "stack staging's peering 'main'"), (OTHER_PROGRAM, "project")])
def test_another_stacks_peering_is_refused_naming_its_owner_never_offered(tag: str, owner: str) -> None:
    """Its routes and rules are the same owner's: one problem says it all, and nothing advises adopting it."""
    routes = (Route("10.0.0.0/16", OTHER_PCX),)
    rules = (rule("sgr-1", {MARKER_TAG: tag, SPACE_TAG: "demo-space"}),)
    other = pcx(OTHER_PCX, tag=tag)
    refused, [problem] = plan(facts(routes=routes, rules=rules, peerings=(other,), targets={OTHER_PCX: other}))
    assert refused is None
    assert owner in problem and f"tag {MARKER_TAG} = '{tag}'" in problem
    advice = before_the_advice(problem)
    assert "pcxId" not in advice and "aws ec2 delete-" not in advice and "revoke-security-group" not in advice
    assert "release it in stack" in problem and "retainOnDelete" in problem and "then adopt it here" in problem


def test_pcx_id_naming_another_stacks_peering_is_refused_before_anything_is_made() -> None:
    other = pcx(OTHER_PCX, tag=STAGING)
    rules = (rule("sgr-1", {MARKER_TAG: STAGING, SPACE_TAG: "demo-space"}),)
    found = replace(facts(rules=rules, peerings=(other,)), adopted=other)
    refused, [problem] = plan(found, pcx_id=OTHER_PCX)  # its rules are that peering's: said by this one problem
    assert refused is None
    assert f"pcxId = '{OTHER_PCX}': this is stack staging's peering 'main'" in problem
    assert "nothing was made" in problem and "release it in stack staging first" in problem


def test_a_peering_two_stacks_hold_is_refused_until_one_lets_go() -> None:
    """Both adopted it at the same moment (tags have no compare-and-set): the state holds it, the claim names the
    other. A destroy of either would delete it for both: refused, with how to let go without touching AWS."""
    own = pcx(OWN_PCX, tag=STAGING)
    refused, [problem] = plan(replace(facts(held(), peerings=(own,)), adopted=own), pcx_id=OWN_PCX)
    assert refused is None
    assert f"{OWN_PCX} is in this stack's state, but its claim is stack staging's peering 'main'" in problem
    assert "--target-dependents" in problem and f"Value={MARKER}" in problem
    kept, problems = plan(facts(held(), peerings=(pcx(OWN_PCX, tag=MARKER),)))
    assert problems == [] and kept is not None, "its own claim: nothing to say"


def test_a_hand_made_peering_is_offered_for_adoption_with_its_route_and_rule() -> None:
    """Its route carries its traffic: adopt rather than delete; its rule: adopt rather than revoke."""
    hand_made = pcx(OTHER_PCX)
    routes = (Route("10.0.0.0/16", OTHER_PCX),)
    _, problems = plan(
        facts(routes=routes, rules=(rule("sgr-1"),), peerings=(hand_made,), targets={OTHER_PCX: hand_made})
    )
    pcx_problem, route_problem, rule_problem = problems
    assert ADOPT in pcx_problem
    assert (
        "the route carries its traffic" in route_problem and "Adopt that peering rather than deleting" in route_problem
    )
    assert ADOPT in route_problem and "delete-route" not in route_problem
    assert "adopt that peering rather than revoking" in rule_problem and ADOPT in rule_problem


def test_a_rule_with_no_peering_behind_it_is_never_offered_for_adoption() -> None:
    _, [problem] = plan(facts(rules=(rule("sgr-1"),)))
    assert "pcxId" not in problem and "revoke-security-group-ingress" in problem and "leave this rule out" in problem


def test_another_stacks_rule_for_another_space_is_left_alone() -> None:
    """Two spaces with the same dyno ranges: the other stack's rule is named, never revoked nor taken in."""
    theirs = rule("sgr-1", {MARKER_TAG: STAGING, SPACE_TAG: "other-space"})
    _, [problem] = plan(facts(rules=(theirs,)))
    assert "a rule of stack staging's peering 'main'" in problem and "revoke-security-group" not in problem
    adoptable = pcx(OTHER_PCX)
    adopting, [problem] = plan(
        replace(facts(rules=(theirs,), peerings=(adoptable,)), adopted=adoptable), pcx_id=OTHER_PCX
    )
    assert adopting is None and "a rule of stack staging's peering 'main'" in problem


def test_a_released_peering_is_adopted_with_the_routes_and_rules_it_left() -> None:
    """Released: the pcx carries no claim; its rules still carry the former owner's tag for this space."""
    released = pcx(OTHER_PCX)
    left = rule("sgr-1", {MARKER_TAG: STAGING, SPACE_TAG: "demo-space"})
    routes = (Route("10.0.0.0/16", OTHER_PCX),)
    found = replace(facts(routes=routes, rules=(left,), peerings=(released,)), adopted=released)
    adopted, problems = plan(found, pcx_id=OTHER_PCX)
    assert problems == [] and adopted is not None and adopted.adoption is not None
    assert adopted.imports.routes == {(TABLE, "10.0.0.0/16"): f"{TABLE}_10.0.0.0/16"}
    assert [r.rule_id for r in adopted.imports.rules.values()] == ["sgr-1"]
    assert adopted.claim_resource, "the adopting run claims it at once"


def test_a_route_to_another_live_peering_is_left_rather_than_deleted() -> None:
    elsewhere = connection(OTHER_PCX, "active", VPC, "vpc-0000000000000000c")
    _, [problem] = plan(facts(routes=(Route("10.0.0.0/16", OTHER_PCX),), targets={OTHER_PCX: elsewhere}))
    assert problem.index(f"Leave {TABLE} out of routeTableIds") < problem.index("delete-route")
    assert "only if that peering no longer needs it" in problem and "pcxId" not in problem


def test_adopting_says_what_destroy_will_do() -> None:
    hand_made = pcx(OTHER_PCX)
    found = replace(facts(peerings=(hand_made,)), adopted=hand_made)
    adopting, _ = plan(found, pcx_id=OTHER_PCX)
    assert adopting is not None
    [note] = [n for n in adopting.notes if "is adopted" in n]
    assert f"{OTHER_PCX} is adopted and becomes this stack's" in note and "DELETES it" in note
    assert "set retainOnDelete to true" in note
    retained, _ = plan(found, pcx_id=OTHER_PCX, retain_on_delete=True)
    assert retained is not None
    [note] = [n for n in retained.notes if "is adopted" in n]
    assert "leaves the peering, its routes and rules in place" in note and "DELETES" not in note
    assert any("retainOnDelete is true" in info for info in retained.infos)
    adopted_before = OwnState(pcxs=held().pcxs, peerings=frozenset({"main"}))
    again, _ = plan(
        replace(found, own=replace(adopted_before, pcxs={"main": replace(held().pcxs["main"], pcx_id=OTHER_PCX)})),
        pcx_id=OTHER_PCX,
    )
    assert again is not None and not [n for n in again.notes if "is adopted" in n], "said once, when it is adopted"


def test_the_claim_is_a_resource_of_its_own_when_it_must_outlive_nothing_else() -> None:
    """A made peering's claim is in its own tags; with retainOnDelete, also an aws.ec2.Tag (its delete releases it),
    which stays once the state holds it (deleting it would take the claim off a peering still held)."""
    made, _ = plan(facts(held()))
    assert made is not None and not made.claim_resource
    retained, _ = plan(facts(held()), retain_on_delete=True)
    assert retained is not None and retained.claim_resource
    kept, _ = plan(facts(replace(held(), claims=frozenset({"main"}))))
    assert kept is not None and kept.claim_resource


def test_the_state_names_claims_held_as_resources() -> None:
    stack = "urn:pulumi:dev::heroku-peering::heroku-peering:index:HerokuPeering"
    resources = {f"{stack}$aws:ec2/tag:Tag::main-marker": {"type": "aws:ec2/tag:Tag", "outputs": {"id": "x"}}}
    assert parse(resources).claims == {"main"}
    assert SPACE_VPC and VPC  # the shared facts' VPCs (imported for the reader)
