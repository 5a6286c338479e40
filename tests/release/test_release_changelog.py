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
import tomllib
from release_repo import RELEASE_FIXTURES

from ferrox.errors import ConfigError
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
    # A merge commit with a conventional subject is filed by its type, as git-cliff files it.
    assert classify(Commit("a" * 40, "feat: merged", parents=2)) is not None
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
    """Every commit of the edge-case fixture lands in the same group in ferrox and git-cliff,
    both skip the same commits (skip patterns, .cliffignore) and carry the same footer text."""
    repo = tmp_path / "history"
    changelog_repo.build(repo)
    git = Git(ToolRunner(), repo)
    commits = git.commits("v0.1.0")
    ignored = next(c.sha for c in commits if c.subject == "fix: ignored through .cliffignore")
    (repo / ".cliffignore").write_text(f"# skipped by both tools\n{ignored}\n")
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
    theirs = json.loads(done.stdout)[0]["commits"]
    keep = changelog.Filter(ignored=changelog.read_cliffignore(repo))
    found = changelog.entries(commits, keep)
    assert {e.sha: e.group for e in found} == {c["id"]: c["group"] for c in theirs}
    footers = {c["id"]: c["breaking_description"] for c in theirs if c.get("breaking")}
    for entry in found:
        if entry.breaking_note:
            assert " ".join(footers[entry.sha].split()) == entry.breaking_note
    assert len(found) == 31
    # Every group and every skip rule is exercised by the fixture.
    assert {e.group for e in found} == set(changelog.GROUPS)
    # the Merge branch commit, the release commits (4), the bot commits (3), the ignored one
    assert len(commits) - len(found) == 9
    merge = next(e for e in found if e.description == "merge #160")
    assert (merge.group, merge.scope) == ("Other", "pull")
    note = next(e.breaking_note for e in found if e.description == "breaking with a long footer")
    assert note == "the reader now takes a buffer of bytes"


def test_cliff_config_skips_what_ferrox_skips() -> None:
    """The fixture's git-cliff skip parsers are ferrox's defaults, in order."""
    config = tomllib.loads((RELEASE_FIXTURES / "cliff.toml").read_text())
    skips = [p["message"] for p in config["git"]["commit_parsers"] if p.get("skip")]
    assert skips == list(changelog.DEFAULT_SKIP)


@pytest.mark.parametrize(
    "subject",
    [
        "Bump serde from 1.0.1 to 1.0.2",
        "build(deps): bump itoa from 1.0.0 to 1.0.1",
        "chore(deps-dev): bump x from 1 to 2",
        "chore(deps): update rust crate regex to v1.10.0",
        "fix(deps): update dependency tokio to v1.38.0",
        "chore(deps): lock file maintenance",
        "Update Rust crate serde to v1.0.200",
        "chore(release): prepare for v2.0.0",
        "chore(release): v1.0.0",
        "release: 1.2.0",
        "Release v1.2.0",
        "chore: release 0.3.1",
        "chore: prepare tokio v1.38.0",
        "chore: Release",
        "chore: Release typos-dict version 0.13.31",
        "chore: release (#2897)",
        "Merge pull request #1 from x/y",
    ],
)
def test_default_skip_patterns(subject: str) -> None:
    assert classify(Commit("a" * 40, subject)) is None


@pytest.mark.parametrize(
    "subject",
    [
        "Release builds use LTO",
        "build(deps): update serde",
        "fix: bump the limit",
        "chore: release notes template",
    ],
)
def test_default_skip_patterns_spare_real_changes(subject: str) -> None:
    assert classify(Commit("a" * 40, subject)) is not None


def test_breaking_commits_are_never_skipped() -> None:
    entry = classify(Commit("a" * 40, "chore(release)!: drop the old release format"))
    assert entry is not None and entry.breaking


def test_cliffignore_must_list_full_shas(tmp_path: Path) -> None:
    (tmp_path / ".cliffignore").write_text("abc1234\n")
    with pytest.raises(ConfigError, match="line 1: 'abc1234' is not a full commit SHA"):
        changelog.read_cliffignore(tmp_path)
    assert changelog.read_cliffignore(tmp_path / "none") == frozenset()


def test_bad_skip_pattern_names_the_key() -> None:
    with pytest.raises(ConfigError, match="bad regex"):
        changelog.compile_skip(["(unclosed"])
