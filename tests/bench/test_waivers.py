"""``[[bench.accept]]``: a waived regression is shown and passes; an expired waiver fails."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from ferrox import cli
from ferrox.bench import waivers
from ferrox.bench.modes import results
from ferrox.bench.paired import Verdict
from ferrox.bench.stats import PairedChange
from ferrox.bench.waivers import Waiver
from ferrox.model import Status
from ferrox.report import json as json_report
from ferrox.report import markdown, terminal

FUTURE = dt.date.today() + dt.timedelta(days=30)
PAST = dt.date(2020, 1, 31)


def _verdict(key: str, level: str, change: float = 0.12) -> Verdict:
    return Verdict(
        key, 1.0, 1.0 + change, PairedChange(10, change, change, change, 0.0, 0.0), 0.0, level
    )


def _judge(*accept: Waiver) -> results.StepResult:
    return results.result(
        [_verdict("parse/big", "major"), _verdict("parse/small", "ok")],
        fail_levels=results.FAIL_LEVELS["major"],
        summary_extra="x",
        extra={},
        accept=accept,
    )


def test_a_waived_regression_passes_and_is_shown_in_every_report(tmp_path: Path) -> None:
    waiver = Waiver("parse/big", "the new parser trades speed for correctness", FUTURE)
    result = _judge(waiver)
    assert result.status is Status.PASS
    assert _judge().status is Status.FAIL  # the same run without the waiver fails
    (regression,) = [f for f in result.findings if f.rule == "bench-regression-major"]
    assert f"[waived until {FUTURE}: the new parser trades" in regression.message
    assert result.extra["waivers"] == [
        {
            "benchmark": "parse/big",
            "reason": "the new parser trades speed for correctness",
            "expires": FUTURE.isoformat(),
            "expired": False,
            "used": True,
        }
    ]
    assert "1 waived, 0 expired waiver(s)" in result.summary
    text = io.StringIO()
    terminal.show(Console(file=text, width=200), result, {})
    document = json.dumps(json_report.to_dict(result, tmp_path, {}))
    for shown in (text.getvalue(), markdown.render(result), document):
        assert "waived until" in shown and "the new parser trades speed" in shown


def test_a_waiver_matches_a_benchmark_or_suite_name_like_thresholds() -> None:
    assert _judge(Waiver("big", "r", FUTURE)).status is Status.PASS
    assert _judge(Waiver("parse", "r", FUTURE)).status is Status.PASS
    assert _judge(Waiver("other/big", "r", FUTURE)).status is Status.FAIL


def test_an_expired_waiver_fails_the_gate_naming_it() -> None:
    result = _judge(Waiver("parse/small", "was slow on the old runner", PAST))
    assert result.status is Status.FAIL
    (gate,) = [g for g in result.gates if g.name == "expired_waivers"]
    assert not gate.passed
    (expired,) = [f for f in result.findings if f.rule == "bench/expired-waiver"]
    assert expired.message == (
        "the waiver of parse/small expired on 2020-01-31 (was slow on the old runner)"
    )
    # An expired waiver no longer waives: the regression it covered fails again.
    again = _judge(Waiver("parse/big", "r", PAST))
    assert [g.name for g in again.gates if not g.passed] == ["regressions", "expired_waivers"]


def test_an_unused_waiver_is_a_note() -> None:
    found = waivers.findings(waivers.sort_waivers([Waiver("gone", "r", FUTURE)]), set())
    assert [(f.rule, f.level.value) for f in found] == [("bench/unused-waiver", "note")]


@pytest.mark.parametrize(
    ("entry", "key"),
    [
        ('benchmark = "a"\nreason = "r"\n', "missing required key 'expires'"),
        ('benchmark = "a"\nreason = "r"\nexpires = "soon"\n', "bench.accept[0].expires"),
        ('benchmark = ""\nreason = "r"\nexpires = 2027-01-01\n', "benchmark"),
        ('benchmark = "a"\nreason = "r"\nexpires = 2027-01-01\nwhy = "x"\n', "why"),
    ],
)
def test_a_malformed_waiver_is_exit_2_naming_key_and_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], entry: str, key: str
) -> None:
    (tmp_path / "ferrox.toml").write_text(f"[[bench.accept]]\n{entry}", encoding="utf-8")
    code = cli.main(["run", "bench", "-C", str(tmp_path)])
    said = capsys.readouterr().err
    assert code == 2, said
    assert "ferrox.toml" in said and key in said
