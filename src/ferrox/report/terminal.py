"""The terminal report: short, coloured, the worst first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ferrox.model import Level, Status, StepResult
from ferrox.model import Table as StepTable

MAX_FINDINGS = 20
MAX_TABLE_ROWS = 15
_STYLE = {Status.PASS: "bold green", Status.FAIL: "bold red", Status.ERROR: "bold magenta"}
_LEVEL_STYLE = {Level.ERROR: "red", Level.WARNING: "yellow", Level.NOTE: "cyan"}


def show(console: Console, result: StepResult, reports: Mapping[str, Path]) -> None:
    """Prints the verdict, the failed gates, the first findings and where the reports are."""
    status = result.status
    console.print(
        f"[{_STYLE[status]}]{status.value.upper()}[/] [bold]{result.step}[/] "
        f"{escape(result.summary)} [dim]({result.duration_s:.1f} s)[/]"
    )
    if result.parts:
        _show_parts(console, result.parts)
    if result.error:
        console.print(f"[magenta]{escape(result.error)}[/]")
    for check in result.gates:
        if not check.passed:
            console.print(f"  [red]gate {check.name}[/]: {escape(check.description)}")
    for step_table in result.tables:
        _show_table(console, step_table)
    sources = [(part.step, part.findings) for part in result.parts] or [("", result.findings)]
    ordered = sorted(
        ((step, finding) for step, findings in sources for finding in findings),
        key=lambda pair: list(Level).index(pair[1].level),
    )
    if ordered:
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        if result.parts:
            table.add_column("scanner")
        table.add_column("level")
        table.add_column("location", overflow="fold")
        table.add_column("rule")
        table.add_column("message", overflow="fold")
        for step, finding in ordered[:MAX_FINDINGS]:
            table.add_row(
                *([step] if result.parts else []),
                f"[{_LEVEL_STYLE[finding.level]}]{finding.level.value}[/]",
                escape(finding.location or "-"),
                escape(finding.rule),
                escape(finding.message),
            )
        console.print(table)
        if len(ordered) > MAX_FINDINGS:
            console.print(f"  [dim]… {len(ordered) - MAX_FINDINGS} more in the JSON report[/]")
    labels = {"json": "report", "sarif": "sarif"} if result.parts else {"json": "report"}
    for kind, label in labels.items():
        if kind in reports:
            console.print(f"  [dim]{label}: {escape(str(reports[kind]))}[/]")


def _show_parts(console: Console, parts: Sequence[StepResult]) -> None:
    """One row per scanner: a composite's verdict is only as clear as its parts."""
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for column in ("scanner", "verdict", "findings", "summary", "time"):
        table.add_column(column, overflow="fold")
    for part in parts:
        table.add_row(
            part.step,
            f"[{_STYLE[part.status]}]{part.status.value}[/]",
            str(len(part.findings)),
            escape(part.summary),
            f"{part.duration_s:.1f} s",
        )
    console.print(table)


def _show_table(console: Console, step_table: StepTable) -> None:
    """A step's table, its first rows: the Markdown and JSON reports have them all."""
    table = Table(
        title=escape(step_table.title), title_justify="left", header_style="bold", box=None
    )
    for column in step_table.columns:
        table.add_column(escape(column), overflow="fold")
    for row in step_table.rows[:MAX_TABLE_ROWS]:
        table.add_row(*(escape(value) for value in row))
    console.print(table)
    hidden = len(step_table.rows) - MAX_TABLE_ROWS
    if hidden > 0:
        console.print(f"  [dim]… {hidden} more row(s) in the Markdown report[/]")
