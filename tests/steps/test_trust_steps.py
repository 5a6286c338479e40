"""Issue 15's fail-open holes, each injected into a real run: none may end in a pass.

Every test names its row of tests/trust_faults.py (the table of docs/fault-table.md) and asserts
that row's exit code and message.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gitrepo import git, init_committed
from processes import gone_soon
from trust_faults import Fault, fault

AWS_KEY = "AKIAIOSFODNN7EXAMPLE"  # AWS's documented example key: detect-secrets flags it
FIXTURES = Path(__file__).parents[1] / "fixtures"


def _check(result: Any, row: Fault) -> None:
    assert result.code == row.exit, result.out + result.err
    assert row.message in result.out + result.err


# ---- item 1: repository content never reaches an option parser ----------------------------


def test_option_like_file_names_do_not_hide_a_secret(
    ferrox: Callable[..., Any], tmp_path: Path
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "-x.py").write_text(f'aws_key = "{AWS_KEY}"\n')
    (project / "--exclude-files=.*").write_text("nothing here\n")
    (project / "--baseline=x").write_text("nothing here\n")
    result = ferrox("run", "secrets", "-C", str(project))
    _check(result, fault("T01"))
    assert {f["path"] for f in result.report["findings"]} == {"-x.py"}


def test_option_like_file_names_do_not_hide_a_bandit_issue(
    ferrox: Callable[..., Any], tmp_path: Path
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "--help.py").write_text(
        "import subprocess, sys\nsubprocess.call(sys.argv[1], shell=True)\n"  # high severity
    )
    (project / "-x.py").write_text("VALUE = 1\n")  # bandit's -x: exclude paths
    result = ferrox("run", "bandit", "-C", str(project))
    _check(result, fault("T02"))
    assert result.report["metrics"]["files"] == 2


@pytest.mark.parametrize(
    ("row", "table"),
    [("T03", '[bench]\nbase = "--output=x"\n'), ("T04", '[bench]\nbenches = ["--help"]\n')],
)
def test_option_like_bench_settings_stop_at_load(
    ferrox: Callable[..., Any], fresh_crate: Callable[[str], Path], row: str, table: str
) -> None:
    crate = fresh_crate("clean")
    (crate / "ferrox.toml").write_text(table)
    _check(ferrox("run", "bench", "-C", str(crate)), fault(row))


def test_path_arg_never_starts_with_a_dash() -> None:
    from ferrox.tools import path_arg

    assert path_arg("-r") == "./-r"
    assert path_arg("-") == "./-"
    assert path_arg("requirements.txt") == "requirements.txt"


# ---- item 2: every tracked file is scanned; zero files is no verdict ------------------------


@pytest.mark.parametrize(
    ("row", "where"), [("T06", "node_modules/pkg/config.py"), ("T07", "app/sub/target/keys.py")]
)
def test_tracked_files_under_build_directories_are_scanned(
    ferrox: Callable[..., Any], tmp_path: Path, row: str, where: str
) -> None:
    project = tmp_path / "project"
    (project / where).parent.mkdir(parents=True)
    (project / where).write_text(f'aws_key = "{AWS_KEY}"\n')
    (project / "main.py").write_text("print('hello')\n")
    init_committed(project)
    result = ferrox("run", "secrets", "-C", str(project))
    _check(result, fault(row))
    assert [f["path"] for f in result.report["findings"]] == [where]


def test_history_under_environment_directories_is_scanned(
    ferrox: Callable[..., Any], tmp_path: Path
) -> None:
    project = tmp_path / "project"
    (project / "venv").mkdir(parents=True)
    (project / "venv" / "creds.py").write_text(f'aws_key = "{AWS_KEY}"\n')
    (project / "main.py").write_text("print('hello')\n")
    (project / "ferrox.toml").write_text("[secrets]\nhistory = true\n")
    init_committed(project)
    git(project, "rm", "-q", "venv/creds.py")
    git(project, "commit", "-q", "-m", "remove")
    _check(ferrox("run", "secrets", "-C", str(project)), fault("T08"))


def test_the_baselines_own_file_exclusions_are_honoured(
    ferrox: Callable[..., Any], tmp_path: Path
) -> None:
    # Only the config and the baseline (its --exclude-files regexes) may leave a tracked file out.
    project = tmp_path / "project"
    (project / "vendor").mkdir(parents=True)
    (project / "vendor" / "keys.py").write_text(f'aws_key = "{AWS_KEY}"\n')
    (project / "node_modules").mkdir()
    (project / "node_modules" / "keys.py").write_text(f'aws_key = "{AWS_KEY}"\n')
    filters = [
        {"path": "detect_secrets.filters.regex.should_exclude_file", "pattern": ["^vendor/"]}
    ]
    (project / ".secrets.baseline").write_text(
        json.dumps({"version": "1.5.0", "filters_used": filters, "results": {}})
    )
    init_committed(project)
    result = ferrox("run", "secrets", "-C", str(project))
    assert result.code == 1, result.out
    assert [f["path"] for f in result.report["findings"]] == ["node_modules/keys.py"]


def test_a_scan_of_zero_files_is_no_verdict(ferrox: Callable[..., Any], tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "main.py").write_text("print('hello')\n")
    (project / "ferrox.toml").write_text('[secrets]\nexclude = ["*"]\n')
    result = ferrox("run", "secrets", "-C", str(project))
    _check(result, fault("T09"))
    assert result.report["status"] == "error"


# ---- item 3: cargo test, a binary ended early by a test -------------------------------------


def test_a_test_exiting_zero_cannot_hide_its_binarys_failures(
    ferrox: Callable[..., Any], fresh_crate: Callable[[str], Path]
) -> None:
    crate = fresh_crate("exit_zero_test")
    (crate / "ferrox.toml").write_text('[test]\nrunner = "cargo"\n')
    result = ferrox("run", "test", "-C", str(crate))
    _check(result, fault("T10"))
    assert "unittests src/lib.rs" in result.report["error"]  # names the binary


# ---- item 4: a timeout leaves no descendant alive --------------------------------------------


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="descendants are found through /proc")
def test_a_timeout_kills_test_processes_in_their_own_sessions(
    ferrox: Callable[..., Any],
    fresh_crate: Callable[[str], Path],
    fake_cargo: Callable[[str], Path],
    tmp_path: Path,
) -> None:
    pid_file = tmp_path / "test-process.pid"
    daemon = (
        f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(300)"
    )
    # Like nextest: the test process in a session of its own, the runner waiting for it. Its
    # output goes elsewhere (as a daemon's does), so nothing but the kill can end it early.
    fake_cargo(
        f"import subprocess, time\n"
        f"subprocess.Popen([sys.executable, '-c', {daemon!r}], start_new_session=True,\n"
        "    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "time.sleep(300)\n"
    )
    crate = fresh_crate("clean")
    (crate / "ferrox.toml").write_text('[test]\nrunner = "cargo"\ntimeout = 3\n')
    _check(ferrox("run", "test", "-C", str(crate)), fault("T11"))
    pid = int(pid_file.read_text())
    assert gone_soon(pid), "the test process outlived the timeout"


# ---- item 5: audit, a stale lock and a DB from the future ------------------------------------

AUDIT_BASE = '[audit]\ndb = "../advisory-db"\noffline = true\ncheck_yanked = false\n'


def _audit_project(tmp_path: Path, extra: str = "max_db_age_days = 0\n") -> Path:
    copy = tmp_path / "audit"
    shutil.copytree(FIXTURES / "audit", copy)
    project = copy / "vulnerable"
    (project / "ferrox.toml").write_text(AUDIT_BASE + extra)
    return project


def test_a_lock_missing_a_declared_dependency_fails_closed(
    ferrox: Callable[..., Any], tmp_path: Path
) -> None:
    project = _audit_project(tmp_path)
    manifest = project / "Cargo.toml"
    manifest.write_text(manifest.read_text() + 'libc = "=0.2.150"\n')
    result = ferrox("run", "audit", "-C", str(project))
    _check(result, fault("T12"))
    assert "libc =0.2.150 (dependency of vulnerable)" in result.report["error"]


def test_an_advisory_database_from_the_future_is_an_error(
    ferrox: Callable[..., Any], tmp_path: Path
) -> None:
    project = _audit_project(tmp_path, "max_db_age_days = 30\n")
    future = time.time() + 10 * 86400
    for advisory in (project.parent / "advisory-db").rglob("*.md"):
        os.utime(advisory, (future, future))
    _check(ferrox("run", "audit", "-C", str(project)), fault("T13"))


# ---- item 6: NaN and infinity in float settings ----------------------------------------------


@pytest.mark.parametrize(
    ("row", "step", "table"),
    [
        ("T14", "test", "[test]\ntimeout = nan\n"),
        ("T15", "bench", "[bench]\nnoise_margin = nan\n"),
        ("T16", "clippy", "[clippy]\ntimeout = inf\n"),
    ],
)
def test_non_finite_float_settings_stop_at_load(
    ferrox: Callable[..., Any], fresh_crate: Callable[[str], Path], row: str, step: str, table: str
) -> None:
    crate = fresh_crate("clean")
    (crate / "ferrox.toml").write_text(table)
    result = ferrox("run", step, "-C", str(crate))
    _check(result, fault(row))
    assert "not a finite number" in result.err


# ---- item 7: the environment silencing a gate ------------------------------------------------


@pytest.mark.parametrize(
    ("row", "variable", "value"),
    [
        ("T17", None, None),
        ("T18", "RUSTFLAGS", "--cap-lints allow"),
        ("T19", "CARGO_ENCODED_RUSTFLAGS", "-g\x1f--cap-lints=allow"),
    ],
)
def test_capped_lints_make_clippy_refuse(  # noqa: PLR0917 - pytest fixtures and parameters
    ferrox: Callable[..., Any],
    fresh_crate: Callable[[str], Path],
    monkeypatch: pytest.MonkeyPatch,
    row: str,
    variable: str | None,
    value: str | None,
) -> None:
    crate = fresh_crate("clippy_warnings")
    if variable is None:
        (crate / ".cargo").mkdir()
        (crate / ".cargo" / "config.toml").write_text(
            '[build]\nrustflags = ["--cap-lints", "allow"]\n'
        )
    else:
        monkeypatch.setenv(variable, str(value))
    _check(ferrox("run", "clippy", "-C", str(crate)), fault(row))


def test_allowed_warnings_make_clippy_refuse(
    ferrox: Callable[..., Any], fresh_crate: Callable[[str], Path]
) -> None:
    crate = fresh_crate("clippy_warnings")
    (crate / ".cargo").mkdir()
    (crate / ".cargo" / "config.toml").write_text(
        "[target.'cfg(all())']\nrustflags = \"-A warnings\"\n"
    )
    _check(ferrox("run", "clippy", "-C", str(crate)), fault("T26"))


@pytest.mark.parametrize(
    ("row", "table"),
    [
        ("T27", '[clippy]\nallow = ["warnings"]\n'),
        ("T28", '[clippy]\nextra_args = ["--", "--cap-lints", "allow"]\n'),
    ],
)
def test_a_clippy_config_that_silences_it_stops_at_load(
    ferrox: Callable[..., Any], fresh_crate: Callable[[str], Path], row: str, table: str
) -> None:
    crate = fresh_crate("clippy_warnings")
    (crate / "ferrox.toml").write_text(table)
    _check(ferrox("run", "clippy", "-C", str(crate)), fault(row))


def test_a_nextest_default_filter_cannot_drop_a_failing_test(
    ferrox: Callable[..., Any], fresh_crate: Callable[[str], Path]
) -> None:
    crate = fresh_crate("failing_test")
    (crate / ".config").mkdir()
    (crate / ".config" / "nextest.toml").write_text(
        '[profile.default]\ndefault-filter = "not test(expects_the_wrong_product)"\n'
    )
    (crate / "ferrox.toml").write_text('[test]\nrunner = "nextest"\ndoc = false\n')
    result = ferrox("run", "test", "-C", str(crate))
    _check(result, fault("T20"))
    assert result.report["metrics"]["filtered"] == 1
    assert result.report["metrics"]["skipped"] == 1
    # Allowed on purpose: the run passes, and still says what was left out.
    (crate / "ferrox.toml").write_text(
        '[test]\nrunner = "nextest"\ndoc = false\nallow_filtered = true\n'
    )
    allowed = ferrox("run", "test", "-C", str(crate))
    assert allowed.code == 0, allowed.out
    assert "1 of the skipped left out by the nextest default-filter" in allowed.report["summary"]


def test_a_silent_cargo_fmt_is_not_a_formatter(
    ferrox: Callable[..., Any],
    fresh_crate: Callable[[str], Path],
    fake_tools: Callable[[str, str], Path],
) -> None:
    fake_tools("cargo-fmt", "import sys\nsys.exit(0)\n")
    crate = fresh_crate("unformatted")
    result = ferrox("run", "fmt", "-C", str(crate))
    _check(result, fault("T21"))
    assert result.report["status"] == "error"


def test_the_real_rustfmt_still_passes_its_probe(
    ferrox: Callable[..., Any], fresh_crate: Callable[[str], Path]
) -> None:
    result = ferrox("run", "fmt", "-C", str(fresh_crate("clean")))
    assert result.code == 0, result.out + result.err
    assert result.report["tool_version"]


if sys.platform == "win32":  # pragma: no cover
    pytestmark = pytest.mark.skip(reason="POSIX fixtures (file names, /proc)")
