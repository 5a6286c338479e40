"""Reports of a comparison: the Markdown PR table and github-action-benchmark's JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence

from ferrox.bench.paired import Verdict
from ferrox.bench.schema import Measurement

_ICON = {
    "ok": "✅",
    "below-threshold": "✅",
    "unconfirmed": "⚪",
    "minor": "⚠️",
    "major": "❌",
    "critical": "🛑",
}


def markdown_table(
    verdicts: Sequence[Verdict], *, unit: str, title: str, footer: str | None = None
) -> str:
    """A PR comment table: benchmark, base, head, change with its interval, verdict."""
    lines = [
        f"#### {title}",
        "",
        f"| Benchmark | Base ({unit}) | Head ({unit}) | Change [interval] | Verdict |",
        "| --- | ---: | ---: | --- | --- |",
    ]
    for v in verdicts:
        change = f"{v.change.estimate:+.2%} [{v.change.low:+.2%}, {v.change.high:+.2%}]"
        note = v.level.replace("-", " ")
        if v.confirmed:
            note += " (confirmed)"
        lines.append(
            f"| `{v.key}` | {_num(v.base)} | {_num(v.head)} | {change} "
            f"| {_ICON.get(v.level, '')} {note} |"
        )
    pairs = max((v.change.pairs for v in verdicts), default=0)
    lines += ["", footer or f"{pairs} interleaved pairs per benchmark (A B B A ...)."]
    return "\n".join(lines) + "\n"


def benchmark_action_json(measurements: Sequence[Measurement]) -> str:
    """github-action-benchmark's ``customSmallerIsBetter`` input (name, unit, value, range)."""
    entries = []
    for m in measurements:
        entry: dict[str, object] = {"name": m.key, "unit": m.unit, "value": m.value}
        if len(m.samples) >= 2:
            entry["range"] = f"± {(max(m.samples) - min(m.samples)) / 2:.6g}"
            entry["extra"] = f"{len(m.samples)} samples; p99 {m.percentiles()['p99']:.6g}"
        entries.append(entry)
    return json.dumps(entries, indent=2) + "\n"


def _num(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.4g}"
