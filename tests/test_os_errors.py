"""OS errors are one line and exit 2 (the user's setup) or 3 (the machine), never a traceback.

And a reader that closes ferrox's stdout early (``| head -1``) does not change its exit code.
Each case runs the real ``fmt`` step (cargo fmt) on a fixture crate.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ferrox import engine
from ferrox.errors import EXIT_TOOL, EXIT_USAGE, from_os_error
from ferrox.steps import get_step

Call = Callable[..., Any]  # the ferrox fixture: code, out, err, report_dir


def _one_line_error(result: Any) -> str:
    assert "Traceback" not in result.err + result.out
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ferrox: error:"), result.err
    return lines[0]


def test_a_report_dir_that_is_a_file_is_exit_2(
    ferrox: Call, shared_crates: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "reports"
    blocker.write_text("a file, not a directory\n")
    result = ferrox("run", "fmt", "-C", str(shared_crates / "clean"), "--report-dir", str(blocker))
    assert result.code == EXIT_USAGE
    assert "cannot write the reports" in _one_line_error(result)
    assert "PASS" in result.out  # the verdict is still shown


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_an_unwritable_report_dir_is_exit_2(
    ferrox: Call, shared_crates: Path, tmp_path: Path
) -> None:  # pragma: no cover - CI runs as a normal user; this machine runs as root
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = ferrox("run", "fmt", "-C", str(shared_crates / "clean"), "--report-dir", str(locked))
    assert result.code == EXIT_USAGE
    assert "Permission denied" in _one_line_error(result)


def test_a_read_only_report_dir_is_exit_2_even_for_root(
    ferrox: Call, shared_crates: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As root, permissions cannot be taken away: simulate the kernel's answer instead.
    def refuse(self: Path, text: str, encoding: str | None = None) -> int:
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "write_text", refuse)
    result = ferrox("run", "fmt", "-C", str(shared_crates / "clean"), "--report-dir", str(tmp_path))
    assert result.code == EXIT_USAGE
    assert "Permission denied" in _one_line_error(result)


def test_a_step_summary_that_is_a_directory_is_exit_2(
    ferrox: Call, shared_crates: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path))
    result = ferrox("run", "fmt", "-C", str(shared_crates / "clean"))
    assert result.code == EXIT_USAGE
    assert "$GITHUB_STEP_SUMMARY" in _one_line_error(result)


def test_github_output_in_a_missing_directory_is_exit_2(
    ferrox: Call, shared_crates: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "missing" / "output"))
    result = ferrox("run", "fmt", "-C", str(shared_crates / "clean"))
    assert result.code == EXIT_USAGE
    assert "$GITHUB_OUTPUT" in _one_line_error(result)


def test_a_symlink_loop_as_the_project_is_exit_2(ferrox: Call, tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(tmp_path / "loop")
    for command in (["run", "fmt"], ["doctor"], ["init", "--check"], ["matrix"]):
        result = ferrox(*command, "-C", str(loop))
        assert result.code == EXIT_USAGE, command
        assert "is not a directory" in _one_line_error(result)


def test_a_full_disk_is_the_machine_exit_3() -> None:
    failure = from_os_error(OSError(errno.ENOSPC, "No space left on device", "x"), "writing")
    assert failure.exit_code == EXIT_TOOL
    assert str(failure) == "writing: No space left on device (x)"


@pytest.mark.parametrize(
    ("crate", "code"), [("clean", 0), ("unformatted", 1)], ids=["pass", "gate failed"]
)
def test_a_closed_stdout_keeps_the_exit_code(shared_crates: Path, crate: str, code: int) -> None:
    # The reader is gone before ferrox writes a byte: every write to stdout meets EPIPE.
    process = subprocess.Popen(
        [sys.executable, "-m", "ferrox", "run", "fmt", "-C", str(shared_crates / crate)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "COLUMNS": "80"},
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    err = process.stderr.read().decode()
    assert process.wait(timeout=300) == code, err
    assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err


def test_a_closed_stdout_does_not_fail_listing() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "ferrox", "list", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    err = process.stderr.read().decode()
    assert process.wait(timeout=60) == 0, err
    assert not err


def test_an_os_error_inside_a_step_is_one_line_and_no_verdict(
    ferrox: Call, shared_crates: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreadable(ctx: object) -> object:
        raise PermissionError(errno.EACCES, "Permission denied", "src/lib.rs")

    broken = dataclasses.replace(get_step("fmt"), run=unreadable)
    monkeypatch.setattr(engine, "get_step", lambda name: broken)
    result = ferrox("run", "fmt", "-C", str(shared_crates / "clean"))
    assert result.code == EXIT_TOOL
    assert "Traceback" not in result.out + result.err
    assert "step fmt could not complete: Permission denied (src/lib.rs)" in result.out
