"""``security`` on one mixed Rust + Python project, with the real scanners and fixture databases.

The project is assembled from the scanners' own fixtures (each with its findings table): a crate
whose Cargo.lock pins advisories from a RustSec-format DB, pinned Python requirements with OSV
and safety DBs, and sources holding fake secrets. The composite must fail, keep every scanner's
result, and put each scanner in its own SARIF run that the official schema accepts.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema

FIXTURES = Path(__file__).parents[1] / "fixtures"
SARIF_SCHEMA = json.loads((FIXTURES / "sarif" / "sarif-schema-2.1.0.json").read_text())
CONFIG = """\
[security]
skip = ["geiger", "licenses"]  # they build and resolve the crate's yanked dependencies

[audit]
db = "advisory-db"
offline = true
check_yanked = false
max_db_age_days = 0

[pip-audit]
db = "advisories/osv"
max_db_age_days = 0

[safety]
db = "advisories/safety"
max_db_age_days = 0

[secrets]
extra_patterns = ["ferrox_[A-Z0-9]{20}"]
"""


def _mixed_project(tmp_path: Path) -> Path:
    root = tmp_path / "mixed"
    shutil.copytree(FIXTURES / "audit" / "vulnerable", root)
    shutil.copytree(FIXTURES / "audit" / "advisory-db", root / "advisory-db")
    python = FIXTURES / "python"
    shutil.copy(python / "vulnerable" / "requirements.txt", root)
    shutil.copytree(python / "vulnerable" / "advisories", root / "advisories")
    for name in ("settings.py", "deploy_key.pem"):
        shutil.copy(python / "secrets" / name, root)
    (root / "ferrox.toml").write_text(CONFIG)
    return root


def test_one_gate_over_rust_and_python_scanners(ferrox: Callable[..., Any], tmp_path: Path) -> None:
    root = _mixed_project(tmp_path)
    result = ferrox("run", "security", "-C", str(root))

    assert result.code == 1, result.out + result.err
    report = result.report
    parts = {part["step"]: part for part in report["parts"]}
    assert set(parts) == {"audit", "secrets", "bandit", "pip-audit", "safety"}
    for scanner in ("audit", "secrets", "pip-audit", "safety"):
        assert parts[scanner]["status"] == "fail", scanner
        assert parts[scanner]["findings"], scanner
    rules = {finding["rule"] for finding in report["findings"]}
    assert "RUSTSEC-2019-0009" in rules  # smallvec 0.6.9, from Cargo.lock
    assert "GHSA-8q59-q68h-6hv4" in rules  # pyyaml 5.3, from requirements.txt
    assert {"audit.critical", "pip-audit.critical"} <= {
        gate["name"] for gate in report["gates"] if not gate["passed"]
    }

    log = json.loads((result.report_dir / "security.sarif").read_text())
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    tools = [run["tool"]["driver"]["name"] for run in log["runs"]]
    assert len(tools) == len(set(tools)) == 5
    for run in log["runs"]:
        assert run["invocations"][0]["executionSuccessful"]
    # The secrets themselves reach no report, only their redacted form.
    planted = re.findall(r"ferrox_[A-Z0-9]{20}", (root / "settings.py").read_text())
    assert planted
    outputs = "".join(path.read_text() for path in result.report_dir.iterdir()) + result.out
    for secret in planted:
        assert secret not in outputs
