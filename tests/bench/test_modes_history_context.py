"""Main's history as context of a paired report, with real git: a bare repository is the remote.

The unit tests build the ref by hand (no cargo); the slow test runs paired mode on the demo
before and after the post-merge job has pushed a history.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from demo_knob import add_bench_settings, bench_summary
from ferrox.bench import history, history_sync
from ferrox.bench.history_ref import REF, RefStore, file_for
from ferrox.bench.modes.history_context import DISCLAIMER, gather
from ferrox.context import Context
from ferrox.model import Level
from ferrox.steps.bench import BenchSettings
from ferrox.tools import ToolRunner
from gitrepo import git, init_committed
from history_repos import LAPTOP, RUNNER, bench_run, clone, make_remote

REMOTE = BenchSettings(history_remote="origin")


def context_of(repo: Path) -> Context:
    return Context(repo, REMOTE, ToolRunner(), repo / "reports")


def publish(repo: Path, *values: int) -> None:
    """The post-merge job: runs of RUNNER's machine recorded on the ref and pushed."""
    path = repo / ".ferrox" / "bench-history.jsonl"
    for n in values:
        history.append(path, bench_run(n))
    store = RefStore(ToolRunner(), repo)
    history_sync.record(store, history_sync.lines_of_file(path), "Record benchmark runs")
    history_sync.push(store, history_sync.Remote("origin"))


def test_head_is_placed_in_mains_recent_runs_of_this_machine(tmp_path: Path) -> None:
    bare = make_remote(tmp_path)
    publish(clone(tmp_path, bare, "ci"), *range(1, 15))  # medians 1.5 .. 14.5
    pr = clone(tmp_path, bare, "pr")
    found, notes = gather(
        context_of(pr),
        REMOTE,
        RUNNER.fingerprint,
        {"suite/parse": [20.0, 21.0, 22.0], "suite/new": [1.0]},
    )
    assert found.status == "ok"
    (row,) = found.rows
    assert row.values == tuple(n + 0.5 for n in range(5, 15))  # the newest 10, oldest first
    assert row.median == 10.0 and row.head == 21.0 and row.position == "above"
    assert "Not in the history yet: suite/new" in found.message
    assert [n.level for n in notes] == [Level.NOTE]
    report = found.as_json()
    assert report["affects_verdict"] is False
    assert report["benchmarks"][0]["vs_median"] == pytest.approx(1.1)  # type: ignore[index]
    table = found.markdown()
    assert "| `suite/parse` | 10 | 10 | 6 to 14 | 21 | +110.00% | above |" in table
    assert DISCLAIMER in table
    # Read-only: the local ref and history file of the PR's clone are untouched.
    assert git(pr, "for-each-ref", REF) == ""
    assert not (pr / ".ferrox").exists()


def test_no_ref_is_no_history_yet_and_another_machine_is_no_runs(tmp_path: Path) -> None:
    bare = make_remote(tmp_path)
    pr = clone(tmp_path, bare, "pr")
    found, notes = gather(context_of(pr), REMOTE, RUNNER.fingerprint, {"suite/parse": [1.0]})
    assert found.status == "no-history" and found.message.startswith("no history yet")
    assert [n.level for n in notes] == [Level.NOTE]
    publish(clone(tmp_path, bare, "ci"), 1, 2)
    found, _ = gather(context_of(pr), REMOTE, LAPTOP.fingerprint, {"suite/parse": [1.0]})
    assert found.status == "no-runs" and "holds no run of this machine" in found.message


def test_without_a_remote_there_is_no_section(tmp_path: Path) -> None:
    repo = make_remote(tmp_path)  # never asked
    found, notes = gather(
        Context(repo, BenchSettings(), ToolRunner(), repo), BenchSettings(), "x", {}
    )
    assert found.status == "off" and found.markdown() == "" and notes == []


def test_an_unreachable_remote_or_a_corrupt_ref_is_a_warning_not_an_error(
    tmp_path: Path,
) -> None:
    bare = make_remote(tmp_path)
    pr = clone(tmp_path, bare, "pr")
    git(pr, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    found, notes = gather(context_of(pr), REMOTE, RUNNER.fingerprint, {"suite/parse": [1.0]})
    assert found.status == "unavailable" and "cannot reach git remote 'origin'" in found.message
    assert [n.level for n in notes] == [Level.WARNING]
    assert "the gate went on without it" in notes[0].message
    # A ref whose file is not a run record (pushed by hand to the forge).
    git(pr, "remote", "set-url", "origin", str(bare))
    edited = {file_for(RUNNER.fingerprint): ("not json",)}
    commit = RefStore(ToolRunner(), pr).commit(edited, (), "edited")
    git(pr, "push", "-q", "origin", f"{commit}:{REF}")
    found, notes = gather(context_of(pr), REMOTE, RUNNER.fingerprint, {"suite/parse": [1.0]})
    assert found.status == "unavailable" and "corrupt history record" in found.message
    assert [n.level for n in notes] == [Level.WARNING]


TINY = """
min_pairs = 6
max_pairs = 8
confirm_pairs = 5
run_args = ["--rounds", "3", "--round-ms", "2"]
history_runs = 2
permutations = 49
history_remote = "origin"
"""


@pytest.mark.slow
def test_paired_on_the_demo_says_no_history_yet_then_shows_mains_history(
    ferrox: Callable[..., Any], fresh_crate: Callable[[str], Path], tmp_path: Path
) -> None:
    demo = fresh_crate("demo")
    add_bench_settings(demo, TINY)
    init_committed(demo)
    bare = tmp_path / "forge.git"
    git(tmp_path, "clone", "-q", "--bare", str(demo), str(bare))
    pr = clone(tmp_path, bare, "pr")
    before = ferrox("run", "bench", "-C", str(pr), "--base", "origin/main")
    assert before.code == 0, before.out + before.err
    summary = bench_summary(before)
    assert summary["history_context"]["status"] == "no-history"
    table = (before.report_dir / "bench" / "comparison.md").read_text()
    assert "no history yet" in table and DISCLAIMER in table
    # The post-merge job records main's runs on the ref and pushes them.
    ci = clone(tmp_path, bare, "ci")
    pushed = ferrox("run", "bench", "-C", str(ci), "--mode", "history", "--push-history")
    assert pushed.code == 0, pushed.out + pushed.err
    after = ferrox("run", "bench", "-C", str(pr), "--base", "origin/main")
    assert after.code == 0, after.out + after.err
    context = bench_summary(after)["history_context"]
    assert context["status"] == "ok" and context["affects_verdict"] is False
    assert {b["benchmark"] for b in context["benchmarks"]} == {
        v["benchmark"] for v in bench_summary(after)["verdicts"]
    }
    assert all(b["runs"] == 1 for b in context["benchmarks"])
    table = (after.report_dir / "bench" / "comparison.md").read_text()
    assert "#### Main's recent history on this machine" in table
    assert "| `checksum/adler32_64k` | 1 |" in table.split("#### Main's recent")[1]
    assert json.loads((after.report_dir / "bench" / "results.json").read_text())
