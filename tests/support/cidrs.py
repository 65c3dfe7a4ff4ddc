"""IPv4 CIDRs parsed by hand into integer intervals: the answer property tests compare with, computed without the
``ipaddress`` calls the code under test uses."""

from __future__ import annotations


def interval(cidr: str) -> tuple[int, int]:
    """The first and last address of ``cidr`` as integers (host bits of the address ignored)."""
    address, prefix = cidr.split("/")
    a, b, c, d = (int(part) for part in address.split("."))
    size = 2 ** (32 - int(prefix))
    start = ((a << 24) | (b << 16) | (c << 8) | d) // size * size
    return start, start + size - 1


def dotted(value: int) -> str:
    """An integer address in dotted-quad form."""
    return ".".join(str((value >> shift) & 255) for shift in (24, 16, 8, 0))
