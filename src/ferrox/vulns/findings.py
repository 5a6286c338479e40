"""Vulnerabilities of pinned Python requirements (pip-audit, safety): findings and the verdict."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from ferrox import gates
from ferrox.config import setting
from ferrox.model import Finding, GateCheck, Level, Status
from ferrox.vulns.gates import (
    SeverityGates,
    count_severities,
    counted,
    expired_check,
    severity_checks,
)
from ferrox.vulns.ignores import (
    Ignore,
    Ignores,
    expired_findings,
    sort_ignores,
    unused_findings,
)
from ferrox.vulns.severity import Severity

# The per-severity metrics of the Python scanners (``none`` only when something scored 0.0).
METRIC_SEVERITIES = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)


@dataclass(frozen=True)
class VulnSettings(SeverityGates):
    """Requirements, database rules and the shared gates of the Python dependency scanners."""

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


@dataclass(frozen=True)
class Verdict:
    """What a set of vulnerabilities comes to: status, findings, gate checks and metrics."""

    status: Status
    findings: tuple[Finding, ...]
    checks: tuple[GateCheck, ...]
    metrics: dict[str, float]


def finding(vuln: Vulnerability, settings: VulnSettings, ignores: Ignores[Ignore]) -> Finding:
    """The finding for one vulnerability: advisory id as rule, requirements file line."""
    severity = counted(vuln.severity, settings)
    fixed = ", ".join(vuln.fixed) if vuln.fixed else "no fixed version"
    score = f" (CVSS {vuln.score:g})" if vuln.score is not None else " (no CVSS score)"
    also = f" [{', '.join(vuln.aliases)}]" if vuln.aliases else ""
    level = Level.ERROR if severity in (Severity.CRITICAL, Severity.HIGH) else Level.WARNING
    ignored = ignores.match((vuln.advisory, *vuln.aliases))
    if ignored is not None:
        level = Level.NOTE
    return Finding(
        rule=vuln.advisory,
        message=(
            f"{vuln.package} {vuln.version}: {severity.value}{score}{also}: {vuln.summary} "
            f"(fixed in: {fixed})" + (f" [ignored: {ignored.reason}]" if ignored else "")
        ),
        level=level,
        path=vuln.path,
        line=vuln.line,
        help_uri=vuln.help_uri,
        detail=severity.value,
        security_severity=vuln.score,
    )


def judge(
    step: str, vulns: Iterable[Vulnerability], settings: VulnSettings, today: dt.date
) -> Verdict:
    """The verdict on a set of vulnerabilities: ignores applied, severities gated."""
    vulns = tuple(vulns)
    ignores = sort_ignores(settings.ignore, today)
    findings = [finding(vuln, settings, ignores) for vuln in vulns]
    matched: set[str] = set()
    gated: list[Severity] = []
    for vuln in vulns:
        entry = ignores.match((vuln.advisory, *vuln.aliases))
        if entry is None:
            gated.append(counted(vuln.severity, settings))
        else:
            matched.add(entry.id)
    counts = count_severities(gated)
    checks: tuple[GateCheck, ...] = severity_checks(counts, settings, warn_note="[warn]")
    if settings.ignore:  # the gate exists once there is something that can expire
        checks += (expired_check(len(ignores.expired)),)
        findings += expired_findings(step, ignores) + unused_findings(step, ignores, matched)
    metrics: dict[str, float] = {s.value: counts[s] for s in METRIC_SEVERITIES}
    if counts[Severity.NONE]:
        metrics[Severity.NONE.value] = counts[Severity.NONE]
    # An unscored advisory is counted as ``unknown_severity``: this stays 0, kept for reports.
    metrics[Severity.UNKNOWN.value] = counts[Severity.UNKNOWN]
    metrics["ignored"] = len(vulns) - len(gated)
    if settings.ignore:
        metrics["expired_ignores"] = len(ignores.expired)
    return Verdict(gates.verdict(checks), tuple(findings), checks, metrics)


def database_age_days(newest: dt.datetime, now: dt.datetime | None = None) -> float:
    """Days since ``newest`` (a timezone-aware time)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    return (now - newest).total_seconds() / 86400
