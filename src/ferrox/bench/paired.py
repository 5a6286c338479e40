"""The paired A/B gate: interleaved sampling with adaptive sample counts, then the verdicts.

Pure logic over a *sampler* (a function that runs one side once and returns a value per
benchmark), so the step drives it with real processes and the proof script with resampled
real measurements, through the same code.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ferrox.bench import stats
from ferrox.bench.thresholds import ThresholdTable

Sampler = Callable[[str, Sequence[str]], Mapping[str, float]]
"""``sampler(side, keys)``: run side ``"base"`` or ``"head"`` once for ``keys``; value per key."""


@dataclass(frozen=True)
class PairedPlan:
    """How much to sample and how to judge it."""

    min_pairs: int = 10
    max_pairs: int = 40
    budget_s: float = 600.0
    target_halfwidth: float = 0.015  # relative change
    confidence: float = 0.95
    alpha: float = 0.05
    margin: float = 0.01  # noise margin, relative change
    correction: str = "holm"
    confirm: bool = True
    confirm_pairs: int = 8  # the one-sided signed-rank test needs >= 5 pairs to reach p < 0.05


@dataclass(frozen=True)
class Samples:
    """Paired values per benchmark: ``base[i]`` and ``head[i]`` ran back to back."""

    base: Mapping[str, tuple[float, ...]]
    head: Mapping[str, tuple[float, ...]]
    seconds: float


@dataclass(frozen=True)
class Verdict:
    """One benchmark's outcome: its change, adjusted p-value and level."""

    key: str
    base: float  # median of base values
    head: float
    change: stats.PairedChange
    adjusted_p: float
    level: str  # "ok", "below-threshold", "minor", "major", "critical", "unconfirmed"
    confirmed: bool | None = None

    @property
    def flagged(self) -> bool:
        """Whether this is a regression the gate reports (minor or worse)."""
        return self.level in ("minor", "major", "critical")


def interleave(
    sampler: Sampler,
    keys: Sequence[str],
    plan: PairedPlan,
    *,
    pairs: int | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Samples:
    """Runs pairs A B, B A, A B ... until the interval is narrow enough, the cap or the budget.

    With ``pairs`` given, exactly that many pairs run (confirmation runs).
    """
    base: dict[str, list[float]] = {k: [] for k in keys}
    head: dict[str, list[float]] = {k: [] for k in keys}
    start = clock()
    n = 0
    while True:
        order = ("base", "head") if n % 2 == 0 else ("head", "base")
        for side in order:
            values = sampler(side, keys)
            missing = [k for k in keys if k not in values]
            if missing:
                raise KeyError(f"the {side} run reported no value for {', '.join(missing)}")
            target = base if side == "base" else head
            for k in keys:
                target[k].append(float(values[k]))
        n += 1
        elapsed = clock() - start
        if pairs is not None:
            if n >= pairs:
                break
            continue
        if n >= plan.max_pairs or _narrow_enough(base, head, plan):
            break
        if elapsed / n * (n + 1) > plan.budget_s and n >= 2:  # the next pair would not fit
            break
    return Samples(
        {k: tuple(v) for k, v in base.items()},
        {k: tuple(v) for k, v in head.items()},
        clock() - start,
    )


def _narrow_enough(
    base: Mapping[str, list[float]], head: Mapping[str, list[float]], plan: PairedPlan
) -> bool:
    """Whether every benchmark's interval is at most the target half-width (after min_pairs)."""
    n = len(next(iter(base.values()), []))
    if n < plan.min_pairs:
        return False
    for key in base:
        change = stats.paired_change(
            stats.log_ratios(base[key], head[key]), confidence=plan.confidence, margin=plan.margin
        )
        if change.halfwidth > plan.target_halfwidth:
            return False
    return True


def judge(samples: Samples, plan: PairedPlan, thresholds: ThresholdTable) -> list[Verdict]:
    """Each benchmark's change, adjusted across benchmarks, and the level it reaches.

    A regression is called only when the adjusted one-sided test clears the noise margin (the
    change is larger than the margin) *and* the interval reaches the threshold; the level is the
    most severe threshold the interval's upper end reaches.
    """
    keys = list(samples.base)
    changes = [
        stats.paired_change(
            stats.log_ratios(samples.base[k], samples.head[k]),
            confidence=plan.confidence,
            margin=plan.margin,
        )
        for k in keys
    ]
    adjusted = stats.adjust([c.p_value for c in changes], plan.correction)
    verdicts = []
    for key, change, p in zip(keys, changes, adjusted, strict=True):
        level = "ok"
        if p < plan.alpha:
            level = "below-threshold"
            for name, limit in thresholds.for_key(key).ordered():
                if change.high >= limit:
                    level = name
                    break
        verdicts.append(
            Verdict(
                key=key,
                base=_median(samples.base[key]),
                head=_median(samples.head[key]),
                change=change,
                adjusted_p=p,
                level=level,
            )
        )
    return verdicts


def confirm(verdicts: Sequence[Verdict], fresh: Samples, plan: PairedPlan) -> list[Verdict]:
    """Re-judges flagged benchmarks on fresh pairs: slower again, or unconfirmed.

    A replication, not a second gate: each flagged benchmark's fresh pairs must show head slower
    than base (one-sided signed-rank test at ``alpha``, no margin), so a flag raised by one
    unlucky stretch of noise does not fail a PR, while a real slowdown (already shown to clear
    the margin, across the family) keeps its level from the first run.
    """
    result = []
    for verdict in verdicts:
        if not verdict.flagged:
            result.append(verdict)
            continue
        fresh_change = stats.paired_change(
            stats.log_ratios(fresh.base[verdict.key], fresh.head[verdict.key]),
            confidence=plan.confidence,
            margin=0.0,
        )
        ok = fresh_change.p_value < plan.alpha
        result.append(
            Verdict(
                key=verdict.key,
                base=verdict.base,
                head=verdict.head,
                change=verdict.change,
                adjusted_p=verdict.adjusted_p,
                level=verdict.level if ok else "unconfirmed",
                confirmed=ok,
            )
        )
    return result


def run_gate(
    sampler: Sampler,
    keys: Sequence[str],
    plan: PairedPlan,
    thresholds: ThresholdTable,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[list[Verdict], Samples]:
    """The whole paired gate: interleaved sampling, verdicts, confirmation of flagged ones."""
    samples = interleave(sampler, keys, plan, clock=clock)
    verdicts = judge(samples, plan, thresholds)
    flagged = [v.key for v in verdicts if v.flagged]
    if plan.confirm and flagged:
        fresh = interleave(sampler, flagged, plan, pairs=max(5, plan.confirm_pairs), clock=clock)
        verdicts = confirm(verdicts, fresh, plan)
    return verdicts, samples


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
