"""The severity gates and settings shared by the dependency scanners (audit, pip-audit, safety)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import ClassVar, Literal

from ferrox import gates
from ferrox.config import setting
from ferrox.model import GateCheck
from ferrox.vulns.ignores import Ignore
from ferrox.vulns.severity import Severity


@dataclass(frozen=True)
class SeverityGates:
    """Settings every dependency scanner has: ignores and the per-severity gates."""

    # Old spellings: config loading says which key replaced them.
    RENAMED: ClassVar[Mapping[str, str]] = {"unscored_severity": "unknown_severity"}

    max_critical: int = setting(0, "critical vulnerabilities allowed", minimum=0)
    max_high: int = setting(2, "high vulnerabilities allowed (the default fails at 3)", minimum=0)
    high_gate: Literal["fail", "warn"] = setting(
        "fail", "'warn' reports too many high vulnerabilities without failing"
    )
    unknown_severity: Literal["critical", "high", "medium", "low"] = setting(
        "high", "how an advisory without a CVSS score is counted"
    )
    ignore: tuple[Ignore, ...] = setting(
        (), "[[<step>.ignore]] entries: id (or alias), reason, expires; an expired one fails"
    )


def counted(severity: Severity, settings: SeverityGates) -> Severity:
    """The severity an advisory is gated as (an unscored one counted as configured)."""
    if severity is Severity.UNKNOWN:
        return Severity(settings.unknown_severity)
    return severity


def count_severities(severities: Iterable[Severity]) -> dict[Severity, int]:
    """How many advisories of each severity (every severity present, zero or not)."""
    counts = dict.fromkeys(Severity, 0)
    for severity in severities:
        counts[severity] += 1
    return counts


def severity_checks(
    counts: Mapping[Severity, int], settings: SeverityGates, *, warn_note: str
) -> tuple[GateCheck, GateCheck]:
    """The critical and high gates; in ``warn`` mode too many highs pass, marked ``warn_note``."""
    high = gates.at_most("high", counts[Severity.HIGH], settings.max_high, "high vulnerabilities")
    if settings.high_gate == "warn" and not high.passed:
        high = GateCheck(
            high.name, high.actual, high.limit, True, f"{high.description} {warn_note}"
        )
    critical = gates.at_most(
        "critical", counts[Severity.CRITICAL], settings.max_critical, "critical vulnerabilities"
    )
    return critical, high


def expired_check(expired: int) -> GateCheck:
    """Expired ignores fail: an acceptance nobody renewed is not an acceptance."""
    return gates.at_most("expired_ignores", expired, 0, "expired ignores")
