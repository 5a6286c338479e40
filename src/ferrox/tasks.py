"""The invoke adapter: ``from ferrox.tasks import namespace`` in a user's tasks.py.

``invoke release v1.2.0`` (``auto`` instead of a version bumps from conventional commits;
``resume`` finishes an interrupted release; ``--dry-run``, ``--json``, ``--ci``) cuts a release;
the other tasks run steps and check tools.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from invoke.collection import Collection
from invoke.exceptions import Exit
from invoke.tasks import task

from ferrox.cli import main

DEFAULT_CHECK = ("fmt", "clippy", "test")


def _call(arguments: list[str]) -> int:
    return main(arguments)


@task(help={"name": "the step to run (fmt, clippy, test ...)", "root": "project directory"})  # type: ignore[untyped-decorator,unused-ignore]
def step(_: Any, name: str, root: str = ".") -> None:
    """Run one ferrox step (like `ferrox run NAME`)."""
    code = _call(["run", name, "-C", root])
    if code:
        raise Exit(code=code)


@task(help={"root": "project directory"})  # type: ignore[untyped-decorator,unused-ignore]
def check(_: Any, root: str = ".") -> None:
    """Run fmt, clippy and test; fails with the worst exit code after running all three."""
    codes = [_call(["run", name, "-C", root]) for name in DEFAULT_CHECK]
    worst = max(codes)
    if worst:
        raise Exit(code=worst)


@task(help={"root": "project directory"})  # type: ignore[untyped-decorator,unused-ignore]
def doctor(_: Any, root: str = ".") -> None:
    """Show each tool's path and version against its pin."""
    code = _call(["doctor", "-C", str(Path(root))])
    if code:
        raise Exit(code=code)


@task(name="tools", help={"root": "project directory"})  # type: ignore[untyped-decorator,unused-ignore]
def install_tools(_: Any, root: str = ".") -> None:
    """Install the pinned external tools that are missing."""
    code = _call(["tools", "install", "-C", root])
    if code:
        raise Exit(code=code)


# invoke's positional arguments cannot be optional, so what --bump/--resume/--publish say on
# `ferrox release` is a word in the same place here: `invoke release auto`, `invoke release resume`.
_RELEASE_WORDS = {
    "auto": ["--bump", "auto"],
    "major": ["--bump", "major"],
    "minor": ["--bump", "minor"],
    "patch": ["--bump", "patch"],
    "resume": ["--resume"],
    "publish": ["--publish"],
}


@task(  # type: ignore[untyped-decorator,unused-ignore]
    help={
        "tag": "the version (v1.2.0, v1.2.0-rc.1), or auto|major|minor|patch, resume, publish",
        "dry_run": "print the plan (diffs, commands, tag, assets) and change nothing",
        "json": "with --dry-run: print the plan as JSON",
        "ci": "only plan, bump, tag and push; the tag workflow builds and publishes",
        "root": "project directory",
    },
)
def release(
    _: Any, tag: str, dry_run: bool = False, json: bool = False, ci: bool = False, root: str = "."
) -> None:
    """Cut a release: gates, version bump, changelog, commit, tag, artifacts, publish."""
    arguments = ["release", *_RELEASE_WORDS.get(tag, [tag]), "-C", root]
    flags = {"--dry-run": dry_run, "--json": json, "--ci": ci}
    arguments += [flag for flag, on in flags.items() if on]
    code = _call(arguments)
    if code:
        raise Exit(code=code)


namespace = Collection(step, check, doctor, install_tools, release)
