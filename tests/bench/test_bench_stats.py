"""Statistics on synthetic data with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ferrox.bench import changepoints, stats
from ferrox.bench.schema import BenchRun, Environment, Measurement, percentile, run_from_dict


def test_paired_change_recovers_a_known_shift() -> None:
    rng = np.random.default_rng(3)
    ratios = math.log(1.08) + rng.normal(0, 0.01, 30)
    change = stats.paired_change(ratios, confidence=0.95, margin=0.01)
    assert change.low < 0.08 < change.high
    assert change.estimate == pytest.approx(0.08, abs=0.01)
    assert change.p_value < 1e-5
    assert change.halfwidth < 0.01


def test_paired_change_is_not_moved_by_an_outlier_pair() -> None:
    ratios = [0.0, 0.001, -0.001, 0.002, -0.002, 0.0, 0.001, -0.001, 0.6, 0.0]
    change = stats.paired_change(ratios, confidence=0.95, margin=0.01)
    assert abs(change.estimate) < 0.005
    assert change.p_value > 0.2


def test_paired_change_edge_cases() -> None:
    with pytest.raises(ValueError, match="two pairs"):
        stats.paired_change([0.1], confidence=0.95, margin=0.01)
    flat = stats.paired_change([math.log(1.01)] * 5, confidence=0.95, margin=0.01)
    assert flat.p_value == 1.0 and flat.halfwidth == pytest.approx(0)
    with pytest.raises(ValueError, match="unpaired"):
        stats.log_ratios([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="positive"):
        stats.log_ratios([0.0], [1.0])


def test_holm_and_benjamini_hochberg_known_values() -> None:
    p = [0.01, 0.04, 0.03, 0.005]
    assert stats.holm(p) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert stats.benjamini_hochberg(p) == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert stats.adjust(p, "none") == p
    assert stats.adjust(p, "bh") == stats.benjamini_hochberg(p)
    with pytest.raises(ValueError):
        stats.adjust(p, "bonferonni")


def test_criterion_verdicts() -> None:
    rng = np.random.default_rng(5)
    base = rng.normal(100, 1, 30)
    assert stats.criterion_verdict(base, rng.normal(110, 1, 30)).verdict == "regressed"
    assert stats.criterion_verdict(base, rng.normal(90, 1, 30)).verdict == "improved"
    same = stats.criterion_verdict(base, rng.normal(100, 1, 30))
    assert same.verdict == "no change"
    # Significant but inside the 1% noise threshold: criterion says "no change" too.
    tiny = stats.criterion_verdict(base, base * 1.004 + rng.normal(0, 0.01, 30))
    assert tiny.verdict == "no change"
    constant = stats.criterion_verdict([5.0] * 4, [5.0] * 4)
    assert constant.verdict == "no change"


def test_e_divisive_finds_a_step_and_not_noise() -> None:
    rng = np.random.default_rng(1)
    series = np.r_[rng.normal(100, 2, 30), rng.normal(112, 2, 20)]
    (point,) = changepoints.e_divisive(series, permutations=99)
    assert point.index == 30
    assert point.change == pytest.approx(0.12, abs=0.03)
    assert point.p_value <= 0.05
    assert changepoints.e_divisive(rng.normal(100, 2, 60), permutations=99) == []
    assert changepoints.e_divisive([1.0, 2.0, 3.0]) == []


def test_e_divisive_finds_two_steps() -> None:
    rng = np.random.default_rng(2)
    series = np.r_[rng.normal(10, 0.2, 20), rng.normal(12, 0.2, 20), rng.normal(10, 0.2, 20)]
    found = changepoints.e_divisive(series, permutations=99)
    assert [p.index for p in found] == [20, 40]
    assert found[0].change > 0 > found[1].change


def test_schema_round_trip_percentiles_and_fingerprint() -> None:
    env = Environment("cpu", 2, "Linux 6", "rustc 1.95", "abc", dirty=True)
    run = BenchRun(env, (Measurement("s", "b", "ns", (1.0, 2.0, 3.0, 4.0)),), "t", {"k": "v"})
    data = run.to_dict()
    assert data["environment"]["fingerprint"] == env.fingerprint
    assert data["measurements"][0]["p50"] == 2.5
    assert data["measurements"][0]["p99"] == pytest.approx(3.97)
    assert run_from_dict(data) == run
    # The commit is not part of the fingerprint: runs of many commits compare.
    other = Environment("cpu", 2, "Linux 6", "rustc 1.95", "def")
    assert other.fingerprint == env.fingerprint
    assert Environment("cpu", 4, "Linux 6", "rustc 1.95").fingerprint != env.fingerprint
    with pytest.raises(ValueError):
        run_from_dict({"environment": {}})
    assert math.isnan(percentile([], 50))
    assert Measurement("s", "b", "ns", (5.0,)).percentiles() == {"p50": 5.0}


def test_mann_whitney_cdf_matches_scipys_exact_test_and_the_table() -> None:
    from scipy import stats as scipy_stats

    rng = np.random.default_rng(7)
    for m, n in [(5, 5), (3, 8), (9, 6)]:
        cdf = stats.mann_whitney_cdf(m, n)
        assert cdf[-1] == pytest.approx(1.0)
        for _ in range(10):
            x, y = rng.normal(size=m), rng.normal(size=n)
            exact = scipy_stats.mannwhitneyu(x, y, alternative="less", method="exact")
            assert cdf[int(exact.statistic)] == pytest.approx(exact.pvalue, abs=1e-12)
    # Tables: for 5 against 5 at 5% two-sided the critical U is 2 (P(U <= 2) = 4/252).
    five = stats.mann_whitney_cdf(5, 5)
    assert five[2] == pytest.approx(4 / 252) and five[3] > 0.025
    # Past 2500 pairs the normal approximation takes over, centred on m n / 2.
    assert stats.mann_whitney_cdf(60, 60)[1800] == pytest.approx(0.5, abs=0.01)
    with pytest.raises(ValueError, match="at least one"):
        stats.mann_whitney_cdf(0, 3)


def test_shift_change_recovers_a_known_shift_from_unpaired_samples() -> None:
    rng = np.random.default_rng(11)
    base = 100 * np.exp(rng.normal(0, 0.01, 8))
    head = 130 * np.exp(rng.normal(0, 0.01, 8))
    change = stats.shift_change(base, head, confidence=0.95, margin=0.01)
    assert change.low < 0.30 < change.high
    assert change.estimate == pytest.approx(0.30, abs=0.02)
    assert change.p_value < 0.001
    assert (change.base_n, change.head_n, change.pairs) == (8, 8, 8)
    same = stats.shift_change(
        base, 100 * np.exp(rng.normal(0, 0.01, 8)), confidence=0.95, margin=0.01
    )
    assert same.low < 0 < same.high and same.p_value > 0.2


def test_shift_change_ignores_one_outlier_run_and_refuses_too_few_values() -> None:
    base = [100.0, 101.0, 99.5, 100.5, 100.2]
    head = [100.3, 99.8, 100.9, 100.1, 180.0]  # one run slowed by a neighbour
    change = stats.shift_change(base, head, confidence=0.95, margin=0.01)
    assert abs(change.estimate) < 0.01 and change.p_value > 0.2
    # 3 against 3: even the widest interval covers only 90%, not the 95% asked for.
    with pytest.raises(stats.TooFewSamples, match="too few for a 95% interval"):
        stats.shift_change([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], confidence=0.95, margin=0.01)
    assert stats.shift_change([1.0] * 4, [1.0] * 4, confidence=0.95, margin=0.0).p_value == 1.0
    with pytest.raises(ValueError, match="positive"):
        stats.shift_change([0.0, 1.0], [1.0, 1.0], confidence=0.5, margin=0.01)
