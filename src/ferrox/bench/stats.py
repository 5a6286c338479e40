"""Statistics for the gates: paired log-ratio intervals, multiple-testing control, sample sizes.

Why log ratios: benchmark times are positive and noise is multiplicative, so ``log(head/base)``
turns a slowdown into a shift and back-transforms to a relative change. Why pairs: base and head
run back to back (A B B A ...), so machine drift hits both members of a pair and cancels in
their ratio. Why rank statistics: on a shared machine a neighbour sometimes slows one run by
tens of percent; a mean and Student's t follow such outliers, a Hodges-Lehmann estimate does not.
Without pairs (head against a baseline stored days ago) the same idea becomes the two-sample
Hodges-Lehmann shift with its Mann-Whitney interval; it cannot cancel drift between the two
moments, so it only suits thresholds well above that drift (see ``shift_change``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np

from ferrox.bench.numeric import (
    FloatArray,
    mann_whitney_greater_p,
    normal_cdf,
    normal_ppf,
    wilcoxon_greater_p,
)


@dataclass(frozen=True)
class PairedChange:
    """A benchmark's estimated relative change (head vs base), with its interval and test.

    ``estimate``, ``low`` and ``high`` are relative changes (0.05 = 5% slower); ``p_value`` tests
    "the change is at most the noise margin" against "it is larger" (one-sided).
    """

    pairs: int
    estimate: float
    low: float
    high: float
    p_value: float
    spread: float  # standard deviation of the per-pair log ratios

    @property
    def halfwidth(self) -> float:
        """Half the interval's width, in relative-change units."""
        return (self.high - self.low) / 2


def log_ratios(base: Sequence[float], head: Sequence[float]) -> FloatArray:
    """``log(head_i / base_i)`` for each pair; both must be positive and equally long."""
    a = np.asarray(base, dtype=np.float64)
    b = np.asarray(head, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"unpaired samples: {a.size} base vs {b.size} head")
    if np.any(a <= 0) or np.any(b <= 0):
        raise ValueError("benchmark values must be positive")
    return cast("FloatArray", np.log(b / a))


def paired_change(
    ratios: Sequence[float] | FloatArray, *, confidence: float, margin: float
) -> PairedChange:
    """The change estimated from per-pair log ratios, with a two-sided ``confidence`` interval.

    Robust to the outliers of a shared machine (one run slowed by a neighbour): the estimate is
    the Hodges-Lehmann median of the Walsh averages, the interval the matching Wilcoxon
    signed-rank interval (Hollander & Wolfe), and ``p_value`` the one-sided Wilcoxon signed-rank
    test of "the change is at most ``margin``" (0.01 = 1%). Under no change, A and B are
    exchangeable within a pair, so the log ratios are symmetric about zero as the test assumes.
    """
    values = np.asarray(ratios, dtype=np.float64)
    n = int(values.size)
    estimate, low, high = _walsh_interval(values, confidence)
    shifted = values - math.log1p(margin)
    no_information = bool(np.all(np.abs(shifted) < 1e-12))  # every value on the margin
    p_value = 1.0 if no_information else wilcoxon_greater_p(shifted)
    return PairedChange(
        pairs=n,
        estimate=math.expm1(estimate),
        low=math.expm1(low),
        high=math.expm1(high),
        p_value=p_value,
        spread=robust_spread(values),
    )


def halfwidth(ratios: Sequence[float] | FloatArray, *, confidence: float) -> float:
    """Half the width of :func:`paired_change`'s interval, without its test (cheaper: sampling
    asks after every pair whether to stop)."""
    _, low, high = _walsh_interval(np.asarray(ratios, dtype=np.float64), confidence)
    return (math.expm1(high) - math.expm1(low)) / 2


def _walsh_interval(values: FloatArray, confidence: float) -> tuple[float, float, float]:
    """Hodges-Lehmann estimate and Wilcoxon signed-rank interval, in log-ratio units."""
    n = int(values.size)
    if n < 2:
        raise ValueError("a paired interval needs at least two pairs")
    upper = np.triu_indices(n)
    walsh = np.sort(((values[:, None] + values[None, :]) / 2)[upper])
    estimate = float(np.median(walsh))
    z = normal_ppf(0.5 + confidence / 2)
    count = walsh.size  # n (n + 1) / 2
    k = math.floor(count / 2 - z * math.sqrt(n * (n + 1) * (2 * n + 1) / 24))
    k = min(max(k, 0), (count - 1) // 2)
    return estimate, float(walsh[k]), float(walsh[count - 1 - k])


def robust_spread(values: Sequence[float] | FloatArray) -> float:
    """The scaled median absolute deviation: a standard deviation that ignores outliers."""
    x = np.asarray(values, dtype=np.float64)
    return float(1.4826 * np.median(np.abs(x - np.median(x))))


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (family-wise error control across benchmarks)."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (false discovery rate control across benchmarks)."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i], reverse=True)
    adjusted = [0.0] * m
    running = 1.0
    for position, index in enumerate(order):
        rank = m - position
        running = min(running, p_values[index] * m / rank)
        adjusted[index] = min(1.0, running)
    return adjusted


def adjust(p_values: Sequence[float], method: str) -> list[float]:
    """Adjusted p-values by ``holm``, ``bh`` or ``none``."""
    if method == "holm":
        return holm(p_values)
    if method == "bh":
        return benjamini_hochberg(p_values)
    if method == "none":
        return list(p_values)
    raise ValueError(f"unknown correction {method!r}")


@dataclass(frozen=True)
class CriterionVerdict:
    """criterion.rs's change verdict, recomputed: ``regressed``, ``improved`` or ``no change``."""

    verdict: str
    change: float
    low: float
    high: float
    p_value: float


def criterion_verdict(
    base: Sequence[float],
    head: Sequence[float],
    *,
    noise: float = 0.01,
    significance: float = 0.05,
    resamples: int = 2000,
    seed: int = 0,
) -> CriterionVerdict:
    """criterion's documented rule: bootstrap t-test p < 0.05 and the mean change's CI outside ±1%.

    Two-tailed bootstrap t-test of the two samples (resampled from their union, as criterion does),
    and a percentile bootstrap 95% interval of the relative change of the mean.
    """
    rng = np.random.default_rng(seed)
    a = np.asarray(base, dtype=np.float64)
    b = np.asarray(head, dtype=np.float64)
    t_observed = _welch_t(a, b)
    pooled = np.concatenate([a, b])
    draws_a = rng.choice(pooled, size=(resamples, a.size))
    draws_b = rng.choice(pooled, size=(resamples, b.size))
    t_null = _welch_t_rows(draws_a, draws_b)
    p_value = float(np.mean(np.abs(t_null) >= abs(t_observed)))
    boot_a = rng.choice(a, size=(resamples, a.size)).mean(axis=1)
    boot_b = rng.choice(b, size=(resamples, b.size)).mean(axis=1)
    changes = boot_b / boot_a - 1
    low, high = (float(x) for x in np.percentile(changes, [2.5, 97.5]))
    change = float(b.mean() / a.mean() - 1)
    if p_value < significance and low > noise and high > noise:
        verdict = "regressed"
    elif p_value < significance and low < -noise and high < -noise:
        verdict = "improved"
    else:
        verdict = "no change"
    return CriterionVerdict(verdict, change, low, high, p_value)


def _welch_t(a: FloatArray, b: FloatArray) -> float:
    se = math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    return float((b.mean() - a.mean()) / se) if se > 0 else 0.0


def _welch_t_rows(a: FloatArray, b: FloatArray) -> FloatArray:
    se = np.sqrt(a.var(axis=1, ddof=1) / a.shape[1] + b.var(axis=1, ddof=1) / b.shape[1])
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (b.mean(axis=1) - a.mean(axis=1)) / se
    return cast("FloatArray", np.nan_to_num(t, nan=0.0, posinf=0.0, neginf=0.0))


class TooFewSamples(ValueError):
    """The samples cannot give an interval at the requested confidence, whatever their values."""


@dataclass(frozen=True)
class ShiftChange(PairedChange):
    """A change estimated from two independent samples (head runs against stored baseline runs).

    ``pairs`` is the smaller sample's size; ``base_n`` and ``head_n`` are both sizes.
    """

    base_n: int = 0
    head_n: int = 0


def shift_change(
    base: Sequence[float], head: Sequence[float], *, confidence: float, margin: float
) -> ShiftChange:
    """The change of ``head`` against ``base`` when the runs were not paired (another moment).

    The estimate is the Hodges-Lehmann shift of the log values, the median of all
    ``log(h) - log(b)``; the interval is the matching Mann-Whitney interval (the order
    statistics of those differences the exact null distribution of U picks, Hollander & Wolfe
    4.3); ``p_value`` is the one-sided Mann-Whitney test of "the change is at most ``margin``"
    (scipy). Ranks, not means: one run slowed by a neighbour moves neither. Raises ValueError
    when the samples are too small for an interval at ``confidence`` at all.
    """
    b = np.log(_positive(base, "baseline"))
    h = np.log(_positive(head, "head"))
    m, n = b.size, h.size
    differences = np.sort((h[:, None] - b[None, :]).ravel())
    count = differences.size  # m * n
    below = mann_whitney_cdf(m, n)
    # The largest k with P(U <= k - 1) <= alpha / 2: [D_(k), D_(mn + 1 - k)] covers the shift
    # with probability 1 - 2 P(U <= k - 1) >= confidence (1-based order statistics).
    k = int(np.searchsorted(below, (1 - confidence) / 2, side="right"))
    if k == 0:
        raise TooFewSamples(
            f"{m} baseline and {n} head values are too few for a {confidence:.0%} interval"
        )
    low, high = float(differences[k - 1]), float(differences[count - k])
    shifted = h - math.log1p(margin)
    if np.all(shifted == shifted[0]) and np.all(b == shifted[0]):  # no information either way
        p_value = 1.0
    else:
        p_value = mann_whitney_greater_p(shifted, b)
    return ShiftChange(
        pairs=min(m, n),
        estimate=math.expm1(float(np.median(differences))),
        low=math.expm1(low),
        high=math.expm1(high),
        p_value=1.0 if math.isnan(p_value) else p_value,
        spread=robust_spread(np.r_[b - np.median(b), h - np.median(h)]),
        base_n=m,
        head_n=n,
    )


def mann_whitney_cdf(m: int, n: int) -> FloatArray:
    """``P(U <= u)`` for ``u = 0 .. m n`` under the null (exact; normal beyond 2500 pairs).

    Exact by the recursion on the last observation: the largest of all m + n values belongs to
    one sample or the other, so ``f(u; i, j) = f(u - j; i - 1, j) + f(u; i, j - 1)``.
    """
    if m < 1 or n < 1:
        raise ValueError("each sample needs at least one value")
    if m * n > 2500:
        u = np.arange(m * n + 1)
        sd = math.sqrt(m * n * (m + n + 1) / 12)
        return normal_cdf((u + 0.5 - m * n / 2) / sd)
    previous = [np.ones(1) for _ in range(n + 1)]  # i = 0: U is 0 whatever j
    for i in range(1, m + 1):
        current = [np.ones(1)]  # j = 0: U is 0
        for j in range(1, n + 1):
            counts = np.zeros(i * j + 1)
            counts[j : j + previous[j].size] += previous[j]
            counts[: current[j - 1].size] += current[j - 1]
            current.append(counts)
        previous = current
    counts = previous[n]
    return cast("FloatArray", np.cumsum(counts) / counts.sum())


def _positive(values: Sequence[float], side: str) -> FloatArray:
    x = np.asarray(values, dtype=np.float64)
    if x.size == 0:
        raise ValueError(f"no {side} values")
    if np.any(x <= 0) or not np.all(np.isfinite(x)):
        raise ValueError(f"{side} benchmark values must be positive")
    return x
