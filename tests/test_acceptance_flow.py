"""Every row of the acceptance table, with a scripted Heroku and a fake clock: nothing sleeps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from providers.acceptance_flow import (
    GONE_AFTER_404S,
    STATUS_TABLE,
    AcceptanceFlow,
    PeeringAcceptanceError,
    PollSchedule,
    Step,
)
from providers.heroku_api import Timeout
from providers.heroku_errors import (
    HerokuBadResponse,
    HerokuConnectionDropped,
    HerokuConnectTimeout,
    HerokuError,
    HerokuNotFound,
    HerokuReadTimeout,
    error_class_for,
)
from providers.heroku_models import Peering
from providers.statuses import NOT_LISTED

pytestmark = pytest.mark.provider

SPACE, PCX = "demo-space", "pcx-0123456789abcdef0"
SCHEDULE = PollSchedule(first=1.0, factor=1.5, cap=10.0)
TERMINAL = ("failed", "expired", "rejected", "deleted")


def api_error(status: int, retry_after: float | None = None, method: str = "GET") -> HerokuError:
    ids = {404: "not_found", 422: "invalid_params", 429: "rate_limit", 401: "unauthorized", 403: "forbidden"}
    return error_class_for(status)(status, ids.get(status), "scripted", "req-1", method, "/x", retry_after)


def not_found() -> HerokuError:
    return api_error(404)


@dataclass
class Clock:
    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


class ScriptedHeroku:
    """Reads follow ``reads`` until an accept goes through, then ``after``; the last item repeats.

    An item is a status, None (404), an exception, or "slow" (a read timeout that costs the full
    request timeout on the clock). Accept outcomes: None (taken), an exception, or "lost" (taken, but
    the answer never arrives).
    """

    def __init__(
        self,
        clock: Clock,
        reads: list[Any],
        after: list[Any] | None = None,
        accepts: list[Any] | None = None,
        remaining: int | None = 4000,
        space_error: HerokuError | None = None,
    ) -> None:
        self.clock = clock
        self.reads = list(reads)
        self.after = list(after if after is not None else ["provisioning", "active"])
        self.accepts = list(accepts or [None])
        self.rate_limit_remaining = remaining
        self.space_error = space_error
        self.accepted = False
        self.calls: list[str] = []
        self.timeouts: list[Timeout | None] = []

    @staticmethod
    def _next(script: list[Any]) -> Any:
        return script.pop(0) if len(script) > 1 else script[0]

    def get_peering(self, space: str, pcx_id: str, timeout: Timeout | None = None) -> Peering:
        self.calls.append("get")
        self.timeouts.append(timeout)
        item = self._next(self.after if self.accepted else self.reads)
        if item == "slow":
            assert timeout is not None
            self.clock.now += timeout[1]
            raise HerokuReadTimeout("GET", "/x", "ReadTimeout")
        if isinstance(item, Exception):
            raise item
        if item is None:
            raise not_found()
        return Peering(pcx_id=pcx_id, type="unknown", status=item)

    def accept_peering(self, space: str, pcx_id: str, timeout: Timeout | None = None) -> None:
        self.calls.append("accept")
        item = self._next(self.accepts)
        if item == "lost":
            self.accepted = True
            raise HerokuConnectionDropped("POST", "/x", "RemoteDisconnected")
        if isinstance(item, Exception):
            raise item
        self.accepted = True

    def space(self, space: str) -> object:
        self.calls.append("space")
        if self.space_error is not None:
            raise self.space_error
        return {"name": space}


def run(
    heroku: ScriptedHeroku,
    clock: Clock,
    visibility: float = 600,
    activation: float = 1200,
    check=None,
    aws_status: str | None = None,
):
    lines: list[str] = []
    flow = AcceptanceFlow(heroku, SPACE, PCX, lines.append, SCHEDULE, clock=clock, sleep=clock.sleep)
    try:
        result: Peering | PeeringAcceptanceError | HerokuError = flow.run(
            visibility, activation, check or (lambda p: None), aws_status=aws_status
        )
    except HerokuError as error:
        result = error
    return result, lines, flow


def world(reads: list[Any], **kwargs: Any) -> tuple[ScriptedHeroku, Clock]:
    clock = Clock()
    return ScriptedHeroku(clock, reads, **kwargs), clock


# -- the table, row by row, before our accept ------------------------------------------------


@pytest.mark.parametrize("status", [NOT_LISTED, "initiating-request", "pending", "frobnicating"])
def test_not_yet_statuses_wait_then_one_accept(status: str) -> None:
    heroku, clock = world([None if status == NOT_LISTED else status] * 3 + ["pending-acceptance"])
    result, lines, flow = run(heroku, clock)
    assert isinstance(result, Peering) and result.status == "active"
    assert heroku.calls.count("accept") == 1 == flow.accepts_sent
    assert sum("waiting for Heroku to see" in line for line in lines) == 3
    if status != NOT_LISTED:
        assert any(f"last status: {status}" in line for line in lines)
    if status == "frobnicating":
        assert any("a status Heroku's schema does not list" in line for line in lines)


def test_pending_acceptance_is_accepted_once() -> None:
    heroku, clock = world(["pending-acceptance"], after=["pending-acceptance", "provisioning", "active"])
    result, lines, _ = run(heroku, clock)
    assert isinstance(result, Peering) and result.status == "active"
    assert heroku.calls == ["get", "accept", "get", "get", "get"]  # pending-acceptance after accept: no 2nd accept
    assert any(line.startswith("accepting") for line in lines)


@pytest.mark.parametrize("status", ["provisioning", "active"])
def test_accepted_statuses_are_adopted_without_accept(status: str) -> None:
    heroku, clock = world([status], after=[])
    heroku.after = ["active"]
    heroku.reads = [status, "active"]
    result, lines, flow = run(heroku, clock)
    assert isinstance(result, Peering) and result.status == "active"
    assert "accept" not in heroku.calls and flow.accepts_sent == 0
    assert any("adopting it (no accept sent)" in line for line in lines)


@pytest.mark.parametrize("status", ["provisioning", "active"])
def test_accepted_is_not_believed_while_aws_says_nobody_accepted(status: str) -> None:
    heroku, clock = world([status], after=["provisioning", "active"])
    result, lines, flow = run(heroku, clock, aws_status="pending-acceptance")
    assert isinstance(result, Peering) and result.status == "active"
    assert heroku.calls[:2] == ["get", "accept"] and flow.accepts_sent == 1
    assert not any("adopting" in line for line in lines)
    adopted, clock = world([status, "active"], after=["active"])
    result, _, flow = run(adopted, clock, aws_status="active")
    assert isinstance(result, Peering) and flow.accepts_sent == 0, "AWS agrees: adopted"


def test_a_stale_active_that_refuses_every_accept_ends_at_the_deadline_with_both_views() -> None:
    heroku, clock = world(["active"], accepts=[api_error(422, method="POST")])
    result, _, flow = run(heroku, clock, visibility=60, aws_status="pending-acceptance")
    assert isinstance(result, PeeringAcceptanceError) and flow.accepts_sent > 1
    assert f"Heroku reports {PCX} in space {SPACE} active, but AWS reported it pending-acceptance" in str(result)
    assert clock.now <= 60 + 30


@pytest.mark.parametrize("status", TERMINAL)
def test_terminal_statuses_fail_at_once_with_their_meaning(status: str) -> None:
    heroku, clock = world([status])
    result, _, _ = run(heroku, clock)
    assert isinstance(result, PeeringAcceptanceError)
    assert f"is {status}: {STATUS_TABLE[status].meaning}" in str(result)
    assert heroku.calls == ["get"] and clock.now == 0


# -- the table, row by row, after our accept ---------------------------------------------------


@pytest.mark.parametrize("status", ["pending-acceptance", "provisioning", "pending", "frobnicating"])
def test_after_accept_waiting_statuses_never_accept_again(status: str) -> None:
    heroku, clock = world(["pending-acceptance"], after=[status] * 4 + ["active"])
    result, _, flow = run(heroku, clock)
    assert isinstance(result, Peering) and result.status == "active"
    assert heroku.calls.count("accept") == 1 == flow.accepts_sent


@pytest.mark.parametrize("status", TERMINAL)
def test_after_accept_terminal_statuses_fail(status: str) -> None:
    heroku, clock = world(["pending-acceptance"], after=["provisioning", status])
    result, _, _ = run(heroku, clock)
    assert isinstance(result, PeeringAcceptanceError) and f"is {status}:" in str(result)


def test_after_accept_a_404_is_rechecked_before_it_counts_as_deleted() -> None:
    flaky, clock = world(["pending-acceptance"], after=["provisioning", None, None, "provisioning", "active"])
    result, _, _ = run(flaky, clock)
    assert isinstance(result, Peering) and result.status == "active"
    gone, clock = world(["pending-acceptance"], after=["provisioning", None])
    result, _, _ = run(gone, clock)
    assert isinstance(result, PeeringAcceptanceError) and "is deleted:" in str(result)
    assert gone.calls.count("get") == 2 + GONE_AFTER_404S


def test_the_table_has_a_decision_for_both_phases_of_every_row() -> None:
    for status, row in STATUS_TABLE.items():
        assert isinstance(row.before_accept, Step) and isinstance(row.after_accept, Step), status
        assert row.meaning
    assert STATUS_TABLE["pending-acceptance"].before_accept is Step.ACCEPT
    assert [s for s, row in STATUS_TABLE.items() if row.before_accept is Step.ACCEPT] == ["pending-acceptance"]


# -- refusals, lost answers, failed reads --------------------------------------------------------


@pytest.mark.parametrize(
    "refusal",
    [
        api_error(422, method="POST"),
        api_error(404, method="POST"),
        api_error(500, method="POST"),
        HerokuConnectTimeout("POST", "/x", "ConnectTimeout"),
    ],
    ids=["422", "404", "500", "connect-timeout"],
)
def test_refused_accept_is_retried_after_reading_again(refusal: HerokuError) -> None:
    heroku, clock = world(["pending-acceptance"], accepts=[refusal, refusal, None])
    result, lines, flow = run(heroku, clock)
    assert isinstance(result, Peering) and result.status == "active"
    assert heroku.calls[:6] == ["get", "accept", "get", "accept", "get", "accept"]
    assert flow.accepts_sent == 3
    assert sum("reading the peering again before any retry" in line for line in lines) == 2


def test_retry_after_is_honoured_on_a_refused_accept() -> None:
    heroku, clock = world(["pending-acceptance"], accepts=[api_error(429, retry_after=7, method="POST"), None])
    result, _, _ = run(heroku, clock)
    assert isinstance(result, Peering)
    assert clock.sleeps[0] == 7  # not the schedule's first 1 s


def test_lost_answer_to_accept_is_adopted_without_a_second_accept() -> None:
    heroku, clock = world(["pending-acceptance"], accepts=["lost"])
    result, lines, flow = run(heroku, clock)
    assert isinstance(result, Peering) and result.status == "active"
    assert heroku.calls.count("accept") == 1 == flow.accepts_sent
    assert any("adopting" in line for line in lines)


def test_failed_reads_are_retried_until_the_deadline_in_both_phases() -> None:
    transient = [
        api_error(503, retry_after=1),
        HerokuConnectionDropped("GET", "/x", "reset"),
        HerokuBadResponse("GET", "/x", 200, 17),
    ]
    heroku, clock = world([*transient, "pending-acceptance"], after=[*transient, "provisioning", "active"])
    result, _, _ = run(heroku, clock)
    assert isinstance(result, Peering) and result.status == "active"


def test_unauthorized_and_unknown_space_fail_at_once() -> None:
    heroku, clock = world([api_error(401)])
    result, _, _ = run(heroku, clock)
    assert isinstance(result, HerokuError) and getattr(result, "status", None) == 401 and clock.now == 0
    heroku, clock = world([None], space_error=not_found())
    result, _, _ = run(heroku, clock)
    assert isinstance(result, HerokuNotFound) and heroku.calls == ["get", "space"]


def test_a_refusal_from_check_sends_nothing() -> None:
    heroku, clock = world(["pending-acceptance"])

    def refuse(peering: Peering) -> None:
        raise PeeringAcceptanceError(f"{peering.pcx_id} belongs to someone else")

    result, _, _ = run(heroku, clock, check=refuse)
    assert isinstance(result, PeeringAcceptanceError) and "accept" not in heroku.calls


# -- deadlines and pacing -------------------------------------------------------------------------


def test_visibility_deadline_names_an_undocumented_status() -> None:
    heroku, clock = world(["frobnicating"])
    result, _, _ = run(heroku, clock, visibility=30)
    assert isinstance(result, PeeringAcceptanceError)
    assert "within 30s" in str(result) and "last status: frobnicating (a status Heroku's schema does not list" in str(
        result
    )
    assert 30 <= clock.now <= 30 + SCHEDULE.cap


def test_accept_refused_until_the_deadline_says_so() -> None:
    heroku, clock = world(["pending-acceptance"], accepts=[api_error(422, method="POST")])
    result, _, flow = run(heroku, clock, visibility=20)
    assert isinstance(result, PeeringAcceptanceError)
    assert "did not take the accept" in str(result) and "422 invalid_params" in str(result)
    assert flow.accepts_sent > 3


def test_activation_deadline_tells_a_read_timeout_and_is_kept() -> None:
    heroku, clock = world(["pending-acceptance"], after=["provisioning", "slow"])
    result, _, _ = run(heroku, clock, activation=45)
    assert isinstance(result, PeeringAcceptanceError)
    assert "not active within 45s" in str(result) and "no answer within the read timeout" in str(result)
    # one poll interval plus one request timeout at most; request timeouts never outlast the deadline
    assert clock.now <= 45 + SCHEDULE.cap + 30
    assert all(t is not None and t[1] <= max(1.0, 45) for t in heroku.timeouts)


def test_requests_near_the_deadline_get_shorter_timeouts() -> None:
    heroku, clock = world(["pending-acceptance"], after=["provisioning"])
    run(heroku, clock, activation=12)
    last = heroku.timeouts[-1]
    assert last is not None and last[1] <= 12 and last[1] < 30


def test_low_budget_slows_polling_down() -> None:
    fast, clock_fast = world([None] * 5 + ["pending-acceptance"], remaining=4000)
    run(fast, clock_fast)
    slow, clock_slow = world([None] * 5 + ["pending-acceptance"], remaining=100)
    run(slow, clock_slow)
    assert clock_slow.sleeps[:5] == [3 * s for s in clock_fast.sleeps[:5]]
    assert clock_fast.sleeps[:5] == [1.0, 1.5, 2.25, 3.375, 5.0625]


def test_a_failure_late_in_a_long_wait_is_retried_soon() -> None:
    heroku, clock = world([None] * 8 + [api_error(500), api_error(500), "pending-acceptance"])
    run(heroku, clock)
    waiting, retrying = clock.sleeps[:8], clock.sleeps[8:10]
    assert waiting[-1] == SCHEDULE.cap  # the wait for visibility has backed off to the cap
    assert retrying == [1.0, 1.5]  # retries after a failed read start again from the first delay


def test_an_accept_that_makes_the_peering_active_at_once_costs_no_poll() -> None:
    heroku, clock = world(["pending-acceptance"], after=["active"])
    result, _, _ = run(heroku, clock)
    assert isinstance(result, Peering) and result.status == "active"
    assert heroku.calls == ["get", "accept", "get"] and clock.sleeps == []
