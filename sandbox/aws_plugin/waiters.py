"""``retry.StateChangeConf`` as terraform-provider-aws's waiters use it: poll until a target state."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from ..errors import SandboxError

T = TypeVar("T")

POLL_SECONDS = 0.2  # moto settles at once; AWS's own waiters poll every few seconds


class UnexpectedState(SandboxError):
    """A state neither pending nor target; the text is the SDK's ("unexpected state ..., wanted target ...")."""

    def __init__(self, state: str, targets: tuple[str, ...], last_error: str) -> None:
        suffix = f". last error: {last_error}" if last_error else ""
        super().__init__(f"unexpected state '{state}', wanted target '{', '.join(targets)}'{suffix}")
        self.state = state


class WaitTimeout(SandboxError):
    def __init__(self, state: str, targets: tuple[str, ...], seconds: float) -> None:
        super().__init__(
            f"timeout while waiting for state to become '{', '.join(targets)}' (last state: '{state}', "
            f"timeout: {seconds:.0f}s)"
        )


@dataclass(frozen=True)
class StateWaiter(Generic[T]):
    """``refresh`` returns the object and its state (None, "": not found)."""

    pending: tuple[str, ...]
    targets: tuple[str, ...]
    timeout: float
    message: Callable[[T], str] = lambda _: ""
    continuous: int = 1  # ContinuousTargetOccurence: target reads in a row before it counts

    def wait(self, refresh: Callable[[], tuple[T | None, str]]) -> T | None:
        deadline = time.monotonic() + self.timeout
        seen = 0
        while True:
            found, state = refresh()
            seen = seen + 1 if state in self.targets else 0
            if seen >= self.continuous:
                return found
            if state in self.targets:
                time.sleep(POLL_SECONDS)
                continue
            if state not in self.pending and found is not None:
                raise UnexpectedState(state, self.targets, self.message(found))
            if time.monotonic() >= deadline:
                raise WaitTimeout(state, self.targets, self.timeout)
            time.sleep(POLL_SECONDS)
