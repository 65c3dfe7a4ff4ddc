"""The test layers (pyproject.toml's markers): each test belongs to exactly one; `make test-fast` runs the first two."""

from __future__ import annotations

LAYERS = ("provider", "program", "sandbox", "e2e")
