"""The static HTML dashboard: one plotly chart per benchmark, change points marked.

plotly.js is inlined once (about 4.8 MB) so the page works offline, from a file or an artifact.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from ferrox.bench.changepoints import ChangePoint


@dataclass(frozen=True)
class Series:
    """One benchmark's history in one environment: values per run, with commits and times."""

    key: str
    unit: str
    fingerprint: str
    values: tuple[float, ...]
    commits: tuple[str, ...]
    timestamps: tuple[str, ...]
    change_points: tuple[ChangePoint, ...] = ()


def render(series: Sequence[Series], *, title: str, notes: Mapping[str, str] | None = None) -> str:
    """The whole page: a header, a note per benchmark (if any) and one chart per series."""
    charts = []
    for number, s in enumerate(series):
        figure = _figure(s)
        div = figure.to_html(
            full_html=False,
            include_plotlyjs=False,
            div_id=f"chart-{number}",
            config={"displaylogo": False, "responsive": True},
        )
        note = html.escape((notes or {}).get(s.key, ""))
        charts.append(f'<section class="bench">{div}<p class="note">{note}</p></section>')
    body = "\n".join(charts) or "<p>No benchmark history yet.</p>"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }}
section.bench {{ max-width: 1100px; margin-bottom: 1.5rem; }}
p.note {{ color: #555; margin: 0 0 0 1rem; }}
</style>
<script type="text/javascript">{get_plotlyjs()}</script>
</head>
<body>
<h1>{html.escape(title)}</h1>
<p>{len(series)} benchmark series; red dashed lines mark change points (E-divisive means,
permutation test).</p>
{body}
</body>
</html>
"""


def _figure(s: Series) -> go.Figure:
    runs = list(range(1, len(s.values) + 1))
    hover = [f"{c[:12]}<br>{t}" for c, t in zip(s.commits, s.timestamps, strict=True)]
    figure = go.Figure(
        go.Scatter(
            x=runs,
            y=list(s.values),
            mode="lines+markers",
            name=s.key,
            text=hover,
            hovertemplate="run %{x}: %{y:.4g} " + s.unit + "<br>%{text}<extra></extra>",
        )
    )
    for point in s.change_points:
        figure.add_vline(
            x=point.index + 0.5,
            line={"color": "#d62728", "dash": "dash"},
            annotation_text=f"{point.change:+.1%} (p={point.p_value:.3f})",
        )
    figure.update_layout(
        title=f"{s.key} <span style='font-size:12px'>(env {s.fingerprint})</span>",
        xaxis_title="run",
        yaxis_title=s.unit,
        height=340,
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
        template="plotly_white",
    )
    return figure
