"""Calibration statistics: noise per benchmark, bimodality, proposed thresholds."""

from __future__ import annotations

import math

import numpy as np

from ferrox.bench import calibrate
from ferrox.bench.paired import PairedPlan, Samples, judge
from ferrox.bench.thresholds import Thresholds, ThresholdTable


def _round(base: dict[str, list[float]], head: dict[str, list[float]]) -> calibrate.Round:
    samples = Samples(
        {k: tuple(v) for k, v in base.items()}, {k: tuple(v) for k, v in head.items()}, 1.0
    )
    return calibrate.Round(samples, judge(samples, PairedPlan(), ThresholdTable()))


def test_quiet_and_noisy_benchmarks_get_thresholds_above_their_noise() -> None:
    rng = np.random.default_rng(7)
    quiet = 100 * np.exp(rng.normal(0, 0.002, size=(2, 30)))
    noisy = 100 * np.exp(rng.normal(0, 0.04, size=(2, 30)))
    found = calibrate.noise(
        [_round({"s/quiet": list(quiet[0]), "s/noisy": list(noisy[0])},
                {"s/quiet": list(quiet[1]), "s/noisy": list(noisy[1])})]
    )  # fmt: skip
    by_key = {n.key: n for n in found}
    assert by_key["s/quiet"].pair_spread < 0.01 < by_key["s/noisy"].pair_spread
    assert by_key["s/quiet"].pairs == 30
    default = Thresholds()
    quiet_limits = calibrate.propose(by_key["s/quiet"], default, margin=0.01)
    noisy_limits = calibrate.propose(by_key["s/noisy"], default, margin=0.01)
    assert quiet_limits == Thresholds(0.015, 0.03, 0.075)  # the floor: margin + half a percent
    assert noisy_limits.minor > 2 * by_key["s/noisy"].worst_aa - 1e-9
    # Major and critical keep the default's proportions to minor.
    assert noisy_limits.major == round(noisy_limits.minor * 2, 4)
    assert calibrate.override("s/quiet", quiet_limits) == "s/quiet=1.5,3,7.5"


def test_bimodality_coefficient_tells_two_speeds_from_one() -> None:
    rng = np.random.default_rng(1)
    one = rng.normal(100, 1, 200)
    two = np.concatenate([rng.normal(100, 1, 100), rng.normal(200, 2, 100)])
    assert calibrate.bimodality(one) < calibrate.BIMODAL < calibrate.bimodality(two)
    assert math.isnan(calibrate.bimodality([1.0, 2.0, 3.0]))  # too few values
    assert math.isnan(calibrate.bimodality([5.0] * 10))  # no spread at all


def test_only_changed_thresholds_are_proposed() -> None:
    noise = calibrate.Noise("s/a", 20, 0.01, 0.0, 0.001, 0, 0.3)
    default = Thresholds()
    proposal = calibrate.propose(noise, default, 0.01)
    assert calibrate.proposals([noise], {"s/a": proposal}, default, 0.01) == {}
    assert calibrate.proposals([noise], {}, default, 0.01) == {"s/a": proposal}
