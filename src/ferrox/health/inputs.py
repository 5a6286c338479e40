"""The score's inputs: other steps' JSON reports, cargo-outdated's JSON, git's log.

Nothing is measured twice: clippy warnings and vulnerabilities are read from the reports the
``clippy``, ``audit``, ``pip-audit``, ``safety`` (or ``security``) steps wrote in the report
directory. A report that exists but cannot be read is a tool error, never a silent zero.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ferrox.errors import ToolError

VULNERABILITY_SCANNERS = ("audit", "pip-audit", "safety")


@dataclass(frozen=True)
class ReportInputs:
    """What the reports in the report directory say, and which reports were read."""

    clippy_warnings: int | None
    vulnerabilities: int | None
    sources: tuple[str, ...]


def read_report(path: Path) -> dict[str, Any] | None:
    """A step's JSON report, or None when there is none; unreadable: ToolError."""
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ToolError(f"health: cannot read the report {path}: {exc}", tool="ferrox") from exc
    if not isinstance(data, dict) or not isinstance(data.get("metrics", {}), dict):
        raise ToolError(f"health: {path} is not a ferrox step report", tool="ferrox")
    return data


def from_reports(report_dir: Path) -> ReportInputs:
    """Clippy warnings and vulnerability counts from the reports that exist."""
    sources: list[str] = []
    clippy = read_report(report_dir / "clippy.json")
    warnings = None
    if clippy is not None:
        warnings = _count(clippy["metrics"].get("warnings"), report_dir / "clippy.json", "warnings")
        sources.append("clippy.json")
    scanners: dict[str, dict[str, Any]] = {}
    security = read_report(report_dir / "security.json")
    if security is not None:
        for part in security.get("parts", []):
            if isinstance(part, dict) and part.get("step") in VULNERABILITY_SCANNERS:
                scanners[str(part["step"])] = part
        sources.append("security.json")
    for name in VULNERABILITY_SCANNERS:
        # A scanner's own report is as new as the composite's or newer: it wins.
        own = read_report(report_dir / f"{name}.json")
        if own is not None:
            scanners[name] = own
            sources.append(f"{name}.json")
    vulnerabilities = (
        sum(_vulnerabilities(name, report, report_dir) for name, report in scanners.items())
        if scanners
        else None
    )
    return ReportInputs(warnings, vulnerabilities, tuple(sources))


def _vulnerabilities(name: str, report: dict[str, Any], report_dir: Path) -> int:
    if report.get("status") == "error":
        # A scanner that gave no verdict cannot vouch for zero vulnerabilities.
        raise ToolError(
            f"health: the {name} report in {report_dir} holds no verdict (error)", tool="ferrox"
        )
    metrics = report.get("metrics", {})
    if isinstance(metrics, dict) and "vulnerabilities" in metrics:
        return _count(metrics["vulnerabilities"], report_dir / f"{name}.json", "vulnerabilities")
    return len(report.get("findings", []))


def _count(value: Any, path: Path, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ToolError(f"health: {path}: metrics.{key} is not a count ({value!r})", tool="ferrox")
    return int(value)


def count_outdated(text: str) -> int:
    """Dependencies behind their latest release in ``cargo outdated --format json`` output.

    cargo-outdated prints one JSON object per workspace member; a dependency shared by members
    counts once. Unparseable output: ToolError.
    """
    behind: set[str] = set()
    seen = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            member = json.loads(line)
            dependencies = member["dependencies"]
            for dependency in dependencies:
                if dependency["project"] != dependency["latest"]:
                    behind.add(str(dependency["name"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise ToolError(
                f"health: cargo outdated printed unparseable JSON (line {number}: {exc})",
                tool="ferrox",
            ) from exc
        seen += 1
    if not seen:
        raise ToolError("health: cargo outdated printed no report", tool="cargo-outdated")
    return len(behind)
