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


def test_a_passphrase_another_process_made_meanwhile_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two commands starting at once on a fresh checkout (a parallel suite, two terminals): the one that
    looked first and found no passphrase must not replace the one the other made, or the other's stack,
    encrypted with it, could no longer be read."""
    (tmp_path / "passphrase").write_text("made by the other process")
    exists = Path.exists
    # This process looked before the other made it: it sees no passphrase file.
    monkeypatch.setattr(Path, "exists", lambda path: path.name != "passphrase" and exists(path))
    StateFolder(tmp_path, "0123456789abcdef").create()
    monkeypatch.undo()
    assert (tmp_path / "passphrase").read_text() == "made by the other process"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["0123456789ab", "passphrase"]


def test_a_fresh_state_folder_makes_a_private_passphrase(tmp_path: Path) -> None:
    folder = StateFolder(tmp_path, "0123456789abcdef").create()
    assert len(folder.passphrase_file.read_text()) >= 32
    assert folder.passphrase_file.stat().st_mode & 0o777 == 0o600
