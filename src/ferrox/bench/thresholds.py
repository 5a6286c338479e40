"""Regression thresholds: defaults 5/10/25% (minor warns, major fails, critical blocks release)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

LEVELS = ("minor", "major", "critical")


@dataclass(frozen=True)
class Thresholds:
    """Relative slowdowns (0.05 = 5%) at which a change is minor, major or critical."""

    minor: float = 0.05
    major: float = 0.10
    critical: float = 0.25

    def ordered(self) -> tuple[tuple[str, float], ...]:
        """(level, threshold) from the most to the least severe."""
        return (("critical", self.critical), ("major", self.major), ("minor", self.minor))


@dataclass(frozen=True)
class ThresholdTable:
    """The default thresholds plus overrides per suite or per benchmark (``suite/benchmark``)."""

    default: Thresholds = Thresholds()
    overrides: Mapping[str, Thresholds] = field(default_factory=dict)

    def for_key(self, key: str) -> Thresholds:
        """The most specific thresholds: ``suite/benchmark``, then ``benchmark``, then ``suite``."""
        suite, _, benchmark = key.partition("/")
        for candidate in (key, benchmark, suite):
            if candidate in self.overrides:
                return self.overrides[candidate]
        return self.default


def parse_overrides(entries: Iterable[str]) -> dict[str, Thresholds]:
    """``"NAME=MINOR,MAJOR,CRITICAL"`` entries (percent) to thresholds; ValueError otherwise."""
    table: dict[str, Thresholds] = {}
    for entry in entries:
        name, sep, values = entry.partition("=")
        parts = values.split(",")
        if not sep or not name.strip() or len(parts) != 3:
            raise ValueError(f"{entry!r} is not NAME=MINOR,MAJOR,CRITICAL (percent)")
        try:
            minor, major, critical = (float(p) / 100 for p in parts)
        except ValueError as exc:
            raise ValueError(f"{entry!r}: thresholds must be numbers") from exc
        if not 0 < minor <= major <= critical:
            raise ValueError(f"{entry!r}: need 0 < minor <= major <= critical")
        table[name.strip()] = Thresholds(minor, major, critical)
    return table
