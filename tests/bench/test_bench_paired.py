"""The paired gate's logic on synthetic samplers with known changes (no processes, no timing)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ferrox.bench import paired
from ferrox.bench.reports import benchmark_action_json, markdown_table
from ferrox.bench.schema import Measurement
from ferrox.bench.thresholds import Thresholds, ThresholdTable, parse_overrides


class Synthetic:
    """A sampler: lognormal noise around 100 with a chosen slowdown of head per benchmark."""

    def __init__(self, slowdown: Mapping[str, float], noise: float = 0.01, seed: int = 0) -> None:
        self.slowdown = slowdown
        self.noise = noise
        self.rng = np.random.default_rng(seed)
        self.calls: list[tuple[str, tuple[str, ...]]] = []

    def __call__(self, side: str, keys: Sequence[str]) -> dict[str, float]:
        self.calls.append((side, tuple(keys)))
        factor = {k: 1 + (self.slowdown.get(k, 0.0) if side == "head" else 0.0) for k in keys}
        return {k: 100 * factor[k] * float(np.exp(self.rng.normal(0, self.noise))) for k in keys}


KEYS = ["s/a", "s/b", "s/c"]
PLAN = paired.PairedPlan(min_pairs=8, max_pairs=30, target_halfwidth=0.01)


def test_no_change_passes_and_sampling_stops_when_the_interval_is_narrow() -> None:
    sampler = Synthetic({}, noise=0.005)
    verdicts, samples = paired.run_gate(sampler, KEYS, PLAN, ThresholdTable())
    assert [v.level for v in verdicts] == ["ok"] * 3
    assert len(samples.base["s/a"]) < PLAN.max_pairs
    # Interleaving: pair 0 runs base first, pair 1 head first (A B B A).
    assert [side for side, _ in sampler.calls[:4]] == ["base", "head", "head", "base"]


def test_levels_follow_the_thresholds_and_are_confirmed() -> None:
    sampler = Synthetic({"s/a": 0.06, "s/b": 0.12, "s/c": 0.40})
    verdicts, _ = paired.run_gate(sampler, KEYS, PLAN, ThresholdTable())
    assert [(v.key, v.level, v.confirmed) for v in verdicts] == [
        ("s/a", "minor", True),
        ("s/b", "major", True),
        ("s/c", "critical", True),
    ]
    # The confirmation ran only the flagged benchmarks.
    assert sampler.calls[-1][1] == ("s/a", "s/b", "s/c")


def test_a_real_but_small_change_is_below_threshold() -> None:
    verdicts, _ = paired.run_gate(
        Synthetic({"s/a": 0.025}, noise=0.002), KEYS, PLAN, ThresholdTable()
    )
    assert verdicts[0].level == "below-threshold"
    assert not verdicts[0].flagged


def test_per_benchmark_thresholds_override_the_defaults() -> None:
    table = ThresholdTable(Thresholds(), parse_overrides(["s/b=1,2,50", "s=20,30,40"]))
    assert table.for_key("s/b") == Thresholds(0.01, 0.02, 0.5)
    assert table.for_key("s/a") == Thresholds(0.2, 0.3, 0.4)
    assert table.for_key("t/x") == Thresholds()
    verdicts, _ = paired.run_gate(Synthetic({"s/b": 0.04, "s/a": 0.04}), KEYS, PLAN, table)
    levels = {v.key: v.level for v in verdicts}
    assert levels["s/b"] == "major"
    assert levels["s/a"] == "below-threshold"


def test_unconfirmed_when_fresh_pairs_dilute_a_noise_flag() -> None:
    first = paired.Samples(
        {"s/a": tuple([100.0] * 10)}, {"s/a": tuple([110.0 + i * 0.01 for i in range(10)])}, 1.0
    )
    verdicts = paired.judge(first, PLAN, ThresholdTable())
    assert verdicts[0].level == "major"
    rng = np.random.default_rng(4)
    fresh_base = tuple(float(x) for x in 100 * np.exp(rng.normal(0, 0.01, 30)))
    fresh_head = tuple(float(x) for x in 100 * np.exp(rng.normal(0, 0.01, 30)))
    fresh = paired.Samples({"s/a": fresh_base}, {"s/a": fresh_head}, 1.0)
    (confirmed,) = paired.confirm(verdicts, first, fresh, PLAN, ThresholdTable())
    assert (confirmed.level, confirmed.confirmed, confirmed.flagged) == (
        "unconfirmed",
        False,
        False,
    )
    assert confirmed.change.pairs == 40  # judged on the pooled pairs
    assert paired.confirm([], first, fresh, PLAN, ThresholdTable()) == []


def test_budget_and_cap_stop_sampling() -> None:
    ticks = iter(range(0, 10_000, 10))  # the clock is read once per pair: 10 s a pair
    plan = paired.PairedPlan(min_pairs=50, max_pairs=100, budget_s=45)
    samples = paired.interleave(Synthetic({}, noise=0.2), KEYS, plan, clock=lambda: next(ticks))
    assert len(samples.base["s/a"]) == 4  # a fifth pair would end at 50 s, past the budget
    capped = paired.interleave(
        Synthetic({}, noise=0.3), KEYS, paired.PairedPlan(min_pairs=3, max_pairs=5)
    )
    assert len(capped.base["s/a"]) == 5


def test_a_side_missing_a_benchmark_is_an_error() -> None:
    def sampler(side: str, keys: Sequence[str]) -> dict[str, float]:
        return {"s/a": 1.0}

    try:
        paired.interleave(sampler, KEYS, PLAN)
    except KeyError as exc:
        assert "s/b" in str(exc)
    else:  # pragma: no cover - the assertion above must run
        raise AssertionError("no KeyError")


def test_reports() -> None:
    verdicts, _ = paired.run_gate(Synthetic({"s/b": 0.12}), KEYS, PLAN, ThresholdTable())
    table = markdown_table(verdicts, unit="ns", title="T")
    assert "| `s/b` |" in table and "major (confirmed)" in table and "[+" in table
    action = benchmark_action_json(
        [Measurement("s", "a", "ns", (1.0, 2.0, 3.0)), Measurement("s", "b", "ns", (4.0,))]
    )
    import json

    entries = json.loads(action)
    assert entries[0] == {
        "name": "s/a",
        "unit": "ns",
        "value": 2.0,
        "range": "± 1",
        "extra": "3 samples; p99 2.98",
    }
    assert entries[1] == {"name": "s/b", "unit": "ns", "value": 4.0}


def test_threshold_entries_are_validated() -> None:
    for bad in ["x", "x=1,2", "x=a,b,c", "x=5,3,10", "=1,2,3"]:
        try:
            parse_overrides([bad])
        except ValueError:
            continue
        raise AssertionError(bad)
