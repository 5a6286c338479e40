"""Changelog grouping: unit cases, Keep a Changelog placement, and agreement with git-cliff."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import changelog_repo
import pytest
from release_repo import RELEASE_FIXTURES

from ferrox.release import changelog
from ferrox.release.changelog import Commit, classify, prepend, render
from ferrox.release.git import Git
from ferrox.tools import ToolRunner


@pytest.mark.parametrize(
    ("message", "group", "scope", "breaking"),
    [
        ("feat: x", "Features", None, False),
        ("feat(api): x", "Features", "api", False),
        ("FIX: shouting", "Fixes", None, False),
        ("fix(io)!: x", "Breaking changes", "io", True),
        ("chore: x\n\nBREAKING CHANGE: gone", "Breaking changes", None, True),
        ("docs: x\n\nBREAKING-CHANGE: gone", "Breaking changes", None, True),
        ("perf: x", "Performance", None, False),
        ("security: x", "Security", None, False),
        ("revert: feat: x", "Other", None, False),
        ('Revert "feat: x"', "Other", None, False),
        ("just words", "Other", None, False),
        ("feat:missing space", "Other", None, False),
        ("feat: x\n\nnot a BREAKING CHANGE: mid-line", "Features", None, False),
    ],
)
def test_classify(message: str, group: str, scope: str | None, breaking: bool) -> None:
    entry = classify(Commit("a" * 40, message))
    assert entry is not None
    assert (entry.group, entry.scope, entry.breaking) == (group, scope, breaking)


def test_merges_and_release_commits_are_left_out() -> None:
    assert classify(Commit("a" * 40, "feat: merged", parents=2)) is None
    assert classify(Commit("a" * 40, "Merge pull request #1 from x/y")) is None
    assert classify(Commit("a" * 40, "chore(release): v1.0.0")) is None


def test_auto_bump() -> None:
    feat = changelog.entries([Commit("1" * 40, "feat: x")])
    fix = changelog.entries([Commit("2" * 40, "fix: x")])
    breaking = changelog.entries([Commit("3" * 40, "fix!: x")])
    assert changelog.auto_bump(fix, major_zero=False) == "patch"
    assert changelog.auto_bump(feat, major_zero=False) == "minor"
    assert changelog.auto_bump(breaking, major_zero=False) == "major"
    assert changelog.auto_bump(breaking, major_zero=True) == "minor"


def test_render_orders_groups_breaking_first_with_links() -> None:
    found = changelog.entries(
        [Commit("1" * 40, "fix: b"), Commit("2" * 40, "feat(x)!: a"), Commit("3" * 40, "docs: c")]
    )
    text = render(
        "v1.0.0", "2026-01-02", found, commit_url="https://h/o/r/commit", compare_url="https://c"
    )
    assert text == (
        "## [v1.0.0](https://c) - 2026-01-02\n\n"
        "### Breaking changes\n\n- **x:** a ([2222222](https://h/o/r/commit/" + "2" * 40 + "))\n\n"
        "### Fixes\n\n- b ([1111111](https://h/o/r/commit/" + "1" * 40 + "))\n\n"
        "### Other\n\n- c ([3333333](https://h/o/r/commit/" + "3" * 40 + "))\n"
    )
    assert "No notable changes." in render("v1", "d", [], commit_url=None, compare_url=None)


def test_prepend_keeps_title_and_unreleased_on_top() -> None:
    section = "## [v2] - d\n\n- new\n"
    assert prepend(None, section).startswith("# Changelog\n")
    existing = "# Changelog\n\nintro\n\n## [Unreleased]\n\n- wip\n\n## [v1] - d\n\n- old\n"
    assert prepend(existing, section) == (
        "# Changelog\n\nintro\n\n## [Unreleased]\n\n- wip\n\n## [v2] - d\n\n- new\n## [v1] - d\n\n- old\n"
    )
    assert prepend("# Log\n", section) == "# Log\n\n## [v2] - d\n\n- new\n"


def test_grouping_agrees_with_git_cliff(tmp_path: Path, git_env: dict[str, str]) -> None:
    """Every commit of the edge-case fixture lands in the same group in ferrox and git-cliff."""
    repo = tmp_path / "history"
    changelog_repo.build(repo)
    # The venv's scripts directory first: git-cliff is installed next to this Python.
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    cliff = shutil.which("git-cliff", path=search)
    assert cliff is not None, "git-cliff comes with the test dependency group"
    done = subprocess.run(
        [cliff, "-c", str(RELEASE_FIXTURES / "cliff.toml"), "--unreleased", "--context"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    theirs = {c["id"]: c["group"] for c in json.loads(done.stdout)[0]["commits"]}
    commits = Git(ToolRunner(), repo).commits("v0.1.0")
    ours = {entry.sha: entry.group for entry in changelog.entries(commits)}
    assert len(commits) == len(changelog_repo.messages()) + 1  # + the merge commit
    assert ours == theirs
    assert len(ours) == 28
    # Every group and every skip rule is exercised by the fixture.
    assert set(ours.values()) == set(changelog.GROUPS)
    assert len(commits) - len(ours) == 2  # the merge commit and the earlier release commit
