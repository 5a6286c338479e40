"""``ferrox hooks install``: a real pre-push hook stopping a real push of a slower main."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]


def _git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*GIT, *args], cwd=repo, check=check, capture_output=True, text=True)


@pytest.fixture
def pushed_demo(fresh_crate: Callable[[str], Path], tmp_path: Path) -> Path:
    """The demo as a repository whose main is pushed to a bare `origin`."""
    demo = fresh_crate("demo")
    remote = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    _git(demo, "init", "-q", "-b", "main")
    _git(demo, "add", "-A")
    _git(demo, "commit", "-q", "-m", "base")
    _git(demo, "remote", "add", "origin", str(remote))
    _git(demo, "push", "-q", "origin", "main")
    return demo


@pytest.mark.slow
def test_the_hook_stops_a_slower_push_to_main_and_lets_others_through(
    ferrox: Callable[..., Any], pushed_demo: Path
) -> None:
    result = ferrox("hooks", "install", "-C", str(pushed_demo), "--mode", "instructions")
    assert result.code == 0, result.err
    assert "installed" in result.out and "--mode instructions" in result.out
    bench = pushed_demo / "crates/demo-core/benches/checksum.rs"
    bench.write_text(bench.read_text().replace("PCT: u32 = 0;", "PCT: u32 = 3;"))
    _git(pushed_demo, "commit", "-q", "-am", "3% slower")
    # Another branch is not checked.
    assert _git(pushed_demo, "push", "-q", "origin", "main:topic").returncode == 0
    stopped = _git(pushed_demo, "push", "origin", "main", check=False)
    assert stopped.returncode != 0
    assert "push stopped" in stopped.stdout + stopped.stderr
    _git(pushed_demo, "revert", "--no-edit", "HEAD")
    passed = _git(pushed_demo, "push", "origin", "main", check=False)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "quick benchmark check" in passed.stdout + passed.stderr


def test_a_foreign_hook_is_kept_unless_forced(
    ferrox: Callable[..., Any], pushed_demo: Path
) -> None:
    hook = pushed_demo / ".git" / "hooks" / "pre-push"
    hook.write_text("#!/bin/sh\nexit 0\n")
    refused = ferrox("hooks", "install", "-C", str(pushed_demo))
    assert refused.code == 2 and "not written by ferrox" in refused.err
    assert hook.read_text() == "#!/bin/sh\nexit 0\n"
    forced = ferrox("hooks", "install", "-C", str(pushed_demo), "--force", "--mode", "paired")
    assert forced.code == 0 and "replaced" in forced.out
    again = ferrox("hooks", "install", "-C", str(pushed_demo))  # ours: replaced without --force
    assert again.code == 0
    assert "ferrox pre-push hook" in hook.read_text()


def test_outside_a_repository_is_a_usage_error(ferrox: Callable[..., Any], tmp_path: Path) -> None:
    result = ferrox("hooks", "install", "-C", str(tmp_path))
    assert result.code == 2 and "not inside a git repository" in result.err
