"""Paired mode's own logic: the plan its settings describe and the imprecision notes."""

from __future__ import annotations

from ferrox.bench.modes.paired import imprecise, plan_of
from ferrox.bench.paired import PairedPlan, Verdict
from ferrox.bench.stats import PairedChange
from ferrox.steps.bench import BenchSettings


def test_intervals_wider_than_the_target_are_reported() -> None:
    def verdict(key: str, low: float, high: float) -> Verdict:
        return Verdict(key, 1.0, 1.0, PairedChange(40, 0.0, low, high, 0.5, 0.01), 0.5, "ok")

    plan = PairedPlan(target_halfwidth=0.015)
    found = imprecise([verdict("s/narrow", -0.01, 0.01), verdict("s/wide", -0.03, 0.05)], plan)
    assert [f.rule for f in found] == ["bench-imprecise"]
    assert "s/wide: the interval is ±4.0% after 40 pairs" in found[0].message


def test_the_plan_takes_percent_settings_as_fractions() -> None:
    plan = plan_of(BenchSettings(target_halfwidth=2.0, noise_margin=0.5, confidence=0.9))
    assert plan.target_halfwidth == 0.02
    assert plan.margin == 0.005
    assert (plan.confidence, round(plan.alpha, 9)) == (0.9, 0.1)
    assert (plan.min_pairs, plan.max_pairs, plan.budget_s) == (10, 400, 600.0)
