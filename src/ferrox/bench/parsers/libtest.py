"""libtest's ``bench:`` lines (``cargo bench`` with the built-in harness, or harnesses like it).

Format (libtest's documented output)::

    test parse_list ... bench:       1,234 ns/iter (+/- 56)
    test parse_list ... bench:       1,234.50 ns/iter (+/- 56.10) = 830 MB/s

Each line is one value (the median ns per iteration of that run); the paired runner collects one
line per run as one sample.
"""

from __future__ import annotations

import re

from ferrox.bench.parsers.interface import ParseError
from ferrox.bench.schema import Measurement

_LINE = re.compile(
    r"^test (?P<name>\S(?:.*?\S)?)\s+\.\.\. bench:\s+(?P<value>[\d,]+(?:\.\d+)?) ns/iter"
    r" \(\+/- (?P<spread>[\d,]+(?:\.\d+)?)\)(?: = (?P<rate>[\d,.]+) MB/s)?\s*$"
)


def parse_bench_lines(text: str, suite: str) -> tuple[Measurement, ...]:
    """One measurement (one sample, ns) per ``bench:`` line; any malformed one is an error."""
    found: dict[str, Measurement] = {}
    for line in text.splitlines():
        if " bench:" not in line or not line.startswith("test "):
            continue
        match = _LINE.match(line.rstrip())
        if match is None:
            raise ParseError(f"malformed libtest bench line: {line.strip()!r}")
        name = match["name"]
        if name in found:
            raise ParseError(f"benchmark {name!r} reported twice in one run")
        value = float(match["value"].replace(",", ""))
        found[name] = Measurement(suite, name, "ns", (value,), source="libtest")
    return tuple(found.values())
