"""Critical blocks the release: `bench` as a release gate, paired against the previous release.

Real releases of a git copy of the demo: real cargo builds of both versions, real timed runs.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from github_fake import FakeGitHub
from release_repo import Repo, git, release_config

from demo_knob import set_slowdown
from ferrox.cli import main

# The demo's steadiest benchmark alone (the harness takes names as filters) and enough pairs that
# a 10% slowdown's interval stays clear of 25% on a machine shared with other jobs.
BENCH = """
min_pairs = 10
max_pairs = 30
confirm_pairs = 10
run_args = ["--rounds", "11", "--round-ms", "8", "adler32_64k"]
"""


def _bench_repo(make_repo: Callable[..., Repo], github: FakeGitHub) -> Repo:
    """The demo with bench as its only release gate and no archives to build."""
    config = release_config(github, "artifacts = false\n").replace(
        "gates = []", 'gates = ["bench"]'
    )
    repo = make_repo(config)
    path = repo.path / "ferrox.toml"
    text = path.read_text()
    assert "[bench]\n" in text
    path.write_text(text.replace("[bench]\n", "[bench]" + BENCH, 1))
    repo.git("commit", "-q", "-am", "chore: quick bench settings")
    repo.git("push", "-q", "origin", "main")
    return repo


def _slow_down(repo: Repo, pct: int) -> None:
    """Sets the demo bench's SLOWDOWN_PCT knob (real extra work per iteration) and commits."""
    set_slowdown(repo.path, pct)
    repo.git("commit", "-q", "-am", f"perf: {pct}% more work per iteration")


def test_the_first_release_has_no_benchmark_baseline_and_skips_the_gate(
    make_repo: Callable[..., Repo], github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _bench_repo(make_repo, github)
    assert main(["release", "v0.2.0", "--dry-run", "-C", str(repo.path)]) == 0
    plan = capsys.readouterr().out
    assert "gates: bench" in plan
    assert "ferrox run bench  # skipped: no previous release to compare against" in plan
    assert main(["release", "v0.2.0", "-C", str(repo.path)]) == 0
    out = capsys.readouterr().out
    assert "gate bench skipped: no previous release tag" in out and "released v0.2.0" in out
    assert not (repo.path / "target" / "ferrox" / "bench.json").exists()  # it did not run
    # With a previous release, the plan names the comparison the gate will make.
    assert main(["release", "v0.3.0", "--dry-run", "-C", str(repo.path)]) == 0
    assert (
        "ferrox run bench --mode paired --base refs/tags/v0.2.0  # only a critical slowdown "
        "blocks the release" in capsys.readouterr().out
    )


@pytest.mark.slow
def test_a_critical_slowdown_since_the_last_release_blocks_it_and_a_major_one_does_not(
    make_repo: Callable[..., Repo], github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _bench_repo(make_repo, github)
    repo.git("tag", "-a", "v0.2.0", "-m", "v0.2.0")
    # A branch named like the tag must not be what the gate compares against.
    repo.git("branch", "v0.2.0")
    _slow_down(repo, 10)  # major for a pull request, not critical
    assert main(["release", "v0.3.0", "-C", str(repo.path)]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "gate bench: ferrox run bench --mode paired --base refs/tags/v0.2.0" in out
    assert "released v0.3.0" in out
    assert git(repo.remote, "rev-parse", "v0.3.0^{commit}") == repo.git("rev-parse", "HEAD")

    # 70% more work than v0.3.0's 10%: about 55% slower since the last release.
    _slow_down(repo, 70)
    before = repo.snapshot()
    assert main(["release", "v0.4.0", "-C", str(repo.path)]) == 1
    err = capsys.readouterr().err
    assert "gate bench did not pass" in err and "critical" in err
    assert "a critical slowdown since v0.3.0 blocks the release" in err
    assert "nothing was changed" in err
    assert repo.snapshot() == before
    assert github.release_by_tag("v0.4.0") is None
    assert "bench" not in repo.git("worktree", "list").split("\n", 1)[-1]
