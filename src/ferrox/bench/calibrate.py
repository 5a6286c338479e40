"""Calibration: how noisy each benchmark is on this machine, and the thresholds that follows.

A/A rounds run the same build on both sides of the paired gate, so every change they show is
noise. Per benchmark this module reports the spread (robust CV of the values, the MAD of the
per-pair log-ratios), whether the values look bimodal (Sarle's bimodality coefficient: above
5/9 a uniform or two-humped distribution is more likely than one hump; a machine that switches
between two speeds shows it), the worst A/A interval end and the false alarms at the current
thresholds; and proposes per-benchmark thresholds above that noise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as scipy_stats

from ferrox.bench.paired import Samples, Verdict
from ferrox.bench.thresholds import Thresholds

BIMODAL = 5 / 9  # the coefficient of a uniform distribution
MAD_TO_SIGMA = 1.4826  # a normal distribution's sigma per MAD
STEP = 0.005  # proposals are rounded up to half a percent


@dataclass(frozen=True)
class Round:
    """One A/A round: its samples and the paired gate's verdicts on them."""

    samples: Samples
    verdicts: Sequence[Verdict]


@dataclass(frozen=True)
class Noise:
    """One benchmark's noise over every round."""

    key: str
    pairs: int
    cv: float  # robust coefficient of variation of the values (MAD-based)
    pair_spread: float  # sigma of the per-pair log-ratios (MAD-based)
    worst_aa: float  # the largest |change| + half-width of an A/A interval
    false_alarms: int  # rounds whose A/A verdict was minor or worse
    bimodality: float  # Sarle's coefficient of the log values (nan below 4 values)

    @property
    def bimodal(self) -> bool:
        """Whether the values look like two speeds rather than one."""
        return self.bimodality > BIMODAL


def noise(rounds: Sequence[Round]) -> list[Noise]:
    """Each benchmark's noise, from every round that measured it."""
    keys = sorted({key for r in rounds for key in r.samples.base})
    found = []
    for key in keys:
        base = [v for r in rounds for v in r.samples.base.get(key, ())]
        head = [v for r in rounds for v in r.samples.head.get(key, ())]
        ratios = np.log(np.asarray(head) / np.asarray(base))
        values = np.asarray(base + head)
        verdicts = [v for r in rounds for v in r.verdicts if v.key == key]
        found.append(
            Noise(
                key=key,
                pairs=len(base),
                cv=_mad(values) * MAD_TO_SIGMA / float(np.median(values)),
                pair_spread=_mad(ratios) * MAD_TO_SIGMA,
                worst_aa=max(
                    (max(abs(v.change.low), abs(v.change.high)) for v in verdicts), default=0.0
                ),
                false_alarms=sum(1 for v in verdicts if v.flagged),
                bimodality=bimodality(np.log(values)),
            )
        )
    return found


def bimodality(values: Sequence[float] | np.ndarray) -> float:
    """Sarle's bimodality coefficient (skewness² + 1) / (excess kurtosis + 3(n-1)²/((n-2)(n-3)))."""
    data = np.asarray(values, dtype=float)
    n = data.size
    if n < 4 or float(np.ptp(data)) == 0.0:
        return math.nan
    skew = float(scipy_stats.skew(data, bias=False))
    kurtosis = float(scipy_stats.kurtosis(data, bias=False))
    return (skew**2 + 1) / (kurtosis + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3)))


def propose(found: Noise, default: Thresholds, margin: float) -> Thresholds:
    """Thresholds above this benchmark's noise, in the default's proportions (5/10/25).

    minor is twice the worst A/A interval end (an A/A round reached it with no change at all),
    at least the noise margin plus half a percent, rounded up to half a percent; major and
    critical keep the default's ratios to minor.
    """
    floor = max(2 * found.worst_aa, 3 * found.pair_spread / math.sqrt(max(found.pairs, 1)))
    minor = _round_up(max(floor, margin + STEP))
    return Thresholds(
        minor,
        _round_up(minor * default.major / default.minor),
        _round_up(minor * default.critical / default.minor),
    )


def override(key: str, limits: Thresholds) -> str:
    """The ``thresholds`` entry of one benchmark (percent)."""
    return f"{key}={_pct(limits.minor)},{_pct(limits.major)},{_pct(limits.critical)}"


def proposals(
    found: Sequence[Noise], current: Mapping[str, Thresholds], default: Thresholds, margin: float
) -> dict[str, Thresholds]:
    """The benchmarks whose proposed thresholds differ from the ones in force, with them."""
    changed = {}
    for n in found:
        limits = propose(n, default, margin)
        if limits != current.get(n.key, default):
            changed[n.key] = limits
    return changed


def _mad(values: np.ndarray) -> float:
    return float(np.median(np.abs(values - np.median(values))))


def _round_up(fraction: float) -> float:
    return round(math.ceil(fraction / STEP - 1e-9) * STEP, 4)


def _pct(fraction: float) -> str:
    return f"{fraction * 100:g}"
