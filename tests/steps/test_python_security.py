"""secrets, bandit, pip-audit and safety with the real tools on the fixture projects."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from ferrox.python.osv_local import load as load_osv
from ferrox.steps import all_steps
from ferrox.vulns import findings as vulns

FIXTURES = Path(__file__).parents[1] / "fixtures"
PYTHON = FIXTURES / "python"
SARIF_SCHEMA = json.loads((FIXTURES / "sarif" / "sarif-schema-2.1.0.json").read_text())
DEMO = Path(__file__).parents[2] / "examples" / "demo"
REPORT_SCHEMA = json.loads(
    (Path(__file__).parents[2] / "src" / "ferrox" / "report" / "report-v1.schema.json").read_text()
)
STEPS = ("secrets", "bandit", "pip-audit", "safety")
# The values planted in fixtures/python/secrets: none may appear in any output.
PLANTED = (
    "AKIAIOSFODNN7EXAMPLE",
    "Zx8vQ2mN7pLr4tYw9KsB3hJd",
    "ferrox_FAKE0123456789ABCDEF",
    "TUlJRW93SUJBQUtDQVFFQWZha2VmYWtlZmFrZQ",
    "Sup3rS3cretValue",
)


def readme_table() -> list[dict[str, str]]:
    """The rows of the fixture README's findings table."""
    rows = []
    lines = (PYTHON / "README.md").read_text().splitlines()
    header: list[str] = []
    for line in lines:
        if not line.startswith("|") or line.startswith("| ---"):
            continue
        cells = [cell.strip().strip("`") for cell in line.strip("|").split("|")]
        if not header:
            header = cells
            continue
        rows.append(dict(zip(header, cells, strict=True)))
    return rows


EXPECTED = readme_table()
CASES = sorted({(row["fixture"], row["step"], int(row["exit"])) for row in EXPECTED})


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the fixture projects (outside any git repository)."""
    destination = tmp_path_factory.mktemp("python")
    shutil.copytree(PYTHON, destination, dirs_exist_ok=True)
    return destination


@pytest.mark.parametrize(("fixture", "step", "exit_code"), CASES)
def test_fixtures_produce_their_readme_table(
    ferrox: Callable[..., Any], projects: Path, fixture: str, step: str, exit_code: int
) -> None:
    result = ferrox("run", step, "-C", str(projects / fixture))
    assert result.code == exit_code, result.out + result.err
    expected = sorted(
        (row["rule"], row["location"], row["severity"])
        for row in EXPECTED
        if (row["fixture"], row["step"]) == (fixture, step) and row["rule"]
    )
    found = sorted(
        (f["rule"], f"{f['path']}:{f['line']}", _severity(step, f))
        for f in result.report["findings"]
    )
    assert found == expected
    assert result.report["tool"] == all_steps()[step].report_tool
    sarif = json.loads((result.report_dir / f"{step}.sarif").read_text())
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(sarif)
    [run] = sarif["runs"]
    assert run["tool"]["driver"]["name"] == all_steps()[step].report_tool
    assert sorted(r["ruleId"] for r in run["results"]) == sorted(e[0] for e in expected)
    if step in ("pip-audit", "safety") and expected:
        # GitHub ranks code-scanning alerts by the CVSS score carried into the rule.
        scores = {
            r["id"]: r["properties"]["security-severity"] for r in run["tool"]["driver"]["rules"]
        }
        assert sorted(scores.values()) == ["6.1", "8.8", "9.8"]
        jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(result.report)


def _severity(step: str, finding: dict[str, Any]) -> str:
    if step == "secrets":
        return "secret"
    if step == "bandit":
        return re.search(r"severity=(\w+)", finding["detail"])[1]  # type: ignore[index]
    return str(finding["detail"])


def test_no_secret_reaches_any_output(ferrox: Callable[..., Any], projects: Path) -> None:
    outputs = []
    for step in ("secrets", "bandit"):
        result = ferrox("run", step, "-C", str(projects / "secrets"), "-v")
        outputs += [result.out, result.err]
        outputs += [p.read_text() for p in result.report_dir.iterdir() if p.is_file()]
    result = ferrox("run", "bandit", "-C", str(projects / "bandit_issues"))
    outputs += [result.out, result.err]
    outputs += [p.read_text() for p in result.report_dir.iterdir() if p.is_file()]
    text = "\n".join(outputs)
    for secret in PLANTED:
        assert secret not in text
    assert "AK***" in text  # the redacted form is what a reader gets
    assert "'Su***'" in text  # bandit's quoted password, redacted


def test_redaction_survives_a_failing_scan(
    ferrox: Callable[..., Any],
    projects: Path,
    fake_tools: Callable[[str, str], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FERROX_TOOLS_HOME", str(tmp_path / "empty-home"))  # PATH's fake wins
    # The error message of a failed scan (with the tool's output tail) names no secret either.
    fake_tools(
        "detect-secrets",
        "import sys\nif '--version' in sys.argv: print('1.5.0'); sys.exit(0)\n"
        "print('Traceback: boom', file=sys.stderr); sys.exit(1)\n",
    )
    result = ferrox("run", "secrets", "-C", str(projects / "secrets"))
    assert result.code == 3
    assert "detect-secrets exited 1" in result.err + result.out
    for secret in PLANTED:
        assert secret not in result.out + result.err


def test_baseline_accepts_audited_false_positives_only(
    ferrox: Callable[..., Any], tmp_path: Path, projects: Path
) -> None:
    project = tmp_path / "secrets"
    shutil.copytree(projects / "secrets", project)
    first = ferrox("run", "secrets", "-C", str(project))
    results: dict[str, list[dict[str, Any]]] = {}
    for f in first.report["findings"]:
        entry = {"type": f["rule"], "filename": f["path"], "hashed_secret": f["detail"][5:],
                 "is_verified": False, "line_number": f["line"]}  # fmt: skip
        # Audited as a real secret: it keeps counting. Unaudited or false positive: accepted.
        if f["rule"] == "AWS Access Key":
            entry["is_secret"] = True
        elif f["rule"] != "Private Key":
            entry["is_secret"] = False
        results.setdefault(f["path"], []).append(entry)
    (project / ".secrets.baseline").write_text(json.dumps({"version": "1.5.0", "results": results}))
    second = ferrox("run", "secrets", "-C", str(project))
    assert second.code == 1
    assert [f["rule"] for f in second.report["findings"]] == ["AWS Access Key"]
    assert second.report["metrics"]["baselined"] == 4


def test_a_corrupt_baseline_is_a_config_error(ferrox: Callable[..., Any], tmp_path: Path) -> None:
    (tmp_path / ".secrets.baseline").write_text("{not json")
    result = ferrox("run", "secrets", "-C", str(tmp_path))
    assert result.code == 2
    assert ".secrets.baseline" in result.err
    assert "not a detect-secrets baseline" in result.err


def test_history_finds_secrets_removed_from_the_tree(
    ferrox: Callable[..., Any], tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    (repo / "config.py").write_text('x = 1\nAWS_KEY = "AKIAIOSFODNN7EXAMPLE"\n')
    (repo / ".gitignore").write_text("ignored.py\n")
    (repo / "ignored.py").write_text('AWS_KEY = "AKIAIOSFODNN7EXAMPLE"\n')
    subprocess.run([*git, "add", "config.py", ".gitignore"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "add"], check=True)
    (repo / "config.py").write_text("x = 1\n")
    subprocess.run([*git, "commit", "-q", "-am", "remove"], check=True)
    tree = ferrox("run", "secrets", "-C", str(repo))
    assert tree.code == 0, tree.out  # the tree is clean, and ignored.py is not scanned
    (repo / "ferrox.toml").write_text("[secrets]\nhistory = true\n")
    history = ferrox("run", "secrets", "-C", str(repo))
    assert history.code == 1
    [finding] = history.report["findings"]
    assert (finding["rule"], finding["path"], finding["line"]) == ("AWS Access Key", "config.py", 2)
    assert "in git history, commit" in finding["message"]
    assert "AKIAIOSFODNN7EXAMPLE" not in json.dumps(history.report)


def test_gitignore_holds_below_the_top_of_a_repository(
    ferrox: Callable[..., Any], tmp_path: Path
) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("sub/.env\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".env").write_text('AWS_KEY = "AKIAIOSFODNN7EXAMPLE"\n')  # ignored
    (tmp_path / "sub" / "app.py").write_text('KEY = "AKIAIOSFODNN7EXAMPLE"\n')
    result = ferrox("run", "secrets", "-C", str(tmp_path / "sub"))
    assert result.code == 1
    assert [(f["path"], f["line"]) for f in result.report["findings"]] == [("app.py", 1)]


def test_bad_extra_pattern_is_a_config_error(ferrox: Callable[..., Any], tmp_path: Path) -> None:
    (tmp_path / "ferrox.toml").write_text('[secrets]\nextra_patterns = ["(unclosed"]\n')
    result = ferrox("run", "secrets", "-C", str(tmp_path))
    assert result.code == 2
    assert "secrets.extra_patterns" in result.err


@pytest.mark.parametrize("step", ["bandit", "pip-audit", "safety"])
def test_a_rust_only_workspace_has_nothing_for_the_python_steps(
    ferrox: Callable[..., Any], step: str
) -> None:
    result = ferrox("run", step, "-C", str(DEMO))
    assert result.code == 0
    assert "skipped" in result.out
    assert result.report["summary"].startswith("skipped: no ")
    assert not all_steps()[step].applies(DEMO)


def test_secrets_applies_everywhere_and_passes_on_the_demo(ferrox: Callable[..., Any]) -> None:
    assert all_steps()["secrets"].applies(DEMO)
    result = ferrox("run", "secrets", "-C", str(DEMO))
    assert result.code == 0, result.out


def test_security_steps_are_tagged_for_the_composite() -> None:
    steps = all_steps()
    for name in STEPS:
        assert {"security", "python"} <= set(steps[name].tags)
        assert steps[name].needs_cargo is False


def test_declared_dependencies_without_a_lock_are_a_usage_error(
    ferrox: Callable[..., Any], tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["rich"]\n')
    result = ferrox("run", "pip-audit", "-C", str(tmp_path))
    assert result.code == 2
    assert "declares 1 dependencies but there is no pinned requirements file" in result.err


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[bandit]\npaths = ["nope"]\n', "'nope' does not exist"),
        ('[safety]\nrequirements = ["missing.txt"]\n', "'missing.txt' is not a file"),
        ('[pip-audit]\nignore = ["GHSA-1"]\n', "needs a reason"),
        ('[pip-audit]\nhigh_gate = "maybe"\n', "valid: fail, warn"),
    ],
)
def test_config_mistakes_are_exit_2(
    ferrox: Callable[..., Any], tmp_path: Path, table: str, message: str
) -> None:
    (tmp_path / "requirements.txt").write_text("packaging==24.1\n")
    (tmp_path / "ferrox.toml").write_text(table)
    step = re.match(r"\[([\w-]+)\]", table)[1]  # type: ignore[index]
    result = ferrox("run", step, "-C", str(tmp_path))
    assert result.code == 2, result.out + result.err
    assert message in result.err


def test_high_gate_fails_at_three_and_can_warn_and_ignores_need_reasons() -> None:
    def vuln(n: int, severity: vulns.Severity) -> vulns.Vulnerability:
        return vulns.Vulnerability(f"ID-{n}", (f"CVE-{n}",), "p", "1", (), "s", severity, None,
                                   "requirements.txt", n)  # fmt: skip

    two = [vuln(1, vulns.Severity.HIGH), vuln(2, vulns.Severity.HIGH)]
    three = [*two, vuln(3, vulns.Severity.UNKNOWN)]  # unknown counts as high by default
    assert vulns.judge(two, vulns.VulnSettings())[0].value == "pass"
    status, checks, metrics = vulns.judge(three, vulns.VulnSettings())
    assert status.value == "fail"
    assert metrics["high"] == 3
    warn = vulns.VulnSettings(high_gate="warn")
    status, checks, _ = vulns.judge(three, warn)
    assert status.value == "pass"
    assert "[warn]" in checks[1].description
    ignoring = vulns.VulnSettings(ignore=("CVE-3: not reachable from our code",))
    status, _, metrics = vulns.judge(three, ignoring)
    assert (status.value, metrics["ignored"]) == ("pass", 1)
    note = vulns.finding(three[2], ignoring)
    assert note.level.value == "note"
    assert "[ignored: not reachable from our code]" in note.message


@pytest.mark.parametrize(
    ("vector", "severity"),
    [
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "critical"),
        ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", "high"),
        ("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N", "medium"),
        ("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", "low"),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "critical"),
        ("CVSS:3.1/garbage", "unknown"),
        ("not a vector", "unknown"),
    ],
)
def test_cvss_vectors_map_to_severities(vector: str, severity: str) -> None:
    assert vulns.severity_of_score(vulns.cvss_score(vector)).value == severity


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


def test_long_file_lists_are_scanned_in_batches(
    ferrox: Callable[..., Any], projects: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ferrox.python import scanners

    project = tmp_path / "many"
    shutil.copytree(projects / "bandit_issues", project)
    shutil.copy(project / "app.py", project / "second.py")
    shutil.copy(projects / "secrets" / "settings.py", project / "settings.py")
    monkeypatch.setattr(scanners, "MAX_ARGS_CHARS", 10)  # one file per command
    assert scanners.batches(["a.py", "b.py", "ccccccccccc.py"]) == [
        ["a.py", "b.py"],
        ["ccccccccccc.py"],
    ]
    bandit = ferrox("run", "bandit", "-C", str(project))
    assert bandit.report["metrics"]["high"] == 4  # both copies of app.py
    assert len([c for c in bandit.report["commands"] if "--format" in c["argv"]]) == 3
    secrets = ferrox("run", "secrets", "-C", str(project))
    assert {f["path"] for f in secrets.report["findings"]} == {"settings.py"}
    assert len([c for c in secrets.report["commands"] if "scan" in c["argv"]]) == 3
