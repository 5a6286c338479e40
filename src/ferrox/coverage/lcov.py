"""LCOV tracefiles (``SF``/``DA``/``BRDA``... ``end_of_record``), as tarpaulin and llvm-cov write them."""

from __future__ import annotations

from ferrox.coverage.model import CoverageFormatError, FileCoverage, merge_files

# Records we do not need but must accept: test names, functions, summaries, versions.
_IGNORED = {"TN", "FN", "FNDA", "FNF", "FNH", "LF", "LH", "BRF", "BRH", "VER", "FNL", "FNA"}


def parse_lcov(text: str) -> list[FileCoverage]:
    """The files of an LCOV tracefile; a malformed or truncated one raises CoverageFormatError."""
    files: list[FileCoverage] = []
    path: str | None = None
    lines: dict[int, int] = {}
    found = hit = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line == "end_of_record":
            if path is None:
                raise CoverageFormatError(f"line {number}: end_of_record without SF")
            files.append(FileCoverage(path, lines, found, hit))
            path, lines, found, hit = None, {}, 0, 0
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise CoverageFormatError(f"line {number}: not an LCOV record: {line[:80]!r}")
        if key == "SF":
            if path is not None:
                raise CoverageFormatError(f"line {number}: SF before end_of_record of {path}")
            path = value
        elif key in ("DA", "BRDA") and path is None:
            raise CoverageFormatError(f"line {number}: {key} outside a file record")
        elif key == "DA":
            fields = value.split(",")
            try:
                line_no, hits = int(fields[0]), int(fields[1])
            except (IndexError, ValueError):
                raise CoverageFormatError(f"line {number}: bad DA record {value!r}") from None
            lines[line_no] = lines.get(line_no, 0) + max(hits, 0)
        elif key == "BRDA":
            fields = value.split(",")
            if len(fields) != 4:
                raise CoverageFormatError(f"line {number}: bad BRDA record {value!r}")
            found += 1
            hit += fields[3] not in ("-", "0")
        elif key not in _IGNORED:
            raise CoverageFormatError(f"line {number}: unknown LCOV record {key!r}")
    if path is not None:
        raise CoverageFormatError(f"the record of {path} has no end_of_record (truncated file?)")
    return merge_files(files)
