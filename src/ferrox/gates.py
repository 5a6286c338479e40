"""Thresholds turned into verdicts. Steps describe what they measured; gates decide."""

from __future__ import annotations

from collections.abc import Iterable

from ferrox.model import GateCheck, Status


def at_most(name: str, actual: float, limit: float, what: str) -> GateCheck:
    """Passes when ``actual`` does not exceed ``limit``."""
    return GateCheck(
        name=name,
        actual=actual,
        limit=limit,
        passed=actual <= limit,
        description=f"{what}: {_num(actual)} (allowed: at most {_num(limit)})",
    )


def at_least(name: str, actual: float, limit: float, what: str) -> GateCheck:
    """Passes when ``actual`` reaches ``limit``."""
    return GateCheck(
        name=name,
        actual=actual,
        limit=limit,
        passed=actual >= limit,
        description=f"{what}: {_num(actual)} (required: at least {_num(limit)})",
    )


def verdict(checks: Iterable[GateCheck]) -> Status:
    """``fail`` when any check failed, else ``pass``."""
    return Status.PASS if all(check.passed for check in checks) else Status.FAIL


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
