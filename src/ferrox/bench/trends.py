"""History analysis: series per benchmark within one environment, change points, regressions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ferrox.bench.changepoints import e_divisive
from ferrox.bench.dashboard import Series
from ferrox.bench.issue import Regression
from ferrox.bench.schema import BenchRun
from ferrox.bench.thresholds import ThresholdTable


def series(runs: Sequence[BenchRun], fingerprint: str) -> list[Series]:
    """Each benchmark's values (median per run) over the runs made in one environment."""
    collected: dict[str, tuple[str, list[float], list[str], list[str]]] = {}
    for run in runs:
        if run.environment.fingerprint != fingerprint:
            continue
        for m in run.measurements:
            _, values, commits, stamps = collected.setdefault(m.key, (m.unit, [], [], []))
            values.append(m.value)
            commits.append(run.environment.commit)
            stamps.append(run.timestamp)
    return [
        Series(key, unit, fingerprint, tuple(values), tuple(commits), tuple(stamps))
        for key, (unit, values, commits, stamps) in sorted(collected.items())
    ]


def with_change_points(
    items: Sequence[Series], *, significance: float, permutations: int, min_size: int
) -> list[Series]:
    """The series with their change points found (E-divisive means, permutation p-value)."""
    return [
        replace(
            s,
            change_points=tuple(
                e_divisive(
                    s.values,
                    significance=significance,
                    permutations=permutations,
                    min_size=min_size,
                )
            ),
        )
        for s in items
    ]


def persisting(
    items: Sequence[Series], thresholds: ThresholdTable, *, min_runs_after: int
) -> list[Regression]:
    """Regressions still in force: the last change point raised the time by at least ``minor``."""
    found = []
    for s in items:
        if not s.change_points:
            continue
        last = s.change_points[-1]
        runs_since = len(s.values) - last.index
        if last.change >= thresholds.for_key(s.key).minor and runs_since >= min_runs_after:
            found.append(
                Regression(
                    key=s.key,
                    change=last.change,
                    before=last.before,
                    after=last.after,
                    unit=s.unit,
                    first_bad=s.commits[last.index],
                    last_good=s.commits[last.index - 1],
                    p_value=last.p_value,
                    runs_since=runs_since,
                )
            )
    return found
