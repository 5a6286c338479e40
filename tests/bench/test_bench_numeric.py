"""The typed scipy wrappers return plain floats and float64 arrays with scipy's values."""

from __future__ import annotations

import numpy as np
from scipy import stats as scipy_stats

from ferrox.bench import numeric


def test_the_wrappers_return_scipys_values_as_typed_values() -> None:
    x = np.array([0.3, -0.1, 0.2, 0.4, 0.1], dtype=np.float64)
    y = np.array([0.0, 0.1, -0.2, 0.05], dtype=np.float64)
    p = numeric.wilcoxon_greater_p(x)
    assert type(p) is float
    assert p == scipy_stats.wilcoxon(x, alternative="greater", zero_method="zsplit").pvalue
    assert (
        numeric.mann_whitney_greater_p(x, y)
        == scipy_stats.mannwhitneyu(x, y, alternative="greater").pvalue
    )
    assert round(numeric.normal_ppf(0.975), 6) == 1.959964
    cdf = numeric.normal_cdf(np.array([0.0, 1.0]))
    assert cdf.dtype == np.float64 and cdf[0] == 0.5
