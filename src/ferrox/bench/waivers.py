"""``[[bench.accept]]``: a benchmark's regression waived for a reason until a date.

The acceptance logic is the vulnerability ignores' (``ferrox.vulns.ignores``): sorted into
active and expired entries by date, matched by key, an expired one reported by name. A waived
regression is still measured and shown in every report; it only stops failing the gate. An
expired waiver fails the gate (exit 1) until it is renewed or removed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from ferrox import gates
from ferrox.config import SettingError
from ferrox.model import Finding, GateCheck, Level
from ferrox.vulns.ignores import Ignores, expired_findings, sort_ignores, unused_findings


@dataclass(frozen=True)
class Waiver:
    """One ``[[bench.accept]]`` entry."""

    benchmark: str = field(
        metadata={
            "help": "suite/benchmark (or a benchmark or suite name) whose regression is waived"
        }
    )
    reason: str = field(metadata={"help": "why the slowdown is accepted"})
    expires: dt.date = field(metadata={"help": "the date the waiver stops applying"})

    def __post_init__(self) -> None:
        for name in ("benchmark", "reason"):
            if not getattr(self, name).strip():
                raise SettingError(name, "must not be empty")

    @property
    def key(self) -> str:
        """What the waiver matches (as threshold overrides do: key, benchmark or suite)."""
        return self.benchmark


Waivers = Ignores[Waiver]


def sort_waivers(entries: Iterable[Waiver], today: dt.date | None = None) -> Waivers:
    """The waivers active today and the expired ones."""
    return sort_ignores(entries, today or dt.date.today())


def waiver_for(waivers: Waivers, key: str) -> Waiver | None:
    """The active waiver of ``suite/benchmark``: by the key, the benchmark, then the suite."""
    suite, _, benchmark = key.partition("/")
    return waivers.match((key, benchmark, suite))


def findings(waivers: Waivers, matched: set[str]) -> list[Finding]:
    """Every waiver in the report: expired ones as errors, active ones as notes (used or not)."""
    notes = [
        Finding(
            rule="bench/waiver",
            message=f"the waiver of {w.benchmark} applies until {w.expires} ({w.reason})",
            level=Level.NOTE,
        )
        for w in waivers.active.values()
        if w.key in matched
    ]
    return [
        *expired_findings(
            "bench", waivers, kind="waiver",
            fix="renew it with a new reason and date, or fix the slowdown",
        ),
        *notes,
        *unused_findings("bench", waivers, matched, kind="waiver", what="regression of this run"),
    ]  # fmt: skip


def check(waivers: Waivers) -> GateCheck:
    """Expired waivers fail: an acceptance nobody renewed is not an acceptance."""
    return gates.at_most("expired_waivers", len(waivers.expired), 0, "expired benchmark waivers")


def as_json(waivers: Waivers, matched: set[str]) -> list[dict[str, str | bool]]:
    """The waivers for the JSON summary."""
    entries = [*waivers.active.values(), *waivers.expired]
    return [
        {
            "benchmark": w.benchmark,
            "reason": w.reason,
            "expires": w.expires.isoformat(),
            "expired": w in waivers.expired,
            "used": w.key in matched,
        }
        for w in entries
    ]
