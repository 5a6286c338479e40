"""The Markdown report: the same summary for ``<step>.md`` and ``$GITHUB_STEP_SUMMARY``."""

from __future__ import annotations

from ferrox.model import Status, StepResult, Table

MAX_FINDINGS = 50
MAX_OPEN_ROWS = 10
_BADGE = {Status.PASS: "✅", Status.FAIL: "❌", Status.ERROR: "💥"}


def render(result: StepResult, heading: str = "###") -> str:
    """Markdown for one step: verdict, gates, and the first findings (per part, if composite)."""
    if result.parts:
        return _render_composite(result, heading)
    lines = [
        f"{heading} {_BADGE[result.status]} `{result.step}`: {result.status.value}",
        "",
        _cell(result.summary),
        "",
    ]
    if result.error:
        lines += ["```text", result.error, "```", ""]
    if result.gates:
        lines += ["| Gate | Result |", "| --- | --- |"]
        lines += [
            f"| {'✅' if check.passed else '❌'} `{check.name}` | {_cell(check.description)} |"
            for check in result.gates
        ]
        lines.append("")
    for table in result.tables:
        lines += _table(table)
    if result.findings:
        shown = result.findings[:MAX_FINDINGS]
        lines += [
            f"<details><summary>{len(result.findings)} finding(s)</summary>",
            "",
            "| Level | Location | Rule | Message |",
            "| --- | --- | --- | --- |",
        ]
        lines += [
            f"| {f.level.value} | `{_cell(f.location) or '-'}` | `{_cell(f.rule)}` "
            f"| {_cell(f.message)} |"
            for f in shown
        ]
        if len(result.findings) > MAX_FINDINGS:
            lines.append(
                f"| | | | … and {len(result.findings) - MAX_FINDINGS} more in the JSON report |"
            )
        lines += ["", "</details>", ""]
    return "\n".join(lines) + "\n"


def _table(table: Table) -> list[str]:
    """A step's table; a long one folded, so the verdict stays at the top of the summary."""
    rows = [
        "| " + " | ".join(_cell(c) for c in table.columns) + " |",
        "| " + " | ".join("---" for _ in table.columns) + " |",
        *("| " + " | ".join(_cell(v) for v in row) + " |" for row in table.rows),
    ]
    if len(table.rows) > MAX_OPEN_ROWS:
        title = f"{_cell(table.title)} ({len(table.rows)} rows)"
        return [f"<details><summary>{title}</summary>", "", *rows, "", "</details>", ""]
    return [f"**{_cell(table.title)}**", "", *rows, ""]


def _render_composite(result: StepResult, heading: str) -> str:
    lines = [
        f"{heading} {_BADGE[result.status]} `{result.step}`: {result.status.value}",
        "",
        _cell(result.summary),
        "",
        "| Scanner | Verdict | Findings | Summary | Time (s) |",
        "| --- | --- | ---: | --- | ---: |",
    ]
    lines += [
        f"| `{part.step}` | {_BADGE[part.status]} {part.status.value} | {len(part.findings)} "
        f"| {_cell(part.summary)} | {part.duration_s:.1f} |"
        for part in result.parts
    ]
    lines.append("")
    return "\n".join(lines) + "\n" + "".join(render(part, heading + "#") for part in result.parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").strip()
