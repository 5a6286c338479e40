"""``bandit``: security lint of the Python sources; gates on high and medium severity issues.

bandit's ``errors`` (files it could not parse or read) fail the step closed: an unscanned file
is not a clean file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ferrox import gates
from ferrox.config import setting
from ferrox.context import Context
from ferrox.errors import ConfigError, ToolOutputError
from ferrox.model import Finding, Level, Status, StepResult
from ferrox.project_kind import python_sources
from ferrox.steps.interface import Step
from ferrox.tools import Completed

SUPPORTED = ">=1.7,<2"
_RANKS = {"LOW": 1, "MEDIUM": 2, "HIGH": 3, "UNDEFINED": 0}
_LEVELS = {"HIGH": Level.ERROR, "MEDIUM": Level.WARNING}
# B105-B107 quote the suspected password in their message: never let it reach a report.
_QUOTED = re.compile(r"'([^']*)'")
_QUOTING_TESTS = frozenset({"B105", "B106", "B107"})


@dataclass(frozen=True)
class BanditSettings:
    """``[bandit]``: what to scan and how many issues of each severity the gate accepts."""

    timeout: float = setting(600.0, "seconds before bandit is killed", minimum=1, maximum=86400)
    paths: tuple[str, ...] = setting((), "files or directories to scan (default: the project)")
    max_high: int = setting(0, "high severity issues allowed", minimum=0)
    max_medium: int = setting(0, "medium severity issues allowed", minimum=0)
    min_confidence: Literal["low", "medium", "high"] = setting(
        "low", "issues below this confidence are reported but not counted"
    )
    skip: tuple[str, ...] = setting((), "bandit test ids not run (--skip), e.g. B101")


def run(ctx: Context) -> StepResult:
    """Runs bandit on the Python sources and gates on severity."""
    from ferrox.python import scanners  # noqa: PLC0415

    settings: BanditSettings = ctx.settings
    files, configured = scanners.python_files(ctx.root, settings.paths, "bandit.paths")
    if not files:
        if configured:
            raise ConfigError("the configured paths hold no Python files", key="bandit.paths")
        return StepResult(
            step="bandit",
            tool="bandit",
            status=Status.PASS,
            summary="skipped: no Python sources to scan",
            metrics={"files": 0},
            extra={"skipped": True},
        )
    version = scanners.check_version(ctx, "bandit", SUPPORTED)
    args = ["--format", "json", "--quiet"]
    if settings.skip:
        args += ["--skip", ",".join(settings.skip)]
    args += list(ctx.extra_args)
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for batch in scanners.batches([ctx.relative(path) for path in files]):
        done = ctx.runner.run(
            "bandit",
            # After `--`: a file named `-x.py` (bandit's --exclude) is a file, never an option.
            [*args, "--", *batch],
            cwd=ctx.root,
            timeout=settings.timeout,
            hint=scanners.TOOLS_HINT,
        )
        # bandit exits 0 (no issues) or 1 (issues); anything else is a crash or a usage error.
        if done.returncode not in (0, 1):
            raise ToolOutputError.of(done, f"bandit exited {done.returncode}", "bandit")
        batch_results, batch_errors = _sections(
            scanners.parse_json(done, "bandit", "JSON report"), done
        )
        if done.returncode == 1 and not batch_results:
            raise ToolOutputError.of(done, "bandit exited 1 but reported no issue", "bandit")
        results += batch_results
        errors += batch_errors
    if errors:
        unscanned = "; ".join(f"{e.get('filename')}: {e.get('reason')}" for e in errors[:5])
        raise ToolOutputError(
            f"bandit could not scan {len(errors)} file(s): {unscanned}",
            tool="bandit",
        )
    findings = tuple(_finding(ctx, item) for item in results)
    floor = _RANKS[settings.min_confidence.upper()]
    counted = [item for item in results if _RANKS.get(item["issue_confidence"], 0) >= floor]
    high = sum(1 for item in counted if item["issue_severity"] == "HIGH")
    medium = sum(1 for item in counted if item["issue_severity"] == "MEDIUM")
    low = sum(1 for item in results if item["issue_severity"] == "LOW")
    checks = (
        gates.at_most("high", high, settings.max_high, "high severity issues"),
        gates.at_most("medium", medium, settings.max_medium, "medium severity issues"),
    )
    return StepResult(
        step="bandit",
        tool="bandit",
        status=gates.verdict(checks),
        summary=f"{len(files)} file(s): {high} high, {medium} medium, {low} low",
        findings=findings,
        metrics={"files": len(files), "high": high, "medium": medium, "low": low},
        gates=checks,
        tool_version=version,
    )


def _sections(data: Any, done: Completed) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    from ferrox.python import scanners  # noqa: PLC0415

    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise scanners.shape_error(done, "bandit", "no 'results' list")
    if not isinstance(data.get("errors"), list):
        raise scanners.shape_error(done, "bandit", "no 'errors' list")
    for item in data["results"]:
        if not isinstance(item, dict) or not {
            "test_id",
            "issue_severity",
            "issue_confidence",
            "filename",
            "line_number",
        } <= set(item):
            raise scanners.shape_error(
                done, "bandit", "a result without test id, severity or location"
            )
    return data["results"], data["errors"]


def _finding(ctx: Context, item: dict[str, Any]) -> Finding:
    from ferrox.python import scanners  # noqa: PLC0415

    text = str(item.get("issue_text", ""))
    if item["test_id"] in _QUOTING_TESTS:
        text = _QUOTED.sub(lambda m: f"'{scanners.redact(m[1])}'", text)
    cwe = item.get("issue_cwe") or {}
    cwe_text = f" (CWE-{cwe['id']})" if isinstance(cwe, dict) and cwe.get("id") else ""
    severity = str(item["issue_severity"]).lower()
    confidence = str(item["issue_confidence"]).lower()
    return Finding(
        rule=str(item["test_id"]),
        message=f"{item.get('test_name', item['test_id'])}: {text}{cwe_text} "
        f"[severity {severity}, confidence {confidence}]",
        level=_LEVELS.get(str(item["issue_severity"]), Level.NOTE),
        path=ctx.relative(str(item["filename"])),
        line=int(item["line_number"]),
        column=(int(item["col_offset"]) + 1) if isinstance(item.get("col_offset"), int) else None,
        help_uri=item.get("more_info"),
        detail=f"severity={severity} confidence={confidence}",
    )


def _has_python_sources(root: Path) -> bool:
    # A requirements file alone gives bandit nothing to read: not applicable, not a pass.
    return bool(python_sources(root, limit=1))


STEP = Step(
    name="bandit",
    description="Scan the Python sources for security issues with bandit.",
    report_tool="bandit",
    settings=BanditSettings,
    run=run,
    tags=("python", "security", "ci"),
    needs_cargo=False,
    required_tools=("bandit",),
    applies=_has_python_sources,
)
