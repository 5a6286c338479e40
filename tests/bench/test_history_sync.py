"""The history ref with real git: a bare repository on disk is the remote, clones race to push."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from ferrox.bench import history, history_sync
from ferrox.bench.history_ref import REF, RefError, RefStore, file_for
from ferrox.bench.schema import BenchRun
from ferrox.tools import ToolRunner
from gitrepo import git
from history_repos import LAPTOP, RUNNER, bench_run, clone, make_remote


def store(repo: Path) -> RefStore:
    return RefStore(ToolRunner(), repo)


ORIGIN = history_sync.Remote("origin")


def append(repo: Path, *runs: BenchRun) -> Path:
    path = repo / ".ferrox" / "bench-history.jsonl"
    for run in runs:
        history.append(path, run)
    return path


def publish(repo: Path, *runs: BenchRun) -> history_sync.Pushed:
    """What the post-merge job does: append locally, record on the ref, push."""
    path = append(repo, *runs)
    history_sync.record(store(repo), history_sync.lines_of_file(path), "Record benchmark runs")
    return history_sync.push(store(repo), ORIGIN)


def test_push_then_pull_into_a_fresh_clone_and_nothing_else_changes(tmp_path: Path) -> None:
    bare = make_remote(tmp_path)
    a = clone(tmp_path, bare, "a")
    (a / "work.txt").write_text("uncommitted\n", encoding="utf-8")
    git(a, "add", "work.txt")
    status_before = git(a, "status", "--porcelain", "--untracked-files=no")
    head_before = git(a, "rev-parse", "HEAD")
    pushed = publish(a, bench_run(1), bench_run(2, LAPTOP))
    assert pushed.changed and pushed.attempts == 1
    # Plumbing only: index, working tree and HEAD are as they were.
    assert git(a, "status", "--porcelain", "--untracked-files=no") == status_before
    assert git(a, "rev-parse", "HEAD") == head_before
    assert sorted(git(bare, "ls-tree", "--name-only", REF).split()) == sorted(
        [file_for(RUNNER.fingerprint), file_for(LAPTOP.fingerprint)]
    )
    b = clone(tmp_path, bare, "b")
    pulled = history_sync.pull(store(b), ORIGIN)
    assert pulled.remote_tip == pushed.tip == pulled.local_tip
    assert history_sync.export(store(b), b / ".ferrox" / "bench-history.jsonl") == 2
    runs = history.read(b / ".ferrox" / "bench-history.jsonl").runs
    assert [r.environment.commit for r in runs] == ["c1", "c2"]


def test_two_clones_race_the_loser_refetches_merges_and_retries(tmp_path: Path) -> None:
    bare = make_remote(tmp_path)
    a, b = clone(tmp_path, bare, "a"), clone(tmp_path, bare, "b")
    publish(a, bench_run(1))
    # b recorded its run before a's push landed: its first push is rejected (not a descendant).
    path = append(b, bench_run(2))
    history_sync.record(store(b), history_sync.lines_of_file(path), "Record benchmark runs")
    b_first = store(b).tip()
    pushed = history_sync.push(store(b), ORIGIN)
    assert pushed.changed
    # The pull before b's push saw a's line: the merge commit has both parents and both lines.
    merged = pushed.tip or ""
    parents = git(b, "rev-list", "--parents", "-n", "1", merged).split()[1:]
    assert b_first in parents and len(parents) == 2
    lines = git(bare, "show", f"{REF}:{file_for(RUNNER.fingerprint)}").splitlines()
    assert [json.loads(line)["environment"]["commit"] for line in lines] == ["c1", "c2"]


def test_a_rejected_push_is_retried_after_a_fresh_fetch(tmp_path: Path) -> None:
    """The push itself loses the race (a's push lands between b's fetch and b's push)."""
    bare = make_remote(tmp_path)
    a, b = clone(tmp_path, bare, "a"), clone(tmp_path, bare, "b")
    publish(a, bench_run(1))
    path = append(b, bench_run(2))
    history_sync.record(store(b), history_sync.lines_of_file(path), "Record benchmark runs")

    class Racing(RefStore):
        raced = False

        def git(self, args: list[str], *, env: object = None) -> object:  # type: ignore[override]
            if args[0] == "push" and not Racing.raced:
                Racing.raced = True
                publish(a, bench_run(3))  # the other writer wins, right before this push
            return super().git(args, env=env)  # type: ignore[arg-type]

    pauses: list[float] = []
    pushed = history_sync.push(Racing(ToolRunner(), b), ORIGIN, pause=pauses.append)
    assert pushed.changed and pushed.attempts == 2 and len(pauses) == 1
    lines = git(bare, "show", f"{REF}:{file_for(RUNNER.fingerprint)}").splitlines()
    assert [json.loads(line)["environment"]["commit"] for line in lines] == ["c1", "c2", "c3"]


def test_three_merges_append_three_commits(tmp_path: Path) -> None:
    bare = make_remote(tmp_path)
    ci = clone(tmp_path, bare, "ci")
    for n in (1, 2, 3):
        publish(ci, bench_run(n))
    log = git(bare, "log", "--format=%s", REF).splitlines()
    assert log == [f"Record benchmark runs: 1 run(s) of c{n}" for n in (3, 2, 1)]
    shown = git(bare, "show", f"{REF}:{file_for(RUNNER.fingerprint)}").splitlines()
    assert len(shown) == 3


def test_a_corrupt_line_on_the_ref_is_an_error_naming_it(tmp_path: Path) -> None:
    bare = make_remote(tmp_path)
    a = clone(tmp_path, bare, "a")
    publish(a, bench_run(1))
    s = store(a)
    good = s.read(s.tip())
    name = file_for(RUNNER.fingerprint)
    broken = s.commit({name: (*good[name], '{"schema": 1, "environment": 7}')}, (), "edit")
    s.update(broken, s.tip())
    git(a, "push", "-q", "--force", "origin", f"{REF}:{REF}")
    b = clone(tmp_path, bare, "b")
    with pytest.raises(RefError, match=rf"{name}:2: corrupt history record"):
        history_sync.pull(store(b), ORIGIN)
    assert store(b).tip() is None  # nothing corrupt reached the local ref


def test_a_foreign_file_on_the_ref_is_an_error(tmp_path: Path) -> None:
    bare = make_remote(tmp_path)
    a = clone(tmp_path, bare, "a")
    s = store(a)
    (tmp_path / "notes.txt").write_text("x\n", encoding="utf-8")
    blob = git(a, "hash-object", "-w", str(tmp_path / "notes.txt"))
    tree = subprocess.run(
        ["git", "mktree"], input=f"100644 blob {blob}\tnotes.txt\n",
        cwd=a, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    s.update(git(a, "-c", "user.name=t", "commit-tree", tree, "-m", "edit"), None)
    with pytest.raises(RefError, match=r"notes\.txt: not a <fingerprint>\.jsonl file"):
        s.read(s.tip())


def test_pull_when_the_remote_has_no_history_says_so(tmp_path: Path) -> None:
    a = clone(tmp_path, make_remote(tmp_path), "a")
    pulled = history_sync.pull(store(a), ORIGIN)
    assert pulled == history_sync.Pulled(None, None)


def test_an_unreachable_remote_is_unreachable_for_pull_and_push(tmp_path: Path) -> None:
    bare = make_remote(tmp_path)
    a = clone(tmp_path, bare, "a")
    path = append(a, bench_run(1))
    history_sync.record(store(a), history_sync.lines_of_file(path), "Record benchmark runs")
    git(a, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    with pytest.raises(history_sync.Unreachable, match="cannot reach git remote 'origin'"):
        history_sync.pull(store(a), ORIGIN)
    with pytest.raises(history_sync.Unreachable):
        history_sync.push(store(a), ORIGIN)


def test_a_push_rejected_every_time_gives_up_after_the_bound(tmp_path: Path) -> None:
    bare = make_remote(tmp_path)
    a, b = clone(tmp_path, bare, "a"), clone(tmp_path, bare, "b")
    path = append(b, bench_run(50))
    history_sync.record(store(b), history_sync.lines_of_file(path), "Record benchmark runs")
    counter = iter(range(100, 200))

    class AlwaysBeaten(RefStore):
        def git(self, args: list[str], *, env: object = None) -> object:  # type: ignore[override]
            if args[0] == "push":
                publish(a, bench_run(next(counter) % 60))
            return super().git(args, env=env)  # type: ignore[arg-type]

    with pytest.raises(RefError, match="rejected 3 times"):
        history_sync.push(AlwaysBeaten(ToolRunner(), b), ORIGIN, attempts=3, pause=lambda _s: None)


def test_a_token_reaches_git_as_a_header_for_https_remotes_only(tmp_path: Path) -> None:
    a = clone(tmp_path, make_remote(tmp_path), "a")
    assert history_sync.token_auth(store(a), "origin", "s3cret") is None  # a path remote
    git(a, "remote", "set-url", "origin", "https://github.com/owner/repo")
    s = store(a)
    env = history_sync.token_auth(s, "origin", "s3cret")
    assert env is not None
    assert env["GIT_CONFIG_KEY_0"] == "http.https://github.com/owner/repo.extraheader"
    assert env["GIT_CONFIG_VALUE_0"] == "AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46czNjcmV0"
    assert history_sync.token_auth(s, "origin", "") is None
    # git reads it from the environment: the token is never on a command line.
    done = s.git(["config", "--get", "http.https://github.com/owner/repo.extraheader"], env=env)
    assert done.stdout.strip() == env["GIT_CONFIG_VALUE_0"]
    assert s.runner.records and all("s3cret" not in " ".join(r.argv) for r in s.runner.records)
