"""Compare mode: head's runs against the stored baseline file.

The first tests read real baseline files (written by the schema's own code, then damaged), the
last ones run `ferrox run bench --mode compare` on a git copy of the demo: real builds, real runs.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from demo_knob import add_bench_settings, bench_summary, commit_slowdown
from ferrox.bench import compare, environment
from ferrox.bench.schema import BenchRun, Environment, Measurement
from ferrox.bench.thresholds import ThresholdTable
from ferrox.errors import ToolOutputError, UsageError
from ferrox.tools import ToolRunner
from gitrepo import init_committed

TINY = """
run_args = ["--rounds", "3", "--round-ms", "2"]
history_runs = 5
permutations = 49
"""
BASELINE = Path(".ferrox/bench-baseline.json")
HERE = Environment("cpu A", 2, "Linux 6.1", "rustc 1.90.0", "a" * 40)


def _record(
    path: Path,
    env: Environment = HERE,
    samples: dict[str, list[float]] | None = None,
    *,
    age_days: float = 0.0,
) -> None:
    """A baseline file as `--mode baseline` writes it."""
    samples = samples or {"checksum/adler32_64k": [100.0, 101.0, 99.0, 100.5, 100.2]}
    measurements = tuple(
        Measurement(*key.split("/"), "ns", tuple(values), source="libtest")
        for key, values in samples.items()
    )
    stamp = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=age_days)).isoformat(
        timespec="seconds"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    run = BenchRun(env, measurements, stamp, {"kind": "baseline"})
    path.write_text(json.dumps(run.to_dict(), indent=2) + "\n", encoding="utf-8")


def test_a_missing_baseline_names_the_session_that_records_it(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        compare.load(tmp_path / "none.json", ".ferrox/none.json")
    assert ".ferrox/none.json" in str(caught.value)
    assert "nox -s bench-baseline" in str(caught.value)


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda text: text[: len(text) // 2], "cannot be read as JSON"),
        (lambda text: "[1, 2]", "holds no JSON object"),
        (lambda text: text.replace('"schema": 1', '"schema": 99'), "schema 99"),
        (lambda text: text.replace('"samples"', '"values"'), "not a benchmark run record"),
        (lambda text: re.sub(r'"timestamp": "[^"]*"', '"timestamp": "soon"', text), "timestamp"),
        (
            lambda text: re.sub(r'("timestamp": "[^"]*)\+00:00"', r'\1"', text),
            "has no time zone",
        ),
        (lambda text: text.encode("utf-16").decode("latin-1"), "cannot be read"),
        (
            lambda text: text.replace('"kind": "baseline"', '"kind": "baseline", "measured": "[1"'),
            "is not a JSON list of benchmark keys",
        ),
    ],
)
def test_a_corrupt_baseline_is_a_tool_error_that_says_how_to_refresh(
    tmp_path: Path, damage: Callable[[str], str], reason: str
) -> None:
    path = tmp_path / "baseline.json"
    _record(path)
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="latin-1")
    with pytest.raises(ToolOutputError) as caught:
        compare.load(path, "b.json")
    assert reason in str(caught.value) and "nox -s bench-baseline" in str(caught.value)


def test_the_baseline_compares_what_ferrox_measured_itself(tmp_path: Path) -> None:
    """Listed keys (criterion suites ferrox ran included), not result files it only read."""
    path = tmp_path / "baseline.json"
    measurements = (
        Measurement("checksum", "adler32_64k", "ns", (1.0, 2.0), source="libtest"),
        Measurement("speed", "parse/16", "ns", (3.0, 4.0), source="criterion"),
        Measurement("files", "from_json", "ns", (5.0, 6.0), source="criterion"),
    )
    measured = json.dumps(["checksum/adler32_64k", "speed/parse/16"])
    run = BenchRun(HERE, measurements, "2026-11-23T00:00:00+00:00", {"measured": measured})
    path.write_text(json.dumps(run.to_dict()), encoding="utf-8")
    assert set(compare.load(path, "b.json").samples) == {"checksum/adler32_64k", "speed/parse/16"}
    older = BenchRun(HERE, measurements, "2026-11-23T00:00:00+00:00", {"kind": "baseline"})
    path.write_text(json.dumps(older.to_dict()), encoding="utf-8")  # before the list existed
    assert set(compare.load(path, "b.json").samples) == {"checksum/adler32_64k"}


def test_a_baseline_of_another_machine_is_refused_naming_both(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    _record(path, Environment("cpu B", 64, "Linux 6.1", "rustc 1.90.0"))
    baseline = compare.load(path, "b.json")
    compare.check_environment(baseline, Environment("cpu B", 64, "Linux 6.1", "rustc 1.90.0", "x"))
    with pytest.raises(UsageError) as caught:
        compare.check_environment(baseline, HERE)
    text = str(caught.value)
    assert "cpu B, 64 cores" in text and "cpu A, 2 cores" in text
    assert "refresh the baseline on this machine with `nox -s bench-baseline`" in text


def test_levels_follow_the_thresholds_and_one_sided_benchmarks_are_listed() -> None:
    rng = np.random.default_rng(3)
    base = {k: list(100 * np.exp(rng.normal(0, 0.005, 6))) for k in ("s/a", "s/b", "s/c", "s/d")}
    slowdown = {"s/a": 0.0, "s/b": 0.07, "s/c": 0.15, "s/d": 0.60}
    head = {k: [v * (1 + slowdown[k]) for v in rng.permutation(base[k])] for k in slowdown}
    head["s/new"] = [5.0] * 6
    del head["s/d"]
    base["s/e"] = [1.0] * 6
    head["s/e"] = [1.6, 1.61, 1.59, 1.6, 1.62, 1.58]
    found = compare.compare(
        base, head, thresholds=ThresholdTable(), confidence=0.95, margin=0.01, correction="holm"
    )
    assert {v.key: v.level for v in found.verdicts} == {
        "s/a": "ok",
        "s/b": "minor",
        "s/c": "major",
        "s/e": "critical",
    }
    assert (found.new, found.removed) == (("s/new",), ("s/d",))


# Unpaired runs of the demo's two microsecond benchmarks drift by tens of percent between two
# moments on a busy shared machine (exactly why compare mode exists only for big changes); the
# timing tests run its steadiest benchmark alone (the harness takes names as filters).
STEADY = """
run_args = ["--rounds", "5", "--round-ms", "8", "adler32_64k"]
history_runs = 5
"""


def _demo(fresh_crate: Callable[[str], Path], settings: str = TINY) -> Path:
    demo = fresh_crate("demo")
    config = demo / "ferrox.toml"
    text = config.read_text()
    assert "[bench]\n" in text
    config.write_text(text.replace("[bench]\n", "[bench]" + settings, 1))
    init_committed(demo)
    return demo


def test_refusals_come_before_any_build(
    ferrox: Callable[..., Any],
    fresh_crate: Callable[[str], Path],
    fake_cargo: Callable[[str], Path],
) -> None:
    # A cargo that would fail loudly: none of these may get as far as building.
    fake_cargo("import sys\nprint('cargo must not run', file=sys.stderr)\nsys.exit(101)\n")
    demo = _demo(fresh_crate)
    missing = ferrox("run", "bench", "-C", str(demo), "--mode", "compare")
    assert missing.code == 2, missing.out + missing.err
    assert "no stored benchmark baseline at .ferrox/bench-baseline.json" in missing.err
    assert "nox -s bench-baseline" in missing.err
    _record(demo / BASELINE, Environment("another cpu", 96, "Linux 5.4", "rustc 1.70.0"))
    foreign = ferrox("run", "bench", "-C", str(demo), "--mode", "compare")
    assert foreign.code == 2 and "another cpu, 96 cores" in foreign.err
    assert "refresh the baseline on this machine" in foreign.err
    (demo / BASELINE).write_text("{not json")
    corrupt = ferrox("run", "bench", "-C", str(demo), "--mode", "compare")
    assert corrupt.code == 3 and "cannot be read as JSON" in corrupt.report["error"]
    _record(demo / BASELINE, environment.collect(ToolRunner(), demo))
    built = ferrox("run", "bench", "-C", str(demo), "--mode", "compare")
    assert built.code == 3 and "cargo bench --no-run failed" in built.report["error"]


def test_bad_fail_levels_are_config_errors(
    ferrox: Callable[..., Any], fresh_crate: Callable[[str], Path]
) -> None:
    demo = _demo(fresh_crate)
    add_bench_settings(demo, 'compare_fail = "severe"\n')
    result = ferrox("run", "bench", "-C", str(demo), "--mode", "compare")
    assert result.code == 2 and "bench.compare_fail" in result.err and "critical" in result.err


@pytest.mark.slow
def test_compare_passes_the_baseline_itself_and_fails_only_a_critical_slowdown(
    ferrox: Callable[..., Any], fresh_crate: Callable[[str], Path]
) -> None:
    demo = _demo(fresh_crate, STEADY)
    recorded = ferrox("run", "bench", "-C", str(demo), "--mode", "baseline")
    assert recorded.code == 0, recorded.out + recorded.err
    keys = {
        f"{m['suite']}/{m['benchmark']}"
        for m in json.loads((demo / BASELINE).read_text())["measurements"]
    }
    assert keys == {"checksum/adler32_64k"}
    same = ferrox("run", "bench", "-C", str(demo), "--mode", "compare")
    assert same.code == 0, same.out + same.err
    summary = bench_summary(same)
    assert {v["benchmark"] for v in summary["verdicts"]} == keys
    assert summary["fail_levels"] == ["critical"] and summary["blocks_release"] is False
    assert all(v["base_runs"] == v["head_runs"] == 5 for v in summary["verdicts"])
    table = (same.report_dir / "bench" / "comparison.md").read_text()
    assert "head vs the stored baseline" in table and "only critical fails here" in table
    assert (same.report_dir / "bench" / "results.json").is_file()

    # 60% slower: critical. The same slowdown held under a 1000% critical threshold is only
    # major: it warns by default (unpaired runs cannot be trusted at 10%) and fails with
    # compare_fail = "major".
    commit_slowdown(demo, 60)
    slow = ferrox("run", "bench", "-C", str(demo), "--mode", "compare")
    assert slow.code == 1, slow.out + slow.err
    assert {v["level"] for v in bench_summary(slow)["verdicts"]} == {"critical"}
    assert bench_summary(slow)["blocks_release"] is True
    add_bench_settings(demo, 'thresholds = ["checksum=5,10,1000"]\n')
    major = ferrox("run", "bench", "-C", str(demo), "--mode", "compare")
    assert major.code == 0, major.out + major.err
    assert {v["level"] for v in bench_summary(major)["verdicts"]} == {"major"}
    assert {f["level"] for f in major.report["findings"]} == {"warning"}
    add_bench_settings(demo, 'compare_fail = "major"\n')
    strict = ferrox("run", "bench", "-C", str(demo), "--mode", "compare")
    assert strict.code == 1, strict.out + strict.err


@pytest.mark.slow
def test_a_stale_baseline_warns_and_missing_benchmarks_are_reported(
    ferrox: Callable[..., Any], fresh_crate: Callable[[str], Path]
) -> None:
    demo = _demo(fresh_crate)
    here = environment.collect(ToolRunner(), demo)
    values = [1e9, 1.001e9, 0.999e9, 1.0005e9, 1.0002e9]  # a second: head is far faster
    _record(
        demo / BASELINE,
        here,
        {"checksum/adler32_64k": values, "checksum/retired": values},
        age_days=30,
    )
    stale = ferrox("run", "bench", "-C", str(demo), "--mode", "compare")
    # The improvement passes; the stale baseline and the one-sided benchmarks are reported.
    assert stale.code == 0, stale.out + stale.err
    rules = {f["rule"]: f for f in stale.report["findings"]}
    assert rules["bench-baseline-stale"]["level"] == "warning"
    assert "30 days old" in rules["bench-baseline-stale"]["message"]
    assert rules["bench-removed"]["level"] == "warning"
    assert "checksum/retired" in rules["bench-removed"]["message"]
    summary = bench_summary(stale)
    assert summary["new_benchmarks"] == ["checksum/fibonacci_x100", "checksum/parse_list_1k"]
    table = (stale.report_dir / "bench" / "comparison.md").read_text()
    assert "missing on head (renamed or removed): checksum/retired" in table

    add_bench_settings(demo, "baseline_max_age_days = 0\n")
    _record(demo / BASELINE, here, {"checksum/renamed": values}, age_days=30)
    gone = ferrox("run", "bench", "-C", str(demo), "--mode", "compare")
    assert gone.code == 1, gone.out + gone.err
    assert "head has none of the base's 1 benchmark(s)" in gone.report["summary"]
    assert "bench-baseline-stale" not in {f["rule"] for f in gone.report["findings"]}
