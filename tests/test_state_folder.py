"""The sandbox's state folder mends what a killed run leaves in Pulumi's file backend, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.pulumi_environment import StateFolder

pytestmark = pytest.mark.sandbox


def test_an_empty_attrs_file_left_by_a_kill_is_removed_and_the_rest_kept(tmp_path: Path) -> None:
    folder = StateFolder(tmp_path, "0123456789abcdef").create()
    stacks = folder.backend / ".pulumi" / "stacks" / "heroku-peering"
    stacks.mkdir(parents=True)
    checkpoint = stacks / "live.json"
    checkpoint.write_text('{"version": 3}')
    (stacks / "live.json.attrs").write_text("")  # truncated, then the run was killed before the write
    kept = stacks / "other.json.attrs"
    kept.write_text('{"user.content_type": "application/octet-stream"}\n')
    assert folder.mend_killed_writes() == [stacks / "live.json.attrs"]
    assert not (stacks / "live.json.attrs").exists() and kept.exists() and checkpoint.exists()
    assert folder.mend_killed_writes() == []
