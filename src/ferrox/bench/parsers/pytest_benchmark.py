"""pytest-benchmark's ``--benchmark-json`` export (raw rounds need ``--benchmark-save-data``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ferrox.bench.parsers.interface import ParseError
from ferrox.bench.schema import Measurement


def parse_document(document: Mapping[str, Any], suite: str) -> tuple[Measurement, ...]:
    """One measurement (seconds per round) per benchmark; rounds from ``stats.data``.

    Without saved data only the median is known, which becomes a single sample.
    """
    benchmarks = document.get("benchmarks")
    if not isinstance(benchmarks, list):
        raise ParseError("pytest-benchmark JSON has no benchmarks list")
    found = []
    for entry in benchmarks:
        try:
            stats = entry["stats"]
            name = str(entry.get("fullname") or entry["name"])
            data = stats.get("data")
            samples = tuple(float(x) for x in data) if data else (float(stats["median"]),)
        except (KeyError, TypeError, ValueError) as exc:
            raise ParseError(f"malformed pytest-benchmark entry: {exc!r}") from exc
        found.append(Measurement(suite, name, "s", samples, source="pytest-benchmark"))
    return tuple(found)
