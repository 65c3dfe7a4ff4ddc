"""Waiting for Heroku: until a new AWS request is visible, and until an accepted peering is active.

Polls back off from about a second to at most ten seconds, and slow down further when the
account's shared request budget (``RateLimit-Remaining``) runs low.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from .heroku_api import HerokuClient
from .heroku_errors import HerokuError, HerokuNotFound
from .heroku_models import ACCEPTED_STATUSES, PENDING_STATUSES, TERMINAL_STATUSES, Peering

Progress = Callable[[str], None]

STATUS_MEANINGS = {
    "failed": (
        "AWS marked the peering connection failed, almost always because the VPC's CIDRs overlap the "
        "space's vpc_cidr or unavailable_cidr_blocks. Delete this peering connection and request one from "
        "a VPC whose ranges do not overlap (`heroku spaces:peering:info` lists them)."
    ),
    "expired": (
        "the request expired before it was accepted (unaccepted AWS peering requests expire after 7 days). "
        "Replace the AWS peering connection (`pulumi up --replace <its URN>`) to request a new one."
    ),
    "rejected": (
        "the request was rejected on Heroku's side. Check that the space and the peer account are the ones "
        "you meant, then replace the AWS peering connection to request again."
    ),
    "deleted": (
        "the peering was deleted, from the AWS side or with `heroku spaces:peerings:destroy`. Run "
        "`pulumi refresh` and then `pulumi up` to request a new one."
    ),
}


class PeeringWaitError(HerokuError):
    """A wait ended without the wanted status: a terminal state or a deadline."""


@dataclass(frozen=True)
class PollSchedule:
    """Seconds between polls: ``first``, growing by ``factor`` up to ``cap``."""

    first: float = 1.0
    factor: float = 1.5
    cap: float = 10.0
    low_budget: int = 300
    low_budget_factor: float = 3.0

    def delays(self, remaining: Callable[[], int | None]) -> Callable[[], float]:
        """A generator-like callable: each call gives the next delay."""
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


def describe_terminal(pcx_id: str, space: str, status: str) -> str:
    meaning = STATUS_MEANINGS.get(status, "Heroku reports a status this tool does not know.")
    return f"Peering {pcx_id} in space {space} is {status}: {meaning}"


class PeeringWaiter:
    """Polls one peering; clock and sleep are injectable so the schedule can be tested and measured."""

    def __init__(
        self,
        client: HerokuClient,
        space: str,
        pcx_id: str,
        progress: Progress,
        schedule: PollSchedule | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.space = space
        self.pcx_id = pcx_id
        self.progress = progress
        self.schedule = schedule or PollSchedule()
        self.clock = clock
        self.sleep = sleep

    def wait_visible(self, timeout: float) -> Peering:
        """Until Heroku lists the request (or it is already past pending). 404 means 'not yet'."""
        started = self.clock()
        next_delay = self.schedule.delays(lambda: self.client.rate_limit_remaining)
        last = "not visible yet"
        space_checked = False
        while True:
            try:
                peering = self.client.get_peering(self.space, self.pcx_id)
            except HerokuNotFound:
                peering = None
                if not space_checked:
                    # Heroku answers 404 for an unknown space too: that must fail now, not at the deadline.
                    self.client.space(self.space)
                    space_checked = True
            if peering is not None:
                if peering.status not in ("initiating-request",):
                    return peering
                last = peering.status
            elapsed = self.clock() - started
            if elapsed >= timeout:
                raise PeeringWaitError(
                    f"Peering {self.pcx_id} did not become visible to Heroku in space {self.space} within "
                    f"{timeout:.0f}s (last seen: {last}). Heroku usually sees a new request within 1-3 "
                    "minutes: check that the request targets the space's VPC and account "
                    "(`heroku spaces:peering:info`), or raise visibilityTimeout."
                )
            self.progress(f"waiting for Heroku to see {self.pcx_id} ({elapsed:.0f}s elapsed, status: {last})")
            self._sleep_until(next_delay(), started + timeout)

    def wait_active(self, timeout: float, current: Peering) -> Peering:
        """Until ``active``; a terminal status or the deadline raises with what it means."""
        started = self.clock()
        next_delay = self.schedule.delays(lambda: self.client.rate_limit_remaining)
        peering = current
        while True:
            if peering.status == "active":
                return peering
            if peering.status in TERMINAL_STATUSES:
                raise PeeringWaitError(describe_terminal(self.pcx_id, self.space, peering.status))
            if peering.status not in ACCEPTED_STATUSES | PENDING_STATUSES:
                raise PeeringWaitError(describe_terminal(self.pcx_id, self.space, peering.status))
            elapsed = self.clock() - started
            if elapsed >= timeout:
                raise PeeringWaitError(
                    f"Peering {self.pcx_id} in space {self.space} was not active within {timeout:.0f}s "
                    f"(last status: {peering.status}). Provisioning can take up to 20 minutes; run "
                    "`pulumi up` again to keep waiting (the accepted peering is adopted), or raise "
                    "activationTimeout."
                )
            self.progress(
                f"waiting for {self.pcx_id} to become active ({elapsed:.0f}s elapsed, status: {peering.status})"
            )
            self._sleep_until(next_delay(), started + timeout)
            try:
                peering = self.client.get_peering(self.space, self.pcx_id)
            except HerokuNotFound:
                peering = Peering(pcx_id=self.pcx_id, type="unknown", status="deleted")

    def _sleep_until(self, delay: float, deadline: float) -> None:
        self.sleep(max(0.0, min(delay, deadline - self.clock())))
