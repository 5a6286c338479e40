"""Typed numeric primitives of the statistics: the float64 array type and the scipy calls.

scipy ships no type information (mypy sees its values as ``Any``), so the few scipy functions
the gates use are wrapped here, each returning a ``float`` or a float64 array: an ``Any`` from
scipy stops at this module instead of flowing unchecked through the statistics.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import numpy.typing as npt
from scipy import stats as scipy_stats

FloatArray = npt.NDArray[np.float64]
"""An array of float64 values (numpy's own stubs check the arithmetic on it)."""


def wilcoxon_greater_p(shifted: FloatArray) -> float:
    """One-sided Wilcoxon signed-rank p-value of "the values are centred above zero" (zsplit)."""
    result = scipy_stats.wilcoxon(shifted, alternative="greater", zero_method="zsplit")
    return float(result.pvalue)


def mann_whitney_greater_p(x: FloatArray, y: FloatArray) -> float:
    """One-sided Mann-Whitney U p-value of "``x`` is stochastically greater than ``y``"."""
    return float(scipy_stats.mannwhitneyu(x, y, alternative="greater").pvalue)


def normal_ppf(q: float) -> float:
    """The standard normal quantile of ``q``."""
    return float(scipy_stats.norm.ppf(q))


def normal_cdf(x: npt.ArrayLike) -> FloatArray:
    """The standard normal distribution function at each of ``x``."""
    return cast("FloatArray", np.asarray(scipy_stats.norm.cdf(x), dtype=np.float64))
