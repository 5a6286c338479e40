"""Fault injection after every release step x (exception, SIGKILL, SIGINT), each followed by
``--resume`` or a fresh run: the repository ends unchanged or resumable, never with a dangling
tag, and the recovery completes the release without duplicating anything on GitHub.

The hook is ``FERROX_RELEASE_FAULT=after:<step>:<kind>`` (ferrox.release.faults).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest
from github_fake import FakeGitHub
from release_repo import TOKEN, Repo, git, release_config, run_cli

ARCHIVE = "demo-cli-0.2.0-x86_64-unknown-linux-musl.tar.gz"
LOCAL_STEPS = ("plan", "bump", "changelog", "commit", "tag", "artifacts")
PUBLISH_STEPS = ("push", "release", f"upload:{ARCHIVE}", "upload:SHA256SUMS")
KINDS = ("exception", "sigkill", "sigint")
# SIGTERM (a CI cancellation) is handled like Ctrl-C; a local and a publishing step suffice.
CASES = [
    *itertools.product(LOCAL_STEPS + PUBLISH_STEPS, KINDS),
    ("commit", "sigterm"),
    ("release", "sigterm"),
]
# An injected exception stands for an unexpected error (disk full, a bug): no verdict, exit 3.
EXPECTED_EXIT = {"exception": 3, "sigkill": -9, "sigint": 130, "sigterm": 130}


def _journal(repo: Repo) -> Path:
    return repo.path / "target" / "ferrox" / "release-journal.json"


def _remote_tag(repo: Repo) -> bool:
    return bool(git(repo.remote, "tag", "--list", "v0.2.0"))


@pytest.mark.slow
@pytest.mark.parametrize(("index", "step", "kind"), [(i, *case) for i, case in enumerate(CASES)])
def test_fault_then_recovery(  # noqa: PLR0917 - pytest fixtures and parameters
    make_repo: Callable[..., Repo],
    github: FakeGitHub,
    git_env: dict[str, str],
    index: int,
    step: str,
    kind: str,
) -> None:
    repo = make_repo(release_config(github))
    before = repo.snapshot()
    failed = run_cli(
        repo.path, "v0.2.0", env={**git_env, "FERROX_RELEASE_FAULT": f"after:{step}:{kind}"}
    )
    assert failed.returncode == EXPECTED_EXIT[kind], failed.stderr
    assert TOKEN not in failed.stdout + failed.stderr
    if kind in ("sigint", "sigterm") and step in LOCAL_STEPS:
        assert "interrupted: rolled back" in failed.stdout
    # Never a dangling tag: a tag on the remote always comes with a journal to resume from.
    if _remote_tag(repo):
        assert _journal(repo).is_file()
    if step in LOCAL_STEPS and kind != "sigkill":  # rolled back before the process ended
        assert repo.snapshot() == before, failed.stderr  # rolled back byte for byte
        assert not _journal(repo).exists()
    if (step in PUBLISH_STEPS and step != "push") or (step == "push" and kind != "sigkill"):
        assert _remote_tag(repo) and _journal(repo).is_file()
    # Recovery: alternate between --resume and a fresh run of the same command.
    if index % 2 == 0:
        done = run_cli(repo.path, "--resume", env=git_env)
        if not _journal(repo).exists() and done.returncode == 2:
            done = run_cli(repo.path, "v0.2.0", env=git_env)  # nothing to resume: run again
    else:
        done = run_cli(repo.path, "v0.2.0", env=git_env)
        if done.returncode == 2 and "--resume" in done.stderr:
            done = run_cli(repo.path, "--resume", env=git_env)
    assert done.returncode == 0, done.stdout + done.stderr
    _assert_released_once(repo, github)


def _assert_released_once(repo: Repo, github: FakeGitHub) -> None:
    head = repo.git("rev-parse", "HEAD")
    assert repo.git("log", "-1", "--format=%s") == "chore(release): v0.2.0"
    assert repo.git("rev-list", "--count", "HEAD") == "4"  # import, feat, config, release
    assert git(repo.remote, "rev-parse", "v0.2.0^{commit}") == head
    assert git(repo.remote, "rev-parse", "main") == head
    assert repo.git("status", "--porcelain") == ""
    assert not _journal(repo).exists()
    release = github.release_by_tag("v0.2.0")
    assert release is not None
    assert len([r for r in github.calls("POST", r"/releases$") if r.status == 201]) == 1
    assert sorted(a["name"] for a in github.assets[release["id"]]) == sorted(
        [ARCHIVE, "SHA256SUMS"]
    )
    uploads = [r for r in github.calls("POST", r"/assets") if r.status == 201]
    assert len(uploads) == 2
