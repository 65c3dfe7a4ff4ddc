"""The sandbox's one error root: what `python -m sandbox` reports as ``error: ...`` without a traceback."""

from __future__ import annotations


class SandboxError(Exception):
    """A sandbox command cannot go on; the message says why and what to do."""
