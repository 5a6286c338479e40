"""git for tests that build repositories: a fixed identity, the output returned, errors fatal."""

from __future__ import annotations

import subprocess
from pathlib import Path


def git(repo: Path, *args: str) -> str:
    """Runs ``git args`` in ``repo`` as a test identity and returns its stripped stdout."""
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return done.stdout.strip()


def init_committed(repo: Path, message: str = "base") -> None:
    """Makes ``repo`` a git repository on ``main`` whose one commit holds everything in it."""
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
