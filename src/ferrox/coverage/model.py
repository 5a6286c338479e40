"""Line coverage of source files, as every backend and language reports it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


class CoverageFormatError(ValueError):
    """A coverage report that does not parse (the step turns it into exit 3)."""


@dataclass(frozen=True)
class FileCoverage:
    """Hits per instrumented line of one file; branches when the backend measured them."""

    path: str
    lines: Mapping[int, int]
    branches_found: int = 0
    branches_hit: int = 0

    @property
    def total(self) -> int:
        """Instrumented lines."""
        return len(self.lines)

    @property
    def covered(self) -> int:
        """Instrumented lines executed at least once."""
        return sum(1 for hits in self.lines.values() if hits > 0)

    @property
    def uncovered_lines(self) -> tuple[int, ...]:
        """Instrumented lines never executed, in order."""
        return tuple(sorted(n for n, hits in self.lines.items() if hits == 0))


@dataclass(frozen=True)
class Totals:
    """Covered out of total, for lines and branches."""

    covered: int = 0
    total: int = 0
    branches_hit: int = 0
    branches_found: int = 0

    @property
    def percent(self) -> float | None:
        """Line coverage in percent; None when nothing was instrumented."""
        return None if self.total == 0 else 100.0 * self.covered / self.total

    @property
    def branch_percent(self) -> float | None:
        """Branch coverage in percent; None when no branch was measured."""
        return None if self.branches_found == 0 else 100.0 * self.branches_hit / self.branches_found


@dataclass(frozen=True)
class Group:
    """A crate (or the Python project) and its files."""

    name: str
    language: str
    files: tuple[FileCoverage, ...] = field(default=())

    @property
    def totals(self) -> Totals:
        """The group's sums."""
        return totals(self.files)


def totals(files: Iterable[FileCoverage]) -> Totals:
    """Sums over ``files``."""
    covered = total = hit = found = 0
    for item in files:
        covered += item.covered
        total += item.total
        hit += item.branches_hit
        found += item.branches_found
    return Totals(covered, total, hit, found)


def merge_files(files: Iterable[FileCoverage]) -> list[FileCoverage]:
    """One entry per path: a file reported twice (several test binaries) sums its hits."""
    merged: dict[str, FileCoverage] = {}
    for item in files:
        seen = merged.get(item.path)
        if seen is None:
            merged[item.path] = item
            continue
        lines = dict(seen.lines)
        for number, hits in item.lines.items():
            lines[number] = lines.get(number, 0) + hits
        merged[item.path] = FileCoverage(
            item.path,
            lines,
            max(seen.branches_found, item.branches_found),
            max(seen.branches_hit, item.branches_hit),
        )
    return [merged[path] for path in sorted(merged)]
