"""The invoke adapter: ``from ferrox.tasks import namespace`` in a user's tasks.py.

Release tasks arrive with the release work; today the collection runs steps and checks tools.
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


namespace = Collection(step, check, doctor, install_tools)
