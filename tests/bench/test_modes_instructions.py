"""Instructions mode's verdicts: exact changes judged at the reporting precision."""

from __future__ import annotations

from ferrox.bench.modes.instructions import judge
from ferrox.steps.bench import BenchSettings


def test_the_threshold_is_major_and_critical_stays_critical() -> None:
    base = {"s/same": 1000.0, "s/two": 100_000.0, "s/crit": 1000.0, "s/gone": 5.0}
    head = {"s/same": 1000.0, "s/two": 102_000.4, "s/crit": 1300.0, "s/new": 5.0}
    verdicts = judge(base, head, BenchSettings(instruction_threshold=2.0))
    assert {v.key: v.level for v in verdicts} == {
        "s/crit": "critical",
        "s/same": "ok",
        "s/two": "major",  # +2.0004% is shown as +2.00%: it must not pass a 2% gate
    }
    two = next(v for v in verdicts if v.key == "s/two")
    assert (two.change.estimate, two.change.low, two.change.high) == (0.02, 0.02, 0.02)
    assert two.adjusted_p == 0.0


def test_a_change_under_the_threshold_at_the_shown_precision_passes() -> None:
    verdicts = judge({"s/a": 100_000.0}, {"s/a": 101_994.0}, BenchSettings())
    assert [v.level for v in verdicts] == ["ok"]
    assert verdicts[0].change.p_value == 1.0
