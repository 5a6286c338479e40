"""hyperfine's ``--export-json``: 1.x ``results[].times``, 2.x ``results[].measurements``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ferrox.bench.parsers.interface import ParseError
from ferrox.bench.schema import Measurement


def parse_document(document: Mapping[str, Any], suite: str) -> tuple[Measurement, ...]:
    """One measurement (wall-clock seconds per run) per command."""
    results = document.get("results")
    if not isinstance(results, list) or not results:
        raise ParseError("hyperfine JSON has no results")
    found = []
    for result in results:
        try:
            name = str(result["command"])
            if "times" in result:  # hyperfine 1.x
                samples = tuple(float(t) for t in result["times"])
            else:  # hyperfine 2.x
                samples = tuple(_seconds(m["time_wall_clock"]) for m in result["measurements"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ParseError(f"malformed hyperfine result: {exc!r}") from exc
        if not samples:
            raise ParseError(f"hyperfine result for {name!r} has no runs")
        found.append(Measurement(suite, name, "s", samples, source="hyperfine"))
    return tuple(found)


def _seconds(quantity: Mapping[str, Any]) -> float:
    scale = {"second": 1.0, "millisecond": 1e-3, "microsecond": 1e-6, "nanosecond": 1e-9}
    unit = str(quantity.get("unit", "second"))
    if unit not in scale:
        raise ValueError(f"unknown time unit {unit!r}")
    return float(quantity["value"]) * scale[unit]
