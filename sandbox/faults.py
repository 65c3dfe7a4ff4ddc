"""Seeded, per-route fault injection for the emulator: error answers, latency, dropped connections."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class FaultRule:
    """Probabilities (0..1) of each fault on one route, and added latency in seconds."""

    rate_429: float = 0.0
    rate_500: float = 0.0
    rate_503: float = 0.0
    drop: float = 0.0
    latency: float = 0.0

    def __post_init__(self) -> None:
        total = self.rate_429 + self.rate_500 + self.rate_503 + self.drop
        if not 0.0 <= total <= 1.0:
            raise ValueError(f"fault rates add up to {total}; they must lie in 0..1")
        if self.latency < 0:
            raise ValueError(f"latency {self.latency} must not be negative")


@dataclass(frozen=True)
class Fault:
    kind: str  # "422" (queued only), "429", "500", "503", "drop" or "none"
    latency: float


class FaultInjector:
    """Draws one fault per request from a seeded generator, so a run can be replayed.

    Rules are keyed by route name (``list``, ``accept``...) with ``*`` as the fallback.
    """

    def __init__(self, rules: dict[str, FaultRule] | None = None, seed: int = 0) -> None:
        self.rules = dict(rules or {})
        self._random = random.Random(seed)  # noqa: S311 - reproducible faults, not security
        self._queued: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def queue(self, route: str, kind: str, count: int = 1) -> None:
        """Force the next ``count`` requests on ``route`` to fail with ``kind``, before any rule."""
        if kind not in ("422", "429", "500", "503", "drop"):
            raise ValueError(f"unknown fault kind {kind!r}")
        with self._lock:
            self._queued.setdefault(route, []).extend([kind] * count)

    def draw(self, route: str) -> Fault:
        with self._lock:
            queued = self._queued.get(route)
            if queued:
                return Fault(queued.pop(0), 0.0)
        rule = self.rules.get(route) or self.rules.get("*")
        if rule is None:
            return Fault("none", 0.0)
        with self._lock:
            roll = self._random.random()
        edge = 0.0
        for kind, rate in (("429", rule.rate_429), ("500", rule.rate_500), ("503", rule.rate_503), ("drop", rule.drop)):
            edge += rate
            if roll < edge:
                return Fault(kind, rule.latency)
        return Fault("none", rule.latency)
