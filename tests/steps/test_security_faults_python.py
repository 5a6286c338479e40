"""The fault table of the Python security steps: every fault fails closed (exit 1 or 3).

Each row injects one fault into a real run: the real tool on a broken input where the fault can
be made real (a corrupt or stale database, an unparseable file, a network fetch, an unpinned
requirement), a fake executable where it cannot (a crash, a signal, a hang, garbled output).
``docs/security-faults-python.md`` is rendered from this table (a test checks it is current).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

PYTHON = Path(__file__).parents[1] / "fixtures" / "python"
DOC = Path(__file__).parents[2] / "docs" / "security-faults-python.md"
VERSIONS = {"bandit": "1.9.4", "detect-secrets": "1.5.0", "pip-audit": "2.10.1", "safety": "2.3.5"}
SLEEP = "import time\ntime.sleep(60)\n"
SIGKILL = "import os, signal\nprint('{', flush=True)\nos.kill(os.getpid(), signal.SIGKILL)\n"


@dataclass(frozen=True)
class Fault:
    """One row: what is broken, in which step, and how the step must end."""

    id: str
    step: str
    fault: str
    exit: int
    message: str
    fixture: str
    # How the fault is made: "real" (the real tool on a broken input) or "fake" (a fake binary).
    kind: str
    fake: str | None = None  # the fake tool's body (after its --version answer)
    fake_version: str | None = None
    config: str = ""  # TOML appended to the fixture's ferrox.toml
    files: tuple[tuple[str, str], ...] = ()  # (path, content) written into the project
    remove: tuple[str, ...] = ()  # paths deleted from the project
    extra: tuple[str, ...] = ()  # tool arguments after --


def _json(data: Any) -> str:
    return f"print({json.dumps(json.dumps(data))})\n"


def _exit(code: int, body: str = "") -> str:
    return f"import sys\n{body}sys.exit({code})\n"


BANDIT_OK_SHAPE = {"errors": [], "results": []}
PIP_AUDIT_SKIP = {
    "dependencies": [
        {"name": "requests", "version": "2.19.1", "vulns": []},
        {"name": "pyyaml", "skip_reason": "Dependency not found on PyPI and could not be audited"},
    ],
    "fixes": [],
}
STALE = """
[pip-audit]
db = "advisories/osv"
max_db_age_days = 7

[safety]
db = "advisories/safety"
max_db_age_days = 7
"""
PINS = (("requests", "2.19.1"), ("pyyaml", "5.3"), ("jinja2", "3.1.2"), ("packaging", "24.1"))
SAFETY_PARTIAL = {"scanned_packages": {"requests": {}}, "vulnerabilities": []}

FAULTS: tuple[Fault, ...] = (
    # bandit
    Fault("bandit-missing", "bandit", "binary missing", 3, "bandit is not installed", "bandit_issues", "fake"),
    Fault("bandit-version", "bandit", "wrong version", 3, "bandit 0.9.0 is not supported", "bandit_issues", "fake", fake="", fake_version="bandit 0.9.0"),
    Fault("bandit-exit-silent", "bandit", "non-zero exit, no output", 3, "bandit exited 2", "bandit_issues", "fake", fake=_exit(2)),
    Fault("bandit-signal", "bandit", "killed by signal", 3, "killed by signal SIGKILL", "bandit_issues", "fake", fake=SIGKILL),
    Fault("bandit-timeout", "bandit", "timeout", 3, "timed out after 1 s", "bandit_issues", "fake", fake=SLEEP, config="[bandit]\ntimeout = 1\n"),
    Fault("bandit-empty", "bandit", "empty output", 3, "printed no JSON report", "bandit_issues", "fake", fake=_exit(0)),
    Fault("bandit-truncated", "bandit", "truncated JSON", 3, "not valid JSON", "bandit_issues", "fake", fake=_exit(1, "print('{\"errors\": [], \"results\": [')\n")),
    Fault("bandit-shape", "bandit", "JSON without results", 3, "no 'results' list", "bandit_issues", "fake", fake=_exit(0, _json({"errors": []}))),
    Fault("bandit-issue-less-1", "bandit", "exit 1 without any issue", 3, "exited 1 but reported no issue", "bandit_issues", "fake", fake=_exit(1, _json(BANDIT_OK_SHAPE))),
    Fault("bandit-unparseable", "bandit", "unparseable source file (errors array)", 3, "could not scan 1 file(s)", "bandit_issues", "real", files=(("broken.py", "def broken(:\n"),)),
    Fault("bandit-unreadable", "bandit", "unreadable file (errors array)", 3, "app.py: Permission denied", "bandit_issues", "fake", fake=_exit(0, _json({"errors": [{"filename": "app.py", "reason": "Permission denied"}], "results": []}))),
    # detect-secrets
    Fault("secrets-missing", "secrets", "binary missing", 3, "detect-secrets is not installed", "secrets", "fake"),
    Fault("secrets-version", "secrets", "wrong version", 3, "detect-secrets 0.14.3 is not supported", "secrets", "fake", fake="", fake_version="0.14.3"),
    Fault("secrets-exit-silent", "secrets", "non-zero exit, no output", 3, "detect-secrets exited 1", "secrets", "fake", fake=_exit(1)),
    Fault("secrets-malformed", "secrets", "malformed JSON", 3, "not valid JSON", "secrets", "fake", fake=_exit(0, "print('results: none')\n")),
    Fault("secrets-shape", "secrets", "result without a hash", 3, "a malformed result for a.py", "secrets", "fake", fake=_exit(0, _json({"results": {"a.py": [{"type": "X", "line_number": 1}]}}))),
    # pip-audit
    Fault("pip-audit-missing", "pip-audit", "binary missing", 3, "pip-audit is not installed", "vulnerable", "fake"),
    Fault("pip-audit-signal", "pip-audit", "killed by signal", 3, "killed by signal SIGKILL", "vulnerable", "fake", fake=SIGKILL),
    Fault("pip-audit-timeout", "pip-audit", "timeout", 3, "timed out after 1 s", "vulnerable", "fake", fake=SLEEP, config="timeout = 1\n"),
    Fault("pip-audit-db-missing", "pip-audit", "advisory DB missing", 3, "does not exist", "vulnerable", "real", remove=("advisories/osv",)),
    Fault("pip-audit-db-corrupt", "pip-audit", "advisory DB corrupt", 3, "is corrupt: GHSA-8q59-q68h-6hv4.json", "vulnerable", "real", files=(("advisories/osv/GHSA-8q59-q68h-6hv4.json", '{"id": "GHSA-8q59'),)),
    Fault("pip-audit-db-empty", "pip-audit", "advisory DB without advisories", 3, "holds no advisories", "vulnerable", "real", remove=tuple(f"advisories/osv/{p.name}" for p in sorted((PYTHON / "vulnerable" / "advisories" / "osv").glob("*.json")))),
    Fault("pip-audit-db-stale", "pip-audit", "DB older than max_db_age_days", 3, "(max_db_age_days = 7): update it", "vulnerable", "real", files=(("ferrox.toml", STALE),)),
    Fault("pip-audit-unpinned", "pip-audit", "unresolvable (unpinned) dependency", 3, "'flask>=2' is not pinned", "vulnerable", "real", files=(("requirements.txt", "requests==2.19.1\nflask>=2\n"),)),
    Fault("pip-audit-skipped", "pip-audit", "dependency skipped", 3, "pip-audit skipped pyyaml", "vulnerable", "fake", fake=_exit(0, _json(PIP_AUDIT_SKIP))),
    Fault("pip-audit-network", "pip-audit", "network fetch attempted", 3, "pip-audit tried to fetch from the network during an offline run", "vulnerable", "real", extra=("--osv-url", "https://api.osv.dev/v1/query")),
    Fault("pip-audit-exit-2", "pip-audit", "non-zero exit with an error", 3, "pip-audit exited 2 without an audit", "vulnerable", "fake", fake=_exit(2, "print('pip-audit: error: bad requirement', file=sys.stderr)\n")),
    Fault("pip-audit-shape", "pip-audit", "JSON without dependencies", 3, "no 'dependencies' list", "vulnerable", "fake", fake=_exit(0, _json({"fixes": []}))),
    Fault("pip-audit-unasked", "pip-audit", "verdict without querying the DB", 3, "without asking the advisory database", "vulnerable", "fake", fake=_exit(0, _json({"dependencies": [{"name": n, "version": v, "vulns": []} for n, v in PINS]}))),
    Fault("pip-audit-dropped", "pip-audit", "dependencies silently dropped (online)", 3, "audited 1 of 4 pinned requirements", "vulnerable", "fake", fake=_exit(0, _json({"dependencies": [{"name": "requests", "version": "2.19.1", "vulns": []}]})), files=(("ferrox.toml", "[pip-audit]\ndb = ''\n"),)),
    # safety
    Fault("safety-missing", "safety", "binary missing", 3, "safety is not installed", "vulnerable", "fake"),
    Fault("safety-version", "safety", "wrong version (3.x calls its service)", 3, "safety 3.7.0 is not supported", "vulnerable", "fake", fake="", fake_version="safety, version 3.7.0"),
    Fault("safety-exit-silent", "safety", "non-zero exit, no output", 3, "safety exited 1 without a verdict", "vulnerable", "fake", fake=_exit(1)),
    Fault("safety-truncated", "safety", "truncated JSON", 3, "not valid JSON", "vulnerable", "fake", fake=_exit(64, "print('{\"vulnerabilities\": [{')\n")),
    Fault("safety-64-empty", "safety", "exit 64 without vulnerabilities", 3, "exited 64 but listed no vulnerability", "vulnerable", "fake", fake=_exit(64, _json({"scanned_packages": {"requests": {}, "pyyaml": {}, "jinja2": {}, "packaging": {}}, "vulnerabilities": []}))),
    Fault("safety-skipped", "safety", "dependencies not scanned", 3, "safety did not scan jinja2, packaging, pyyaml", "vulnerable", "fake", fake=_exit(0, _json(SAFETY_PARTIAL))),
    Fault("safety-db-missing", "safety", "advisory DB missing", 3, "has no insecure_full.json", "vulnerable", "real", remove=("advisories/safety/insecure_full.json",)),
    Fault("safety-db-corrupt", "safety", "advisory DB corrupt", 3, "is corrupt: insecure.json", "vulnerable", "real", files=(("advisories/safety/insecure.json", '{"$meta": {'),)),
    Fault("safety-db-no-base-domain", "safety", "DB without $meta.base_domain", 3, "has no $meta.base_domain", "vulnerable", "real", files=(("advisories/safety/insecure_full.json", '{"$meta": {"timestamp": 1790000000}}'),)),
    Fault("safety-db-stale", "safety", "DB older than max_db_age_days", 3, "(max_db_age_days = 7): update it", "vulnerable", "real", files=(("ferrox.toml", STALE),)),
    Fault("safety-unpinned", "safety", "unresolvable (unpinned) dependency", 3, "'flask>=2' is not pinned", "vulnerable", "real", files=(("requirements.txt", "requests==2.19.1\nflask>=2\n"),)),
    Fault("safety-db-dir-missing", "safety", "advisory DB directory missing", 3, "does not exist", "vulnerable", "real", remove=("advisories/safety",)),
    Fault("safety-shape", "safety", "JSON without vulnerabilities", 3, "no 'vulnerabilities' list", "vulnerable", "fake", fake=_exit(0, _json({"scanned_packages": {}}))),
    Fault("safety-vuln-shape", "safety", "vulnerability without id", 3, "a vulnerability without id or package", "vulnerable", "fake", fake=_exit(64, _json({"scanned_packages": {n: {} for n, _ in PINS}, "vulnerabilities": [{"package_name": "pyyaml"}]}))),
    Fault("safety-network", "safety", "network fetch attempted", 3, "safety tried to fetch from the network during an offline run", "vulnerable", "real", extra=("--db", "https://example.invalid/safety-db/")),
)  # fmt: skip


def _project(tmp_path: Path, fault: Fault) -> Path:
    project = tmp_path / "project"
    shutil.copytree(PYTHON / fault.fixture, project)
    for name in fault.remove:
        target = project / name
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink()
    for name, content in fault.files:
        (project / name).write_text(content)
    if fault.config:
        config = project / "ferrox.toml"
        text = config.read_text() if config.exists() else ""
        table = f"[{fault.step}]"
        if table in text and not fault.config.startswith("["):
            text = text.replace(table, f"{table}\n{fault.config}", 1)
        else:
            text += "\n" + (
                fault.config if fault.config.startswith("[") else f"{table}\n{fault.config}"
            )
        config.write_text(text)
    return project


@pytest.mark.parametrize("fault", FAULTS, ids=[f.id for f in FAULTS])
def test_every_fault_fails_closed(
    fault: Fault,
    ferrox: Callable[..., Any],
    fake_tools: Callable[[str, str], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project = _project(tmp_path, fault)
    tool = "detect-secrets" if fault.step == "secrets" else fault.step
    if fault.kind == "fake":
        # Only PATH's fakes: no tools home, no real scanner anywhere on PATH.
        monkeypatch.setenv("FERROX_TOOLS_HOME", str(tmp_path / "empty-home"))
        fake_bin = Path(os.environ["PATH"].split(os.pathsep)[0])
        monkeypatch.setenv("PATH", str(fake_bin))
        if fault.fake is not None:
            version = fault.fake_version or f"{tool} {VERSIONS[tool]}"
            fake_tools(
                tool,
                f"import sys\nif '--version' in sys.argv:\n    print({version!r})\n"
                f"    sys.exit(0)\n{fault.fake}",
            )
    args = ["run", fault.step, "-C", str(project)]
    result = ferrox(*args, *(["--", *fault.extra] if fault.extra else []))
    assert result.code == fault.exit, result.out + result.err
    assert fault.message in result.out + result.err
    if fault.exit == 3:
        # The report says why there is no verdict; it never says pass.
        assert result.report["status"] == "error"
        assert fault.message.split(": ")[0] in result.report["error"]


def render_table() -> str:
    """The Markdown fault table of docs/security-faults-python.md."""
    lines = [
        "| id | step | fault | injected with | expected exit | message says | outcome |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for f in FAULTS:
        how = "real tool" if f.kind == "real" else "fake binary"
        lines.append(
            f"| {f.id} | {f.step} | {f.fault} | {how} | {f.exit} | `{f.message}` | "
            f"failed closed (exit {f.exit}) |"
        )
    return "\n".join(lines) + "\n"


def test_the_documented_table_is_this_table() -> None:
    text = DOC.read_text()
    assert render_table() in text, (
        "regenerate the table: python tests/steps/test_security_faults_python.py"
    )
    assert f"{len(FAULTS)} faults" in text
    assert len(FAULTS) >= 15
    assert {f.step for f in FAULTS} == {"bandit", "secrets", "pip-audit", "safety"}


if __name__ == "__main__":  # pragma: no cover - regenerates the docs table
    print(render_table(), end="")
