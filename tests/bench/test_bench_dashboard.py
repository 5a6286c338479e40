"""The dashboard in a real headless Chromium: it loads, logs no console message, draws charts.

Chromium comes from Debian's package (.ci/run installs it); a missing browser fails the test.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from ferrox.bench import changepoints, dashboard

CONSOLE = re.compile(r":CONSOLE[:(]")


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "chromium is not installed: .ci/run installs it (apt-get install chromium)"
    return found


def _load(page: Path) -> tuple[str, list[str]]:
    """The DOM after scripts ran, and the console messages Chromium logged."""
    done = subprocess.run(
        [
            _chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000",
            "--dump-dom", page.as_uri(),
        ],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, [line for line in done.stderr.splitlines() if CONSOLE.search(line)]


def _series() -> list[dashboard.Series]:
    rng = np.random.default_rng(0)
    found = []
    for key, base in (("demo/adler32_64k", 147_000.0), ("demo/parse_list_1k", 11_300.0)):
        values = np.r_[rng.normal(base, base * 0.005, 15), rng.normal(base * 1.1, base * 0.005, 8)]
        points = tuple(changepoints.e_divisive(values, permutations=49))
        found.append(
            dashboard.Series(
                key, "ns", "abc123", tuple(values),
                tuple(f"{i:040x}" for i in range(values.size)),
                tuple(f"2026-11-{i + 1:02d}" for i in range(values.size)), points,
            )
        )  # fmt: skip
    return found


def test_dashboard_renders_its_charts_without_console_errors(tmp_path: Path) -> None:
    series = _series()
    assert all(s.change_points for s in series)
    page = tmp_path / "dashboard.html"
    page.write_text(dashboard.render(series, title="Bench", notes={"demo/adler32_64k": "note!"}))
    dom, console = _load(page)
    assert console == []
    assert dom.count('class="main-svg"') >= len(series)  # plotly drew an SVG per chart
    for number in range(len(series)):
        chart = dom.split(f'id="chart-{number}"', 1)[1]
        assert "js-plotly-plot" in dom and "main-svg" in chart.split("</section>", 1)[0]
    assert dom.count('class="annotation-text"') >= 2  # the marked change points, with p-values
    assert "(p=" in dom and "note!" in dom


def test_the_console_check_catches_a_broken_page(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text("<html><body><script>missingFunction();</script></body></html>")
    _, console = _load(page)
    assert any("missingFunction" in line for line in console)


def test_an_empty_history_still_renders(tmp_path: Path) -> None:
    html = dashboard.render([], title="Nothing")
    assert "No benchmark history yet." in html


@pytest.mark.parametrize("title", ["<script>alert(1)</script>"])
def test_titles_are_escaped(title: str) -> None:
    assert "&lt;script&gt;alert(1)" in dashboard.render([], title=title)
