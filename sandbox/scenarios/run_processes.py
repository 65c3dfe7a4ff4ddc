"""The live processes of one `pulumi` run, found by a marker in their environment; for tests and benchmarks.

Pulumi passes its environment to the language host and the plugins, and they to what they start, so a marker
in the environment of the command that starts a run (a variable of its own, or a folder only that run uses)
reaches every process of that run and of no other: runs of other tests or cases, at the same time, are never
counted. Pulumi starts each plugin in a process group of its own (pulumi/pulumi
sdk/go/common/util/cmdutil/child_unix.go, ``RegisterProcessGroup``: ``Setpgid``), so killing a run's group
leaves them to notice and exit; this is how tests and probes watch them go.
"""

from __future__ import annotations

from pathlib import Path

# What a run starts: the language host, the sandbox's pulumi-aws, Pulumi's dynamic-provider host.
RUN_PROCESSES = ("pulumi-language-python", "sandbox.aws_plugin", "pulumi.dynamic", "pulumi-resource-pulumi-python")


def marked_processes(marker: str, kinds: tuple[str, ...] = ()) -> dict[int, str]:
    """Live processes whose environment contains ``marker``, with their command lines.

    ``kinds``: only those whose command line names one of them (all when empty). Zombies, and processes that
    exit while they are read, are left out."""
    needle = marker.encode()
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
            if kinds and not any(kind in command for kind in kinds):
                continue
            if needle not in (entry / "environ").read_bytes():
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            found[int(entry.name)] = command
    return found
