"""The step and the history ref on a copy of the demo: the post-merge job pushes, a fresh clone
pulls (compare mode takes this machine's baseline from it), no history is exit 3."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from demo_knob import add_bench_settings
from gitrepo import git, init_committed
from history_repos import clone

TINY = """
run_args = ["--rounds", "3", "--round-ms", "2"]
history_runs = 5
permutations = 49
history_remote = "origin"
"""


@pytest.fixture
def forge(fresh_crate: Callable[[str], Path], tmp_path: Path) -> Path:
    """A bare repository holding the demo (with tiny settings) on main."""
    demo = fresh_crate("demo")
    add_bench_settings(demo, TINY)
    init_committed(demo)
    bare = tmp_path / "forge.git"
    git(tmp_path, "clone", "-q", "--bare", str(demo), str(bare))
    return bare


@pytest.mark.slow
def test_baseline_pushed_by_one_clone_is_compared_against_in_another(
    ferrox: Callable[..., Any], forge: Path, tmp_path: Path
) -> None:
    ci = clone(tmp_path, forge, "ci")
    recorded = ferrox("run", "bench", "-C", str(ci), "--mode", "baseline", "--push-history")
    assert recorded.code == 0, recorded.out + recorded.err
    assert "pushed refs/ferrox/bench-history on 'origin'" in recorded.out
    assert git(forge, "ls-tree", "--name-only", "refs/ferrox/bench-history").endswith(".jsonl")
    laptop = clone(tmp_path, forge, "laptop")
    assert not (laptop / ".ferrox" / "bench-baseline.json").exists()
    compared = ferrox("run", "bench", "-C", str(laptop), "--mode", "compare")
    assert compared.code in (0, 1), compared.out + compared.err
    rules = {f["message"] for f in compared.report["findings"]}
    assert "took this machine's newest baseline from refs/ferrox/bench-history" in rules


@pytest.mark.slow
def test_compare_without_any_history_is_exit_3(
    ferrox: Callable[..., Any], forge: Path, tmp_path: Path
) -> None:
    pr = clone(tmp_path, forge, "pr")
    result = ferrox("run", "bench", "-C", str(pr), "--mode", "compare")
    assert result.code == 3, result.out + result.err
    assert "no benchmark history is available: 'origin' has no refs/ferrox/bench-history" in (
        result.out + result.err
    )


@pytest.mark.slow
def test_history_mode_with_an_unreachable_remote_is_exit_3_before_measuring(
    ferrox: Callable[..., Any], forge: Path, tmp_path: Path
) -> None:
    ci = clone(tmp_path, forge, "ci")
    git(ci, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    result = ferrox("run", "bench", "-C", str(ci), "--mode", "history", "--push-history")
    assert result.code == 3, result.out + result.err
    assert "cannot reach git remote 'origin'" in result.out + result.err
