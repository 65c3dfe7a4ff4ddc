"""Heroku's per-account request budget: a token bucket."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

# Heroku's documented budget per account: 4,500 requests, refilled at 75 a minute.
HEROKU_CAPACITY = 4500
HEROKU_REFILL_PER_MINUTE = 75.0


class TokenBucket:
    """``capacity`` tokens, refilled continuously at ``refill_per_minute``."""

    def __init__(
        self,
        capacity: int = HEROKU_CAPACITY,
        refill_per_minute: float = HEROKU_REFILL_PER_MINUTE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = capacity
        self.refill_per_second = refill_per_minute / 60.0
        self._clock = clock
        self._tokens = float(capacity)
        self._stamp = clock()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.refill_per_second)
        self._stamp = now

    def take(self) -> bool:
        """Spend one token; False when the bucket is empty."""
        with self._lock:
            self._refill()
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True

    @property
    def remaining(self) -> int:
        with self._lock:
            self._refill()
            return int(self._tokens)
