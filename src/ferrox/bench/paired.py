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
from ferrox.bench.thresholds import Thresholds, ThresholdTable

Sampler = Callable[[str, Sequence[str]], Mapping[str, float]]
"""``sampler(side, keys)``: run side ``"base"`` or ``"head"`` once for ``keys``; value per key."""


@dataclass(frozen=True)
class PairedPlan:
    """How much to sample and how to judge it."""

    min_pairs: int = 10
    max_pairs: int = 400  # a safety cap: the time budget or a narrow interval stops sampling first
    budget_s: float = 600.0
    target_halfwidth: float = 0.015  # relative change
    confidence: float = 0.95
    alpha: float = 0.05
    margin: float = 0.01  # noise margin, relative change
    correction: str = "holm"
    confirm: bool = True
    confirm_pairs: int = 10


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
        ratios = stats.log_ratios(base[key], head[key])
        if stats.halfwidth(ratios, confidence=plan.confidence) > plan.target_halfwidth:
            return False
    return True


def judge(samples: Samples, plan: PairedPlan, thresholds: ThresholdTable) -> list[Verdict]:
    """Each benchmark's change, adjusted across benchmarks, and the level it reaches.

    A regression is called only when the adjusted one-sided test clears the noise margin (the
    change is larger than the margin) *and* the interval reaches the threshold; the level is the
    most severe threshold the interval's upper end reaches.
    """
    keys = list(samples.base)
    changes = [_change(samples, k, plan) for k in keys]
    adjusted = stats.adjust([c.p_value for c in changes], plan.correction)
    return [
        _verdict(samples, key, change, p, plan=plan, thresholds=thresholds)
        for key, change, p in zip(keys, changes, adjusted, strict=True)
    ]


def confirm(
    verdicts: Sequence[Verdict],
    first: Samples,
    fresh: Samples,
    plan: PairedPlan,
    thresholds: ThresholdTable,
) -> list[Verdict]:
    """Re-judges each flagged benchmark on its first pairs plus fresh ones; unconfirmed if cleared.

    A flag raised by one stretch of noise (a neighbour busy during some pairs) is diluted by the
    fresh pairs and does not survive; a real slowdown keeps (or sharpens) its level. The pooled
    test is Bonferroni-adjusted over every benchmark of the run, so the family stays controlled.
    """
    family = max(1, len(verdicts))
    result = []
    for verdict in verdicts:
        if not verdict.flagged:
            result.append(verdict)
            continue
        key = verdict.key
        pooled = Samples(
            {key: first.base[key] + fresh.base[key]}, {key: first.head[key] + fresh.head[key]}, 0.0
        )
        change = _change(pooled, key, plan)
        again = _verdict(
            pooled, key, change, min(1.0, change.p_value * family), plan=plan, thresholds=thresholds
        )
        ok = again.flagged
        result.append(
            Verdict(
                key=key,
                base=again.base,
                head=again.head,
                change=change,
                adjusted_p=again.adjusted_p,
                level=again.level if ok else "unconfirmed",
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
        verdicts = confirm(verdicts, samples, fresh, plan, thresholds)
    return verdicts, samples


def _change(samples: Samples, key: str, plan: PairedPlan) -> stats.PairedChange:
    return stats.paired_change(
        stats.log_ratios(samples.base[key], samples.head[key]),
        confidence=plan.confidence,
        margin=plan.margin,
    )


def _verdict(
    samples: Samples,
    key: str,
    change: stats.PairedChange,
    p: float,
    *,
    plan: PairedPlan,
    thresholds: ThresholdTable,
) -> Verdict:
    return Verdict(
        key=key,
        base=median(samples.base[key]),
        head=median(samples.head[key]),
        change=change,
        adjusted_p=p,
        # Paired intervals are narrow (sampling stops at +-1.5%): the level is the worst the
        # change may be, the interval's upper end.
        level=classify(change.high, p, alpha=plan.alpha, limits=thresholds.for_key(key)),
    )


def classify(edge: float, p: float, *, alpha: float, limits: Thresholds) -> str:
    """The level a change reaches: ``ok`` unless the adjusted test is significant, then the most
    severe threshold ``edge`` (the end of the interval the mode judges by) reaches, or
    ``below-threshold``."""
    if p >= alpha:
        return "ok"
    for name, limit in limits.ordered():
        if edge >= limit:
            return name
    return "below-threshold"


def median(values: Sequence[float]) -> float:
    """The median (the mean of the middle two for an even count)."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
