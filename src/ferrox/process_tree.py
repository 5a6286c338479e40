"""Killing every process a tool started, including those in sessions and groups of their own.

A process-group kill misses what left the group: nextest runs each test in a process group of
its own, and a test may start a daemon with ``setsid``. On Linux two ways find them, with no
cgroup and no extra dependency:

- the tree: ``/proc/<pid>/task/<tid>/children``, walked from the tool's process down;
- a cookie: every tool is started with ``FERROX_RUN_COOKIE=<unique>`` in its environment, which
  its descendants inherit; ``/proc/<pid>/environ`` then finds an orphan that was re-parented to
  init after its parent died (the approach of Jenkins' ProcessTreeKiller).

Every process found is stopped first (SIGSTOP, so it cannot fork while we look), the search is
repeated until it finds nothing new, then all are killed (SIGKILL).

Elsewhere: on macOS (no /proc) the tool's process group is killed, which misses descendants in
other groups or sessions; on Windows only the direct child is killed (``Popen.kill``). Both are
documented limits (README, "Timeouts").
"""

from __future__ import annotations

import contextlib
import os
import signal
import uuid
from pathlib import Path

COOKIE_VARIABLE = "FERROX_RUN_COOKIE"
_PROC = Path("/proc")
_ROUNDS = 20


def new_cookie() -> str:
    """A value no other run shares, put into a tool's environment to recognise its descendants."""
    return f"{os.getpid()}-{uuid.uuid4().hex}"


def kill_tree(pid: int, cookie: str | None) -> set[int]:
    """Kills ``pid``'s process group and every descendant found; returns the pids killed.

    POSIX only. Descendants are found on Linux (see the module docstring); elsewhere only the
    process group is killed.
    """
    found: set[int] = set()
    if _PROC.is_dir():
        for _ in range(_ROUNDS):
            new = (_descendants(pid) | _tagged(cookie)) - found - {os.getpid()}
            if not new:
                break
            for victim in new:
                _signal(victim, signal.SIGSTOP)
            found |= new
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    for victim in found:
        _signal(victim, signal.SIGKILL)
    return found


def _descendants(pid: int) -> set[int]:
    """Every live descendant of ``pid`` (children of each of its threads, recursively)."""
    seen: set[int] = set()
    pending = [pid]
    while pending:
        current = pending.pop()
        for children in (_PROC / str(current) / "task").glob("*/children"):
            with contextlib.suppress(OSError, ValueError):
                for child in map(int, children.read_text().split()):
                    if child not in seen:
                        seen.add(child)
                        pending.append(child)
    return seen


def _tagged(cookie: str | None) -> set[int]:
    """Processes of this user whose environment holds the cookie (orphans included)."""
    if not cookie:
        return set()
    needle = f"{COOKIE_VARIABLE}={cookie}".encode()
    tagged = set()
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):  # gone, or another user's process
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                tagged.add(int(entry.name))
    return tagged


def _signal(pid: int, number: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, number)
