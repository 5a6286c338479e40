"""vulns.gates and vulns.findings: one set of gates and setting names for the three scanners."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from ferrox.config import load_config
from ferrox.errors import ConfigError
from ferrox.rust.lockfile import read_lockfile
from ferrox.rust.rustsec import parse_report
from ferrox.steps import audit, pip_audit, safety
from ferrox.vulns import findings as vulns
from ferrox.vulns.gates import SeverityGates
from ferrox.vulns.ignores import Ignore
from ferrox.vulns.severity import Severity

FIXTURES = Path(__file__).parents[1] / "fixtures"
TODAY = dt.date(2026, 6, 1)
EXPIRED = dt.date(2020, 1, 1)
SETTINGS = {
    "audit": audit.AuditSettings,
    "pip-audit": pip_audit.PipAuditSettings,
    "safety": safety.SafetySettings,
}


def _vuln(n: int, severity: Severity) -> vulns.Vulnerability:
    return vulns.Vulnerability(f"ID-{n}", (f"CVE-{n}",), "p", "1", (), "s", severity, None,
                               "requirements.txt", n)  # fmt: skip


TWO = [_vuln(1, Severity.HIGH), _vuln(2, Severity.HIGH)]
THREE = [*TWO, _vuln(3, Severity.UNKNOWN)]  # unknown counts as high by default


def test_high_gate_fails_at_three_and_can_warn() -> None:
    assert vulns.judge("pip-audit", TWO, vulns.VulnSettings(), TODAY).status.value == "pass"
    verdict = vulns.judge("pip-audit", THREE, vulns.VulnSettings(), TODAY)
    assert verdict.status.value == "fail"
    assert verdict.metrics == {
        "critical": 0, "high": 3, "medium": 0, "low": 0, "unknown": 0, "ignored": 0
    }  # fmt: skip
    assert [c.name for c in verdict.checks] == ["critical", "high"]  # no ignores: no expiry gate
    verdict = vulns.judge("pip-audit", THREE, vulns.VulnSettings(high_gate="warn"), TODAY)
    assert verdict.status.value == "pass"
    assert "[warn]" in verdict.checks[1].description


def test_unknown_severity_decides_how_an_unscored_advisory_counts() -> None:
    settings = vulns.VulnSettings(unknown_severity="critical")
    verdict = vulns.judge("safety", [_vuln(1, Severity.UNKNOWN)], settings, TODAY)
    assert verdict.status.value == "fail"
    assert verdict.metrics["critical"] == 1
    assert verdict.findings[0].detail == "critical"


def test_a_score_of_zero_is_rated_none_and_not_gated() -> None:
    verdict = vulns.judge("safety", [_vuln(1, Severity.NONE)], vulns.VulnSettings(), TODAY)
    assert verdict.status.value == "pass"
    assert verdict.metrics["none"] == 1


@pytest.mark.parametrize("step", ["pip-audit", "safety"])
def test_an_active_ignore_hides_by_alias_and_an_expired_one_fails(step: str) -> None:
    active = vulns.VulnSettings(ignore=(Ignore("CVE-3", "not reachable from our code", TODAY),))
    verdict = vulns.judge(step, THREE, active, TODAY)
    assert (verdict.status.value, verdict.metrics["ignored"]) == ("pass", 1)
    note = verdict.findings[2]
    assert note.level.value == "note"
    assert "[ignored: not reachable from our code]" in note.message
    assert [c.name for c in verdict.checks] == ["critical", "high", "expired_ignores"]

    expired = vulns.VulnSettings(ignore=(Ignore("CVE-3", "waiting for 2.0", EXPIRED),))
    verdict = vulns.judge(step, THREE, expired, TODAY)
    assert verdict.status.value == "fail"
    failed = {c.name for c in verdict.checks if not c.passed}
    assert failed == {"high", "expired_ignores"}  # and the advisory counts again
    [stale] = [f for f in verdict.findings if f.rule == f"{step}/expired-ignore"]
    assert stale.message == "the ignore of CVE-3 expired on 2020-01-01 (waiting for 2.0)"
    assert verdict.metrics["expired_ignores"] == 1


def test_an_expired_ignore_fails_the_audit_gate() -> None:
    report = parse_report((FIXTURES / "cargo-audit-0.22.2" / "vulnerable.json").read_text())
    lock = read_lockfile(FIXTURES / "audit" / "vulnerable" / "Cargo.lock", "cargo-audit")
    ctx: Any = SimpleNamespace(relative=lambda path: "Cargo.lock")

    def result(*ignores: Ignore) -> Any:
        settings = audit.AuditSettings(max_critical=9, fail_on=(), ignore=ignores)
        return audit._result(
            ctx, settings, report, lock, today=TODAY, db_age=None, unchecked=(), version="0"
        )

    assert result(Ignore("RUSTSEC-2019-0009", "r", TODAY)).status.value == "pass"
    expired = result(Ignore("RUSTSEC-2019-0009", "waiting for 0.7", EXPIRED))
    assert expired.status.value == "fail"
    assert [g.name for g in expired.gates if not g.passed] == ["expired_ignores"]
    [stale] = [f for f in expired.findings if f.rule == "audit/expired-ignore"]
    assert "RUSTSEC-2019-0009 expired on 2020-01-01 (waiting for 0.7)" in stale.message


def test_the_three_steps_share_the_gate_settings() -> None:
    shared = {f.name: f for f in dataclasses.fields(SeverityGates)}
    for settings in SETTINGS.values():
        assert issubclass(settings, SeverityGates)
        fields = {f.name: f for f in dataclasses.fields(settings)}
        assert {name: fields[name].default for name in shared} == {
            name: spec.default for name, spec in shared.items()
        }
        assert settings.RENAMED["unscored_severity"] == "unknown_severity"
        assert "unscored_severity" not in fields


@pytest.mark.parametrize("step", sorted(SETTINGS))
def test_ignore_entries_are_checked_when_the_config_loads(tmp_path: Path, step: str) -> None:
    entry = f'[[{step}.ignore]]\nid = "X-1"\nreason = ""\nexpires = 2030-01-01\n'
    (tmp_path / "ferrox.toml").write_text(entry)
    with pytest.raises(ConfigError, match="must not be empty") as raised:
        load_config(tmp_path, SETTINGS)
    assert raised.value.key == f"{step}.ignore[0].reason"
    (tmp_path / "ferrox.toml").write_text(f'[{step}]\nignore = ["X-1: why"]\n')
    with pytest.raises(ConfigError, match="expected a list of tables") as raised:
        load_config(tmp_path, SETTINGS)
    assert raised.value.key == f"{step}.ignore"


@pytest.mark.parametrize("step", sorted(SETTINGS))
def test_the_old_unscored_severity_names_the_new_key(tmp_path: Path, step: str) -> None:
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nname = "x"\n\n[tool.ferrox.{step}]\nunscored_severity = "low"\n'
    )
    with pytest.raises(
        ConfigError, match=rf"renamed: use 'tool\.ferrox\.{step}\.unknown_severity'"
    ) as raised:
        load_config(tmp_path, SETTINGS)
    assert raised.value.key == f"tool.ferrox.{step}.unscored_severity"


def test_audit_fail_on_is_checked_when_the_config_loads(tmp_path: Path) -> None:
    (tmp_path / "ferrox.toml").write_text('[audit]\nfail_on = ["unsound", "abandoned"]\n')
    with pytest.raises(ConfigError, match="'abandoned' is not a valid choice") as raised:
        load_config(tmp_path, SETTINGS)
    assert raised.value.key == "audit.fail_on"
    assert "unmaintained" in raised.value.choices
