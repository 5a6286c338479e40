"""``ferrox bench history pull`` / ``push`` through the CLI: outputs and exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from ferrox import cli
from ferrox.bench import history
from ferrox.bench.history_ref import REF
from gitrepo import git
from history_repos import bench_run, clone, make_remote


def ferrox(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = cli.main(["bench", "history", *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_push_then_pull_on_a_laptop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bare = make_remote(tmp_path)
    a, b = clone(tmp_path, bare, "a"), clone(tmp_path, bare, "b")
    code, said = ferrox(capsys, "pull", "-C", str(b))
    assert code == 0
    assert "no benchmark history is available: 'origin' has no refs/ferrox/bench-history" in said
    history.append(a / ".ferrox" / "bench-history.jsonl", bench_run(1))
    code, said = ferrox(capsys, "push", "-C", str(a))
    assert code == 0 and "pushed refs/ferrox/bench-history to 'origin'" in said
    code, said = ferrox(capsys, "push", "-C", str(a))
    assert code == 0 and "already holds every run" in said
    code, said = ferrox(capsys, "pull", "-C", str(b))
    assert code == 0 and "1 run(s) new to .ferrox/bench-history.jsonl" in said
    assert len(history.read(b / ".ferrox" / "bench-history.jsonl").runs) == 1


def test_an_unreachable_remote_is_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = clone(tmp_path, make_remote(tmp_path), "a")
    history.append(a / ".ferrox" / "bench-history.jsonl", bench_run(1))
    git(a, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    for action in ("push", "pull"):
        code, said = ferrox(capsys, action, "-C", str(a))
        assert code == 3, said
        assert "cannot reach git remote 'origin'" in said


def test_a_corrupt_local_file_is_exit_3_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = clone(tmp_path, make_remote(tmp_path), "a")
    path = a / ".ferrox" / "bench-history.jsonl"
    history.append(path, bench_run(1))
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"schema": 1}\n')
    code, said = ferrox(capsys, "push", "-C", str(a))
    assert code == 3
    assert "bench-history.jsonl:2: corrupt history record" in said
    assert git(a, "for-each-ref", REF) == ""  # nothing was recorded


def test_a_remote_that_could_be_an_option_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = clone(tmp_path, make_remote(tmp_path), "a")
    code, said = ferrox(capsys, "pull", "-C", str(a), "--remote=--upload-pack=touch")
    assert code == 2 and "is not a git remote name" in said
    (a / "ferrox.toml").write_text('[bench]\nhistory_remote = "-x"\n', encoding="utf-8")
    code, said = ferrox(capsys, "pull", "-C", str(a))
    assert code == 2 and "bench.history_remote" in said
