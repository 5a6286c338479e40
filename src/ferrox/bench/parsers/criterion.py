"""criterion.rs results: ``target/criterion/<id>/new/sample.json`` (+ ``benchmark.json``).

Documented files: ``sample.json`` holds ``iters`` and ``times`` (total ns per sample), so each
sample's time per iteration is ``times[i] / iters[i]``; ``benchmark.json`` holds the ``full_id``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ferrox.bench.parsers.interface import ParseError
from ferrox.bench.schema import Measurement


def parse_sample(document: Mapping[str, Any], suite: str, benchmark: str) -> Measurement:
    """One criterion ``sample.json`` document as per-iteration times in ns."""
    iters, times = document.get("iters"), document.get("times")
    if not isinstance(iters, list) or not isinstance(times, list) or len(iters) != len(times):
        raise ParseError(f"{benchmark}: sample.json needs iters and times of equal length")
    if not iters:
        raise ParseError(f"{benchmark}: sample.json has no samples")
    try:
        samples = tuple(float(t) / float(n) for t, n in zip(times, iters, strict=True))
    except (TypeError, ValueError, ZeroDivisionError) as exc:
        raise ParseError(f"{benchmark}: bad sample in sample.json: {exc}") from exc
    return Measurement(suite, benchmark, "ns", samples, source="criterion")


def parse_directory(root: Path, suite: str) -> tuple[Measurement, ...]:
    """Every ``new/sample.json`` below a criterion output directory (``target/criterion``)."""
    found = []
    for sample in sorted(root.glob("**/new/sample.json")):
        directory = sample.parent.parent
        name = directory.relative_to(root).as_posix()
        meta = sample.parent / "benchmark.json"
        try:
            if meta.is_file():
                name = str(json.loads(meta.read_text(encoding="utf-8")).get("full_id") or name)
            document = json.loads(sample.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ParseError(f"cannot read criterion results in {directory}: {exc}") from exc
        found.append(parse_sample(document, suite, name))
    if not found:
        raise ParseError(f"no criterion results (new/sample.json) below {root}")
    return tuple(found)
