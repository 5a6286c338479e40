"""LCOV tracefiles (``SF``, ``DA``, ``BRDA`` ... ``end_of_record``), as both backends write them."""

from __future__ import annotations

from dataclasses import dataclass, field

from ferrox.coverage.model import CoverageFormatError, FileCoverage, merge_files

# Records we do not need but must accept: test names, functions, summaries, versions.
# Records that may stand before the first file record (tarpaulin starts with an empty TN:).
_HEADER = {"TN", "VER"}
_IGNORED = {"TN", "FN", "FNDA", "FNF", "FNH", "LF", "LH", "BRF", "BRH", "VER", "FNL", "FNA"}


@dataclass
class _Record:
    """The file record being read."""

    path: str
    lines: dict[int, int] = field(default_factory=dict)
    found: int = 0
    hit: int = 0

    def add(self, key: str, value: str, number: int) -> None:
        fields = value.split(",")
        if key == "DA":
            try:
                line_no, hits = int(fields[0]), int(fields[1])
            except (IndexError, ValueError):
                raise CoverageFormatError(f"line {number}: bad DA record {value!r}") from None
            self.lines[line_no] = self.lines.get(line_no, 0) + max(hits, 0)
        elif key == "BRDA":
            if len(fields) != 4:
                raise CoverageFormatError(f"line {number}: bad BRDA record {value!r}")
            self.found += 1
            self.hit += fields[3] not in ("-", "0")
        elif key not in _IGNORED:
            raise CoverageFormatError(f"line {number}: unknown LCOV record {key!r}")


def parse_lcov(text: str) -> list[FileCoverage]:
    """The files of an LCOV tracefile; a malformed or truncated one raises CoverageFormatError."""
    files: list[FileCoverage] = []
    record: _Record | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line == "end_of_record":
            if record is None:
                raise CoverageFormatError(f"line {number}: end_of_record without SF")
            files.append(FileCoverage(record.path, record.lines, record.found, record.hit))
            record = None
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise CoverageFormatError(f"line {number}: not an LCOV record: {line[:80]!r}")
        if key == "SF":
            if record is not None:
                raise CoverageFormatError(
                    f"line {number}: SF before end_of_record of {record.path}"
                )
            record = _Record(value)
        elif record is None:
            if key in _HEADER:  # a test name or format version before the first file
                continue
            raise CoverageFormatError(f"line {number}: {key} outside a file record")
        else:
            record.add(key, value, number)
    if record is not None:
        raise CoverageFormatError(f"the record of {record.path} has no end_of_record (truncated?)")
    return merge_files(files)
