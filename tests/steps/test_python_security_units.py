"""The pieces of the Python security steps: the loopback OSV service, OSV ranges, safety scores."""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ferrox.errors import ToolError
from ferrox.python import osv_local, scanners
from ferrox.steps import safety

PYTHON = Path(__file__).parents[1] / "fixtures" / "python"
OSV = PYTHON / "vulnerable" / "advisories" / "osv"


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


def test_safety_scores_prefer_cvss3_and_tolerate_garbage() -> None:
    score = safety._score
    assert score({"cvssv2": {"base_score": 5.0}, "cvssv3": {"base_score": 9.1}}) == 9.1
    assert score({"cvssv2": {"base_score": 5.0}, "cvssv3": None}) == 5.0
    assert score({"cvssv3": {"base_score": "n/a"}}) is None
    assert score(None) is None


def test_a_safety_timestamp_that_is_not_a_number_is_a_tool_error(tmp_path: Path) -> None:
    shutil.copytree(PYTHON / "vulnerable" / "advisories" / "safety", tmp_path / "db")
    full = tmp_path / "db" / "insecure_full.json"
    data = json.loads(full.read_text())
    data["$meta"]["timestamp"] = "yesterday"
    full.write_text(json.dumps(data))
    with pytest.raises(ToolError, match="is not a number"):
        safety.check_database(tmp_path / "db")


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
