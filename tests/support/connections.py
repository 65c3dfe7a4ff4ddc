"""Count the TCP connections urllib3 opens, so a test can say "no retry" without timing it."""

from __future__ import annotations

import pytest
import urllib3.util.connection


def counted_connects(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every TCP connection urllib3 opens from now on, in order (the real ones are still made)."""
    seen: list[tuple[str, int]] = []
    real = urllib3.util.connection.create_connection

    def counting(address, *args, **kwargs):
        seen.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", counting)
    return seen
