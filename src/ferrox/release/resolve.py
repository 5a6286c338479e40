"""The edited workspace must resolve before anything is committed: cargo on a copy.

The plan copies the tracked files to a temporary directory, applies its edits there and lets
cargo resolve the result: ``cargo update --workspace`` when Cargo.lock is tracked (the lock the
release will commit), else ``cargo metadata``. Offline first (fast, no network); online when
the cache lacks what resolution needs; exit 3 naming both failures when neither works. An edit
cargo rejects because of a workspace crate's own version (a requirement the new version does
not meet) is the plan's error (exit 2), whatever the network.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ferrox.errors import ToolOutputError, UsageError
from ferrox.tools import Completed, ToolRunner

CARGO_HINT = "install Rust with rustup"
_UNMET = "failed to select a version for the requirement"


@dataclass(frozen=True)
class Resolved:
    """What cargo made of the edited tree."""

    lock: str | None  # Cargo.lock after the update (None: the lock is not tracked)
    offline: bool  # whether the cache sufficed


class _Command(Protocol):
    """cargo's arguments in one mode (offline or not)."""

    def __call__(self, *, offline: bool) -> tuple[str, ...]: ...


def lock_update_args(*, offline: bool) -> tuple[str, ...]:
    """``cargo update --workspace`` (offline: ``--offline``)."""
    return ("update", "--workspace", *(("--offline",) if offline else ()))


def _metadata_args(*, offline: bool) -> tuple[str, ...]:
    """``cargo metadata``, which resolves (and writes a lock in the copy) without building."""
    return ("metadata", "--format-version", "1", *(("--offline",) if offline else ()))


def check_edited_tree(
    runner: ToolRunner,
    root: Path,
    tracked: Iterable[str],
    edits: Sequence[tuple[str, str]],
    *,
    members: Iterable[str],
    timeout: float,
) -> Resolved:
    """Resolves a copy of the tree with ``edits`` (path, new text) applied; raises UsageError
    when the edit leaves the workspace unresolvable, ToolOutputError when cargo cannot tell."""
    with tempfile.TemporaryDirectory(prefix="ferrox-release-") as temp:
        copy = Path(temp) / "tree"
        paths = set(tracked)
        for path in paths:
            source = root / path
            if source.is_file():
                target = copy / path
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
        for path, text in edits:
            target = copy / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(text.encode("utf-8"))
        locked = "Cargo.lock" in paths
        command = lock_update_args if locked else _metadata_args
        offline = resolve(runner, copy, command, members, timeout)
        lock = (copy / "Cargo.lock").read_text(encoding="utf-8") if locked else None
        return Resolved(lock, offline)


def update_lock(runner: ToolRunner, root: Path, members: Iterable[str], timeout: float) -> bool:
    """``cargo update --workspace`` in the repository, offline first; whether offline sufficed."""
    return resolve(runner, root, lock_update_args, members, timeout)


def resolve(
    runner: ToolRunner,
    where: Path,
    command: _Command,
    members: Iterable[str],
    timeout: float,
) -> bool:
    """Runs the cargo command offline, then online; True when offline sufficed."""
    names = set(members)
    first = _cargo(runner, where, command(offline=True), timeout)
    if first.returncode == 0:
        return True
    _refuse_unmet(first, names, where)
    second = _cargo(runner, where, command(offline=False), timeout)
    if second.returncode == 0:
        return False
    _refuse_unmet(second, names, where)
    raise ToolOutputError(
        f"cargo could not resolve the workspace offline (the cache lacks what it needs) nor "
        f"online (exit {second.returncode}); nothing was changed. Offline:\n{first.tail()}\n"
        "Online",
        tool="cargo",
        argv=second.argv,
        returncode=second.returncode,
        output_tail=second.tail(),
    )


def _cargo(runner: ToolRunner, where: Path, args: Sequence[str], timeout: float) -> Completed:
    return runner.run("cargo", list(args), cwd=where, timeout=timeout, hint=CARGO_HINT)


def _refuse_unmet(done: Completed, members: set[str], where: Path) -> None:
    """A usage error when cargo's complaint is a requirement on a workspace crate that its
    new version does not meet (cargo names the crate and searched its path, not a registry)."""
    text = done.stdout + done.stderr
    if _UNMET not in text:
        return
    for line in text.splitlines():
        if _UNMET in line:
            name = line.split("`", 2)[1].split(" ", 1)[0] if "`" in line else ""
            if name in members and str(where) in text:
                raise UsageError(
                    "the version edits leave the workspace unresolvable (checked with cargo on "
                    f"a copy; nothing was changed):\n{done.tail()}"
                )
