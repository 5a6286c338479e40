"""Parsers: pure functions from a tool's output to :class:`~ferrox.bench.schema.Measurement`.

One module per format. Each raises :class:`ParseError` when the input is not what the tool
documents, so a caller can fail closed instead of reporting "no benchmarks".
"""

from __future__ import annotations

import json
from pathlib import Path

from ferrox.bench.parsers import callgrind, criterion, divan, hyperfine, libtest, pytest_benchmark
from ferrox.bench.parsers.interface import ParseError
from ferrox.bench.schema import Measurement

FORMATS = (
    "criterion",
    "libtest",
    "divan",
    "callgrind",
    "iai-callgrind",
    "pytest-benchmark",
    "hyperfine",
)


def parse_path(  # noqa: PLR0911 - one return per format
    path: Path, suite: str | None = None
) -> tuple[Measurement, ...]:
    """Measurements from a result file or criterion directory, the format told by its content."""
    name = suite or path.stem
    if path.is_dir():
        return criterion.parse_directory(path, suite or "criterion")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ParseError(f"cannot read {path}: {exc}") from exc
    if text.startswith("# callgrind format") or "\nevents:" in text[:2000]:
        return (callgrind.parse_callgrind_out(text, suite=name, benchmark=path.name),)
    if text.lstrip().startswith("{"):
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ParseError(f"{path} is not valid JSON: {exc}") from exc
        if isinstance(document, dict) and "benchmarks" in document:
            return pytest_benchmark.parse_document(document, suite=suite or "pytest-benchmark")
        if isinstance(document, dict) and "results" in document:
            return hyperfine.parse_document(document, suite=suite or "hyperfine")
        raise ParseError(f"{path}: JSON is neither pytest-benchmark's nor hyperfine's export")
    if "│ slowest" in text:
        return divan.parse_table(text, suite=name)
    if "Instructions:" in text:
        return callgrind.parse_iai(text, suite=suite or "iai-callgrind")
    return libtest.parse_bench_lines(text, suite=name)


__all__ = ["FORMATS", "ParseError", "parse_path"]
