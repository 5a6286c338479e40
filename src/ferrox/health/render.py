"""The health reports: Markdown with the trend, a plotly chart, and the issue payload."""

from __future__ import annotations

from collections.abc import Sequence

from ferrox.bench.issue import IssuePayload
from ferrox.health.history import Entry
from ferrox.health.score import Score

TREND_ROWS = 10


def trend(entries: Sequence[Entry]) -> str:
    """``up``, ``down`` or ``flat`` from the previous run to the newest (``new`` alone)."""
    if len(entries) < 2:
        return "new"
    change = entries[-1].score - entries[-2].score
    return "up" if change > 0 else "down" if change < 0 else "flat"


def markdown(score: Score, entries: Sequence[Entry], sources: Sequence[str]) -> str:
    """The health report: the score, each term, what was not measured, the recent trend."""
    lines = [
        f"# Repository health: {score.value}/100 ({trend(entries)})",
        "",
        "| term | points |",
        "| --- | ---: |",
        "| start | 100 |",
        *(f"| {term.reason} | {term.points:+d} |" for term in score.adjustments),
        "",
    ]
    if score.unmeasured:
        lines += [f"Not measured (no points either way): {', '.join(score.unmeasured)}.", ""]
    if sources:
        lines += [f"Read from: {', '.join(sources)}.", ""]
    lines += ["## Trend", "", "| when | commit | score |", "| --- | --- | ---: |"]
    lines += [
        f"| {entry.timestamp} | {entry.commit[:12]} | {entry.score} |"
        for entry in reversed(entries[-TREND_ROWS:])
    ]
    return "\n".join(lines) + "\n"


def chart(entries: Sequence[Entry], *, threshold: int) -> str:
    """A self-contained HTML page charting the score over time (plotly.js from a CDN)."""
    # Imported here: plotly takes a tenth of a second to import, and every `ferrox` command
    # loads the step registry (this module with it).
    import plotly.graph_objects as go  # noqa: PLC0415

    figure = go.Figure(
        go.Scatter(
            x=[entry.timestamp for entry in entries],
            y=[entry.score for entry in entries],
            mode="lines+markers",
            name="score",
            text=[entry.commit[:12] for entry in entries],
        )
    )
    figure.add_hline(y=threshold, line_dash="dash", annotation_text="issue threshold")
    figure.update_layout(
        title="Repository health", yaxis={"range": [0, 105]}, template="plotly_white"
    )
    # The CDN keeps the page small (the history job uploads it every day); bench's dashboard
    # inlines plotly.js because it must work from an artifact offline, this page is a glance.
    html: str = figure.to_html(include_plotlyjs="cdn", full_html=True)
    return html


def issue(score: Score, *, threshold: int, previous: int | None, repository: str) -> IssuePayload:
    """The issue to open when the score fell below ``threshold``."""
    was = f" (was {previous})" if previous is not None else ""
    body = [
        f"The health score of {repository or 'this repository'} is {score.value}{was}, "
        f"below the threshold of {threshold}.",
        "",
        *(f"- {term.reason}: {term.points:+d}" for term in score.adjustments),
    ]
    return IssuePayload(
        f"Repository health {score.value}/100 (below {threshold})",
        "\n".join(body) + "\n",
        labels=("health",),
    )
