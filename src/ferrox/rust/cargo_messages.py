"""Cargo's ``--message-format json`` stream, turned into findings (shared by clippy and test)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ferrox.model import Finding, Level

CLIPPY_LINTS_URL = "https://rust-lang.github.io/rust-clippy/master/index.html#"
RUSTC_ERROR_URL = "https://doc.rust-lang.org/error_codes/"
_LEVELS = {"error": Level.ERROR, "warning": Level.WARNING}


@dataclass(frozen=True)
class CargoMessages:
    """What one cargo invocation said: diagnostics, whether the build finished, other lines."""

    findings: tuple[Finding, ...]
    build_finished: bool | None
    build_success: bool | None
    other_lines: tuple[str, ...]
    # Lines that look like JSON but do not parse: truncated or corrupted output, never ignorable.
    malformed_lines: tuple[str, ...] = ()


def parse_cargo_messages(
    text: str, relative: Callable[[str], str] = lambda path: path
) -> CargoMessages:
    """Parses cargo's JSON lines; lines that are not JSON (test output) are returned as-is.

    Diagnostics repeated across targets (a lint in ``lib`` and ``lib test``) are kept once.
    """
    findings: dict[tuple[Any, ...], Finding] = {}
    finished: bool | None = None
    success: bool | None = None
    other: list[str] = []
    malformed: list[str] = []
    for line in text.splitlines():
        if not line.startswith("{"):
            other.append(line)
            continue
        message = _json_object(line)
        if message is None or "reason" not in message:
            malformed.append(line)
            continue
        reason = message["reason"]
        if reason == "build-finished":
            finished, success = True, bool(message.get("success"))
        elif reason == "compiler-message":
            finding = diagnostic_to_finding(message.get("message") or {}, relative)
            if finding is not None:
                key = (finding.rule, finding.path, finding.line, finding.column, finding.message)
                findings.setdefault(key, finding)
    return CargoMessages(
        tuple(findings.values()), finished, success, tuple(other), tuple(malformed)
    )


def diagnostic_to_finding(
    diagnostic: dict[str, Any], relative: Callable[[str], str]
) -> Finding | None:
    """One rustc/clippy diagnostic as a finding; None for notes and summary lines."""
    level = _LEVELS.get(str(diagnostic.get("level")))
    text = str(diagnostic.get("message", ""))
    spans = diagnostic.get("spans") or []
    code = (diagnostic.get("code") or {}).get("code")
    if level is None or (not spans and not code and _is_summary(text)):
        return None
    primary = next((s for s in spans if s.get("is_primary")), spans[0] if spans else None)
    rule, help_uri = _rule(code, level)
    return Finding(
        rule=rule,
        message=text,
        level=level,
        path=relative(primary["file_name"]) if primary else None,
        line=primary.get("line_start") if primary else None,
        column=primary.get("column_start") if primary else None,
        end_line=primary.get("line_end") if primary else None,
        end_column=primary.get("column_end") if primary else None,
        help_uri=help_uri,
        detail=diagnostic.get("rendered"),
    )


def compile_errors(findings: Iterable[Finding]) -> list[Finding]:
    """The findings that stop a build (denied lints included)."""
    return [f for f in findings if f.level is Level.ERROR]


def _rule(code: str | None, level: Level) -> tuple[str, str | None]:
    if code and code.startswith("clippy::"):
        return code, CLIPPY_LINTS_URL + code.removeprefix("clippy::")
    if code and code.startswith("E") and code[1:].isdigit():
        return f"rustc::{code}", f"{RUSTC_ERROR_URL}{code}.html"
    if code:
        return f"rustc::{code}", None
    return ("rustc::error" if level is Level.ERROR else "rustc::warning"), None


def _is_summary(text: str) -> bool:
    return text.startswith(("aborting due to", "could not compile")) or text.endswith(
        ("warnings emitted", "warning emitted")
    )


def _json_object(line: str) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
