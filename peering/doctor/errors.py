"""The doctor's two ways to stop: a usage error (exit 2) and a read that stops the whole diagnosis (exit 1)."""

from __future__ import annotations

from ..errors import PeeringError


class DoctorUsageError(PeeringError):
    """Bad input or setup: the message names the option or setting, the value and the fix."""


class DoctorReadError(PeeringError):
    """AWS or Heroku could not be read at all; the message keeps their reason (status, error id, request id)."""
