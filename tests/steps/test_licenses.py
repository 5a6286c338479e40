"""licenses: real cargo metadata on path dependencies and fabricated Python distributions."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from ferrox.python.distributions import candidates
from ferrox.spdx import (
    DEFAULT_ALLOW,
    DEFAULT_RESTRICTIVE,
    Verdict,
    judge,
    normalise_allowlist,
)
from fixture_tables import markdown_table

FIXTURES = Path(__file__).parents[1] / "fixtures"
LICENSES = FIXTURES / "licenses"
SARIF_SCHEMA = json.loads((FIXTURES / "sarif" / "sarif-schema-2.1.0.json").read_text())


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """A private copy of the mixed fixture, its probe run by this test's interpreter."""
    copy = tmp_path / "mixed"
    shutil.copytree(LICENSES / "mixed", copy, ignore=shutil.ignore_patterns("target"))
    config = (copy / "ferrox.toml").read_text().replace('"python3"', json.dumps(sys.executable))
    (copy / "ferrox.toml").write_text(config)
    return copy


def _config(project: Path, extra: str) -> None:
    (project / "ferrox.toml").write_text((project / "ferrox.toml").read_text() + extra)


def test_fixture_table(ferrox: Callable[..., object], mixed: Path) -> None:
    result = ferrox("run", "licenses", "-C", str(mixed))
    assert result.code == 1, result.out
    expected = {
        row["dependency"]: row for row in markdown_table(LICENSES / "README.md", "dependency")
    }
    found = {}
    for finding in result.report["findings"]:
        _, _, rest = finding["message"].partition(" dependency ")
        name_version = " ".join(rest.split(":")[0].split()[:2])
        found[name_version] = finding
    flagged = {name for name, row in expected.items() if row["rule"] != "-"}
    assert set(found) == flagged
    for name in flagged:
        row, finding = expected[name], found[name]
        assert finding["rule"] == row["rule"], name
        assert f"{finding['path']}:{finding['line']}" == row["location"], name
        assert finding["message"].startswith(f"{row['ecosystem']} dependency {name}:")
    assert result.report["metrics"]["dependencies"] == len(expected)
    gates = {g["name"]: g["actual"] for g in result.report["gates"]}
    assert gates == {"restrictive": 2, "unknown": 4, "not_allowed": 0}
    assert result.report_dir is not None
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(
        json.loads((result.report_dir / "licenses.sarif").read_text())
    )


def test_reviewed_packages_and_license_files_can_be_accepted(
    ferrox: Callable[..., object], mixed: Path
) -> None:
    _config(
        mixed,
        'allow_packages = ["gpl-dep", "gpl-thing@1.0", "unlicensed-dep", "bare-thing", "vague-bsd"]\n'
        'allow_license_file = ["file-dep"]\ninclude_workspace = true\noffline = "never"\n',
    )
    result = ferrox("run", "licenses", "-C", str(mixed))
    assert result.code == 0, result.out
    assert result.report["metrics"]["rust"] == 6  # the app itself (MIT) is judged too


def test_allowlist_and_restrictive_prefixes_are_configurable(
    ferrox: Callable[..., object], mixed: Path
) -> None:
    (mixed / "ferrox.toml").write_text(
        '[licenses]\nallow = ["MIT"]\nrestrictive = []\npython = "none"\noffline = "always"\n'
    )
    result = ferrox("run", "licenses", "-C", str(mixed))
    assert result.code == 1
    rules = sorted(f["rule"] for f in result.report["findings"])
    # Apache-2.0 WITH LLVM-exception is outside an MIT-only list; GPL is now just not allowed.
    assert rules.count("license/not-allowed") == 2
    assert result.report["metrics"]["python"] == 0


def test_bad_allowlist_entry_is_a_config_error(ferrox: Callable[..., object], mixed: Path) -> None:
    original = (mixed / "ferrox.toml").read_text()
    _config(mixed, 'allow = ["MIT OR Apache-2.0"]\n')
    result = ferrox("run", "licenses", "-C", str(mixed))
    assert result.code == 2
    assert "licenses.allow" in result.err
    (mixed / "ferrox.toml").write_text(original)
    _config(mixed, 'allow = ["MIT", "Apache2"]\n')  # a typo would silently allow nothing
    typo = ferrox("run", "licenses", "-C", str(mixed))
    assert typo.code == 2
    assert "'Apache2' is not a known SPDX license identifier" in typo.err
    (mixed / "ferrox.toml").write_text(original)
    _config(mixed, 'allow = ["MIT", "LicenseRef-Acme-Internal"]\n')
    assert ferrox("run", "licenses", "-C", str(mixed)).code != 2


def test_python_project_without_an_environment_is_not_a_pass(
    ferrox: Callable[..., object], mixed: Path
) -> None:
    (mixed / "ferrox.toml").write_text("[licenses]\n")
    (mixed / "build.py").write_text("print('a loose script declares no dependencies')\n")
    loose = ferrox("run", "licenses", "-C", str(mixed)).report
    assert "license/python-unchecked" not in {f["rule"] for f in loose["findings"]}
    (mixed / "pyproject.toml").write_text('[project]\nname = "mixed"\nversion = "0"\n')
    bare = ferrox("run", "licenses", "-C", str(mixed)).report  # no dependencies declared
    assert "license/python-unchecked" not in {f["rule"] for f in bare["findings"]}
    (mixed / "pyproject.toml").write_text(
        '[project]\nname = "mixed"\nversion = "0"\ndependencies = ["rich"]\n'
    )
    result = ferrox("run", "licenses", "-C", str(mixed))
    assert result.code == 1
    assert "license/python-unchecked" in {f["rule"] for f in result.report["findings"]}
    venv_bin = mixed / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "python").symlink_to(sys.executable)
    result = ferrox("run", "licenses", "-C", str(mixed))
    assert "license/python-unchecked" not in {f["rule"] for f in result.report["findings"]}
    assert result.report["metrics"]["python"] > 0  # this interpreter's own distributions


def test_python_paths_must_exist(ferrox: Callable[..., object], mixed: Path) -> None:
    text = (mixed / "ferrox.toml").read_text().replace('["site"]', '["nowhere"]')
    (mixed / "ferrox.toml").write_text(text)
    result = ferrox("run", "licenses", "-C", str(mixed))
    assert result.code == 2
    assert "licenses.python_paths" in result.err


@pytest.mark.parametrize(
    ("expression", "verdict"),
    [
        ("MIT OR Apache-2.0", Verdict.ALLOWED),
        ("MIT AND (Apache-2.0 OR GPL-3.0-only)", Verdict.ALLOWED),
        ("Apache-2.0 WITH LLVM-exception", Verdict.ALLOWED),
        ("GPL-3.0", Verdict.RESTRICTIVE),
        ("MIT AND LGPL-2.1-only", Verdict.RESTRICTIVE),
        ("SSPL-1.0", Verdict.RESTRICTIVE),
        ("AGPL-3.0-or-later OR SSPL-1.0", Verdict.RESTRICTIVE),
        ("CC0-1.0", Verdict.NOT_ALLOWED),
        ("LicenseRef-proprietary", Verdict.UNKNOWN),
        ("(MIT", Verdict.UNKNOWN),
        ("", Verdict.UNKNOWN),
        (None, Verdict.UNKNOWN),
    ],
)
def test_expressions_are_judged_as_expressions(expression: str | None, verdict: Verdict) -> None:
    allow = normalise_allowlist(DEFAULT_ALLOW)
    assert judge(expression, allow, DEFAULT_RESTRICTIVE).verdict is verdict


def test_python_license_candidates_prefer_the_expression() -> None:
    osi = "License :: OSI Approved :: "
    assert candidates("MIT", "BSD", [f"{osi}Apache Software License"])[0] == (
        "MIT",
        "License-Expression",
    )
    assert candidates(None, "A" * 200, [f"{osi}MIT License", f"{osi}Apache Software License"]) == (
        ("MIT OR Apache-2.0", "classifiers"),
    )
    assert candidates(None, "UNKNOWN", [f"{osi}BSD License"]) == ()
