"""The Markdown report: the same summary for ``<step>.md`` and ``$GITHUB_STEP_SUMMARY``."""

from __future__ import annotations

from ferrox.model import Status, StepResult

MAX_FINDINGS = 50
_BADGE = {Status.PASS: "✅", Status.FAIL: "❌", Status.ERROR: "💥"}


def render(result: StepResult) -> str:
    """Markdown for one step: verdict, gates, and the first findings."""
    lines = [
        f"### {_BADGE[result.status]} `{result.step}`: {result.status.value}",
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


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").strip()
