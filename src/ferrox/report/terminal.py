"""The terminal report: short, coloured, the worst first."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ferrox.model import Level, Status, StepResult

MAX_FINDINGS = 20
_STYLE = {Status.PASS: "bold green", Status.FAIL: "bold red", Status.ERROR: "bold magenta"}
_LEVEL_STYLE = {Level.ERROR: "red", Level.WARNING: "yellow", Level.NOTE: "cyan"}


def show(console: Console, result: StepResult, reports: Mapping[str, Path]) -> None:
    """Prints the verdict, the failed gates, the first findings and where the reports are."""
    status = result.status
    console.print(
        f"[{_STYLE[status]}]{status.value.upper()}[/] [bold]{result.step}[/] "
        f"{escape(result.summary)} [dim]({result.duration_s:.1f} s)[/]"
    )
    if result.error:
        console.print(f"[magenta]{escape(result.error)}[/]")
    for check in result.gates:
        if not check.passed:
            console.print(f"  [red]gate {check.name}[/]: {escape(check.description)}")
    ordered = sorted(result.findings, key=lambda f: list(Level).index(f.level))
    if ordered:
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        table.add_column("level")
        table.add_column("location", overflow="fold")
        table.add_column("rule")
        table.add_column("message", overflow="fold")
        for finding in ordered[:MAX_FINDINGS]:
            table.add_row(
                f"[{_LEVEL_STYLE[finding.level]}]{finding.level.value}[/]",
                escape(finding.location or "-"),
                escape(finding.rule),
                escape(finding.message),
            )
        console.print(table)
        if len(ordered) > MAX_FINDINGS:
            console.print(f"  [dim]… {len(ordered) - MAX_FINDINGS} more in the JSON report[/]")
    if "json" in reports:
        console.print(f"  [dim]report: {escape(str(reports['json']))}[/]")
