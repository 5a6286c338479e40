"""criterion.rs suites in the bench gate: the real criterion_bench fixture, and fault injection.

The real tests share two cargo target directories for the whole session (criterion takes
minutes to build on two cores): head builds find theirs through CARGO_TARGET_DIR, and the base
build, which the step puts in ``<report dir>/bench/base-target``, finds a symlink to the other.
Base and head must not share one: the same package at the same place in its workspace gets the
same artifact hash, so one side's binary would overwrite the other's. Only the fixture crate
itself is rebuilt from test to test.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ferrox.bench import harness, suites
from ferrox.errors import ToolOutputError
from ferrox.tools import ToolRunner
from gitrepo import git as _git
from gitrepo import init_committed

# Not `from conftest import ...`: with tests/release collected first, that names its conftest.
CRATES = Path(__file__).resolve().parents[1] / "fixtures" / "crates"
KEYS = {"speed/checksum_1k", "speed/parse/16", "speed/parse/64"}
# Six pairs, not five: with three benchmarks Holm needs a one-sided signed-rank p below 1/60, and
# six pairs can reach 1/64 (five only 1/32). Short criterion runs: about a second per side.
TINY = """
[bench]
min_pairs = 6
max_pairs = 6
confirm_pairs = 5
history_runs = 2
criterion_args = ["--warm-up-time", "0.05", "--measurement-time", "0.2", "--nresamples", "1000"]
"""


@pytest.fixture(scope="session")
def shared_targets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Cargo target directories kept for the session: one for head builds, one for base.

    criterion is built once; base starts as a copy (cargo accepts a moved target directory:
    build script outputs are rebased), which saves a second build of minutes.
    """
    root = tmp_path_factory.mktemp("criterion-targets")
    crate = root / "crate"
    shutil.copytree(CRATES / "criterion_bench", crate, ignore=shutil.ignore_patterns("target"))
    subprocess.run(
        ["cargo", "bench", "--no-run"], cwd=crate, check=True, capture_output=True,
        env={**os.environ, "CARGO_TARGET_DIR": str(root / "head")},
    )  # fmt: skip
    shutil.copytree(root / "head", root / "base", symlinks=True)  # copy2: mtimes kept
    return {side: root / side for side in ("head", "base")}


@pytest.fixture
def criterion_repo(fresh_crate: Callable[[str], Path]) -> Path:
    """The criterion_bench fixture as a git repository on `main`, tiny settings committed."""
    repo = fresh_crate("criterion_bench")
    # The copy keeps the fixture's old mtimes; cargo would then take a binary that another
    # test built (from edited sources) in the shared target directory for fresh.
    for path in repo.rglob("*"):
        os.utime(path)
    (repo / "ferrox.toml").write_text(TINY)
    init_committed(repo)
    return repo


@pytest.fixture
def bench(
    ferrox: Callable[..., Any],
    shared_targets: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[..., Any]:
    """``ferrox run bench -C REPO ARGS`` with the session's shared target directories."""
    monkeypatch.setenv("CARGO_TARGET_DIR", str(shared_targets["head"]))
    report = tmp_path / "bench-report"
    (report / "bench").mkdir(parents=True)
    (report / "bench" / "base-target").symlink_to(shared_targets["base"], target_is_directory=True)

    def call(repo: Path, *args: str) -> Any:
        return ferrox("run", "bench", "-C", str(repo), "--report-dir", str(report), *args)

    return call


def _summary(result: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((result.report_dir / "bench" / "summary.json").read_text())
    return data


def _levels(result: Any) -> dict[str, str]:
    return {v["benchmark"]: v["level"] for v in _summary(result)["verdicts"]}


def _bench_runs(result: Any) -> list[list[str]]:
    """argv of every run of the bench binary (``speed-<hash>``) in the step's report."""
    return [
        c["argv"] for c in result.report["commands"] if Path(c["argv"][0]).name.startswith("speed-")
    ]


# --- the filter and the output format, without processes -------------------------------------


def test_filter_regex_matches_exactly_the_wanted_ids() -> None:
    assert harness.filter_regex(["parse/16", "checksum_1k"]) == "^(?:checksum_1k|parse/16)$"
    wanted = ["parse/16", "sum(x+1)", "a.b", "[x]|y", "{n}?*", "^$\\", "grp/fn/1,000"]
    regex = re.compile(harness.filter_regex(wanted))
    # Python's re reads these escapes as the Rust regex crate does (both: `\` + punctuation).
    assert all(regex.fullmatch(i) for i in wanted)
    assert all(regex.search(i) for i in wanted)
    for other in ["parse/164", "xparse/16", "parse/1", "sumx+1", "sum(xx1)", "aXb", "x", "y"]:
        assert not regex.search(other), other
    # Slashes, commas, spaces, `#`, `-`, `<` are literal in Rust regex: left unescaped.
    assert harness.filter_regex(["g/f #2 <a-b>"]) == "^(?:g/f #2 <a-b>)$"
    with pytest.raises(ValueError, match="at least one"):
        harness.filter_regex([])


def test_fractional_seconds_are_found_in_both_spellings() -> None:
    args = ["--warm-up-time", "0.5", "--measurement-time=2", "--profile-time=0", "--noplot"]
    assert harness.fractional_seconds(args) == ["--warm-up-time 0.5", "--profile-time 0"]
    assert harness.fractional_seconds(["--measurement-time"]) == ["--measurement-time"]
    assert harness.fractional_seconds(["--warm-up-time", "1", "--nresamples", "0.5"]) == []


def test_criterion_args_that_break_the_runs_are_config_errors(
    ferrox: Callable[..., Any], criterion_repo: Path
) -> None:
    config = criterion_repo / "ferrox.toml"
    kept = [line for line in config.read_text().splitlines() if "criterion_args" not in line]
    bad = 'criterion_args = ["--output-format=criterion", "--discard-baseline", "--noplot"]'
    config.write_text("\n".join([*kept, bad, ""]))
    result = ferrox("run", "bench", "-C", str(criterion_repo))
    assert result.code == 2, result.out + result.err
    assert "bench.criterion_args" in result.err and "Traceback" not in result.err
    assert "--output-format=criterion, --discard-baseline cannot be used" in result.err


# --- fault injection: a fake cargo "builds" a fake criterion binary ----------------------------

FAKE_BENCH = """
import json, os, pathlib, sys

args = sys.argv[1:]
mode = pathlib.Path(__file__).with_name("mode").read_text().strip()
ids = ["checksum_1k", "parse/16", "parse/64"]
with pathlib.Path(__file__).with_name("argv.jsonl").open("a") as log:
    log.write(json.dumps(args) + "\\n")
if args == ["--help"]:  # what criterion 0.5 answers: ferrox must not rely on it
    print("error: unexpected argument '--help' found", file=sys.stderr)
    sys.exit(2)
if args == ["--bench", "--list"]:
    if mode == "no-list":
        sys.exit(0)
    print("\\n".join(f"{i}: benchmark" for i in ids))
    sys.exit(0)
if mode == "silent":
    print("Benchmarking checksum_1k")
    sys.exit(0)
if mode == "garbled":
    print("test checksum_1k ... bench:  fast ns/iter")
    sys.exit(0)
shown = ids[:2] if mode == "partial" else ids
for i in shown:
    print(f"test {i} ... bench:       1,234 ns/iter (+/- 56)")
    if mode != "no-estimates":
        new = pathlib.Path(os.environ["CRITERION_HOME"], i, "new")
        new.mkdir(parents=True)
        (new / "benchmark.json").write_text(json.dumps({"full_id": i, "title": i}))
        median = 2345.5 if mode == "mismatch" else 1234.75
        (new / "estimates.json").write_text(json.dumps({"median": {"point_estimate": median}}))
"""


@pytest.fixture
def fake_criterion(
    fake_tools: Callable[[str, str], Path],
    fake_cargo: Callable[[str], Path],
    criterion_repo: Path,
) -> Callable[[str], Path]:
    """Sets the fake bench binary's behaviour; returns the log of its argv (one JSON a line)."""
    binary = fake_tools("speed-fake", FAKE_BENCH)
    artifact = {
        "reason": "compiler-artifact",
        "target": {"kind": ["bench"], "name": "speed"},
        "executable": str(binary),
    }
    fake_cargo(f"print({json.dumps(json.dumps(artifact))})\n")

    def set_mode(mode: str) -> Path:
        binary.with_name("mode").write_text(mode)
        log = binary.with_name("argv.jsonl")
        log.unlink(missing_ok=True)
        return log

    return set_mode


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("no-list", "criterion bench speed --list named no benchmark"),
        ("silent", "printed no `bench:` line for checksum_1k, parse/16, parse/64"),
        ("partial", "printed no `bench:` line for parse/64"),
        ("garbled", "malformed libtest bench line"),
        ("no-estimates", "wrote no estimates for checksum_1k"),
        ("mismatch", "checksum_1k printed 1234 ns but its estimates.json says 2345.5 ns"),
    ],
)
def test_a_criterion_run_without_every_result_is_a_tool_error(
    ferrox: Callable[..., Any],
    criterion_repo: Path,
    fake_criterion: Callable[[str], Path],
    mode: str,
    message: str,
) -> None:
    fake_criterion(mode)
    result = ferrox("run", "bench", "-C", str(criterion_repo), "--base", "main")
    assert result.code == 3, result.out + result.err
    assert message in result.report["error"]
    assert "base-worktree" not in _git(criterion_repo, "worktree", "list")


def test_criterion_runs_get_criterion_options_and_libtest_harnesses_do_not(
    ferrox: Callable[..., Any], criterion_repo: Path, fake_criterion: Callable[[str], Path]
) -> None:
    log = fake_criterion("ok")
    result = ferrox("run", "bench", "-C", str(criterion_repo), "--base", "main")
    assert result.code == 0, result.out + result.err
    runs = [json.loads(line) for line in log.read_text().splitlines()]
    measured = [argv for argv in runs if "--output-format" in argv]
    assert measured and all(
        argv[:4] == ["--bench", "--output-format", "bencher", "--noplot"] for argv in measured
    )
    assert _levels(result).keys() == KEYS
    assert {v["base"] for v in _summary(result)["verdicts"]} == {1234.75}  # unrounded

    # The harness came from Cargo.lock: the binary was never asked `--help` (criterion 0.5
    # rejects it, a custom harness may not know it).
    assert ["--help"] not in runs


def test_instructions_mode_refuses_criterion_suites(
    ferrox: Callable[..., Any], criterion_repo: Path, fake_criterion: Callable[[str], Path]
) -> None:
    fake_criterion("ok")
    result = ferrox("run", "bench", "-C", str(criterion_repo), "--mode", "instructions")
    assert result.code == 2, result.out + result.err
    assert "bench suite(s) speed (criterion 0.8.2) cannot be counted in instructions mode" in (
        result.err
    )
    assert "no fixed iteration count" in result.err
    assert "iai-callgrind" in result.err and "Traceback" not in result.err
    assert "base-worktree" not in _git(criterion_repo, "worktree", "list")


# --- the real criterion fixture ----------------------------------------------------------------


@pytest.mark.slow
def test_paired_gate_on_criterion_passes_a_a_and_flags_a_3x_slowdown(
    bench: Callable[..., Any], criterion_repo: Path
) -> None:
    same = bench(criterion_repo, "--base", "main")
    assert same.code == 0, same.out + same.err
    assert _levels(same).keys() == KEYS
    assert set(_levels(same).values()) <= {"ok", "below-threshold", "unconfirmed"}
    runs = _bench_runs(same)
    assert ["--help"] not in [argv[1:] for argv in runs]  # the harness came from Cargo.lock
    assert ["--bench", "--list"] in [argv[1:] for argv in runs]
    assert all("--warm-up-time" in argv for argv in runs if "--output-format" in argv)
    home = same.report_dir / "bench" / "criterion"
    assert (home / "base" / "speed" / "parse" / "16" / "new" / "estimates.json").is_file()
    assert not (criterion_repo / "target" / "criterion").exists()  # the user's results untouched

    speed = criterion_repo / "benches" / "speed.rs"
    text = speed.read_text()
    assert "const CHECKSUM_ROUNDS: u32 = 1;" in text
    speed.write_text(text.replace("CHECKSUM_ROUNDS: u32 = 1;", "CHECKSUM_ROUNDS: u32 = 3;"))
    _git(criterion_repo, "commit", "-q", "-am", "checksum three times over")
    slow = bench(criterion_repo, "--base", "main~1")
    assert slow.code == 1, slow.out + slow.err
    levels = _levels(slow)
    assert levels["speed/checksum_1k"] == "critical", levels
    verdict = next(v for v in _summary(slow)["verdicts"] if v["benchmark"] == "speed/checksum_1k")
    assert verdict["confirmed"] is True and verdict["low"] > 1.0  # +100% at the least
    assert "bench-regression-critical" in {f["rule"] for f in slow.report["findings"]}
    # The confirmation ran only flagged benchmarks, through one anchored regex.
    filters = [argv[-1] for argv in _bench_runs(slow) if argv[-1].startswith("^(?:")]
    assert filters and all("checksum_1k" in f for f in filters)


@pytest.mark.slow
def test_history_mode_records_criterion_benchmarks(
    bench: Callable[..., Any], criterion_repo: Path
) -> None:
    result = bench(criterion_repo, "--mode", "history")
    assert result.code == 0, result.out + result.err
    history = (criterion_repo / ".ferrox" / "bench-history.jsonl").read_text().splitlines()
    (run,) = [json.loads(line) for line in history]
    samples = {f"{m['suite']}/{m['benchmark']}": m["samples"] for m in run["measurements"]}
    assert samples.keys() == KEYS
    assert all(len(values) == 2 and min(values) > 0 for values in samples.values())
    assert {m["source"] for m in run["measurements"]} == {"criterion"}


@pytest.mark.slow
def test_compare_mode_judges_criterion_benchmarks_against_the_baseline(
    bench: Callable[..., Any], criterion_repo: Path
) -> None:
    # Four runs a side: the fewest for a 95% Mann-Whitney interval.
    config = criterion_repo / "ferrox.toml"
    config.write_text(config.read_text().replace("history_runs = 2", "history_runs = 4"))
    recorded = bench(criterion_repo, "--mode", "baseline")
    assert recorded.code == 0, recorded.out + recorded.err
    same = bench(criterion_repo, "--mode", "compare")
    assert same.code == 0, same.out + same.err
    assert set(_levels(same)) == KEYS  # every criterion benchmark judged, none "new"
    assert not _summary(same)["new_benchmarks"]


@pytest.mark.slow
def test_the_filter_selects_exactly_the_wanted_ids_in_a_real_criterion_binary(
    shared_targets: dict[str, Path], criterion_repo: Path, tmp_path: Path
) -> None:
    built = subprocess.run(
        ["cargo", "bench", "--no-run", "--message-format", "json"],
        cwd=criterion_repo, check=True, capture_output=True, text=True,
        env={**os.environ, "CARGO_TARGET_DIR": str(shared_targets["head"])},
    ).stdout  # fmt: skip
    (binary,) = [
        Path(m["executable"])
        for m in map(json.loads, built.splitlines())
        if m.get("reason") == "compiler-artifact" and m.get("executable")
    ]
    runner = ToolRunner()
    assert suites.recognise(runner, criterion_repo, (), 120) == {
        "speed": suites.Harness("criterion", "criterion", "0.8.2")
    }
    args = ["--warm-up-time", "0.05", "--measurement-time", "0.1", "--nresamples", "1000"]
    for wanted in (["parse/16"], ["checksum_1k", "parse/64"], ["parse/1"]):
        if wanted == ["parse/1"]:  # a prefix of two ids matches neither: fail closed
            with pytest.raises(ToolOutputError, match=r"no `bench:` line for parse/1(\n|$)"):
                harness.run_criterion(
                    runner, "speed", binary, args=args, wanted=wanted,
                    home=tmp_path / "home", timeout=120, cwd=criterion_repo,
                )  # fmt: skip
            continue
        found = harness.run_criterion(
            runner, "speed", binary, args=args, wanted=wanted,
            home=tmp_path / "home", timeout=120, cwd=criterion_repo,
        )  # fmt: skip
        assert [m.benchmark for m in found] == sorted(wanted)
        assert all(m.value > 0 and m.value != int(m.value) for m in found)  # unrounded
