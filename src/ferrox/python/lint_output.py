"""ruff's and mypy's JSON output as findings (pure parsers; the steps run the tools)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ferrox.model import Finding, Level


class LintOutputError(ValueError):
    """The tool printed something that is not its documented JSON."""


def parse_ruff_json(text: str, relative: Callable[[str], str]) -> list[Finding]:
    """``ruff check|format --output-format json``: one finding per diagnostic."""
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LintOutputError(f"ruff printed invalid JSON ({exc.msg})") from exc
    if not isinstance(items, list):
        raise LintOutputError("ruff's JSON is not a list of diagnostics")
    return [_ruff_finding(item, relative) for item in items]


def _ruff_finding(item: Any, relative: Callable[[str], str]) -> Finding:
    try:
        location = item.get("location") or {}
        return Finding(
            rule=str(item["code"] or "ruff"),
            message=str(item["message"]),
            level=Level.ERROR,
            path=relative(str(item["filename"])),
            line=int(location["row"]) if location else None,
            column=int(location["column"]) if location else None,
            help_uri=item.get("url") or None,
        )
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise LintOutputError(f"a ruff diagnostic without code, message or file ({exc!r})") from exc


def parse_mypy_json(text: str, relative: Callable[[str], str]) -> list[Finding]:
    """``mypy -O json``: one JSON object per line; notes are kept as notes."""
    findings = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            severity = str(item["severity"])
            findings.append(
                Finding(
                    rule=f"mypy[{item.get('code') or 'misc'}]",
                    message=str(item["message"]),
                    level=Level.ERROR if severity == "error" else Level.NOTE,
                    path=relative(str(item["file"])),
                    line=int(item["line"]) if int(item["line"]) > 0 else None,
                    column=int(item["column"]) + 1 if int(item.get("column", -1)) >= 0 else None,
                    detail=item.get("hint") or None,
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise LintOutputError(
                f"mypy printed a line that is not its JSON: {line[:200]!r}"
            ) from exc
    return findings
