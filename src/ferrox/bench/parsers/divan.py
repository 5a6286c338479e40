"""divan's table: one row per benchmark, in a tree, with fastest, slowest, median and mean.

Format (divan 0.1, ``--color never``)::

    speed           fastest       │ slowest       │ median        │ mean          │ samples │ iters
    ├─ checksum_1k  1.234 µs      │ 2.345 µs      │ 1.3 µs        │ 1.4 µs        │ 100     │ 100
    ╰─ group                      │               │               │               │         │
       ├─ parse     12.5 ns       │ ...

The first line names the binary and the columns; a row with times is a benchmark, named by its
path below the root joined with ``/`` (``group/parse``; an argument's row is one more level),
and a row without is a module or a function with arguments. Lines under a row that hold only
throughput values (``MB/s``, ``Kitem/s``) are skipped. The value is the median, in ns.
"""

from __future__ import annotations

import re

from ferrox.bench.parsers.interface import ParseError
from ferrox.bench.schema import Measurement

_HEADER = re.compile(r"^\S.*\bfastest\s+│\s+slowest\s+│\s+median\s+│\s+mean\b")
# A tree row: "│  " or "   " per level above it, then "├─ " or "╰─ ", then its cells.
_ROW = re.compile(r"^(?P<indent>(?:[│ ]  )*)[├╰]─ (?P<cells>.*)$")
# A name holds single spaces at most; two or more end it (then comes the fastest time).
_FIRST_CELL = re.compile(r"^(?P<name>\S+(?: \S+)*)(?:\s{2,}(?P<fastest>\S.*))?$")
_TIME = re.compile(r"^(?P<value>\d+(?:\.\d+)?) (?P<unit>ps|ns|µs|us|ms|s)$")
_NS = {"ps": 1e-3, "ns": 1.0, "µs": 1e3, "us": 1e3, "ms": 1e6, "s": 1e9}
_COLUMNS = 6  # fastest (beside the name), slowest, median, mean, samples, iters


def parse_table(text: str, suite: str) -> tuple[Measurement, ...]:
    """One measurement (the median, ns) per benchmark row; a malformed row is an error."""
    lines = text.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if _HEADER.match(line))
    except StopIteration:
        raise ParseError("no divan table (a `fastest │ slowest │ median │ mean` header)") from None
    path: list[str] = []
    found: dict[str, Measurement] = {}
    for line in lines[start + 1 :]:
        if not line.strip():
            break  # the table ends at the first blank line
        row = _ROW.match(line.rstrip())
        if row is None:
            continue  # throughput values under a benchmark's row
        cells = [cell.strip() for cell in row["cells"].split("│")]
        first = _FIRST_CELL.match(cells[0])
        if first is None or len(cells) not in (1, _COLUMNS):
            raise ParseError(f"malformed divan row: {line.strip()!r}")
        depth = len(row["indent"]) // 3
        if depth > len(path):
            raise ParseError(f"divan row deeper than its parent: {line.strip()!r}")
        path[depth:] = [first["name"]]
        if not first["fastest"]:
            continue  # a module, or a function whose rows are its arguments
        if len(cells) != _COLUMNS:
            raise ParseError(f"malformed divan row: {line.strip()!r}")
        name = "/".join(path)
        if name in found:
            raise ParseError(f"benchmark {name!r} reported twice in one run")
        found[name] = Measurement(suite, name, "ns", (_ns(cells[2], line),), source="divan")
    if not found:
        raise ParseError("the divan table holds no benchmark row")
    return tuple(found.values())


def _ns(cell: str, line: str) -> float:
    match = _TIME.match(cell)
    if match is None:
        raise ParseError(f"divan median {cell!r} is not a time: {line.strip()!r}")
    return float(match["value"]) * _NS[match["unit"]]
