"""Builds the changelog fixture repository from tests/fixtures/release/commits.txt."""

from __future__ import annotations

from pathlib import Path

from release_repo import RELEASE_FIXTURES, git


def messages() -> list[str]:
    """The fixture's commit messages, oldest first (comment lines dropped)."""
    text = (RELEASE_FIXTURES / "commits.txt").read_text()
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return [block.strip() for block in "\n".join(lines).split("\n---\n") if block.strip()]


def build(repo: Path) -> None:
    """A repository whose history is the fixture's messages (merges as real merge commits)."""
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "file.txt").write_text("0\n")
    git(repo, "add", "file.txt")
    git(repo, "commit", "-q", "-m", "chore: initial commit")
    git(repo, "tag", "-a", "v0.1.0", "-m", "v0.1.0")
    for number, message in enumerate(messages(), start=1):
        (repo / "file.txt").write_text(f"{number}\n")
        if message.startswith("@merge "):
            git(repo, "checkout", "-q", "-b", f"side-{number}")
            git(repo, "commit", "-q", "-am", message.removeprefix("@merge "))
            git(repo, "checkout", "-q", "main")
            git(
                repo,
                "merge",
                "-q",
                "--no-ff",
                "-m",
                f"Merge branch 'side-{number}'",
                f"side-{number}",
            )
        elif message.startswith("@pr "):
            # A merge commit whose subject is conventional: git-cliff files it by its type.
            git(repo, "checkout", "-q", "-b", f"pr-{number}")
            git(repo, "commit", "-q", "-am", "feat(pr): work on a pull request branch")
            git(repo, "checkout", "-q", "main")
            git(repo, "merge", "-q", "--no-ff", "-m", message.removeprefix("@pr "), f"pr-{number}")
        else:
            git(repo, "commit", "-q", "-am", message)
