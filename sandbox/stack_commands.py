"""``python -m sandbox preview|up|refresh|destroy``: the real ``pulumi`` against a sandbox, set up for it.

Each command is a thin wrapper: it finds (or builds) the CLI, points it at the sandbox's state folder
(``pulumi_environment.py``), writes the stack's config for this sandbox and runs ``pulumi <command>``.
The config is the program's ``Pulumi.<stack>.yaml`` as written, pointed at the sandbox (its
endpoints; the demo peering when the file names none), then the ``-c`` overrides, written to the
sandbox's own copy (``--config-file``), so that the project's stack files are never touched and
nothing of one run's ``-c`` carries into the next. The token and the AWS secret key are set as
secrets (``pulumi config set-all --secret``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import SandboxError
from .pulumi_cli import PROJECT_ROOT, PulumiCli, ensure_cli
from .pulumi_environment import DEFAULT_STATE_DIR, StateFolder, aws_plugin_bin, pulumi_environment
from .stack_summary import render, stack_resources, summarize
from .world.heroku_world import Timings
from .world.local_sandbox import SEED_SPACE_REGION, LocalSandbox, SandboxOptions
from .world.sandbox_info import SandboxInfo

COMMANDS = ("preview", "up", "refresh", "destroy", "cancel")
# The stack `make demo` runs. Not `sandbox`: that one is the user's, made by the commands `serve` prints, and its
# file (Pulumi.sandbox.yaml) names the ids of the sandbox it was made for.
DEMO_STACK = "demo"
PROJECT = "heroku-peering"
SECRET_KEYS = ("heroku:apiKey", "aws:secretKey")
Say = Callable[[str], None]


@dataclass(frozen=True)
class Program:
    """A Pulumi Python program: a directory with its ``Pulumi.yaml``, ``__main__.py`` and stack files."""

    directory: Path = PROJECT_ROOT

    @property
    def project(self) -> dict[str, Any]:
        return dict(yaml.safe_load((self.directory / "Pulumi.yaml").read_text()) or {})

    @property
    def name(self) -> str:
        return str(self.project.get("name") or PROJECT)

    def stack_config(self, stack: str) -> dict[str, Any]:
        """``config:`` of ``Pulumi.<stack>.yaml`` as written (empty when there is no such file)."""
        path = self.directory / f"Pulumi.{stack}.yaml"
        if not path.exists():
            return {}
        return dict((yaml.safe_load(path.read_text()) or {}).get("config") or {})


def add_commands(commands: Any) -> None:
    for name in COMMANDS:
        parser = commands.add_parser(name, help=f"pulumi {name} of a stack on the sandbox")
        parser.add_argument(
            "--sandbox",
            type=Path,
            metavar="READY_FILE",
            help="attach to a sandbox started with `serve --ready-file` (default: start a fresh one)",
        )
        parser.add_argument(
            "--config",
            "-c",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="override stack config for this run (YAML values, e.g. -c 'routeTableIds=[rtb-...]'; KEY= removes "
            "the key; repeatable; unlike `pulumi up -c`, not saved)",
        )
        parser.add_argument(
            "--stack",
            default=DEMO_STACK,
            help=f"stack name: reads Pulumi.<stack>.yaml when the program has one (default {DEMO_STACK}, which has "
            "none: the sandbox's demo peering)",
        )
        parser.add_argument(
            "--program",
            type=Path,
            default=PROJECT_ROOT,
            metavar="DIR",
            help="the Pulumi program to run: a directory with Pulumi.yaml, __main__.py and stack files "
            "(default: this project); this project is importable from it",
        )
        parser.add_argument(
            "--state-dir",
            type=Path,
            default=DEFAULT_STATE_DIR,
            help="where each sandbox's backend and Pulumi home live (default .sandbox-state)",
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help="print the CLI's events (steps, diagnostics, summary) and the clouds' summary as one JSON "
            "document; the CLI's progress goes to stderr",
        )
        parser.add_argument(
            "--aws-plugin",
            choices=("sandbox", "bridged"),
            default="sandbox",
            help="the pulumi-aws the CLI runs: the sandbox's own (default), or pulumi-aws built from "
            "terraform-provider-aws's code, once built (make aws-conformance builds it)",
        )
        parser.add_argument(
            "--no-summary",
            action="store_true",
            help="do not read the clouds back after the command (with --json, the summary is null): for scripts "
            "and tests that read what they need themselves",
        )
        if name in ("up", "refresh", "destroy"):
            parser.add_argument("--skip-preview", action="store_true", help="as `pulumi " + name + " --skip-preview`")
        parser.add_argument(
            "pulumi_args",
            nargs="*",
            metavar="-- PULUMI_FLAGS",
            help=f"more flags for `pulumi {name}`, after --, e.g. -- --import-pending-creates URN ID",
        )


def overrides_from(items: list[str], project: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in items:
        key, separator, value = item.partition("=")
        if not separator:
            raise SandboxError(f"--config {item!r}: use KEY=VALUE, e.g. --config routeTo=space")
        full = key if ":" in key else f"{project}:{key}"
        try:
            found[full] = yaml.safe_load(value) if value else ""
        except yaml.YAMLError as error:
            mark = getattr(error, "problem", None) or "not valid YAML"
            raise SandboxError(f"--config {key}: {value[:80]!r} is {mark}; quote it, e.g. -c '{key}=[...]'") from None
    return found


def stack_config(stack: str, info: SandboxInfo, items: list[str], program: Program) -> dict[str, Any]:
    """The stack file as written, pointed at this sandbox, then the overrides (secrets included).

    The sandbox's demo peering is only a default for a stack file that names none (no space, vpcId or
    peerings). ``-c KEY=`` (no value) removes a key, so that ``-c space= -c vpcId= -c ingress=`` clears the
    demo peering, e.g. for ``-c peerings=[...]``.
    """
    written = program.stack_config(stack)
    config = {**written, **info.endpoint_config()}
    if program.name == PROJECT and not any(f"{PROJECT}:{key}" in written for key in ("space", "vpcId", "peerings")):
        config.update(info.demo_peering_config())
    config["heroku:apiKey"] = info.heroku_api_key
    for key, value in overrides_from(items, program.name).items():
        if value == "":
            config.pop(key, None)
        else:
            config[key] = value
    return config


def run_environment(
    cli: PulumiCli, folder: StateFolder, heroku_url: str | None = None, aws_plugin: str = "sandbox"
) -> dict[str, str]:
    """The caller's environment with the sandbox's variables added, as ``pulumi`` passes its own through.

    Added: the sandbox's backend, Pulumi home, passphrase file and offline switches, PATH and PYTHONPATH
    extended in front (its pulumi-aws and CLI; this project importable from any program), and HEROKU_HOST
    for programs that take no API URL from config. Everything else the caller has (HOME, AWS_PROFILE, what
    the program reads) reaches the program. PULUMI_CONFIG_PASSPHRASE is left out: the CLI prefers it to the
    passphrase file, and the sandbox's stacks are encrypted with the file's.
    """
    caller = {key: value for key, value in os.environ.items() if key != "PULUMI_CONFIG_PASSPHRASE"}
    python_path = os.pathsep.join(filter(None, [str(PROJECT_ROOT), caller.get("PYTHONPATH")]))
    environment = {**caller, **pulumi_environment(cli, folder, aws_plugin=aws_plugin), "PYTHONPATH": python_path}
    if heroku_url:
        environment["HEROKU_HOST"] = heroku_url
    return environment


class StackRun:
    """One ``pulumi`` command on one stack of one sandbox."""

    def __init__(
        self,
        cli: PulumiCli,
        folder: StateFolder,
        program: Program,
        stack: str,
        heroku_url: str | None = None,
        aws_plugin: str = "sandbox",
    ) -> None:
        self.cli = cli
        self.folder = folder.create()
        self.program = program
        self.stack = stack
        self.environment = run_environment(cli, folder, heroku_url, aws_plugin)
        self.workspace = folder.stacks / program.name
        self.config_file = self.workspace / f"Pulumi.{stack}.yaml"

    def _pulumi(self, *args: str, cwd: Path | None = None, capture: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.cli.executable), *args, "--non-interactive"],
            cwd=cwd or self.program.directory,
            env=self.environment,
            capture_output=capture,
            text=True,
            check=False,
        )

    def prepare(self, config: dict[str, Any]) -> None:
        """The stack (made once in this sandbox's backend) and its config file, written anew for this run."""
        self.workspace.mkdir(parents=True, exist_ok=True)
        project = {key: value for key, value in self.program.project.items() if key in ("name", "runtime")}
        (self.workspace / "Pulumi.yaml").write_text(yaml.safe_dump(project))
        if not self.config_file.exists():
            # Run in the sandbox's workspace, so that the salt goes into its copy, not the project's file.
            made = self._pulumi("stack", "init", self.stack, cwd=self.workspace)
            if made.returncode != 0:
                raise SandboxError(
                    f"pulumi stack init {self.stack} failed: {made.stderr.strip() or made.stdout.strip()}"
                )
        before = yaml.safe_load(self.config_file.read_text()) or {}
        secrets = {key: str(config[key]) for key in SECRET_KEYS if config.get(key)}
        fingerprint = hashlib.sha256(json.dumps([before.get("encryptionsalt"), secrets]).encode()).hexdigest()
        fingerprint_file = self.workspace / f".{self.stack}.secrets"
        reused = fingerprint_file.exists() and fingerprint_file.read_text() == fingerprint
        written: dict[str, Any] = {key: before[key] for key in ("encryptionsalt",) if key in before}
        written["config"] = {key: value for key, value in config.items() if key not in SECRET_KEYS}
        if reused:  # the same secrets as last time: their ciphertexts are still good
            written["config"].update({key: (before.get("config") or {}).get(key) for key in secrets})
        self.config_file.write_text(yaml.safe_dump(written, sort_keys=False))
        if secrets and not reused:
            args = [f"--secret={key}={value}" for key, value in secrets.items()]
            done = self._pulumi("config", "set-all", "-s", self.stack, "--config-file", str(self.config_file), *args)
            if done.returncode != 0:
                raise SandboxError(f"pulumi config set-all failed: {done.stderr.strip() or done.stdout.strip()}")
            fingerprint_file.write_text(fingerprint)

    def command_line(self, command: str, *, skip_preview: bool, json_output: bool) -> list[str]:
        if command == "cancel":  # the lock a killed run leaves in the backend
            return ["cancel", "-s", self.stack, "--yes"]
        args = [command, "-s", self.stack, "--config-file", str(self.config_file)]
        if command == "preview":
            args.append("--diff")
        else:
            args.append("--yes")
            if skip_preview:
                args.append("--skip-preview")
        if json_output:
            args.append("--json")
        return args

    def run(
        self, command: str, *, skip_preview: bool = False, json_output: bool = False, extra: tuple[str, ...] = ()
    ) -> tuple[int, list[Any]]:
        """The CLI's exit code, and with ``json_output`` its JSON documents (events and the preview's result)."""
        json_output = json_output and command != "cancel"
        args = [
            str(self.cli.executable),
            *self.command_line(command, skip_preview=skip_preview, json_output=json_output),
            *extra,
            "--non-interactive",
        ]
        if not json_output:
            return subprocess.run(args, cwd=self.program.directory, env=self.environment, check=False).returncode, []
        process = subprocess.Popen(
            args, cwd=self.program.directory, env=self.environment, stdout=subprocess.PIPE, text=True
        )
        documents = list(_json_documents(process.stdout or iter(())))
        return process.wait(), documents

    def export(self) -> dict[str, Any]:
        done = self._pulumi("stack", "export", "-s", self.stack)
        if done.returncode != 0:
            raise SandboxError(f"pulumi stack export failed: {done.stderr.strip()}")
        exported: dict[str, Any] = json.loads(done.stdout)
        return exported


def _json_documents(lines: Iterator[str]) -> Iterator[Any]:
    """The CLI's ``--json`` output: the preview's document, then one engine event per line. Diagnostics
    (the provider's progress, warnings, errors) are echoed to stderr as they come."""
    decoder = json.JSONDecoder()
    buffer = ""
    for line in lines:
        buffer += line
        # A document ends on a line of its own that starts at the margin: an event's one line, or the
        # preview's closing brace (its document is indented). Inner lines are not tried: that was quadratic.
        if line[:1].isspace():
            continue
        while buffer.strip():
            try:
                document, end = decoder.raw_decode(buffer.lstrip())
            except ValueError:
                break
            buffer = buffer.lstrip()[end:]
            diagnostic = document.get("diagnosticEvent") if isinstance(document, dict) else None
            if diagnostic and diagnostic.get("severity") != "debug":
                print(f"{diagnostic.get('prefix', '')}{diagnostic.get('message', '').rstrip()}", file=sys.stderr)
            yield document


def _is_preview_digest(document: dict[str, Any]) -> bool:
    """The preview's one document (display.PreviewDigest): its fields are omitempty, so a preview that failed
    before its summary (a refresh step refused) has diagnostics but no changeSummary, and maybe no steps."""
    return not any(key.endswith("Event") for key in document) and bool(
        {"steps", "changeSummary", "diagnostics"} & set(document)
    )


def events_report(documents: list[Any]) -> dict[str, Any]:
    """What a test or script needs of the CLI's JSON: the steps, the diagnostics and the change counts."""
    steps: list[dict[str, Any]] = []
    diagnostics: list[dict[str, Any]] = []
    report: dict[str, Any] = {
        "steps": steps,
        "diagnostics": diagnostics,
        "changes": {},
        "result": None,
        "preview": None,
    }
    for document in documents:
        if not isinstance(document, dict):
            continue
        if _is_preview_digest(document):
            report["preview"] = {
                "changes": document.get("changeSummary") or {},
                "steps": [_step(step) for step in document.get("steps") or []],
            }
            for diagnostic in document.get("diagnostics") or []:
                severity = diagnostic.get("severity")
                message = str(diagnostic.get("message", "")).removeprefix(f"{severity}: ")
                diagnostics.append({"severity": severity, "urn": diagnostic.get("urn", ""), "message": message})
        elif "resOutputsEvent" in document or "resOpFailedEvent" in document:
            event = document.get("resOutputsEvent") or document["resOpFailedEvent"]
            steps.append({**_step(event["metadata"]), "failed": "resOpFailedEvent" in document})
        elif "diagnosticEvent" in document:
            diagnostic = document["diagnosticEvent"]
            if diagnostic.get("severity") != "debug":
                diagnostics.append(
                    {
                        "severity": diagnostic.get("severity"),
                        "urn": diagnostic.get("urn", ""),
                        "message": diagnostic.get("message", ""),
                    }
                )
        elif "summaryEvent" in document:
            report["changes"] = document["summaryEvent"].get("resourceChanges") or {}
            report["result"] = document["summaryEvent"].get("result")
    if report["result"] is None and report["preview"] is not None:  # a preview: its document is the result
        report["changes"] = report["preview"]["changes"]
    return report


def _step(metadata: dict[str, Any]) -> dict[str, Any]:
    urn = str(metadata.get("urn", ""))
    return {
        "op": metadata.get("op"),
        "urn": urn,
        "type": metadata.get("type") or urn.split("::")[-2].rsplit("$", maxsplit=1)[-1],
        "name": str(metadata.get("urn", "")).rsplit("::", 1)[-1],
        # Engine events name them diffs and keys; the preview's document diffReasons and replaceReasons.
        "diffs": metadata.get("diffs") or metadata.get("diffReasons") or [],
        "replaces": metadata.get("keys") or metadata.get("replaceReasons") or [],
        "detailedDiff": metadata.get("detailedDiff") or {},
    }


@contextmanager
def sandbox_for(ready_file: Path | None, say: Say) -> Iterator[tuple[SandboxInfo, bool]]:
    """The sandbox to run against (attached, or fresh for this command), and whether it is fresh."""
    if ready_file is not None:
        try:
            yield SandboxInfo.load(ready_file), False
        except FileNotFoundError:
            raise SandboxError(
                f"--sandbox {ready_file}: no such ready file (is `python -m sandbox serve` running?)"
            ) from None
        return
    # The seed article's layout, as `serve` makes it; the stack is given this sandbox's ids (stack_config).
    sandbox = LocalSandbox(SandboxOptions(timings=Timings(), space_region=SEED_SPACE_REGION))
    try:
        info = sandbox.start()
        say(f"Started a fresh sandbox: Heroku {info.heroku_url}, AWS {info.aws_endpoint_url}")
        yield info, True
    finally:
        sandbox.stop()


def run(args: argparse.Namespace) -> int:
    out = sys.stderr if args.json else sys.stdout

    def say(line: str) -> None:
        print(line, file=out, flush=True)

    program = Program(args.program.resolve())
    if not (program.directory / "Pulumi.yaml").exists() or not (program.directory / "__main__.py").exists():
        say(f"error: --program {args.program}: a Pulumi program needs Pulumi.yaml and __main__.py there")
        return 1
    try:
        overrides_from(args.config, program.name)  # a malformed -c fails before anything starts
        aws_plugin_bin(args.aws_plugin)  # so does an --aws-plugin bridged that is not built
        cli = ensure_cli(say)
        with sandbox_for(args.sandbox, say) as (info, fresh):
            folder = StateFolder(args.state_dir.resolve(), info.sandbox_id)
            try:
                stack = StackRun(cli, folder, program, args.stack, info.heroku_url, args.aws_plugin)
                for mended in folder.mend_killed_writes():
                    say(
                        f"note: removed {mended}, left empty by a killed run (Pulumi's file backend writes it "
                        "in two steps); the CLI could not load the stack's checkpoint with it"
                    )
                stack.prepare(stack_config(args.stack, info, args.config, program))
                code, documents = stack.run(
                    args.command,
                    skip_preview=getattr(args, "skip_preview", False),
                    json_output=args.json,
                    extra=tuple(args.pulumi_args),
                )
                # Read back only when it is shown: a preview or cancel prints none, and --no-summary asks for none.
                shown = args.json or args.command not in ("preview", "cancel")
                summary = summarize(info, stack_resources(stack.export())) if shown and not args.no_summary else None
            finally:
                if fresh:
                    folder.remove()
    except SandboxError as error:
        say(f"error: {error}")
        return 1
    if args.json:
        print(json.dumps({**events_report(documents), "exit_code": code, "summary": summary}, indent=2))
    elif summary is not None:
        say(render(summary))
    return code
