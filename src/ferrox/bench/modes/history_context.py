"""Main's recent history beside a paired verdict: context for the reader, never part of the gate.

With ``history_remote`` set, paired mode fetches the remote's history ref (read-only: the fetch
lands on a tracking ref; the local ref and history file are left alone) and, for each benchmark,
shows this machine's last runs of it on main: their median and where head's value sits in their
range. The paired verdict does not read any of it, so a missing ref is "no history yet", and an
unreachable remote or a corrupt ref is a warning, never exit 3: the paired gate needs no history.
Modes that judge by the history (history, baseline, compare) keep failing closed.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ferrox.bench import history_sync, trends
from ferrox.bench.history_ref import RefError, file_for
from ferrox.bench.modes import shared_history
from ferrox.bench.schema import BenchRun, run_from_dict
from ferrox.context import Context
from ferrox.model import Finding, Level

if TYPE_CHECKING:
    from ferrox.steps.bench import BenchSettings

RUNS = 10
"""How many of main's newest runs of a benchmark make its context."""

RULE = "bench-history-context"
DISCLAIMER = (
    "Context only: the paired verdict above does not use the history; it never turns a pass "
    "into a failure or a failure into a pass."
)


@dataclass(frozen=True)
class BenchContext:
    """One benchmark's recent history on main, and head's value beside it (ns/iter)."""

    key: str
    values: tuple[float, ...]  # main's newest runs, oldest first
    head: float

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def position(self) -> str:
        """Where head's value sits: below, within or above the range of main's runs."""
        if self.head < min(self.values):
            return "below"
        if self.head > max(self.values):
            return "above"
        return "within"

    def as_json(self) -> dict[str, object]:
        return {
            "benchmark": self.key,
            "runs": len(self.values),
            "values": list(self.values),
            "median": self.median,
            "min": min(self.values),
            "max": max(self.values),
            "head": self.head,
            "vs_median": self.head / self.median - 1 if self.median else None,
            "position": self.position,
        }


@dataclass(frozen=True)
class HistoryContext:
    """What the history said for this run: a status, a sentence and the benchmarks' context."""

    status: str  # off | no-history | no-runs | ok | unavailable
    message: str
    rows: tuple[BenchContext, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {
            "status": self.status,
            "message": self.message,
            "affects_verdict": False,
            "benchmarks": [row.as_json() for row in self.rows],
        }

    def markdown(self) -> str:
        """The report's section (empty when no remote is configured)."""
        if self.status == "off":
            return ""
        text = f"\n#### Main's recent history on this machine\n\n{self.message}\n"
        if self.rows:
            text += (
                "\n| Benchmark | Main runs | Main median (ns/iter) | Main range | Head (ns/iter) "
                "| Head vs median | Head in range |\n|---|---:|---:|---:|---:|---:|---|\n"
            )
            for row in self.rows:
                vs = f"{row.head / row.median - 1:+.2%}" if row.median else "n/a"
                text += (
                    f"| `{row.key}` | {len(row.values)} | {row.median:,.0f} | "
                    f"{min(row.values):,.0f} to {max(row.values):,.0f} | {row.head:,.0f} | {vs} "
                    f"| {row.position} |\n"
                )
        return text + f"\n{DISCLAIMER}\n"


def gather(
    ctx: Context,
    settings: BenchSettings,
    fingerprint: str,
    head: Mapping[str, Sequence[float]],
) -> tuple[HistoryContext, list[Finding]]:
    """Fetches the history ref and builds each benchmark's context; never raises for the ref."""
    if not settings.history_remote:
        return HistoryContext("off", "no history_remote: no history context"), []
    where = f"{settings.history_ref} of {settings.history_remote!r}"
    store = shared_history.store_of(ctx, settings)
    remote = shared_history.remote_of(ctx, settings, store)
    try:
        tip = history_sync.fetch(store, remote)
        files = store.read(tip)
    except RefError as exc:
        message = (
            f"the history context is missing: {exc}. The paired verdict does not need the "
            "history, so the gate went on without it"
        )
        return HistoryContext("unavailable", message), [
            Finding(rule=RULE, message=message, level=Level.WARNING)
        ]
    if tip is None:
        message = f"no history yet: {where} does not exist (the post-merge job writes it)"
        return HistoryContext("no-history", message), [
            Finding(rule=RULE, message=message, level=Level.NOTE)
        ]
    lines = files.get(file_for(fingerprint), ())
    runs: list[BenchRun] = [run_from_dict(json.loads(line)) for line in lines]
    if not runs:
        message = (
            f"{where} ({tip[:12]}) holds no run of this machine (fingerprint {fingerprint}; it "
            f"holds {len(files)} other machine(s)): no history context"
        )
        return HistoryContext("no-runs", message), [
            Finding(rule=RULE, message=message, level=Level.NOTE)
        ]
    series = {s.key: s.values for s in trends.series(runs, fingerprint)}
    rows = tuple(
        BenchContext(key, tuple(series[key][-RUNS:]), statistics.median(values))
        for key, values in sorted(head.items())
        if key in series and values
    )
    missing = sorted(key for key in head if key not in series)
    message = (
        f"{where} ({tip[:12]}): the last {RUNS} or fewer runs on main of this machine "
        f"(fingerprint {fingerprint}); head's value is the median of its paired samples"
    )
    if missing:
        message += f". Not in the history yet: {', '.join(missing)}"
    return HistoryContext("ok", message, rows), [
        Finding(rule=RULE, message=f"history context from {where}: {len(rows)} benchmark(s)",
                level=Level.NOTE)
    ]  # fmt: skip
