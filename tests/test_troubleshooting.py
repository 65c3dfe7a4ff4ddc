"""The troubleshooting tables (docs/troubleshooting.md, docs/troubleshooting.ja.md) and the code's error messages
stay in step: every message the code prints has a row with its cause and fix, every row a message."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.program

ROOT = Path(__file__).resolve().parents[1]
# The product's own messages: the program, the provider, the sandbox's commands and proofs, and the refusals of the
# sandbox's pulumi-aws that are its own (its per-type modules copy terraform-provider-aws's texts).
SOURCES = [
    *sorted((ROOT / "peering").rglob("*.py")),
    *(p for folder in ("providers", "sandbox") for p in sorted((ROOT / folder).glob("*.py"))),
    *sorted((ROOT / "sandbox" / "proofs").glob("*.py")),  # the IAM proofs' refusals
    ROOT / "sandbox" / "aws_plugin" / "server.py",
    ROOT / "sandbox" / "aws_plugin" / "provider_config.py",
]
# The roots of the three layers' errors (peering/, providers/, sandbox/): a class derived from one names a message.
ERROR_ROOTS = {"PeeringError", "HerokuError", "SandboxError"}


def base_names(node: ast.ClassDef) -> set[str]:
    return {base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "") for base in node.bases}


def error_classes() -> set[str]:
    """Every class of the scanned files that derives from a layer's root, however indirectly."""
    classes = {
        node.name: base_names(node)
        for path in SOURCES
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ClassDef)
    }
    found = set(ERROR_ROOTS)
    while grown := {name for name, bases in classes.items() if bases & found} - found:
        found |= grown
    return found


# Calls that print an error (or a problem of one): their message must have a row.
ERROR_CALLS = {
    "append",  # problems.append(...)
    "problem",
    "fail",
    "RunError",
    *error_classes(),
}


def text_of(node: ast.AST) -> str:
    """A string expression with its placeholders as {} (adjacent literals are already one node)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join("{}" if isinstance(v, ast.FormattedValue) else text_of(v) for v in node.values)
    if isinstance(node, ast.BinOp):
        return text_of(node.left) + text_of(node.right)
    if isinstance(node, (ast.List, ast.Tuple)):
        return " ".join(text_of(e) for e in node.elts)
    return ""


def every_string() -> str:
    return "\n".join(text_of(node) for path in SOURCES for node in ast.walk(ast.parse(path.read_text())))


def error_messages() -> dict[str, str]:
    found = {}
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and node.args:
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if name == "append" and getattr(getattr(node.func, "value", None), "id", "") != "problems":
                    continue  # lines of a display, not problems
                text = " ".join(text_of(arg) for arg in node.args)
                if name in ERROR_CALLS and len(re.sub(r"\{\}|\W", "", text)) >= 20:  # forwarding wrappers aside
                    found[f"{path.relative_to(ROOT)}:{node.lineno}"] = text
    return found


def phrases(readme: str, header: str) -> list[str]:
    block = (ROOT / readme).read_text().split(header, 1)[1].split("\n\n", 1)[0]
    return re.findall(r"^\| `([^`]+)` \|", block, flags=re.MULTILINE)


ENGLISH = phrases("docs/troubleshooting.md", "| message contains | cause | fix |")


def test_every_error_message_has_a_row() -> None:
    orphans = {site: text for site, text in error_messages().items() if not any(p in text for p in ENGLISH)}
    assert orphans == {}


def test_every_row_names_a_message_the_code_prints() -> None:
    strings = every_string()
    assert [p for p in ENGLISH if p not in strings] == []


def test_the_scan_sees_the_messages() -> None:
    """Guards the two tests above: the scan finds the known messages and error classes, and a made-up one is missing."""
    assert len(error_messages()) > 50
    assert {
        "PlanError",
        "LookupProblem",
        "PeeringAcceptanceError",
        "HerokuConfigError",
    } <= ERROR_CALLS
    assert {"SandboxError", "PolicyFileError", "DoctorUsageError", "HerokuCredentialsError"} <= ERROR_CALLS
    assert "the VPC's CIDR {} overlaps the space's {} {}" in every_string()
    assert "this phrase is in no message" not in every_string()


def test_both_languages_have_the_same_rows() -> None:
    assert phrases("docs/troubleshooting.ja.md", "| メッセージに含まれる文言 | 原因 | 直し方 |") == ENGLISH
