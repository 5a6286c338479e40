"""What the modes share after measuring: the StepResult of verdicts, or of nothing to compare."""

from __future__ import annotations

from ferrox.bench.modes import results
from ferrox.bench.paired import Verdict
from ferrox.bench.stats import PairedChange
from ferrox.model import Status
from ferrox.steps.bench import BenchSettings


def _verdict(key: str, level: str, change: float = 0.1) -> Verdict:
    return Verdict(
        key, 1.0, 1.0 + change, PairedChange(10, change, change, change, 0.0, 0.0), 0.0, level
    )


def test_only_the_fail_levels_fail_and_critical_blocks_the_release() -> None:
    verdicts = [_verdict("s/a", "minor", 0.06), _verdict("s/b", "major"), _verdict("s/c", "ok")]
    passed = results.result(
        verdicts, fail_levels=results.FAIL_LEVELS["critical"], summary_extra="x", extra={}
    )
    assert passed.status is Status.PASS
    assert [f.rule for f in passed.findings] == ["bench-regression-minor", "bench-regression-major"]
    assert passed.extra == {"fail_levels": ["critical"], "blocks_release": False, "waivers": []}
    assert passed.summary == "3 benchmark(s): 0 critical, 1 major, 1 minor, 0 unconfirmed; x"
    failed = results.result(
        [*verdicts, _verdict("s/d", "critical", 0.3)],
        fail_levels=results.FAIL_LEVELS["major"],
        summary_extra="x",
        extra={"mode": "paired"},
        removed=["s/gone"],
    )
    assert failed.status is Status.FAIL
    assert failed.extra["blocks_release"] is True and failed.extra["mode"] == "paired"
    assert failed.metrics["removed_benchmarks"] == 1.0
    assert failed.findings[0].rule == "bench-removed"


def test_nothing_to_compare_passes_a_new_suite_and_fails_a_vanished_one() -> None:
    fresh = results.nothing_to_compare("paired", base_commit="a", head_commit="b", new=["s/x"])
    assert fresh.status is Status.PASS
    assert "the base has none of head's 1 benchmark(s)" in fresh.summary
    gone = results.nothing_to_compare(
        "paired", base_commit="a", head_commit="b", new=[], removed=["s/x", "s/y"]
    )
    assert gone.status is Status.FAIL
    assert "head has none of the base's 2 benchmark(s)" in gone.summary


def test_thresholds_are_fractions_with_their_overrides() -> None:
    table = results.thresholds(BenchSettings(thresholds=("s=1,2,3",)))
    assert table.for_key("s/a").major == 0.02
    assert table.for_key("t/a").critical == 0.25
