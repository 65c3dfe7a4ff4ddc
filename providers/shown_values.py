"""Values as messages show them: never so long that the message drowns (a pasted file, a 100 kB typo)."""

from __future__ import annotations

SHOWN_LENGTH = 80


def shown(value: object) -> str:
    """A value's repr, cut to a readable length, with the length it had."""
    text = repr(value)
    if len(text) <= SHOWN_LENGTH:
        return text
    return f"{text[: SHOWN_LENGTH - 20]}... ({len(text)} characters)"
