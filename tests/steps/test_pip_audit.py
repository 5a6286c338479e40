"""pip-audit: the real pip-audit against the fixture OSV directory, the loopback service, ignores."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from python_projects import (
    PYTHON,
    cases,
    check_nothing_to_scan,
    check_readme_table,
    check_security_tags,
    run_with_config,
)

from ferrox.python import osv_local, scanners
from ferrox.python.osv_local import load as load_osv

OSV = PYTHON / "vulnerable" / "advisories" / "osv"


@pytest.mark.parametrize(("fixture", "exit_code"), cases("pip-audit"))
def test_fixtures_produce_their_readme_table(
    ferrox: Callable[..., Any], projects: Path, fixture: str, exit_code: int
) -> None:
    check_readme_table(ferrox, projects / fixture, fixture, "pip-audit", exit_code)


def test_a_rust_only_workspace_has_nothing_to_scan(ferrox: Callable[..., Any]) -> None:
    check_nothing_to_scan(ferrox, "pip-audit")


def test_is_tagged_for_the_security_composite() -> None:
    check_security_tags("pip-audit")


def test_declared_dependencies_without_a_lock_are_a_usage_error(
    ferrox: Callable[..., Any], tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["rich"]\n')
    result = ferrox("run", "pip-audit", "-C", str(tmp_path))
    assert result.code == 2
    assert "declares 1 dependencies but there is no pinned requirements file" in result.err


def test_a_bad_gate_choice_is_exit_2(ferrox: Callable[..., Any], tmp_path: Path) -> None:
    result = run_with_config(ferrox, tmp_path, "pip-audit", '[pip-audit]\nhigh_gate = "maybe"\n')
    assert result.code == 2, result.out + result.err
    assert "valid: fail, warn" in result.err


def test_osv_ranges_versions_and_aliases() -> None:
    database = load_osv(PYTHON / "vulnerable" / "advisories" / "osv")
    assert [a["id"] for a in database.matching("PyYAML", "5.3")] == ["GHSA-8q59-q68h-6hv4"]
    assert database.matching("pyyaml", "5.4") == []
    # last_affected 2.18.4: 2.18.4 is affected, 2.19.1 only by the other (introduced 2.3.0) one
    assert {a["id"] for a in database.matching("requests", "2.18.4")} == {
        "GHSA-x84v-xcm2-53pg",
        "GHSA-j8r2-6x86-q33q",
    }
    assert [a["id"] for a in database.matching("requests", "2.19.1")] == ["GHSA-j8r2-6x86-q33q"]
    assert database.matching("jinja2", "2.11.3") == []  # introduced 3.0.0
    assert database.resolve(["PYSEC-2021-142"]) == "GHSA-8q59-q68h-6hv4"
    assert database.resolve(["nothing"]) is None
    assert database.severity("GHSA-x84v-xcm2-53pg")[0].value == "high"


def _post(url: str, body: bytes) -> tuple[int, Any]:
    # The loopback service must be reached directly, whatever proxy the environment sets.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 - loopback http
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, None


def test_the_loopback_service_speaks_osv_query_and_logs_every_question() -> None:
    database = osv_local.load(OSV)
    with osv_local.serve(database) as (url, log):
        query = {"package": {"name": "PyYAML", "ecosystem": "PyPI"}, "version": "5.3"}
        status, body = _post(url, json.dumps(query).encode())
        assert status == 200
        assert [v["id"] for v in body["vulns"]] == ["GHSA-8q59-q68h-6hv4"]
        clean = {"package": {"name": "packaging", "ecosystem": "PyPI"}, "version": "24.1"}
        assert _post(url, json.dumps(clean).encode()) == (200, {})
        assert _post(url, b"{not json")[0] == 400
        npm = {"package": {"name": "left-pad", "ecosystem": "npm"}, "version": "1.0.0"}
        assert _post(url, json.dumps(npm).encode())[0] == 400
    assert log.queries == {("pyyaml", "5.3"), ("packaging", "24.1")}
    assert len(log.errors) == 2


def test_osv_versions_lists_and_odd_ranges(tmp_path: Path) -> None:
    advisory = {
        "id": "X-1",
        "modified": "2026-01-01T00:00:00",
        "affected": [
            {"package": {"ecosystem": "PyPI", "name": "Some_Pkg"}, "versions": ["1.0"]},
            {
                "package": {"ecosystem": "PyPI", "name": "other"},
                "ranges": [
                    {"type": "GIT", "events": [{"introduced": "abc"}]},
                    {"type": "ECOSYSTEM", "events": [{"introduced": "not a version"}]},
                ],
            },
            {"package": {"ecosystem": "npm", "name": "some-pkg"}, "versions": ["2.0"]},
        ],
        "withdrawn": None,
    }
    (tmp_path / "x.json").write_text(json.dumps(advisory))
    withdrawn = {**advisory, "id": "X-2", "withdrawn": "2026-02-01T00:00:00Z"}
    (tmp_path / "y.json").write_text(json.dumps(withdrawn))
    database = osv_local.load(tmp_path)
    assert [a["id"] for a in database.matching("some.pkg", "1.0")] == ["X-1"]
    assert database.matching("some-pkg", "2.0") == []  # npm's, not PyPI's
    assert database.matching("other", "1.0") == []
    assert database.severity("X-1")[0].value == "unknown"
    assert database.newest is not None and database.newest.tzinfo is not None


def test_pip_audit_online_mode_counts_unscored_advisories_as_configured(
    ferrox: Callable[..., Any],
    fake_tools: Callable[[str, str], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FERROX_TOOLS_HOME", str(tmp_path / "empty-home"))
    report = {
        "dependencies": [
            {"name": "pyyaml", "version": "5.3", "vulns": [
                {"id": "PYSEC-2021-142", "fix_versions": ["5.4"], "aliases": ["CVE-2020-14343"],
                 "description": "Improper Input Validation"}]},
        ],
        "fixes": [],
    }  # fmt: skip
    fake_tools(
        "pip-audit",
        "import os, sys\n"
        "if '--version' in sys.argv:\n    print('pip-audit 2.10.1'); sys.exit(0)\n"
        "assert '--osv-url' not in sys.argv and 'HTTPS_PROXY' not in os.environ\n"
        f"print({json.dumps(json.dumps(report))}); sys.exit(1)\n",
    )
    (tmp_path / "requirements.txt").write_text("PyYAML==5.3 \\\n    --hash=sha256:abc\n")
    result = ferrox("run", "pip-audit", "-C", str(tmp_path))
    assert result.code == 0, result.out + result.err  # one unscored = one high: under the limit
    [finding] = result.report["findings"]
    assert (finding["rule"], finding["path"], finding["line"]) == (
        "PYSEC-2021-142",
        "requirements.txt",
        1,
    )
    assert "high (no CVSS score)" in finding["message"]
    (tmp_path / "ferrox.toml").write_text('[pip-audit]\nunknown_severity = "critical"\n')
    assert ferrox("run", "pip-audit", "-C", str(tmp_path)).code == 1


def test_network_env_is_only_for_offline_runs() -> None:
    assert scanners.NO_NETWORK_ENV["NO_PROXY"] == "127.0.0.1,localhost"
    assert all(
        "127.0.0.1" in value for key, value in scanners.NO_NETWORK_ENV.items() if "PROXY" in key
    )


def _ignore(step: str, advisory: str, expires: dt.date) -> str:
    return f'[[{step}.ignore]]\nid = "{advisory}"\nreason = "not reachable"\nexpires = {expires}\n'


def test_an_active_ignore_hides_an_advisory_and_an_expired_one_fails(
    ferrox: Callable[..., Any], tmp_path: Path
) -> None:
    project = tmp_path / "vulnerable"
    shutil.copytree(PYTHON / "vulnerable", project)
    config = (project / "ferrox.toml").read_text()
    future = dt.date.today() + dt.timedelta(days=30)
    # The critical advisory, named by an alias (pip-audit's PYSEC id of the GHSA advisory).
    (project / "ferrox.toml").write_text(config + _ignore("pip-audit", "PYSEC-2021-142", future))
    result = ferrox("run", "pip-audit", "-C", str(project))
    assert result.code == 0, result.out + result.err
    [note] = [f for f in result.report["findings"] if f["rule"] == "GHSA-8q59-q68h-6hv4"]
    assert note["level"] == "note" and "[ignored: not reachable]" in note["message"]
    assert result.report["metrics"]["ignored"] == 1
    assert result.report["metrics"]["expired_ignores"] == 0

    expired = _ignore("pip-audit", "GHSA-8q59-q68h-6hv4", dt.date(2020, 1, 1))
    (project / "ferrox.toml").write_text(config + expired)
    result = ferrox("run", "pip-audit", "-C", str(project))
    assert result.code == 1
    failed = {g["name"] for g in result.report["gates"] if not g["passed"]}
    assert failed == {"critical", "expired_ignores"}
    [stale] = [f for f in result.report["findings"] if f["rule"] == "pip-audit/expired-ignore"]
    assert "GHSA-8q59-q68h-6hv4 expired on 2020-01-01" in stale["message"]


def test_an_ignore_without_a_reason_is_exit_2(ferrox: Callable[..., Any], tmp_path: Path) -> None:
    table = '[[pip-audit.ignore]]\nid = "GHSA-1"\nreason = ""\nexpires = 2030-01-01\n'
    result = run_with_config(ferrox, tmp_path, "pip-audit", table)
    assert result.code == 2, result.out + result.err
    assert "pip-audit.ignore[0].reason" in result.err and "must not be empty" in result.err


def test_the_old_string_ignores_are_exit_2_naming_the_key(
    ferrox: Callable[..., Any], tmp_path: Path
) -> None:
    (tmp_path / "requirements.txt").write_text("packaging==24.1\n")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.ferrox.pip-audit]\nignore = ["GHSA-1: not reachable"]\n'
    )
    result = ferrox("run", "pip-audit", "-C", str(tmp_path))
    assert result.code == 2, result.out + result.err
    assert "tool.ferrox.pip-audit.ignore" in result.err
    assert "expected a list of tables" in result.err


def test_the_old_unscored_severity_key_names_its_replacement(
    ferrox: Callable[..., Any], tmp_path: Path
) -> None:
    (tmp_path / "requirements.txt").write_text("packaging==24.1\n")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.ferrox.pip-audit]\nunscored_severity = "low"\n'
    )
    result = ferrox("run", "pip-audit", "-C", str(tmp_path))
    assert result.code == 2, result.out + result.err
    assert "tool.ferrox.pip-audit.unscored_severity" in result.err
    assert "renamed: use 'tool.ferrox.pip-audit.unknown_severity'" in result.err
