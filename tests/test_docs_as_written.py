"""Every page's shell blocks run as printed, in page order, as a user following the page would run them.

Each page runs in a scratch copy of the project (its files as in this checkout, in a git repository of
their own), in one shell whose exports and directory carry from block to block, with a fresh HOME and
none of the caller's AWS, Heroku or Pulumi variables. What the copy has before the first block is what
a user has after `make demo`: a virtualenv seeing the installed locks, the built Pulumi CLI in
`.cache/`; on PATH, the official Heroku CLI and the AWS CLI, as a user has them installed.

A page that links the README's sandbox section starts the sandbox as that section says (its `serve`
block, in a terminal of its own) and runs the lines `serve` printed under its heading; a page with a
`serve` block of its own does so at that block. Placeholders (`<vpc-id>`) are filled from the served
sandbox and nothing else is changed. After the last block, no tracked file may have changed.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sandbox.printed_commands import printed_block
from sandbox.world.sandbox_info import SandboxInfo
from tests.support.docs_pages import PLACEHOLDER, ROOT, SANDBOX_SECTION, Block, blocks, links, pages

pytestmark = pytest.mark.e2e

CALLERS_OWN = ("AWS_", "HEROKU_", "PULUMI_")
# The official Heroku CLI's own switches: no update check or telemetry from a scratch HOME.
HEROKU_CLI_QUIET = {
    "HEROKU_SKIP_NEW_VERSION_CHECK": "true",
    "HEROKU_DISABLE_AUTOUPDATE": "true",
    "DISABLE_TELEMETRY": "true",
}
# One block may build the CLI or make a whole stack under load; the page's test allows the sum.
BLOCK_TIMEOUT = 1200
RUNNER = """set -eo pipefail
source "$STATE/env.sh"
cd "$(cat "$STATE/cwd")"
set -u
source "$STATE/block.sh"
set +u
export -p | grep -v -E '^declare -x (SHELLOPTS|BASHOPTS)=' > "$STATE/env.sh"
pwd > "$STATE/cwd"
"""


def runnable(page: str) -> list[Block]:
    return [b for b in blocks(page) if b.kind in ("run", "own terminal", "fails")]


def starts_readme_sandbox(page: str) -> bool:
    return page != "README.md" and any(target.endswith(SANDBOX_SECTION) for target in links(page))


RUN_PAGES = [page for page in pages() if page != "README.ja.md" and runnable(page)]  # ja: the same blocks


def scratch_copy(into: Path) -> Path:
    """The project's files as in this checkout, committed in a repository of their own."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, into / name)  # mtimes kept: make sees the installs as up to date
    for command in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.name=docs", "-c", "user.email=docs@localhost", "commit", "-qm", "as the user has it"],
    ):
        subprocess.run(["git", *command], cwd=into, check=True, capture_output=True)
    # What `make demo` leaves: a virtualenv with the locked packages (this checkout's, seen through a .pth
    # file, so that nothing the page does reaches them) and the Pulumi CLI in .cache/.
    # Its own pip: what `python3 -m venv .venv` leaves, so that the pages' pip finds the packages installed.
    subprocess.run([sys.executable, "-m", "venv", str(into / ".venv")], check=True)
    [site] = (into / ".venv" / "lib").glob("python*/site-packages")
    [installed] = (ROOT / ".venv" / "lib").glob("python*/site-packages")
    (site / "installed-locks.pth").write_text(f"{installed}\n")
    (into / ".venv" / "bin" / ".installed").touch()
    (into / ".cache").symlink_to(ROOT / ".cache")
    return into


def tools(into: Path) -> Path:
    """The CLIs a user has installed: the official Heroku CLI and the AWS CLI."""
    into.mkdir()
    for name, target in (
        ("heroku", ROOT / ".cache" / "heroku-cli" / "node_modules" / ".bin" / "heroku"),
        ("aws", ROOT / ".venv" / "bin" / "aws"),
    ):
        assert target.exists(), f"{target}: run `make test`, which installs it"
        (into / name).symlink_to(target)
    return into


class Session:
    """One user's terminal on one page, and the terminals the page starts beside it."""

    def __init__(self, page: str, workdir: Path) -> None:
        self.page = page
        self.project = scratch_copy(workdir / "project")
        self.state = workdir / "shell"
        self.state.mkdir()
        home = workdir / "home"
        home.mkdir()
        caller = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(CALLERS_OWN) and k not in ("VIRTUAL_ENV", "PYTHONPATH")
        }
        path = [
            p
            for p in caller.get("PATH", "").split(os.pathsep)
            if Path(p).resolve() != (ROOT / ".venv" / "bin").resolve()
        ]
        env = {
            **caller,
            **HEROKU_CLI_QUIET,
            "HOME": str(home),
            "PATH": os.pathsep.join([str(tools(workdir / "tools")), *path]),
        }
        exported = subprocess.run(
            ["bash", "-c", "export -p"], env=env, capture_output=True, text=True, check=True
        ).stdout
        (self.state / "env.sh").write_text(exported)
        (self.state / "cwd").write_text(str(self.project))
        self.terminals: list[tuple[subprocess.Popen[bytes], Path]] = []
        self.log: list[str] = []
        self._filled: dict[str, str] = {}

    def run(self, block: Block, text: str | None = None) -> subprocess.CompletedProcess[str]:
        (self.state / "block.sh").write_text(text if text is not None else self.fill(block))
        done = subprocess.run(
            ["bash", "-c", RUNNER],
            env={"STATE": str(self.state), "PATH": os.environ.get("PATH", "")},
            capture_output=True,
            text=True,
            timeout=BLOCK_TIMEOUT,
            check=False,
        )
        self.log.append(f"--- {block.where} (exit {done.returncode})\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
        return done

    def start_terminal(self, block: Block) -> list[str]:
        """A command that keeps running, in a terminal of its own; returns the lines it printed to run."""
        log = self.state / f"terminal-{len(self.terminals)}.log"
        env = dict(line.split("=", 1) for line in self._environment().splitlines() if "=" in line)
        process = subprocess.Popen(
            ["bash", "-c", f"set -euo pipefail\n{self.fill(block)}"],
            cwd=self.project,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.terminals.append((process, log))
        deadline = time.monotonic() + BLOCK_TIMEOUT
        while not printed_block(log.read_text()):  # empty until printed whole
            assert process.poll() is None and time.monotonic() < deadline, f"{block.where}:\n{log.read_text()}"
            time.sleep(0.2)
        self.log.append(f"--- {block.where} (its own terminal)\n{log.read_text()}")
        return printed_block(log.read_text())

    def _environment(self) -> str:
        """The session's exported variables, as NAME=VALUE lines (for a terminal started beside it)."""
        script = f'set -eo pipefail; source "{self.state}/env.sh"; env -0'
        raw = subprocess.run(["bash", "-c", script], capture_output=True, check=True).stdout.decode()
        return "\n".join(item for item in raw.split("\0") if item and "\n" not in item)

    def sandbox(self) -> SandboxInfo:
        ready = [p for p in self.project.glob("*.json") if p.name == "sandbox.json"]
        assert ready, "the page's blocks use the sandbox, but no ready file sandbox.json was written"
        return SandboxInfo.load(ready[0])

    def fill(self, block: Block) -> str:
        """The block with each placeholder replaced by the served sandbox's value (nothing else changed)."""
        return PLACEHOLDER.sub(lambda m: self.value(m["name"]), block.text)

    def value(self, name: str) -> str:
        if name == "stack":
            return "staging"  # a stack of the user's own: no file of the project's
        info = self.sandbox()
        simple = {
            "region": info.region,
            "space": info.space,
            "vpc-id": info.customer_vpc_id,
            "security-group-id": info.security_group_ids[0],
        }
        if name in simple:
            return simple[name]
        if name == "pcx-id":
            live = [
                p["VpcPeeringConnectionId"]
                for p in info.ec2().describe_vpc_peering_connections()["VpcPeeringConnections"]
                if p["RequesterVpcInfo"]["VpcId"] == info.customer_vpc_id
                and p["Status"]["Code"] not in ("deleted", "rejected", "failed", "expired")
            ]
            assert len(live) == 1, f"<pcx-id>: the VPC's live peerings are {live}"
            return str(live[0])
        headers = {"Accept": "application/vnd.heroku+json; version=3", "Authorization": f"Bearer {info.heroku_api_key}"}
        peering_info = requests.get(
            f"{info.heroku_url}/spaces/{info.space}/peering-info", headers=headers, timeout=30
        ).json()
        from_heroku = {
            "heroku-aws-account-id": peering_info["aws_account_id"],
            "heroku-vpc-id": peering_info["vpc_id"],
            "space-region": peering_info["aws_region"],
            "space-vpc-cidr": peering_info["vpc_cidr"],
            "dyno-cidrs": " ".join(peering_info["dyno_cidr_blocks"]),
        }
        return str(from_heroku[name])

    def changed_tracked_files(self) -> str:
        return subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=self.project,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def close(self) -> None:
        for process, _ in self.terminals:  # Ctrl-C, as the README says: the sandbox stops cleanly
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGINT)
        for process, _ in self.terminals:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture
def session(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Session]:
    opened = Session(request.param, tmp_path)
    try:
        yield opened
    finally:
        opened.close()


def follow(session: Session, block: Block) -> None:
    """Do what the page says at this block; fail naming the block and what the shell printed."""
    if block.kind == "own terminal":
        lines = session.start_terminal(block)
        done = session.run(block, "\n".join(lines) + "\n")  # "run the lines it prints", in the page's terminal
        assert done.returncode == 0, f"{block.where}, the lines it printed:\n" + "\n".join(session.log[-2:])
        return
    done = session.run(block)
    if block.kind == "fails":
        assert done.returncode != 0, f"{block.where} is shown to fail, and exited 0:\n{session.log[-1]}"
    else:
        assert done.returncode == 0, "\n".join(session.log[-3:])


@pytest.mark.timeout(3600)
@pytest.mark.parametrize("session", RUN_PAGES, indirect=True, ids=RUN_PAGES)
def test_the_page_runs_as_written(session: Session) -> None:
    page = session.page
    if starts_readme_sandbox(page):
        [serve] = [b for b in blocks("README.md") if b.kind == "own terminal"]
        follow(session, serve)
    for block in runnable(page):
        follow(session, block)
    assert session.changed_tracked_files() == ""


def test_the_pages_that_run_are_found() -> None:
    """Guards the test above: the README and the docs pages with shell blocks are run, new pages included."""
    assert {"README.md", "docs/sandbox.md", "docs/adopting.md", "docs/doctor.md"} <= set(RUN_PAGES)
    [serve] = [b for b in blocks("README.md") if b.kind == "own terminal"]
    assert "--ready-file sandbox.json" in serve.text  # the ready file the placeholders are read from
