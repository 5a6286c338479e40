"""coverage on real crates with the real cargo-llvm-cov (and cargo-tarpaulin where installed).

cargo-tarpaulin has no wheel: its source build takes minutes, so the tests session does not
install it. Its runs here are skipped unless it is installed (ferrox tools install
cargo-tarpaulin); its report format is LCOV, parsed by the same tested parser.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ferrox.tools import ToolRunner
from gitrepo import git, init_committed

LLVM_COV = '[coverage]\nbackend = "llvm-cov"\n'
UNCOVERED = "\npub fn sub(left: u64, right: u64) -> u64 {\n    left - right\n}\n"


def _tarpaulin_installed() -> bool:
    return ToolRunner().which("cargo-tarpaulin") is not None


def test_a_covered_crate_passes_with_tables_and_badge(
    ferrox: Callable[..., Any], fresh_crate: Callable[[str], Path]
) -> None:
    crate = fresh_crate("clean")
    (crate / "ferrox.toml").write_text(LLVM_COV)
    result = ferrox("run", "coverage", "-C", str(crate))
    assert result.code == 0, result.out
    report = result.report
    assert report["tool"] == "cargo-llvm-cov"
    assert report["metrics"]["line_percent"] == 100.0
    assert report["metrics"]["line_percent:fixture-clean"] == 100.0
    out = result.report_dir / "coverage"
    assert json.loads((out / "badge.json").read_text())["message"] == "100.0%"
    assert "| `fixture-clean` | rust |" in (out / "coverage.md").read_text()
    files = json.loads((out / "coverage.json").read_text())["crates"][0]["files"]
    assert [f["path"] for f in files] == ["src/lib.rs"]
    assert "no base ref" in report["summary"]  # not a git repository: no patch to measure


def test_the_workspace_gate_is_per_crate_and_can_fail(
    ferrox: Callable[..., Any], fresh_crate: Callable[[str], Path]
) -> None:
    demo = fresh_crate("demo")
    config = demo / "ferrox.toml"
    held = 'crate_thresholds = ["demo-cli=0"]\n'
    assert held in config.read_text()  # the demo holds its binary crate at 0%
    config.write_text(config.read_text().replace(held, 'backend = "llvm-cov"\n'))
    result = ferrox("run", "coverage", "-C", str(demo))
    assert result.code == 1, result.out
    failed = [g["name"] for g in result.report["gates"] if not g["passed"]]
    assert failed == ["line_coverage:demo-cli"]  # the binary's main() runs in no test
    metrics = result.report["metrics"]
    assert metrics["line_percent:demo-core"] >= 80
    llvm = 'backend = "llvm-cov"\n'
    config.write_text(config.read_text().replace(llvm, llvm + held))  # inside [coverage]
    assert ferrox("run", "coverage", "-C", str(demo)).code == 0


def test_failing_tests_fail_the_gate_naming_them(
    ferrox: Callable[..., Any], fresh_crate: Callable[[str], Path]
) -> None:
    crate = fresh_crate("failing_test")
    (crate / "ferrox.toml").write_text(LLVM_COV)
    result = ferrox("run", "coverage", "-C", str(crate))
    assert result.code == 1, result.out
    [finding] = result.report["findings"]
    assert finding["rule"] == "test-failure"
    assert "tests::expects_the_wrong_product" in finding["message"]
    assert (finding["path"], finding["line"], finding["column"]) == ("src/lib.rs", 23, 9)
    assert "no coverage measured" in result.report["summary"]
    assert "line_percent" not in result.report["metrics"]


def test_patch_coverage_gates_the_lines_a_change_adds(
    ferrox: Callable[..., Any], fresh_crate: Callable[[str], Path]
) -> None:
    crate = fresh_crate("clean")
    (crate / "ferrox.toml").write_text(LLVM_COV + "threshold = 0\n")
    (crate / ".gitignore").write_text("target/\n")
    init_committed(crate)
    git(crate, "switch", "-q", "-c", "feature")
    lib = crate / "src" / "lib.rs"
    lines_before = len(lib.read_text().splitlines())
    lib.write_text(lib.read_text() + UNCOVERED)
    git(crate, "commit", "-qam", "an untested function")
    result = ferrox("run", "coverage", "-C", str(crate), "--base", "main")
    assert result.code == 1, result.out
    [gate] = [g for g in result.report["gates"] if g["name"] == "patch_coverage"]
    assert (gate["actual"], gate["passed"]) == (0, False)
    [finding] = result.report["findings"]
    assert finding["rule"] == "coverage/uncovered-change"
    assert finding["path"] == "src/lib.rs"
    assert finding["line"] == lines_before + 2  # `pub fn sub`, after the blank line
    assert finding["end_line"] == lines_before + 4
    sarif = json.loads((result.report_dir / "coverage.sarif").read_text())
    assert sarif["runs"][0]["results"][0]["locations"]
    # Without --base the merge base with the default branch (main) is found on its own.
    again = ferrox("run", "coverage", "-C", str(crate))
    assert again.code == 1
    assert "since main" in again.report["summary"]
    # A test for the new function makes the change covered.
    lib.write_text(
        lib.read_text().replace("fn adds() {", "fn adds() {\n        assert_eq!(sub(3, 1), 2);")
    )
    covered = ferrox("run", "coverage", "-C", str(crate), "--base", "main")
    assert covered.code == 0, covered.out
    assert covered.report["metrics"]["patch_percent"] == 100.0


def test_a_missing_base_ref_is_exit_2_naming_it(
    ferrox: Callable[..., Any], fresh_crate: Callable[[str], Path]
) -> None:
    crate = fresh_crate("clean")
    (crate / "ferrox.toml").write_text(LLVM_COV)
    init_committed(crate)
    result = ferrox("run", "coverage", "-C", str(crate), "--base", "origin/nope")
    assert result.code == 2
    assert "base ref 'origin/nope' does not exist" in result.err
    assert not (crate / "target" / "llvm-cov-target").exists()  # refused before any build


def test_python_coverage_joins_the_table_with_its_own_gate(
    ferrox: Callable[..., Any], fresh_crate: Callable[[str], Path]
) -> None:
    crate = fresh_crate("clean")
    golden = Path(__file__).parents[1] / "fixtures" / "coverage" / "coverage.py-7.17.3"
    shutil.copy(golden / "calc.json", crate / "coverage.json")
    shutil.copy(golden / "calc.py", crate / "calc.py")
    (crate / "ferrox.toml").write_text(LLVM_COV)
    result = ferrox("run", "coverage", "-C", str(crate))
    assert result.code == 1, result.out  # calc.py: 6 of 8 lines, below 80%
    gates = {g["name"]: g for g in result.report["gates"]}
    assert gates["line_coverage:python"]["actual"] == 75.0
    assert gates["line_coverage:fixture-clean"]["passed"]
    assert "Python 75.0%" in result.report["summary"]
    (crate / "ferrox.toml").write_text(LLVM_COV + "python_threshold = 70\n")
    assert ferrox("run", "coverage", "-C", str(crate)).code == 0


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('crate_thresholds = ["demo-cli"]', "coverage.crate_thresholds"),
        ('crate_thresholds = ["nosuch=10"]', "'nosuch' is not a crate of this workspace"),
        ('engine = "gdb"', "coverage.engine"),
        ("threshold = 120", "coverage.threshold"),
        ("branch_threshold = 50", "measured no branches"),
    ],
)
def test_configuration_mistakes_are_exit_2(
    ferrox: Callable[..., Any], fresh_crate: Callable[[str], Path], setting: str, message: str
) -> None:
    crate = fresh_crate("clean")
    (crate / "ferrox.toml").write_text(LLVM_COV + setting + "\n")
    result = ferrox("run", "coverage", "-C", str(crate))
    assert result.code == 2, result.out + result.err
    assert message in result.err


def test_an_lcov_report_that_does_not_parse_is_exit_3(
    ferrox: Callable[..., Any],
    fresh_crate: Callable[[str], Path],
    fake_cargo: Callable[[str], Path],
) -> None:
    crate = fresh_crate("clean")
    (crate / "ferrox.toml").write_text(LLVM_COV + "require_pinned_version = false\n")
    fake_cargo(
        """
        if sys.argv[2:3] == ['--version']:
            print('cargo-llvm-cov 0.9.1'); sys.exit(0)
        out = sys.argv[sys.argv.index('--output-path') + 1]
        open(out, 'w').write('SF:src/lib.rs\\nDA:1,1\\n')  # truncated: no end_of_record
        print('test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out')
        """
    )
    result = ferrox("run", "coverage", "-C", str(crate))
    assert result.code == 3
    assert "does not parse" in result.report["error"]


def test_tarpaulin_unable_to_trace_is_exit_3_with_the_hint(
    ferrox: Callable[..., Any],
    fresh_crate: Callable[[str], Path],
    fake_cargo: Callable[[str], Path],
) -> None:
    crate = fresh_crate("clean")
    (crate / "ferrox.toml").write_text("[coverage]\nrequire_pinned_version = false\n")
    fake_cargo(
        """
        if sys.argv[2:3] == ['--version']:
            print('cargo-tarpaulin version: 0.37.5'); sys.exit(0)
        print('ERROR cargo_tarpaulin: Failed to trace! EPERM: Operation not permitted',
              file=sys.stderr)
        sys.exit(1)
        """
    )
    result = ferrox("run", "coverage", "-C", str(crate))
    assert result.code == 3
    assert "could not trace" in result.report["error"]
    assert 'engine = "llvm"' in result.report["error"]


@pytest.mark.skipif(not _tarpaulin_installed(), reason="cargo-tarpaulin is not installed")
@pytest.mark.parametrize("engine", ["ptrace", "llvm"])
def test_tarpaulin_measures_the_clean_crate(
    ferrox: Callable[..., Any], fresh_crate: Callable[[str], Path], engine: str
) -> None:
    crate = fresh_crate("clean")
    (crate / "ferrox.toml").write_text(f'[coverage]\nengine = "{engine}"\n')
    result = ferrox("run", "coverage", "-C", str(crate))
    assert result.code == 0, result.out
    assert result.report["tool"] == "cargo-tarpaulin"
    assert result.report["metrics"]["line_percent"] == 100.0
    out = result.report_dir / "coverage"
    assert (out / "tarpaulin-report.json").is_file() and (out / "cobertura.xml").is_file()


@pytest.mark.skipif(not _tarpaulin_installed(), reason="cargo-tarpaulin is not installed")
def test_tarpaulin_failing_tests_fail_the_gate_naming_them(
    ferrox: Callable[..., Any], fresh_crate: Callable[[str], Path]
) -> None:
    crate = fresh_crate("failing_test")
    result = ferrox("run", "coverage", "-C", str(crate))
    assert result.code == 1, result.out
    [finding] = result.report["findings"]
    assert "tests::expects_the_wrong_product" in finding["message"]


def test_a_missing_backend_is_exit_3_with_the_install_hint(
    ferrox: Callable[..., Any],
    fresh_crate: Callable[[str], Path],
    fake_cargo: Callable[[str], Path],
) -> None:
    crate = fresh_crate("clean")
    fake_cargo(
        """
        print("error: no such command: `tarpaulin`", file=sys.stderr)
        sys.exit(101)
        """
    )
    result = ferrox("run", "coverage", "-C", str(crate))
    assert result.code == 3
    assert "ferrox tools install cargo-tarpaulin" in result.report["error"]


def test_ci_runs_patch_coverage_on_pull_requests_only() -> None:
    ci_yml = (Path(__file__).parents[2] / ".github" / "workflows" / "ci.yml").read_text()
    job = ci_yml.split("\n  coverage-patch:\n", 1)[1].split("\n\n", 1)[0]
    assert "if: github.event_name == 'pull_request'" in job
    assert 'fetch-depth: "0"' in job  # the merge base must be in the checkout
    assert 'run: nox -s coverage -- --base "origin/${GITHUB_BASE_REF}"' in job
    push_job = ci_yml.split("\n  coverage:\n", 1)[1].split("\n\n", 1)[0]
    assert "if: github.event_name == 'push'" in push_job
    assert "nox -s tools -- cargo-tarpaulin" in push_job


def test_ci_installs_the_backend_the_project_configured(tmp_path: Path) -> None:
    from ferrox.ci.files import inputs_for, workflow_files
    from ferrox.config import load_config
    from ferrox.steps import all_steps

    steps = all_steps()
    settings = {name: step.settings for name, step in steps.items()}
    (tmp_path / "ferrox.toml").write_text('[coverage]\nbackend = "llvm-cov"\n')
    files, _ = workflow_files(inputs_for(tmp_path, load_config(tmp_path, settings), steps))
    [ci_yml] = [f.content for f in files if f.path.name == "ci.yml"]
    job = ci_yml.split("\n  coverage:\n", 1)[1].split("\n\n", 1)[0]
    assert "nox -s tools -- cargo-llvm-cov" in job
    assert "cargo-tarpaulin" not in job


def test_tables_and_outputs_reach_every_report(tmp_path: Path) -> None:
    from ferrox.masking import Masker
    from ferrox.model import Status, StepResult, Table
    from ferrox.report import github, markdown, write_reports

    table = Table("Coverage per crate", ("crate", "line %"), (("a|b", "91.0%"),))
    result = StepResult(
        step="coverage", tool="cargo-llvm-cov", status=Status.PASS, summary="91%",
        tables=(table,), outputs={"line-percent": "91.0"},
    )  # fmt: skip
    reports = write_reports(
        result, root=tmp_path, report_dir=tmp_path / "r", env={}, masker=Masker.of(())
    )
    document = json.loads(reports["json"].read_text())
    assert document["tables"] == [
        {"title": "Coverage per crate", "columns": ["crate", "line %"], "rows": [["a|b", "91.0%"]]}
    ]
    assert document["outputs"] == {"line-percent": "91.0"}
    assert "| a\\|b | 91.0% |" in markdown.render(result)
    assert github.step_outputs(result, {})["coverage-line-percent"] == "91.0"


def test_a_test_exiting_zero_cannot_hide_failures_under_coverage(
    ferrox: Callable[..., Any], fresh_crate: Callable[[str], Path]
) -> None:
    # Issue 15's item 3 holds for every step that reads libtest's output, coverage too.
    from trust_faults import fault

    row = fault("T29")
    crate = fresh_crate("exit_zero_test")
    (crate / "ferrox.toml").write_text('[coverage]\nbackend = "llvm-cov"\n')
    result = ferrox("run", "coverage", "-C", str(crate))
    assert result.code == row.exit, result.out + result.err
    assert row.message in result.out + result.err
