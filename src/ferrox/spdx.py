"""SPDX license expressions judged against an allowlist (parsing is license-expression's job)."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from license_expression import (
    ExpressionError,
    LicenseSymbol,
    LicenseWithExceptionSymbol,
    Licensing,
    get_spdx_licensing,
)

DEFAULT_ALLOW = (
    "MIT",
    "Apache-2.0",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "ISC",
    "Zlib",
    "Unicode-3.0",
    "MPL-2.0",
)
DEFAULT_RESTRICTIVE = ("GPL", "AGPL", "LGPL", "SSPL")


class Verdict(str, enum.Enum):
    """How a license expression fares against the policy."""

    ALLOWED = "allowed"
    RESTRICTIVE = "restrictive"
    NOT_ALLOWED = "not-allowed"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Judgement:
    """The verdict on one expression, with the expression as license-expression normalised it."""

    verdict: Verdict
    expression: str
    reason: str


@cache
def licensing() -> Licensing:
    """The SPDX license list that ships with license-expression (loaded once; it is large)."""
    return get_spdx_licensing()


def normalise_allowlist(entries: Iterable[str]) -> frozenset[str]:
    """Canonical keys for allowlist entries (``GPL-3.0`` is ``GPL-3.0-only``); bad ones raise."""
    keys = set()
    for entry in entries:
        parsed = licensing().parse(entry)
        if not isinstance(parsed, LicenseSymbol):
            raise ExpressionError(f"{entry!r} is not a single license identifier")
        # A typo ("Apache2") would allow nothing and hide why; custom LicenseRef- ids are fine.
        if licensing().unknown_license_keys(parsed) and not entry.startswith("LicenseRef-"):
            raise ExpressionError(f"{entry!r} is not a known SPDX license identifier")
        keys.add(str(parsed.key))
    return frozenset(keys)


def judge(expression: str | None, allow: frozenset[str], restrictive: tuple[str, ...]) -> Judgement:
    """Whether some choice the expression offers uses only allowed licenses (WITH: its base)."""
    if expression is None or not expression.strip():
        return Judgement(Verdict.UNKNOWN, "", "no license declared")
    try:
        parsed = licensing().parse(expression)
    except ExpressionError as exc:
        return Judgement(Verdict.UNKNOWN, expression, f"not an SPDX expression ({exc})")
    normal = str(parsed)
    if _allowed(parsed, allow):
        return Judgement(Verdict.ALLOWED, normal, "allowed")
    keys = [_key(symbol) for symbol in licensing().license_symbols(parsed, decompose=False)]
    hits = [key for key in keys if key.upper().startswith(tuple(p.upper() for p in restrictive))]
    if hits:
        return Judgement(Verdict.RESTRICTIVE, normal, f"restrictive: {', '.join(hits)}")
    unknown = [
        key for key in keys if key not in allow and key in licensing().unknown_license_keys(parsed)
    ]
    if unknown:
        return Judgement(Verdict.UNKNOWN, normal, f"unknown license key(s): {', '.join(unknown)}")
    return Judgement(Verdict.NOT_ALLOWED, normal, "no choice uses only allowed licenses")


def _allowed(node: Any, allow: frozenset[str]) -> bool:
    if isinstance(node, (LicenseSymbol, LicenseWithExceptionSymbol)):
        # An exception (Apache-2.0 WITH LLVM-exception) only grants more than its base license.
        return _key(node) in allow
    if isinstance(node, licensing().OR):
        return any(_allowed(arg, allow) for arg in node.args)
    if isinstance(node, licensing().AND):
        return all(_allowed(arg, allow) for arg in node.args)
    return False  # pragma: no cover - the parser yields symbols, AND and OR only


def _key(symbol: Any) -> str:
    if isinstance(symbol, LicenseWithExceptionSymbol):
        return str(symbol.license_symbol.key)
    return str(symbol.key)
