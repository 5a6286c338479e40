"""The CLI contract: exit codes 0/1/2/3, list, doctor, bad input, fault handling."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ferrox.cli import split_extra
from ferrox.steps import all_steps


def test_list_shows_every_step(ferrox: Callable[..., object]) -> None:
    result = ferrox("list")
    assert result.code == 0
    for step in ("fmt", "clippy", "test"):
        assert step in result.out


def test_list_json_is_machine_readable(ferrox: Callable[..., object]) -> None:
    data = json.loads(ferrox("list", "--json").out)
    assert [s["name"] for s in data] == list(all_steps())
    assert [s["name"] for s in data][:3] == ["fmt", "clippy", "test"]
    assert "rust" in data[0]["tags"]


def test_unknown_step_is_a_usage_error_listing_the_steps(
    ferrox: Callable[..., object], tmp_path: Path
) -> None:
    result = ferrox("run", "clipy", "-C", str(tmp_path))
    assert result.code == 2
    assert "unknown step 'clipy'; did you mean 'clippy'?" in result.err
    assert "fmt, clippy, test, " in result.err
    assert "Traceback" not in result.err


def test_no_cargo_toml_is_a_usage_error_naming_the_directory(
    ferrox: Callable[..., object], tmp_path: Path
) -> None:
    result = ferrox("run", "clippy", "-C", str(tmp_path))
    assert result.code == 2
    assert f"no Cargo.toml in {tmp_path}" in result.err.replace("\n", "")


def test_missing_directory_is_a_usage_error(ferrox: Callable[..., object], tmp_path: Path) -> None:
    result = ferrox("run", "fmt", "-C", str(tmp_path / "nope"))
    assert result.code == 2
    assert "is not a directory" in result.err


def test_bad_config_is_exit_2_without_traceback(
    ferrox: Callable[..., object], fresh_crate: Callable[[str], Path]
) -> None:
    crate = fresh_crate("clean")
    (crate / "ferrox.toml").write_text("[clippy]\nmax_warnings = 'many'\n")
    result = ferrox("run", "clippy", "-C", str(crate))
    assert result.code == 2
    assert "ferrox.toml, key 'clippy.max_warnings': expected an integer" in result.err.replace(
        "\n", ""
    )
    assert "Traceback" not in result.err


def test_unreadable_manifest_is_a_usage_error(
    ferrox: Callable[..., object], tmp_path: Path
) -> None:
    (tmp_path / "Cargo.toml").write_text("[package]\nname = 3\n")
    result = ferrox("run", "clippy", "-C", str(tmp_path))
    assert result.code == 2
    assert "cargo cannot read the workspace" in result.err


def test_cargo_missing_is_a_tool_error_with_install_hint(
    ferrox: Callable[..., object],
    shared_crates: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    for step in ("fmt", "clippy", "test"):
        result = ferrox("run", step, "-C", str(shared_crates / "clean"))
        assert result.code == 3, step
        assert "cargo is not installed" in result.report["error"]
        assert "hint: install Rust with rustup" in result.report["error"]


def test_tool_killed_by_a_signal_is_exit_3(
    ferrox: Callable[..., object], shared_crates: Path, fake_tools: Callable[[str, str], Path]
) -> None:
    fake_tools("cargo", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n")
    result = ferrox("run", "fmt", "-C", str(shared_crates / "clean"))
    assert result.code == 3
    assert "killed by signal SIGKILL" in result.report["error"]
    assert result.report["status"] == "error"


def test_tool_timeout_is_exit_3(
    ferrox: Callable[..., object],
    fresh_crate: Callable[[str], Path],
    fake_tools: Callable[[str, str], Path],
) -> None:
    fake_tools("cargo", "import time\ntime.sleep(60)\n")
    crate = fresh_crate("clean")
    (crate / "ferrox.toml").write_text("[fmt]\ntimeout = 1\n")
    result = ferrox("run", "fmt", "-C", str(crate))
    assert result.code == 3
    assert "timed out after 1 s" in result.report["error"]
    assert result.report["commands"][0]["returncode"] is None


def test_empty_output_with_success_is_not_a_pass(
    ferrox: Callable[..., object], shared_crates: Path, fake_cargo: Callable[[str], Path]
) -> None:
    fake_cargo("sys.exit(0)\n")
    for step in ("clippy", "test"):
        result = ferrox("run", step, "-C", str(shared_crates / "clean"))
        assert result.code == 3, (step, result.out)


def test_internal_errors_fail_closed(
    ferrox: Callable[..., object], shared_crates: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(_: object) -> None:
        raise KeyError("surprise")

    monkeypatch.setattr("ferrox.steps.fmt.parse_check_output", explode)
    monkeypatch.setattr("ferrox.steps.fmt._unformatted", lambda ctx, done: explode(done))
    result = ferrox("run", "fmt", "-C", str(shared_crates / "clean"))
    assert result.code == 3
    assert "internal error" in result.report["error"]


def test_secrets_never_reach_reports_or_errors(
    ferrox: Callable[..., object],
    shared_crates: Path,
    fake_tools: Callable[[str, str], Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REGISTRY_TOKEN", "sekrit-value-42")
    fake_tools(
        "cargo",
        "import os, sys\nprint('auth', os.environ['REGISTRY_TOKEN'], file=sys.stderr)\nsys.exit(2)\n",
    )
    result = ferrox("run", "fmt", "-C", str(shared_crates / "clean"))
    assert result.code == 3
    assert "auth ***" in result.report["error"]
    files = "".join(p.read_text() for p in result.report_dir.iterdir())
    assert "sekrit-value-42" not in files + result.out + result.err


def test_version_and_usage_errors_use_argparse_codes() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ferrox", "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert done.stdout.startswith("ferrox ")
    done = subprocess.run(
        [sys.executable, "-m", "ferrox", "run"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2


def test_subprocess_exit_codes_match_the_contract(shared_crates: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}

    def code(*args: str) -> int:
        command = [sys.executable, "-m", "ferrox", *args, "--report-dir", str(tmp_path / "r")]
        return subprocess.run(command, capture_output=True, env=env, check=False).returncode

    assert code("run", "fmt", "-C", str(shared_crates / "clean")) == 0
    assert code("run", "fmt", "-C", str(shared_crates / "unformatted")) == 1
    assert code("run", "fmt", "-C", str(tmp_path)) == 2


def test_split_extra() -> None:
    assert split_extra(["run", "test", "--", "--no-capture", "--"]) == (
        ["run", "test"],
        ("--no-capture", "--"),
    )
    assert split_extra(["list"]) == (["list"], ())


def test_doctor_shows_tools_against_pins(
    ferrox: Callable[..., object], shared_crates: Path
) -> None:
    result = ferrox("doctor", "-C", str(shared_crates / "clean"), "--json")
    data = json.loads(result.out)
    tools = {row["tool"]: row for row in data["tools"]}
    assert tools["cargo"]["status"] == "ok"
    assert tools["cargo-nextest"]["pinned"] == "0.9.143"
    assert tools["rustfmt"]["found"] is not None
    assert result.code == (0 if all(row["status"] == "ok" for row in data["tools"]) else 3)
    table = ferrox("doctor", "-C", str(shared_crates / "clean"))
    assert "cargo-nextest" in table.out


@pytest.fixture
def no_step_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every step the engine would execute (none should: the config is checked first)."""
    ran: list[str] = []

    def refuse(step: object, ctx: object) -> object:
        ran.append(str(getattr(step, "name", step)))
        raise AssertionError("a step ran despite a bad configuration")

    monkeypatch.setattr("ferrox.engine.execute", refuse)
    return ran


@pytest.mark.parametrize(
    "case",
    [
        (
            "licenses",
            "licenses",
            'allow = ["MIT", "Apache2"]',
            "allow",
            "'Apache2' is not a known SPDX license identifier",
        ),
        ("licenses", "licenses", 'allow = ["MIT OR Apache-2.0"]', "allow", "single license"),
        ("security", "security", 'skip = ["bandid"]', "skip", "unknown scanner(s) 'bandid'"),
        ("security", "security", 'steps = ["audit", "x"]', "steps", "unknown scanner(s) 'x'"),
        (
            "fmt",
            "release",
            'gates = ["nosuchstep"]',
            "gates",
            "gate(s) nosuchstep are not ferrox steps",
        ),
        ("fmt", "release", 'publishers = ["pypy"]', "publishers", "unknown publisher(s) pypy"),
        ("fmt", "release", 'extra_files = ["v.txt:("]', "extra_files", "bad regex '('"),
        ("fmt", "release", 'extra_files = ["v.txt:v=\\\\S+"]', "extra_files", "has no group"),
        (
            "fmt",
            "ci",
            'ferrox_source = "wheel"\nferrox_wheel = "https://x.invalid/f.whl"',
            "ferrox_wheel",
            "must end in #sha256=<64 hex digits>",
        ),
    ],
    ids=[
        "licenses-typo",
        "licenses-expression",
        "security-skip",
        "security-steps",
        "release-gates",
        "release-publishers",
        "release-extra-regex",
        "release-extra-group",
        "ci-wheel",
    ],
)
def test_a_bad_setting_value_is_exit_2_before_any_step_runs(
    ferrox: Callable[..., Any],
    tmp_path: Path,
    no_step_runs: list[str],
    case: tuple[str, str, str, str, str],
) -> None:
    step, table, body, key, message = case
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(f"[tool.ferrox.{table}]\n{body}\n")
    result = ferrox("run", step, "-C", str(project))
    err = result.err.replace("\n", "")
    assert result.code == 2
    assert f"pyproject.toml, key 'tool.ferrox.{table}.{key}': " in err
    assert message in err
    assert "Traceback" not in result.err
    assert no_step_runs == []


def test_a_setting_option_is_checked_against_the_step_own_choices(
    ferrox: Callable[..., Any], shared_crates: Path
) -> None:
    # --mode is shared by every step with a `mode` setting; the step's setting names the choices.
    result = ferrox("run", "bench", "-C", str(shared_crates / "clean"), "--mode", "fastest")
    assert result.code == 2
    assert "--mode 'fastest' is not a bench mode; choose from paired, instructions" in result.err
