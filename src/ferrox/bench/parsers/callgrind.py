"""Instruction counts: valgrind's ``callgrind.out`` files and iai-callgrind / gungraun summaries.

callgrind.out (valgrind's documented format): an ``events:`` line names the counters and a
``summary:`` (or ``totals:``) line gives their totals in the same order; ``Ir`` is instructions.

iai-callgrind / gungraun print, per benchmark, an unindented id followed by indented metrics::

    my_bench::group::fibonacci short:10
      Instructions:                1732|1730            (+0.11561%)

(the value before ``|`` is the new run; ``iai``'s older output has only the new value).
"""

from __future__ import annotations

import re

from ferrox.bench.parsers.interface import ParseError
from ferrox.bench.schema import Measurement

_IAI_INSTRUCTIONS = re.compile(r"^\s+Instructions:\s+(?P<new>\d+)(?:\|(?P<old>\d+|N/A))?")


def parse_callgrind_out(text: str, suite: str, benchmark: str) -> Measurement:
    """The instruction count (``Ir``) of one callgrind.out file as a one-sample measurement."""
    events: list[str] | None = None
    totals: list[int] | None = None
    for line in text.splitlines():
        if line.startswith("events:"):
            events = line.split(":", 1)[1].split()
        elif line.startswith(("summary:", "totals:")):
            try:
                totals = [int(part) for part in line.split(":", 1)[1].split()]
            except ValueError as exc:
                raise ParseError(
                    f"malformed callgrind {line.split(':')[0]} line: {line!r}"
                ) from exc
    if events is None or totals is None:
        raise ParseError("callgrind output has no events: and summary:/totals: lines")
    if "Ir" not in events:
        raise ParseError(f"callgrind did not count instructions (events: {' '.join(events)})")
    index = events.index("Ir")
    if index >= len(totals):
        raise ParseError("callgrind's summary has fewer values than its events line")
    return Measurement(
        suite, benchmark, "instructions", (float(totals[index]),), source="callgrind"
    )


def parse_iai(text: str, suite: str) -> tuple[Measurement, ...]:
    """One instruction-count measurement per benchmark in iai-callgrind / gungraun output."""
    found: list[Measurement] = []
    current: str | None = None
    for line in text.splitlines():
        if not line.strip():
            continue
        if not line[0].isspace():
            current = line.strip()
            continue
        if "Instructions:" not in line:
            continue
        match = _IAI_INSTRUCTIONS.match(line)
        if match is None or current is None:
            raise ParseError(f"malformed iai-callgrind line: {line.strip()!r}")
        found.append(
            Measurement(
                suite, current, "instructions", (float(match["new"]),), source="iai-callgrind"
            )
        )
        current = None
    if not found:
        raise ParseError("no Instructions: lines in the iai-callgrind output")
    return tuple(found)
