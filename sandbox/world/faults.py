"""Seeded, per-route fault injection for the emulator: error answers, latency, dropped connections.

``drop`` closes the connection before the request is processed; ``lost`` processes it and then
closes the connection without answering, so the caller cannot know the request took effect.
"""

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
    lost: float = 0.0
    latency: float = 0.0

    def __post_init__(self) -> None:
        total = self.rate_429 + self.rate_500 + self.rate_503 + self.drop + self.lost
        if not 0.0 <= total <= 1.0:
            raise ValueError(f"fault rates add up to {total}; they must lie in 0..1")
        if self.latency < 0:
            raise ValueError(f"latency {self.latency} must not be negative")


@dataclass(frozen=True)
class Fault:
    kind: str  # "404", "422" (queued only), "429", "500", "503", "drop", "lost" or "none"
    latency: float


RULE_FIELDS = {"429": "rate_429", "500": "rate_500", "503": "rate_503", "drop": "drop", "lost": "lost"}
QUEUE_KINDS = ("404", "422", *RULE_FIELDS)


def parse_fault(option: str) -> tuple[str, str, float]:
    """``ROUTE:KIND=VALUE`` (``accept:429=0.25``, ``*:latency=0.2``) -> (route, rule field, value)."""
    route, _, rest = option.partition(":")
    kind, _, value = rest.partition("=")
    field_name = "latency" if kind == "latency" else RULE_FIELDS.get(kind)
    if not route or field_name is None or not value:
        kinds = ", ".join([*RULE_FIELDS, "latency"])
        raise ValueError(f"--fault {option!r}: use ROUTE:KIND=VALUE with KIND one of {kinds} (e.g. accept:429=0.25)")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"--fault {option!r}: {value!r} is not a number") from None
    return route, field_name, number


def rules_from_options(options: list[str]) -> dict[str, FaultRule]:
    """Several ``--fault`` options, merged per route."""
    fields: dict[str, dict[str, float]] = {}
    for option in options:
        route, field_name, value = parse_fault(option)
        fields.setdefault(route, {})[field_name] = value
    return {route: FaultRule(**values) for route, values in fields.items()}


class FaultInjector:
    """Draws one fault per request from a seeded generator, so a run can be replayed.

    Rules are keyed by route name (``list``, ``accept``...) with ``*`` as the fallback.
    """

    def __init__(self, rules: dict[str, FaultRule] | None = None, seed: int = 0) -> None:
        self.rules = dict(rules or {})
        self._random = random.Random(seed)  # noqa: S311 - reproducible faults, not security
        self._queued: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def configure(self, rules: dict[str, FaultRule], seed: int | None = None) -> None:
        """Replace the rules (and reseed) on a running emulator."""
        with self._lock:
            self.rules = dict(rules)
            if seed is not None:
                self._random.seed(seed)

    def queue(self, route: str, kind: str, count: int = 1) -> None:
        """Force the next ``count`` requests on ``route`` to fail with ``kind``, before any rule."""
        if kind not in QUEUE_KINDS:
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
        for kind, field_name in RULE_FIELDS.items():
            edge += getattr(rule, field_name)
            if roll < edge:
                return Fault(kind, rule.latency)
        return Fault("none", rule.latency)
