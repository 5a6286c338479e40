"""The crates-io publisher against a real registry (cargo-http-registry on 127.0.0.1), with a
loopback proxy in front of it that injects HTTP 429 and rejections, through `ferrox release`."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from cargo_registry import REGISTRY, TOKEN, CargoRegistry, start_registry
from crate_workspace import crate_names, dependencies, write_workspace
from github_fake import FakeGitHub
from registry_proxy import Proxy, serve
from release_repo import Repo, git, write_config

from ferrox.cli import main
from ferrox.errors import UsageError
from ferrox.release.publish_settings import CratesIoSettings
from ferrox.release.publishers import crates_io
from ferrox.release.publishers.crates_index import CRATES_IO_INDEX, entry_path, index_url
from trust_faults import fault

JOURNAL = Path("target") / "ferrox" / "release-journal.json"


def test_retry_after_reads_the_time_the_registry_names() -> None:
    now = datetime(2026, 11, 29, 12, 0, 0, tzinfo=timezone.utc)
    crates_io_text = (
        "the remote server responded with an error (status 429 Too Many Requests): You have "
        "published too many new crates in a short period of time. Please try again after "
        "Sun, 29 Nov 2026 12:10:00 GMT or email help@crates.io to have your limit increased."
    )
    assert crates_io.retry_after(crates_io_text, now=now) == 600
    headers = (
        "failed to get a 200 OK response, got 429\nheaders:\n\tHTTP/1.1 429\n\tretry-after: 17\n"
    )
    assert crates_io.retry_after(headers, now=now) == 17
    dated = "headers:\n\tRetry-After: Sun, 29 Nov 2026 12:00:30 GMT\n"
    assert crates_io.retry_after(dated, now=now) == 30
    past = "headers:\n\tRetry-After: Sun, 29 Nov 2026 11:00:00 GMT\n"
    assert crates_io.retry_after(past, now=now) == 0
    assert crates_io.retry_after("status 429 Too Many Requests: slow down", now=now) is None


def test_dependency_order_and_cycles() -> None:
    names = crate_names(7)
    packages = [
        {
            "name": name,
            "version": "1.0.0",
            "dependencies": [
                {"name": dep, "path": "x", "req": "^1.0.0", "kind": None} for dep in needs
            ]
            + [{"name": "serde", "req": "^1", "kind": None}],
        }
        for name, needs in dependencies(names).items()
    ]
    skipped: list[str] = []
    ordered = crates_io.order(
        list(reversed(packages)), skipped=skipped.append, all_names={*names, "internal"}
    )
    assert [crate.name for crate in ordered] == names  # dependencies first, whatever the input
    assert skipped == ["internal"]  # publish = false (or another registry): said, not published
    # A dev-dependency without a version is stripped by cargo publish: no ordering edge.
    cyclic = [
        {"name": "a", "version": "1.0.0", "dependencies": [{"name": "b", "path": "x", "req": "^1"}]},
        {"name": "b", "version": "1.0.0",
         "dependencies": [{"name": "a", "path": "x", "req": "*", "kind": "dev"}]},
    ]  # fmt: skip
    assert [c.name for c in crates_io.order(cyclic, skipped=print, all_names={"a", "b"})] == [
        "b",
        "a",
    ]
    cyclic[1]["dependencies"] = [{"name": "a", "path": "x", "req": "^1", "kind": "build"}]
    with pytest.raises(UsageError, match="cycle"):
        crates_io.order(cyclic, skipped=print, all_names={"a", "b"})


def test_index_paths_follow_cargo_layout() -> None:
    assert entry_path("a") == "1/a"
    assert entry_path("ab") == "2/ab"
    assert entry_path("abc") == "3/a/abc"
    assert entry_path("Serde_JSON") == "se/rd/serde_json"


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[CargoRegistry]:
    started = start_registry(tmp_path / "registry")
    yield started
    started.stop()


@pytest.fixture
def proxy(
    registry: CargoRegistry, monkeypatch: pytest.MonkeyPatch, git_env: dict[str, str]
) -> Iterator[Proxy]:
    """The rate-limiting proxy; cargo reaches the registry through it (cargo's http.proxy)."""
    injected = Proxy()
    server = serve(injected)
    for name, value in {
        "CARGO_HTTP_PROXY": injected.url,
        f"CARGO_REGISTRIES_{REGISTRY.upper()}_INDEX": registry.index,
        f"CARGO_REGISTRIES_{REGISTRY.upper()}_TOKEN": TOKEN,
    }.items():
        monkeypatch.setenv(name, value)
    yield injected
    server.shutdown()
    server.server_close()


def crates_config(github: FakeGitHub, max_wait: int = 30) -> str:
    return (
        "[release]\ngates = []\nartifacts = false\n"
        'publishers = ["git", "github", "crates-io"]\n'
        f'github_repository = "ferrox-dev/demo"\napi_url = "{github.url}"\n\n'
        f'[release.crates-io]\nregistry = "{REGISTRY}"\nmax_wait = {max_wait}\n'
    )


@pytest.fixture
def workspace_repo(
    tmp_path: Path, git_env: dict[str, str]
) -> Callable[..., tuple[Repo, list[str]]]:
    """A git repository of a generated workspace, pushed to a bare remote."""

    def make(config: str, count: int = 4) -> tuple[Repo, list[str]]:
        remote = tmp_path / "ws-remote.git"
        git(tmp_path, "init", "-q", "--bare", str(remote))
        path = tmp_path / "ws"
        names = write_workspace(path, count, registry=REGISTRY)
        git(path, "init", "-q", "-b", "main")
        git(path, "add", "-A")
        git(path, "commit", "-q", "-m", "feat: the crates")
        git(path, "remote", "add", "origin", str(remote))
        write_config(path, config)
        git(path, "push", "-q", "origin", "main")
        return Repo(path, remote), names

    return make


def _published(registry: CargoRegistry) -> list[str]:
    return registry.publish_log()


@pytest.mark.parametrize("style", ["date", "seconds"])
def test_publishes_in_dependency_order_waiting_out_a_429(  # noqa: PLR0917 - fixtures
    workspace_repo: Callable[..., tuple[Repo, list[str]]],
    registry: CargoRegistry,
    proxy: Proxy,
    github: FakeGitHub,
    capsys: pytest.CaptureFixture[str],
    style: str,
) -> None:
    """crates.io's JSON error naming a date (cargo prints the text), or a bare Retry-After in
    seconds (cargo prints the headers): either way the wait is the registry's."""
    repo, names = workspace_repo(crates_config(github))
    proxy.limit_after, proxy.limited, proxy.retry_after_s = 2, 1, 1
    proxy.retry_style = style
    assert main(["release", "v0.2.0", "-C", str(repo.path)]) == 0
    out = capsys.readouterr().out
    assert "HTTP 429" in out and ("waiting 1 s" in out or "waiting 0 s" in out)
    assert _published(registry) == [f"{name} in version 0.2.0" for name in names]
    assert proxy.rate_limited == [names[2]]  # refused once, then published once
    assert all(registry.versions(name) == ["0.2.0"] for name in names)
    release = github.public_release("v0.2.0")
    assert release is not None  # public: every publisher finished
    assert len(github.calls("PATCH", r"/releases/\d+$")) == 1
    assert TOKEN not in out
    assert not (repo.path / JOURNAL).exists()


def test_a_429_past_max_wait_stops_resumably_and_resume_publishes_only_the_rest(
    workspace_repo: Callable[..., tuple[Repo, list[str]]],
    registry: CargoRegistry,
    proxy: Proxy,
    github: FakeGitHub,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo, names = workspace_repo(crates_config(github, max_wait=5))
    proxy.limit_after, proxy.limited, proxy.retry_after_s = 2, 1, 3600
    assert main(["release", "v0.2.0", "-C", str(repo.path)]) == 3
    err = capsys.readouterr().err
    assert "HTTP 429" in err and "max_wait" in err and names[2] in err and "--resume" in err
    assert TOKEN not in err
    assert _published(registry) == [f"{name} in version 0.2.0" for name in names[:2]]
    # The journal is kept, with what went out; the GitHub release is still a draft.
    journal = json.loads((repo.path / JOURNAL).read_text())
    assert journal["phase"] == "publishing"
    assert journal["extra"]["published"]["crates-io"] == [f"{n}@0.2.0" for n in names[:2]]
    assert github.release_by_tag("v0.2.0") is not None
    assert github.public_release("v0.2.0") is None
    # Resumed: only the rest, each once, in order; then the release goes public.
    assert main(["release", "--resume", "-C", str(repo.path)]) == 0
    out = capsys.readouterr().out
    assert all(f"{name} 0.2.0 is in the registry already" in out for name in names[:2])
    assert _published(registry) == [f"{name} in version 0.2.0" for name in names]
    assert all(registry.versions(name) == ["0.2.0"] for name in names)
    assert github.public_release("v0.2.0") is not None
    assert not (repo.path / JOURNAL).exists()


def test_registry_down_is_exit_3_with_the_journal_kept(
    workspace_repo: Callable[..., tuple[Repo, list[str]]],
    registry: CargoRegistry,
    proxy: Proxy,
    github: FakeGitHub,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo, names = workspace_repo(crates_config(github), count=2)
    registry.stop()
    assert main(["release", "v0.2.0", "-C", str(repo.path)]) == 3
    err = capsys.readouterr().err
    assert f"cargo publish of {names[0]} 0.2.0 to {REGISTRY} failed" in err
    assert "partly published" in err and TOKEN not in err
    assert (repo.path / JOURNAL).exists()
    assert github.public_release("v0.2.0") is None
    # The registry is back (same directory, same port): --resume finishes.
    back = start_registry(registry.root)
    try:
        assert main(["release", "--resume", "-C", str(repo.path)]) == 0
        assert _published(back) == [f"{name} in version 0.2.0" for name in names]
    finally:
        back.stop()


def test_a_publish_the_registry_rejects_is_exit_3_naming_the_crate(
    workspace_repo: Callable[..., tuple[Repo, list[str]]],
    registry: CargoRegistry,
    proxy: Proxy,
    github: FakeGitHub,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo, names = workspace_repo(crates_config(github), count=3)
    proxy.reject = {names[1]: f"crate `{names[1]}` is owned by another user"}
    assert main(["release", "v0.2.0", "-C", str(repo.path)]) == 3
    err = capsys.readouterr().err
    assert f"cargo publish of {names[1]} 0.2.0 to {REGISTRY} failed" in err
    assert "owned by another user" in err
    assert _published(registry) == [f"{names[0]} in version 0.2.0"]
    assert github.public_release("v0.2.0") is None


@pytest.mark.usefixtures("proxy")
def test_a_publish_whose_answer_was_lost_counts_when_the_index_has_it(
    workspace_repo: Callable[..., tuple[Repo, list[str]]],
    registry: CargoRegistry,
    proxy: Proxy,
    github: FakeGitHub,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo, names = workspace_repo(crates_config(github), count=2)
    proxy.lose_answer = {names[0]}
    assert main(["release", "v0.2.0", "-C", str(repo.path)]) == 0
    out = capsys.readouterr().out
    assert f"{names[0]} 0.2.0 is in the registry (cargo exited 101)" in out
    assert _published(registry) == [f"{name} in version 0.2.0" for name in names]


@pytest.mark.usefixtures("proxy")
def test_a_missing_token_stops_before_anything_changes(
    workspace_repo: Callable[..., tuple[Repo, list[str]]],
    registry: CargoRegistry,
    github: FakeGitHub,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo, _ = workspace_repo(crates_config(github))
    before = repo.snapshot()
    monkeypatch.delenv(f"CARGO_REGISTRIES_{REGISTRY.upper()}_TOKEN")
    assert main(["release", "v0.2.0", "-C", str(repo.path)]) == 2
    assert f"$CARGO_REGISTRIES_{REGISTRY.upper()}_TOKEN" in capsys.readouterr().err
    assert repo.snapshot() == before
    assert registry.publish_log() == [] and github.requests == []


def test_the_index_url_comes_from_settings_env_or_cargo_config(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / ".cargo").mkdir(parents=True)
    home = tmp_path / "cargo-home"
    home.mkdir()
    env = {"CARGO_HOME": str(home)}
    named = CratesIoSettings(registry="my-reg")
    with pytest.raises(
        UsageError, match=r"'my-reg' has no index URL.*CARGO_REGISTRIES_MY_REG_INDEX"
    ):
        index_url(named, project, env)
    (home / "config.toml").write_text('[registries.my-reg]\nindex = "sparse+https://home/"\n')
    assert index_url(named, project, env) == "sparse+https://home/"
    (project / ".cargo" / "config.toml").write_text(
        '[registries.my-reg]\nindex = "file:///project-index"\n'
    )
    assert index_url(named, project, env) == "file:///project-index"  # the project's wins
    env["CARGO_REGISTRIES_MY_REG_INDEX"] = "sparse+http://127.0.0.1:1/"
    assert index_url(named, project, env) == "sparse+http://127.0.0.1:1/"
    assert index_url(CratesIoSettings(), project, env) == CRATES_IO_INDEX
    for evil in ("--upload-pack=evil", "ext::sh -c touch% pwned", "fd::3", ""):
        with pytest.raises(UsageError, match="not an index URL"):
            index_url(CratesIoSettings(index=evil or " "), project, env)
    (project / ".cargo" / "config.toml").write_text(
        '[registries.my-reg]\nindex = "ext::sh -c touch% pwned"\n'
    )
    with pytest.raises(UsageError, match=r"registries.my-reg.index in .*not an index URL"):
        index_url(named, project, {"CARGO_HOME": str(home)})
    for good in ("git@example.com:index.git", "ssh://git@example.com/index", "git://h/i"):
        assert index_url(CratesIoSettings(index=good), project, env) == good
    (project / ".cargo" / "config.toml").write_text("[registries\n")
    with pytest.raises(UsageError, match="cannot read the cargo configuration"):
        index_url(CratesIoSettings(registry="other"), project, {"CARGO_HOME": str(home)})


def test_a_bad_registry_name_is_a_config_error(
    workspace_repo: Callable[..., tuple[Repo, list[str]]],
    github: FakeGitHub,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo, _ = workspace_repo(crates_config(github).replace(f'"{REGISTRY}"', '"--index=x"'))
    assert main(["release", "v0.2.0", "--dry-run", "-C", str(repo.path)]) == 2
    assert "release.crates-io.registry" in capsys.readouterr().err


def test_a_sparse_index_is_read_over_http_and_an_unreachable_one_is_exit_3(
    tmp_path: Path,
) -> None:
    from ferrox.errors import ToolError
    from ferrox.release.publishers.crates_index import CrateIndex
    from ferrox.tools import ToolRunner

    files = tmp_path / "index"
    (files / "fx" / "-z").mkdir(parents=True)
    (files / "fx" / "-z" / "fx-z01").write_text(
        '{"name":"fx-z01","vers":"0.1.0"}\n{"name":"fx-z01","vers":"0.2.0","yanked":true}\n'
    )
    (files / "2").mkdir()
    (files / "2" / "xy").write_text("not json\n")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(files))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"sparse+http://127.0.0.1:{server.server_address[1]}/"
        index = CrateIndex(url, ToolRunner(), tmp_path / "cache", 60)
        assert index.versions("fx-z01") == {"0.1.0", "0.2.0"}  # a yanked version is taken too
        assert index.versions("fx-z99") == set()  # 404: no such crate
        with pytest.raises(ToolError, match="unreadable"):
            index.versions("xy")
    finally:
        server.shutdown()
        server.server_close()
    with pytest.raises(ToolError, match="cannot read the registry index"):
        index.versions("fx-z01")  # the server is gone
    missing = CrateIndex(f"file://{tmp_path}/nowhere", ToolRunner(), tmp_path / "cache", 60)
    with pytest.raises(ToolError, match="cannot fetch the registry index"):
        missing.versions("fx-z01")


def test_an_index_serving_another_crates_entries_is_exit_3_not_already_published(
    tmp_path: Path,
) -> None:
    """A misconfigured index answering another crate's file: its versions must not count as
    this crate's (the crate would be skipped as "in the registry already")."""
    from ferrox.errors import ToolError
    from ferrox.release.publishers.crates_index import CrateIndex
    from ferrox.tools import ToolRunner

    row = fault("T34")
    files = tmp_path / "index" / "fx" / "-a"
    files.mkdir(parents=True)
    (files / "fx-a01").write_text('{"name":"serde","vers":"0.1.0"}\n')
    (files / "fx-a02").write_text('{"name":"FX-A02","vers":"0.1.0"}\n{"name":"fx-a02","vers":7}\n')
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(tmp_path / "index")
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"sparse+http://127.0.0.1:{server.server_address[1]}/"
        index = CrateIndex(url, ToolRunner(), tmp_path / "cache", 60)
        with pytest.raises(ToolError, match=row.message) as raised:
            index.versions("fx-a01")
        assert raised.value.exit_code == row.exit
        with pytest.raises(ToolError, match="line 2"):  # a version that is not a string
            index.versions("fx-a02")
    finally:
        server.shutdown()
        server.server_close()


def test_a_git_index_tells_a_missing_crate_from_an_unreadable_index(tmp_path: Path) -> None:
    from ferrox.errors import ToolError
    from ferrox.release.publishers.crates_index import CrateIndex
    from ferrox.tools import ToolRunner

    source = tmp_path / "git-index"
    (source / "fx" / "-b").mkdir(parents=True)
    (source / "fx" / "-b" / "fx-b01").write_text('{"name":"fx-b01","vers":"1.0.0"}\n')
    git(tmp_path, "init", "-q", "-b", "main", str(source))
    git(source, "add", "-A")
    git(source, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "index")
    index = CrateIndex(f"file://{source}", ToolRunner(), tmp_path / "cache", 60)
    assert index.versions("fx-b01") == {"1.0.0"}
    assert index.versions("fx-b99") == set()  # no file: no such crate
    # The fetched clone loses its objects: that is no verdict, not "no such crate".
    shutil.rmtree(index.clone / "objects")
    (index.clone / "objects").mkdir()
    with pytest.raises(ToolError, match="cannot read the registry index") as raised:
        index.versions("fx-b01")
    assert raised.value.exit_code == 3


def test_publish_arguments_cannot_be_read_as_options_and_a_bare_429_is_no_rate_limit() -> None:
    job = type("Job", (), {"settings": type("S", (), {"crates_io": CratesIoSettings()})()})()
    assert crates_io._argv(job, "fx-a01") == [  # type: ignore[arg-type]
        "publish", "--registry=crates-io", "--package=fx-a01",
    ]  # fmt: skip
    limited = crates_io._RATE_LIMITED
    assert limited.search(
        "the remote server responded with an error (status 429 Too Many Requests)"
    )
    assert limited.search("failed to get a 200 OK response, got 429")
    assert not limited.search("error: fx-a01 1.429.0 failed to verify: 429 tests failed")
