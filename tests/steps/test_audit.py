"""audit: the real cargo-audit on the fixture crate and the fixture RustSec database."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from ferrox.config import describe_settings
from ferrox.rust.lockfile import package_lines
from ferrox.rust.rustsec import parse_report
from ferrox.steps.audit import AuditIgnore, AuditSettings
from fixture_tables import markdown_table

FIXTURES = Path(__file__).parents[1] / "fixtures"
AUDIT = FIXTURES / "audit"
GOLDEN = FIXTURES / "cargo-audit-0.22.2" / "vulnerable.json"
SARIF_SCHEMA = json.loads((FIXTURES / "sarif" / "sarif-schema-2.1.0.json").read_text())
# The tests' settings: the fixture DB, no network, no dependence on the registry index cache.
BASE = '[audit]\ndb = "../advisory-db"\noffline = true\ncheck_yanked = false\nmax_db_age_days = 0\n'


@pytest.fixture
def audit_project(tmp_path: Path) -> Callable[[str], Path]:
    """A private copy of the audit fixture; ``extra`` settings override BASE's."""

    def make(extra: str = "") -> Path:
        copy = tmp_path / "audit"
        if not copy.exists():
            shutil.copytree(AUDIT, copy)
        tables = extra.find("[[")
        keys, rest = (extra, "") if tables < 0 else (extra[:tables], extra[tables:])
        overridden = {line.split("=")[0].strip() for line in keys.splitlines() if "=" in line}
        base = [line for line in BASE.splitlines() if line.split("=")[0].strip() not in overridden]
        (copy / "vulnerable" / "ferrox.toml").write_text("\n".join([*base, keys]) + "\n" + rest)
        return copy / "vulnerable"

    return make


def test_fixture_table_is_what_cargo_audit_reports(
    ferrox: Callable[..., object], audit_project: Callable[[str], Path]
) -> None:
    result = ferrox("run", "audit", "-C", str(audit_project("")))
    assert result.code == 1, result.out
    expected = markdown_table(AUDIT / "README.md", "rule")
    findings = {f["rule"]: f for f in result.report["findings"]}
    assert set(findings) == {row["rule"] for row in expected}
    for row in expected:
        finding = findings[row["rule"]]
        assert finding["path"] == "Cargo.lock"
        assert finding["line"] == int(row["Cargo.lock line"]), row
        assert finding["level"] == row["level"], row
        assert finding["message"].startswith(f"{row['package']} {row['version']}: "), row
        label = row["kind"] if row["severity"] == "-" else f"{row['kind']}, {row['severity']}"
        assert f"[{label}]" in finding["message"], row
        score = row["severity"].split()[-1]
        expected_score = None if score == "-" else float(score)
        assert finding["security_severity"] == expected_score
    gates = {g["name"]: g["passed"] for g in result.report["gates"]}
    assert gates == {
        "critical": False,
        "high": True,
        "warnings": False,
        "expired_ignores": True,
        "yanked_unchecked": True,
    }
    assert result.report["tool_version"] == "0.22.2"
    assert "patched: >=0.6.10" in findings["RUSTSEC-2019-0009"]["message"]


def test_sarif_carries_advisory_ids_and_cvss_scores(
    ferrox: Callable[..., object], audit_project: Callable[[str], Path]
) -> None:
    result = ferrox("run", "audit", "-C", str(audit_project("")))
    assert result.report_dir is not None
    log = json.loads((result.report_dir / "audit.sarif").read_text())
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    [run] = log["runs"]
    assert run["tool"]["driver"]["name"] == "cargo-audit"
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert rules["RUSTSEC-2019-0009"]["properties"]["security-severity"] == "9.8"
    assert rules["RUSTSEC-2099-0001"]["properties"]["security-severity"] == "7.5"
    located = {
        r["ruleId"]: r["locations"][0]["physicalLocation"]["region"]["startLine"]
        for r in run["results"]
    }
    assert located["RUSTSEC-2019-0009"] == 30


@pytest.mark.parametrize(
    ("extra", "code", "gate"),
    [
        ("max_critical = 1\nfail_on = []\n", 0, None),
        ("max_critical = 1\nfail_on = []\nmax_high = 0\n", 1, "high"),
        ('max_critical = 1\nfail_on = []\nmax_high = 0\nhigh_gate = "warn"\n', 0, None),
        ('max_critical = 1\nfail_on = ["unmaintained"]\n', 1, "warnings"),
    ],
    ids=["lenient", "high-fails", "high-warns", "unmaintained-fails"],
)
def test_gates_are_configurable(
    ferrox: Callable[..., object],
    audit_project: Callable[[str], Path],
    extra: str,
    code: int,
    gate: str | None,
) -> None:
    result = ferrox("run", "audit", "-C", str(audit_project(extra)))
    assert result.code == code, result.out
    failed = [g["name"] for g in result.report["gates"] if not g["passed"]]
    assert failed == ([gate] if gate else [])
    if "warn" in extra:
        high = next(g for g in result.report["gates"] if g["name"] == "high")
        assert high["description"].endswith("[warn only]")


def test_ignores_need_a_reason_and_expire(
    ferrox: Callable[..., object], audit_project: Callable[[str], Path]
) -> None:
    future = dt.date.today() + dt.timedelta(days=30)
    lenient = "fail_on = []\n"
    ignore = '[[audit.ignore]]\nid = "{id}"\nreason = "{reason}"\nexpires = {date}\n'
    active = ignore.format(
        id="RUSTSEC-2019-0009", reason="not reachable: we never grow", date=future
    )
    result = ferrox("run", "audit", "-C", str(audit_project(lenient + active)))
    assert result.code == 0, result.out
    assert "RUSTSEC-2019-0009" not in {f["rule"] for f in result.report["findings"]}
    assert result.report["metrics"]["ignored"] == 1

    expired = ignore.format(id="RUSTSEC-2019-0009", reason="waiting for 0.7", date="2020-01-01")
    unused = ignore.format(id="RUSTSEC-2000-0000", reason="stale", date=future)
    result = ferrox("run", "audit", "-C", str(audit_project(lenient + expired + unused)))
    assert result.code == 1
    rules = [f["rule"] for f in result.report["findings"]]
    assert "RUSTSEC-2019-0009" in rules  # an expired ignore no longer hides the advisory
    [stale] = [f for f in result.report["findings"] if f["rule"] == "audit/expired-ignore"]
    assert "expired on 2020-01-01 (waiting for 0.7)" in stale["message"]
    assert "audit/unused-ignore" in rules

    missing = '[[audit.ignore]]\nid = "RUSTSEC-2019-0009"\nexpires = 2030-01-01\n'
    result = ferrox("run", "audit", "-C", str(audit_project(missing)))
    assert result.code == 2
    assert "audit.ignore[0]" in result.err and "missing required key 'reason'" in result.err
    empty = '[[audit.ignore]]\nid = "RUSTSEC-2019-0009"\nreason = " "\nexpires = 2030-01-01\n'
    result = ferrox("run", "audit", "-C", str(audit_project(empty)))
    assert result.code == 2
    assert "audit.ignore[0].reason" in result.err
    bad_date = '[[audit.ignore]]\nid = "X"\nreason = "r"\nexpires = "soon"\n'
    result = ferrox("run", "audit", "-C", str(audit_project(bad_date)))
    assert result.code == 2
    assert "audit.ignore[0].expires" in result.err and "YYYY-MM-DD" in result.err


def test_unknown_warning_kind_is_a_config_error(
    ferrox: Callable[..., object], audit_project: Callable[[str], Path]
) -> None:
    result = ferrox("run", "audit", "-C", str(audit_project('fail_on = ["abandoned"]\n')))
    assert result.code == 2
    assert "audit.fail_on" in result.err and "unmaintained" in result.err


def test_old_plain_database_fails_the_age_gate(
    ferrox: Callable[..., object], audit_project: Callable[[str], Path]
) -> None:
    project = audit_project("max_db_age_days = 5\nmax_critical = 9\nfail_on = []\n")
    result = ferrox("run", "audit", "-C", str(project))
    assert result.code == 0, result.out  # a fresh copy is young
    old = time.time() - 10 * 86400
    for advisory in (project.parent / "advisory-db").rglob("*.md"):
        os.utime(advisory, (old, old))
    result = ferrox("run", "audit", "-C", str(project))
    assert result.code == 1
    [gate] = [g for g in result.report["gates"] if not g["passed"]]
    assert gate["name"] == "db_age_days" and gate["actual"] >= 10
    assert "advisory database age in days" in gate["description"]


def test_git_database_is_as_old_as_its_last_commit(
    ferrox: Callable[..., object], audit_project: Callable[[str], Path]
) -> None:
    project = audit_project("max_db_age_days = 30\nmax_critical = 9\nfail_on = []\n")
    db = project.parent / "advisory-db"
    old = "2020-01-01T00:00:00Z"
    env = {**os.environ, "GIT_AUTHOR_DATE": old, "GIT_COMMITTER_DATE": old}
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-C", str(db)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "db"], check=True, env=env)
    result = ferrox("run", "audit", "-C", str(project))
    assert result.code == 1, result.out
    assert result.report["metrics"]["db_age_days"] > 365


def test_missing_lockfile_is_a_usage_error(
    ferrox: Callable[..., object], audit_project: Callable[[str], Path]
) -> None:
    project = audit_project("")
    (project / "Cargo.lock").unlink()
    result = ferrox("run", "audit", "-C", str(project))
    assert result.code == 2
    assert "no Cargo.lock" in result.err and "cargo generate-lockfile" in result.err


def test_golden_report_parses() -> None:
    report = parse_report(GOLDEN.read_text())
    assert report.advisory_count == 5 and report.dependency_count == 6
    assert sorted(a.id or "" for a in report.vulnerabilities) == [
        "RUSTSEC-2019-0009",
        "RUSTSEC-2099-0001",
        "RUSTSEC-2099-0002",
    ]
    kinds = sorted((w.kind, w.package) for w in report.warnings)
    assert kinds == [("unmaintained", "ansi_term"), ("unsound", "atty"), ("yanked", "smallvec")]
    smallvec = next(a for a in report.vulnerabilities if a.package == "smallvec")
    assert smallvec.patched == (">=0.6.10",)


def test_lockfile_lines_point_at_package_names() -> None:
    text = (AUDIT / "vulnerable" / "Cargo.lock").read_text()
    lines = package_lines(text)
    assert lines[("smallvec", "0.6.9")] == 30
    assert text.splitlines()[29] == 'name = "smallvec"'


def test_ignore_must_be_a_list_of_tables(
    ferrox: Callable[..., object], audit_project: Callable[[str], Path]
) -> None:
    result = ferrox("run", "audit", "-C", str(audit_project('ignore = ["RUSTSEC-2019-0009"]\n')))
    assert result.code == 2
    assert "audit.ignore" in result.err and "expected a list of tables" in result.err
    result = ferrox(
        "run",
        "audit",
        "-C",
        str(audit_project("[[audit.ignore]]\nid = 'X'\nreason = 'r'\nexpires = 7\n")),
    )
    assert result.code == 2
    assert "expected a date (YYYY-MM-DD), got a number (7)" in result.err


def test_settings_document_their_types() -> None:
    rows = {row[0]: row[1] for row in describe_settings(AuditSettings)}
    assert rows["ignore"] == "list of tables"
    assert {row[0]: row[1] for row in describe_settings(AuditIgnore)}[
        "expires"
    ] == "a date (YYYY-MM-DD)"


def test_ignore_expiry_may_be_written_as_a_string(
    ferrox: Callable[..., object], audit_project: Callable[[str], Path]
) -> None:
    entry = '[[audit.ignore]]\nid = "RUSTSEC-2019-0009"\nreason = "r"\nexpires = "2999-01-01"\n'
    result = ferrox("run", "audit", "-C", str(audit_project("fail_on = []\n" + entry)))
    assert result.code == 0, result.out


def test_aliases_are_named_in_the_message(
    ferrox: Callable[..., object], audit_project: Callable[[str], Path]
) -> None:
    memchr = next(
        a for a in parse_report(GOLDEN.read_text()).vulnerabilities if a.package == "memchr"
    )
    assert memchr.aliases == ("CVE-2099-0001",)
    result = ferrox("run", "audit", "-C", str(audit_project("")))
    [finding] = [f for f in result.report["findings"] if f["rule"] == "RUSTSEC-2099-0001"]
    assert "in memchr (CVE-2099-0001) [vulnerability, high 7.5]" in finding["message"]


def test_the_old_unscored_severity_key_names_its_replacement(
    ferrox: Callable[..., object], audit_project: Callable[[str], Path]
) -> None:
    result = ferrox("run", "audit", "-C", str(audit_project('unscored_severity = "low"\n')))
    assert result.code == 2
    assert "audit.unscored_severity" in result.err and "unknown_severity" in result.err


def test_config_mistakes_are_found_at_load(tmp_path: Path) -> None:
    from ferrox.config import load_config
    from ferrox.errors import ConfigError

    (tmp_path / "ferrox.toml").write_text('[audit]\nfail_on = ["abandoned"]\n')
    with pytest.raises(ConfigError, match="unmaintained") as raised:
        load_config(tmp_path, {"audit": AuditSettings})
    assert raised.value.key == "audit.fail_on"
    entry = '[[audit.ignore]]\nid = " "\nreason = "r"\nexpires = 2030-01-01\n'
    (tmp_path / "ferrox.toml").write_text(entry)
    with pytest.raises(ConfigError, match="must not be empty") as raised:
        load_config(tmp_path, {"audit": AuditSettings})
    assert raised.value.key == "audit.ignore[0].id"
