"""secrets: detect-secrets on the fixture projects, redaction, baselines and git history."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from python_projects import DEMO, PLANTED, cases, check_readme_table, check_security_tags

from ferrox.steps import all_steps


@pytest.mark.parametrize(("fixture", "exit_code"), cases("secrets"))
def test_fixtures_produce_their_readme_table(
    ferrox: Callable[..., Any], projects: Path, fixture: str, exit_code: int
) -> None:
    check_readme_table(ferrox, projects / fixture, fixture, "secrets", exit_code)


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


def test_secrets_applies_everywhere_and_passes_on_the_demo(ferrox: Callable[..., Any]) -> None:
    assert all_steps()["secrets"].applies(DEMO)
    result = ferrox("run", "secrets", "-C", str(DEMO))
    assert result.code == 0, result.out


def test_is_tagged_for_the_security_composite() -> None:
    check_security_tags("secrets")
