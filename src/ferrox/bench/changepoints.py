"""Change points in a benchmark's history: E-divisive means with a permutation test.

Method: Matteson & James (2014), "A Nonparametric Approach for Multiple Change Point Analysis
of Multivariate Data", JASA 109(505), in the form MongoDB uses for performance CI (Daly et al.,
ICPE 2020): for a segment, the split ``tau`` maximising the energy-distance statistic

    Q(tau) = tau (n - tau) / n * (2 E|X - Y| - E|X - X'| - E|Y - Y'|)   (alpha = 1)

is a candidate; its p-value is the share of ``permutations`` random reorderings of the segment
whose best Q is at least as large ((hits + 1) / (permutations + 1)). A candidate with
p < ``significance`` is accepted and the segments on both sides are searched again (bisection);
the search stops at the first candidate that is not significant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import numpy.typing as npt

from ferrox.bench.numeric import FloatArray

Index = npt.NDArray[np.intp] | int
"""Split positions: one, or an array of them (every candidate tau at once)."""


@dataclass(frozen=True)
class ChangePoint:
    """A change at ``index`` (the first value of the new regime)."""

    index: int
    p_value: float
    before: float  # mean of the segment before
    after: float  # mean of the segment after

    @property
    def change(self) -> float:
        """Relative change of the mean (0.1 = 10% higher after)."""
        return self.after / self.before - 1 if self.before else 0.0


def e_divisive(
    values: Sequence[float],
    *,
    significance: float = 0.05,
    permutations: int = 199,
    min_size: int = 3,
    seed: int = 0,
) -> list[ChangePoint]:
    """Change points of ``values`` in index order (empty when there are none)."""
    x = np.asarray(values, dtype=np.float64)
    rng = np.random.default_rng(seed)
    found: list[tuple[int, float]] = []
    segments = [(0, x.size)]
    while True:
        best: tuple[float, int, int, int] | None = None  # (q, tau, start, end)
        for start, end in segments:
            if end - start < 2 * min_size:
                continue
            q, tau = _best_split(x[start:end], min_size)
            if tau and (best is None or q > best[0]):
                best = (q, start + tau, start, end)
        if best is None:
            break
        q, tau, start, end = best
        segment = x[start:end]
        hits = sum(
            _best_split(rng.permutation(segment), min_size)[0] >= q for _ in range(permutations)
        )
        p_value = (hits + 1) / (permutations + 1)
        if p_value >= significance:
            break
        found.append((tau, p_value))
        segments.remove((start, end))
        segments += [(start, tau), (tau, end)]
    found.sort()
    bounds = [0, *(i for i, _ in found), x.size]
    return [
        ChangePoint(
            index=index,
            p_value=p,
            before=float(x[bounds[k] : index].mean()),
            after=float(x[index : bounds[k + 2]].mean()),
        )
        for k, (index, p) in enumerate(found)
    ]


def _best_split(x: FloatArray, min_size: int) -> tuple[float, int]:
    """The largest Q(tau) over allowed splits of ``x`` and its tau (0 when none allowed)."""
    n = x.size
    distances = np.abs(x[:, None] - x[None, :])
    prefix = np.zeros((n + 1, n + 1))
    prefix[1:, 1:] = distances.cumsum(axis=0).cumsum(axis=1)
    taus = np.arange(min_size, n - min_size + 1)
    if taus.size == 0:
        return 0.0, 0

    def block(a: Index, b: Index, c: Index, d: Index) -> FloatArray:
        # numpy types fancy indexing as Any: four float64 blocks summed are a float64 array
        return cast("FloatArray", prefix[b, d] - prefix[a, d] - prefix[b, c] + prefix[a, c])

    left = block(0, taus, 0, taus)  # both orders of each pair: 2 * sum over i < k
    right = block(taus, n, taus, n)
    between = block(0, taus, taus, n)
    m = n - taus
    within_left = left / (taus * (taus - 1))
    within_right = right / (m * (m - 1))
    q = taus * m / n * (2 * between / (taus * m) - within_left - within_right)
    best = int(np.argmax(q))
    return float(q[best]), int(taus[best])
