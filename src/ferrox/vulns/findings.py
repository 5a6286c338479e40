"""Dependency vulnerabilities (pip-audit, safety): severities from CVSS, findings and gates."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from ferrox import gates
from ferrox.config import setting
from ferrox.model import Finding, GateCheck, Level, Status


class Severity(str, enum.Enum):
    """CVSS v3/v4 qualitative rating (``unknown`` when the advisory has no score)."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class VulnSettings:
    """Gates and database rules shared by the Python dependency scanners."""

    timeout: float = setting(600.0, "seconds before the tool is killed", minimum=1, maximum=86400)
    requirements: tuple[str, ...] = setting(
        (), "pinned requirements files to audit (default: requirements*.txt in the root)"
    )
    db: str = setting(
        "", "local advisory database directory, relative to the root ('' = the online service)"
    )
    max_db_age_days: int = setting(
        30, "a local database older than this many days is an error (0 = no limit)", minimum=0
    )
    max_critical: int = setting(0, "critical vulnerabilities allowed", minimum=0)
    max_high: int = setting(2, "high vulnerabilities allowed (the default fails at 3)", minimum=0)
    high_gate: Literal["fail", "warn"] = setting(
        "fail", "'warn' reports too many high vulnerabilities without failing"
    )
    unknown_severity: Literal["critical", "high", "medium", "low"] = setting(
        "high", "how an advisory without a CVSS score is counted"
    )
    ignore: tuple[str, ...] = setting(
        (), "advisory ids (or aliases) not counted: 'ID: reason' entries, the reason is required"
    )


@dataclass(frozen=True)
class Vulnerability:
    """One advisory affecting one pinned dependency, located in its requirements file."""

    advisory: str
    aliases: tuple[str, ...]
    package: str
    version: str
    fixed: tuple[str, ...]
    summary: str
    severity: Severity
    score: float | None
    path: str
    line: int
    help_uri: str | None = None


def severity_of_score(score: float | None) -> Severity:
    """The CVSS qualitative rating of a base score."""
    if score is None:
        return Severity.UNKNOWN
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    return Severity.LOW


def cvss_score(vector: str) -> float | None:
    """The base score of a CVSS v3.x or v4.0 vector (None when it cannot be parsed)."""
    # Imported here: only steps that found something pay for the import.
    from cvss import CVSS3, CVSS4  # noqa: PLC0415
    from cvss.exceptions import CVSSError  # noqa: PLC0415

    try:
        if vector.startswith("CVSS:4."):
            return float(CVSS4(vector).base_score)
        if vector.startswith("CVSS:3."):
            return float(CVSS3(vector).scores()[0])
    except (CVSSError, ValueError, KeyError):
        return None
    return None


def parse_ignores(entries: Iterable[str]) -> dict[str, str]:
    """``'ID: reason'`` entries by id; an entry without a reason is rejected by the caller."""
    ignores: dict[str, str] = {}
    for entry in entries:
        advisory, _, reason = entry.partition(":")
        ignores[advisory.strip()] = reason.strip()
    return ignores


def counted_severity(vuln: Vulnerability, settings: VulnSettings) -> Severity:
    """The severity a vulnerability is gated as (unknown counted as configured)."""
    if vuln.severity is Severity.UNKNOWN:
        return Severity(settings.unknown_severity)
    return vuln.severity


def finding(vuln: Vulnerability, settings: VulnSettings) -> Finding:
    """The finding for one vulnerability: advisory id as rule, requirements file line."""
    severity = counted_severity(vuln, settings)
    fixed = ", ".join(vuln.fixed) if vuln.fixed else "no fixed version"
    score = f" (CVSS {vuln.score:g})" if vuln.score is not None else " (no CVSS score)"
    also = f" [{', '.join(vuln.aliases)}]" if vuln.aliases else ""
    level = Level.ERROR if severity in (Severity.CRITICAL, Severity.HIGH) else Level.WARNING
    ignores = parse_ignores(settings.ignore)
    reason = next((ignores[i] for i in (vuln.advisory, *vuln.aliases) if i in ignores), None)
    if reason is not None:
        level = Level.NOTE
    return Finding(
        rule=vuln.advisory,
        message=(
            f"{vuln.package} {vuln.version}: {severity.value}{score}{also}: {vuln.summary} "
            f"(fixed in: {fixed})" + (f" [ignored: {reason}]" if reason is not None else "")
        ),
        level=level,
        path=vuln.path,
        line=vuln.line,
        help_uri=vuln.help_uri,
        detail=severity.value,
        security_severity=vuln.score,
    )


def judge(
    vulns: Iterable[Vulnerability], settings: VulnSettings
) -> tuple[Status, tuple[GateCheck, ...], dict[str, float]]:
    """The verdict, gate checks and per-severity counts for a set of vulnerabilities."""
    ignores = parse_ignores(settings.ignore)
    counts = dict.fromkeys(Severity, 0)
    ignored = 0
    for vuln in vulns:
        if {vuln.advisory, *vuln.aliases} & set(ignores):
            ignored += 1
            continue
        counts[counted_severity(vuln, settings)] += 1
    high = gates.at_most("high", counts[Severity.HIGH], settings.max_high, "high vulnerabilities")
    if settings.high_gate == "warn" and not high.passed:
        high = GateCheck(high.name, high.actual, high.limit, True, high.description + " [warn]")
    checks = (
        gates.at_most(
            "critical", counts[Severity.CRITICAL], settings.max_critical, "critical vulnerabilities"
        ),
        high,
    )
    metrics: dict[str, float] = {severity.value: count for severity, count in counts.items()}
    metrics["ignored"] = ignored
    return gates.verdict(checks), checks, metrics


def database_age_days(newest: dt.datetime, now: dt.datetime | None = None) -> float:
    """Days since ``newest`` (a timezone-aware time)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    return (now - newest).total_seconds() / 86400
