"""The release's local commands: what each runs and how the plan shows it, in one place.

``--dry-run`` prints the plan's lines and a real release runs the arguments; both come from the
same function here, so the plan cannot drift from what the release does (the commit message the
plan announces is the one committed, and the one a rollback recognises).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Action:
    """One command: the program, its arguments and its line in the plan."""

    program: str
    args: tuple[str, ...]
    shown: str


def commit_message(tag: str) -> str:
    """The subject of the release commit."""
    return f"chore(release): {tag}"


def update_lock(*, offline: bool = True) -> Action:
    """cargo rewrites Cargo.lock for the bumped workspace crates (offline when the cache has
    what resolution needs; ``resolve.update_lock`` tries offline first, then online)."""
    args = ("update", "--workspace", *(("--offline",) if offline else ()))
    return Action("cargo", args, f"cargo {' '.join(args)}")


def stage(paths: Sequence[str]) -> Action:
    """git stages the edited files."""
    return Action("git", ("add", "--", *paths), f"git add -- {' '.join(paths)}")


def commit(tag: str) -> Action:
    """git commits the staged release edits."""
    message = commit_message(tag)
    return Action("git", ("commit", "--quiet", "-m", message), f"git commit -m {message!r}")


def tag(name: str, notes: str, *, sign: bool) -> Action:
    """git tags the release commit (annotated or signed) with the release notes."""
    kind = "-s" if sign else "-a"
    # verbatim: the default cleanup would strip the notes' "### Features" lines as comments.
    return Action(
        "git",
        ("tag", kind, "--cleanup=verbatim", name, "-m", f"{name}\n\n{notes}"),
        f"git tag {kind} {name} -m <release notes>",
    )
