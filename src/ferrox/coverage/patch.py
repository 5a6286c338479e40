"""Patch coverage: the lines a change adds, from ``git diff`` against a validated base.

Repository content never reaches git's option parser: a ref is refused when it starts with
``-`` and is passed after ``--end-of-options``; paths only ever come back from git.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ferrox.coverage.model import FileCoverage
from ferrox.errors import ToolOutputError, UsageError
from ferrox.tools import Completed, ToolRunner

GIT_TIMEOUT_S = 120.0
# Where the default branch is looked for when no base is given, in order.
DEFAULT_BRANCH_CANDIDATES = ("origin/main", "origin/master", "main", "master")
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(?P<start>\d+)(?:,(?P<count>\d+))? @@")


@dataclass(frozen=True)
class PatchBase:
    """The ref a change is measured against and the merge-base commit the diff starts from."""

    ref: str
    commit: str


@dataclass(frozen=True)
class PatchCoverage:
    """Covered out of instrumented changed lines, and the uncovered ones per file."""

    covered: int
    total: int
    uncovered: Mapping[str, tuple[int, ...]]
    changed_files: int

    @property
    def percent(self) -> float | None:
        """Patch coverage in percent; None when the change touches no instrumented line."""
        return None if self.total == 0 else 100.0 * self.covered / self.total


def parse_unified_diff(text: str) -> dict[str, frozenset[int]]:
    """Added line numbers per (new) file path of a ``git diff --unified=0`` output."""
    changed: dict[str, set[int]] = {}
    current: set[int] | None = None
    for line in text.splitlines():
        if line.startswith("+++ "):
            target = line[4:]
            if target == "/dev/null":
                current = None
                continue
            path = _unquote(target)
            path = path[2:] if path.startswith("b/") else path
            current = changed.setdefault(path, set())
        elif (match := _HUNK.match(line)) and current is not None:
            start = int(match["start"])
            count = 1 if match["count"] is None else int(match["count"])
            current.update(range(start, start + count))
    return {path: frozenset(lines) for path, lines in changed.items() if lines}


def _unquote(path: str) -> str:
    """git's C-style quoting of unusual file names ("b/tab\\there.rs")."""
    if len(path) >= 2 and path[0] == path[-1] == '"':
        raw = codecs.escape_decode(path[1:-1].encode("utf-8"))[0]
        return bytes(raw).decode("utf-8", errors="replace")
    return path


def measure(files: Iterable[FileCoverage], changed: Mapping[str, frozenset[int]]) -> PatchCoverage:
    """Coverage of the changed lines that are instrumented (comments, blank lines do not count)."""
    covered = total = 0
    uncovered: dict[str, tuple[int, ...]] = {}
    for item in files:
        lines = changed.get(item.path)
        if not lines:
            continue
        measured = [n for n in sorted(lines) if n in item.lines]
        missed = tuple(n for n in measured if item.lines[n] == 0)
        total += len(measured)
        covered += len(measured) - len(missed)
        if missed:
            uncovered[item.path] = missed
    return PatchCoverage(covered, total, uncovered, len(changed))


def ranges(lines: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive line numbers folded into (first, last) pairs."""
    folded: list[tuple[int, int]] = []
    for number in sorted(lines):
        if folded and number == folded[-1][1] + 1:
            folded[-1] = (folded[-1][0], number)
        else:
            folded.append((number, number))
    return folded


def resolve_base(runner: ToolRunner, root: Path, ref: str) -> PatchBase | None:
    """The merge base of ``ref`` (or of the default branch when empty) with HEAD.

    An explicit ref that does not exist is a usage error naming it (exit 2); with no ref and no
    default branch to be found, there is no patch to measure (None).
    """
    if ref:
        if ref.startswith("-") or not ref.strip():
            raise UsageError(f"base ref {ref!r} is not a git ref")
        if _commit(runner, root, ref) is None:
            raise UsageError(
                f"base ref {ref!r} does not exist in this repository",
                hint="fetch it first (git fetch origin BRANCH), or pass another --base",
            )
        candidates: tuple[str, ...] = (ref,)
    else:
        if _git(runner, root, "rev-parse", "--git-dir").returncode != 0:
            return None
        candidates = (*_origin_head(runner, root), *DEFAULT_BRANCH_CANDIDATES)
    for candidate in candidates:
        if _commit(runner, root, candidate) is None:
            continue
        done = _git(runner, root, "merge-base", "--end-of-options", candidate, "HEAD")
        if done.returncode != 0:
            raise UsageError(f"base ref {candidate!r} has no common history with HEAD")
        return PatchBase(candidate, done.stdout.strip())
    return None


def changed_lines(runner: ToolRunner, root: Path, base: PatchBase) -> dict[str, frozenset[int]]:
    """Lines added since ``base`` (working tree included), paths relative to ``root``."""
    done = _git(
        runner, root, "-c", "core.quotePath=false", "diff", "--unified=0", "--no-color",
        "--no-ext-diff", "--no-renames", "--no-textconv", "--relative", base.commit, "--",
    )  # fmt: skip
    if done.returncode != 0:
        raise ToolOutputError.of(done, f"git diff against {base.ref} failed", "git")
    return parse_unified_diff(done.stdout)


def _origin_head(runner: ToolRunner, root: Path) -> tuple[str, ...]:
    done = _git(runner, root, "symbolic-ref", "--quiet", "refs/remotes/origin/HEAD")
    prefix = "refs/remotes/"
    name = done.stdout.strip()
    return (name[len(prefix) :],) if done.returncode == 0 and name.startswith(prefix) else ()


def _commit(runner: ToolRunner, root: Path, ref: str) -> str | None:
    done = _git(
        runner, root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"
    )
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


def _git(runner: ToolRunner, root: Path, *args: str) -> Completed:
    return runner.run("git", args, cwd=root, timeout=GIT_TIMEOUT_S)
