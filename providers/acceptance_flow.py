"""Bringing one peering to ``active`` on Heroku's side, driven by one table of statuses.

``STATUS_TABLE`` says, for every status Heroku may report, what create does with it before our
accept has gone through and after, and what the status means to the user. Everything Heroku does
not promise is treated as "not yet": a 404 before acceptance (Heroku sees a new request 1-3
minutes late), ``pending`` (terraform-provider-heroku's accepter waits through it), a status the
schema does not list, a refused accept while the peering still reads pending (that accepter
retries accept on any error for 5 minutes), failed reads. Only deadlines end those waits, and
they are honoured within one poll interval plus one request timeout.

Clock and sleep are injected, so every row is tested without sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from .heroku_api import DEFAULT_TIMEOUT, Timeout
from .heroku_errors import (
    HerokuAPIError,
    HerokuBadResponse,
    HerokuConnectionError,
    HerokuError,
    HerokuForbidden,
    HerokuNotFound,
    HerokuUnauthorized,
)
from .heroku_models import Peering
from .statuses import ENDED, NOT_ACCEPTED, NOT_LISTED

Progress = Callable[[str], None]
GONE_AFTER_404S = 3  # consecutive 404s, after acceptance, before a peering counts as deleted
# Failures that leave the peering as it was, for all the flow knows: read again (or accept again) before deciding.
TRANSIENT = (HerokuAPIError, HerokuConnectionError, HerokuBadResponse)


class Step(Enum):
    WAIT = "wait"  # poll again
    ACCEPT = "accept"  # send the one accept
    ADOPT = "adopt"  # already accepted (an earlier run, or by hand): take it, send nothing
    RECHECK = "recheck"  # maybe gone: read again before believing it
    DONE = "done"
    FAIL = "fail"


@dataclass(frozen=True)
class StatusRow:
    before_accept: Step
    after_accept: Step
    meaning: str


_REPLACE = "Replace the AWS peering connection (`pulumi up --replace <its URN>`) to request a new one."
STATUS_TABLE: dict[str, StatusRow] = {
    NOT_LISTED: StatusRow(
        Step.WAIT,
        Step.RECHECK,
        "Heroku does not list the request (yet: it usually sees a new one 1-3 minutes after AWS creates it)",
    ),
    "initiating-request": StatusRow(Step.WAIT, Step.WAIT, "AWS is still creating the request"),
    "pending": StatusRow(Step.WAIT, Step.WAIT, "Heroku lists the request but is not ready to accept it yet"),
    "pending-acceptance": StatusRow(
        Step.ACCEPT, Step.WAIT, "waiting for acceptance (right after an accept Heroku may still report it)"
    ),
    "provisioning": StatusRow(Step.ADOPT, Step.WAIT, "accepted; Heroku is setting up the space's side"),
    "active": StatusRow(Step.ADOPT, Step.DONE, "active"),
    "failed": StatusRow(
        Step.FAIL,
        Step.FAIL,
        "AWS marked the peering connection failed, almost always because the VPC's CIDRs overlap the space's "
        "vpc_cidr or unavailable_cidr_blocks. A failed request can be neither accepted nor deleted (AWS drops it "
        "after 2 hours: VPC Peering Guide, 'VPC peering connection lifecycle'): request one from a VPC whose ranges "
        "do not overlap (`heroku spaces:peering:info` lists them).",
    ),
    "expired": StatusRow(
        Step.FAIL,
        Step.FAIL,
        f"the request expired before it was accepted (unaccepted AWS peering requests expire after 7 days). {_REPLACE}",
    ),
    "rejected": StatusRow(
        Step.FAIL,
        Step.FAIL,
        "the request was rejected on Heroku's side. Check that the space and the peer account are the ones you "
        f"meant. {_REPLACE}",
    ),
    "deleted": StatusRow(
        Step.FAIL,
        Step.FAIL,
        "the peering was deleted, from the AWS side or with `heroku spaces:peerings:destroy`. Run `pulumi refresh` "
        "and then `pulumi up` to request a new one.",
    ),
}
UNDOCUMENTED = StatusRow(
    Step.WAIT, Step.WAIT, "a status Heroku's schema does not list; waiting for a known one until the deadline"
)


def row_for(status: str) -> StatusRow:
    return STATUS_TABLE.get(status, UNDOCUMENTED)


def describe_status(status: str) -> str:
    return status if status in STATUS_TABLE else f"{status} ({UNDOCUMENTED.meaning})"


def describe_terminal(pcx_id: str, space: str, status: str) -> str:
    return f"Peering {pcx_id} in space {space} is {status}: {row_for(status).meaning}"


def after_active(pcx_id: str, space: str, status: str) -> str | None:
    """What a status that ends a peering means once the stack holds it, and what to do; None for the others."""
    if status not in ENDED:
        return None
    return (
        f"{pcx_id} in space {space} reads {status} on Heroku's side ({row_for(status).meaning.split('. ')[0]}); no "
        "traffic flows between the space and the VPC. If AWS reports the peering connection gone too (`aws ec2 "
        f"describe-vpc-peering-connections --vpc-peering-connection-ids {pcx_id}`: deleted, failed, rejected or "
        "expired), the next `pulumi up` requests and accepts a new one. If AWS still reports it active, ask Heroku "
        f"support about {pcx_id}, or delete it (`aws ec2 delete-vpc-peering-connection --vpc-peering-connection-id "
        f"{pcx_id}`) and run `pulumi up` to request a new one."
    )


class PeeringAcceptanceError(HerokuError):
    """The Heroku side cannot be brought to, or read as, ``active``: a terminal status, a refusal, a deadline,
    or a read refresh could not make. The message says why and what to do."""


class PeeringClient(Protocol):
    """What the flow needs of ``HerokuClient``; tests pass a scripted fake."""

    @property
    def rate_limit_remaining(self) -> int | None: ...
    def get_peering(self, space: str, pcx_id: str, timeout: Timeout | None = None) -> Peering: ...
    def accept_peering(self, space: str, pcx_id: str, timeout: Timeout | None = None) -> None: ...
    def space(self, space: str) -> object: ...


@dataclass(frozen=True)
class PollSchedule:
    """Seconds between polls: ``first``, growing by ``factor`` up to ``cap``; slower on a low budget.

    The budget (``RateLimit-Remaining``) is shared by everything using the account.
    """

    first: float = 1.0
    factor: float = 1.5
    cap: float = 10.0
    low_budget: int = 300
    low_budget_factor: float = 3.0

    def delays(self, remaining: Callable[[], int | None]) -> Callable[[], float]:
        """Each call of the returned function gives the next delay."""
        state = {"delay": 0.0}

        def next_delay() -> float:
            previous = state["delay"]
            delay = self.first if previous == 0 else min(self.cap, previous * self.factor)
            state["delay"] = delay
            budget = remaining()
            if budget is not None and budget < self.low_budget:
                return delay * self.low_budget_factor
            return delay

        return next_delay


DEFAULT_SCHEDULE = PollSchedule()
# Seconds for the peering to appear on Heroku's side, then to become active once accepted.
DEFAULT_VISIBILITY_TIMEOUT = 600
DEFAULT_ACTIVATION_TIMEOUT = 1200
Check = Callable[[Peering], None]


class AcceptanceFlow:
    """One create: wait until visible, accept once (or adopt), wait until active."""

    def __init__(
        self,
        client: PeeringClient,
        space: str,
        pcx_id: str,
        progress: Progress,
        schedule: PollSchedule,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        request_timeout: Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        self.client = client
        self.space = space
        self.pcx_id = pcx_id
        self.progress = progress
        self.schedule = schedule
        self.clock = clock
        self.sleep = sleep
        self.request_timeout = request_timeout
        self.accepts_sent = 0
        self.aws_status: str | None = None
        self._space_checked = False
        self._last_status = NOT_LISTED
        self._last_error: HerokuError | None = None

    # -- the two phases ------------------------------------------------------------------

    def run(
        self, visibility_timeout: float, activation_timeout: float, check: Check, aws_status: str | None = None
    ) -> Peering:
        """``check`` sees every peering read before acceptance and raises to refuse it.

        ``aws_status``: the peering connection's status as AWS gave it when the run planned it. While AWS
        says ``pending-acceptance`` nobody has accepted it, whatever Heroku reports: an ``active`` or
        ``provisioning`` read before our accept is then not believed, and the accept is sent."""
        self.aws_status = aws_status
        accepted = self._until_accepted(self.clock() + visibility_timeout, visibility_timeout, check)
        return self._until_active(self.clock() + activation_timeout, activation_timeout, accepted)

    def _before_accept(self, peering: Peering | None) -> Step:
        if peering is None:  # not listed, or the read failed: both mean "not yet" before acceptance
            return row_for(NOT_LISTED).before_accept
        step = row_for(peering.status).before_accept
        if step is Step.ADOPT and self.aws_status in NOT_ACCEPTED:
            return Step.ACCEPT
        return step

    def _until_accepted(self, deadline: float, timeout: float, check: Check) -> Peering:
        next_delay = self._pacing()
        started = self.clock()
        while True:
            peering = self._read(deadline)
            if peering is not None:
                check(peering)
            step = self._before_accept(peering)
            if step is Step.FAIL and peering is not None:
                raise PeeringAcceptanceError(describe_terminal(self.pcx_id, self.space, peering.status))
            if step is Step.ADOPT and peering is not None:
                self.progress(
                    f"{self.pcx_id} is already {peering.status} in space {self.space}; adopting it (no accept sent)"
                )
                return peering
            if step is Step.ACCEPT and peering is not None and self._accept(deadline):
                # No body to read the new status from: read it at once, so that a peering that is already
                # active costs no poll interval (a 404 or a failed read here just leaves the wait to come).
                return self._read(deadline) or peering
            elapsed = self.clock() - started
            if self.clock() >= deadline:
                raise PeeringAcceptanceError(self._visibility_deadline(timeout))
            if self.accepts_sent:
                what = "for Heroku to take the accept"
            elif self._last_error is not None:
                what = "for Heroku to answer"
            else:
                what = "for Heroku to see"
            self.progress(self._waiting(what, elapsed))
            self._pause(next_delay(), deadline)

    def _pacing(self) -> Callable[[], float]:
        """Waiting grows on its own schedule; after a failure (a refused accept, a failed read) retries
        start again from the first delay, so that a transient fault late in a long wait is retried soon."""
        waiting = self.schedule.delays(lambda: self.client.rate_limit_remaining)
        retrying: list[Callable[[], float]] = []

        def next_delay() -> float:
            if self._last_error is None:
                retrying.clear()
                return waiting()
            if not retrying:
                retrying.append(self.schedule.delays(lambda: self.client.rate_limit_remaining))
            return retrying[0]()

        return next_delay

    def _until_active(self, deadline: float, timeout: float, current: Peering) -> Peering:
        next_delay = self._pacing()
        started = self.clock()
        peering: Peering | None = current
        self._last_status, self._last_error = current.status, None
        missing = 0
        while True:
            if peering is not None:
                missing = 0
                step = row_for(peering.status).after_accept
            elif self._last_error is None:  # 404
                missing += 1
                step = Step.RECHECK
            else:
                step = Step.WAIT
            if step is Step.DONE and peering is not None:
                return peering
            if step is Step.FAIL or (step is Step.RECHECK and missing >= GONE_AFTER_404S):
                status = peering.status if peering else "deleted"
                raise PeeringAcceptanceError(describe_terminal(self.pcx_id, self.space, status))
            elapsed = self.clock() - started
            if self.clock() >= deadline:
                raise PeeringAcceptanceError(
                    f"Peering {self.pcx_id} in space {self.space} was not active within {timeout:.0f}s "
                    f"({self._last_seen()}). Provisioning can take up to 20 minutes; run `pulumi up` again to "
                    "keep waiting (the accepted peering is adopted, no second accept is sent), or raise "
                    "activationTimeout."
                )
            self.progress(self._waiting("to become active", elapsed))
            self._pause(next_delay(), deadline)
            peering = self._read(deadline)

    # -- one request each -------------------------------------------------------------------

    def _read(self, deadline: float) -> Peering | None:
        """The peering, or None for a 404 or a failed read (``_last_error`` tells which)."""
        try:
            peering = self.client.get_peering(self.space, self.pcx_id, timeout=self._timeout(deadline))
        except HerokuNotFound:
            self._last_status, self._last_error = NOT_LISTED, None
            self._check_space_once()
            return None
        except (HerokuUnauthorized, HerokuForbidden):
            raise
        except TRANSIENT as error:
            self._last_error = error
            return None
        self._last_status, self._last_error = peering.status, None
        return peering

    def _check_space_once(self) -> None:
        """Heroku answers 404 for an unknown space too: that must fail now, not at the deadline."""
        if self._space_checked:
            return
        try:
            self.client.space(self.space)
        except HerokuNotFound:
            raise
        except TRANSIENT:
            return  # try again on the next 404
        self._space_checked = True

    def _accept(self, deadline: float) -> bool:
        """Send one accept; True when Heroku took it. A refusal leaves the peering to the next read."""
        self.progress(f"accepting {self.pcx_id} in space {self.space}")
        self.accepts_sent += 1
        try:
            self.client.accept_peering(self.space, self.pcx_id, timeout=self._timeout(deadline))
        except (HerokuUnauthorized, HerokuForbidden):
            raise
        except TRANSIENT as error:
            self._last_error = error
            self.progress(f"accept not taken yet ({_short(error)}); reading the peering again before any retry")
            return False
        self._last_error = None
        return True

    # -- timing and messages ---------------------------------------------------------------------

    def _timeout(self, deadline: float) -> Timeout:
        left = max(deadline - self.clock(), 1.0)
        connect, read = self.request_timeout
        return (min(connect, left), min(read, left))

    def _pause(self, delay: float, deadline: float) -> None:
        retry_after = getattr(self._last_error, "retry_after", None) or 0.0
        self.sleep(max(0.0, min(max(delay, retry_after), deadline - self.clock())))

    def _last_seen(self) -> str:
        seen = f"last status: {describe_status(self._last_status)}"
        if self._last_error is not None:
            seen += f"; last error: {self._last_error}"
        return seen

    def _waiting(self, what: str, elapsed: float) -> str:
        return f"waiting {what}: {self.pcx_id} ({elapsed:.0f}s elapsed, {self._last_seen()})"

    def _visibility_deadline(self, timeout: float) -> str:
        if self.aws_status in NOT_ACCEPTED and row_for(self._last_status).before_accept is Step.ADOPT:
            return (
                f"Heroku reports {self.pcx_id} in space {self.space} {self._last_status}, but AWS reported it "
                f"{self.aws_status} (not accepted) when this run planned it, and Heroku did not take the accept "
                f"within {timeout:.0f}s ({self.accepts_sent} attempts; {self._last_seen()}). Heroku's word is not "
                "taken until AWS agrees, so no route was made toward it. Compare `heroku spaces:peerings "
                f"{self.space}` with `aws ec2 describe-vpc-peering-connections --vpc-peering-connection-ids "
                f"{self.pcx_id}`; run `pulumi up` again once AWS shows it active, or ask Heroku support."
            )
        if self._last_status == "pending-acceptance" and self.accepts_sent:
            return (
                f"Heroku did not take the accept of {self.pcx_id} in space {self.space} within {timeout:.0f}s "
                f"({self.accepts_sent} attempts; {self._last_seen()}). Check `heroku spaces:peerings {self.space}`; "
                "run `pulumi up` again to retry, or raise visibilityTimeout."
            )
        return (
            f"Peering {self.pcx_id} did not become visible as pending-acceptance in space {self.space} within "
            f"{timeout:.0f}s ({self._last_seen()}). Heroku usually sees a new request within 1-3 minutes: check "
            "that the request targets the space's VPC and account (`heroku spaces:peering:info`), or raise "
            "visibilityTimeout."
        )


def _short(error: HerokuError) -> str:
    if isinstance(error, HerokuAPIError):
        return f"{error.status} {error.error_id or ''}".strip() + f", Request-Id {error.request_id or 'none'}"
    return str(error)
