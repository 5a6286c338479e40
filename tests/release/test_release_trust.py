"""Issue 15's release holes: a remote's newer tag, a shallow clone, an option-like remote.

Each test names its row of tests/trust_faults.py (docs/fault-table.md) and asserts it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from github_fake import FakeGitHub
from release_repo import Repo, git, release_config

from ferrox.cli import main
from trust_faults import Fault, fault


def _check(code: int, err: str, row: Fault) -> None:
    assert code == row.exit, err
    assert row.message in err


def test_a_newer_tag_on_the_remote_only_is_seen(
    make_repo: Callable[..., Repo], github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(release_config(github))
    repo.git("tag", "-a", "v0.1.0", "-m", "v0.1.0")
    # Released from another clone: the tag exists on the remote, not here.
    git(repo.remote, "tag", "v0.4.0", "main")
    code = main(["release", "--bump", "auto", "--dry-run", "-C", str(repo.path)])
    err = capsys.readouterr().err
    _check(code, err, fault("T22"))
    assert "v0.4.0" in err and "git fetch --tags origin" in err


def test_a_shallow_clone_is_refused(
    make_repo: Callable[..., Repo],
    github: FakeGitHub,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    repo = make_repo(release_config(github), messages=("feat: one", "feat: two"))
    repo.git("push", "-q", "origin", "main")
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{repo.remote}", str(clone)], check=True
    )
    code = main(["release", "--bump", "auto", "--dry-run", "-C", str(clone)])
    _check(code, capsys.readouterr().err, fault("T23"))


def test_an_option_like_remote_stops_at_load(
    make_repo: Callable[..., Repo], github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(release_config(github, 'remote = "--upload-pack=touch pwned"\n'))
    code = main(["release", "v0.2.0", "--dry-run", "-C", str(repo.path)])
    _check(code, capsys.readouterr().err, fault("T05"))
    assert not (repo.path / "pwned").exists()
