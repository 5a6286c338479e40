"""The pypi publisher: wheel and sdist uploaded with twine to a real pypiserver on 127.0.0.1."""

from __future__ import annotations

import http.server
import json
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from github_fake import FakeGitHub
from pypi_server import PypiServer, free_port, start_pypiserver
from release_repo import Repo, git, write_config

from ferrox.cli import main
from ferrox.errors import ToolError
from ferrox.release.publishers.pypi import distributions, index_files
from trust_faults import fault

JOURNAL = Path("target") / "ferrox" / "release-journal.json"
PYPI_TOKEN = "pypi-fixtureUPLOADtoken0123456789"  # noqa: S105 - pypiserver checks no token
FILES = ["ferrox_pub_demo-0.2.0-py3-none-any.whl", "ferrox_pub_demo-0.2.0.tar.gz"]


def test_only_wheels_and_sdists_are_distributions() -> None:
    assets = tuple(
        Path(name)
        for name in (
            "demo-cli-v0.2.0-x86_64-unknown-linux-gnu.tar.gz",
            "demo-cli-v0.2.0-x86_64-pc-windows-gnu.zip",
            "mixed_demo-0.2.0rc1-py3-none-any.whl",
            "mixed_demo-0.2.0rc1.tar.gz",
            "SHA256SUMS",
        )
    )
    assert [path.name for path in distributions(assets)] == [
        "mixed_demo-0.2.0rc1-py3-none-any.whl",
        "mixed_demo-0.2.0rc1.tar.gz",
    ]


@pytest.fixture
def pypi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PypiServer]:
    server = start_pypiserver(tmp_path / "packages")
    monkeypatch.setenv("PYPI_TOKEN", PYPI_TOKEN)
    yield server
    server.stop()


def pypi_config(github: FakeGitHub, url: str) -> str:
    return (
        "[release]\ngates = []\npython_isolation = false\n"
        'publishers = ["git", "pypi", "github"]\n'
        f'github_repository = "ferrox-dev/demo"\napi_url = "{github.url}"\n\n'
        f'[release.pypi]\nrepository_url = "{url}"\n'
    )


@pytest.fixture
def python_repo(tmp_path: Path, git_env: dict[str, str]) -> Callable[[str], Repo]:
    """A git repository of a tiny pure-Python project (hatchling), pushed to a bare remote."""

    def make(config: str) -> Repo:
        remote = tmp_path / "py-remote.git"
        git(tmp_path, "init", "-q", "--bare", str(remote))
        path = tmp_path / "py"
        (path / "src" / "ferrox_pub_demo").mkdir(parents=True)
        (path / "src" / "ferrox_pub_demo" / "__init__.py").write_text('"""Demo."""\n')
        (path / "pyproject.toml").write_text(
            '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
            '[project]\nname = "ferrox-pub-demo"\nversion = "0.1.0"\n'
            'description = "ferrox publisher test"\nrequires-python = ">=3.10"\n\n'
            '[tool.hatch.build.targets.sdist]\nexclude = ["target", "ferrox.toml"]\n'
        )
        (path / ".gitignore").write_text("target/\ndist/\n")
        git(path, "init", "-q", "-b", "main")
        git(path, "add", "-A")
        git(path, "commit", "-q", "-m", "feat: the package")
        git(path, "remote", "add", "origin", str(remote))
        write_config(path, config)
        git(path, "push", "-q", "origin", "main")
        return Repo(path, remote)

    return make


def test_wheel_and_sdist_go_to_the_index_and_the_release_goes_public_last(
    python_repo: Callable[[str], Repo],
    pypi: PypiServer,
    github: FakeGitHub,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = python_repo(pypi_config(github, pypi.url))
    assert main(["release", "v0.2.0", "-C", str(repo.path)]) == 0
    out = capsys.readouterr().out
    assert pypi.files() == FILES
    assert all(f"pypi: uploaded {name}" in out for name in FILES)
    assert PYPI_TOKEN not in out
    release = github.public_release("v0.2.0")
    assert release is not None
    assert sorted(a["name"] for a in github.assets[release["id"]]) == ["SHA256SUMS", *FILES]
    # Draft first, public last: the PATCH is the final request.
    assert github.requests[-1].method == "PATCH"
    assert json.loads(github.requests[-1].body) == {"draft": False, "tag_name": "v0.2.0"}


def test_files_the_index_has_are_skipped_and_an_unreachable_index_is_resumable(
    python_repo: Callable[[str], Repo],
    tmp_path: Path,
    github: FakeGitHub,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PYPI_TOKEN", PYPI_TOKEN)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    repo = python_repo(pypi_config(github, url))
    # Nothing listens: the index cannot be read, the release stops partly published (exit 3).
    assert main(["release", "v0.2.0", "-C", str(repo.path)]) == 3
    err = capsys.readouterr().err
    assert f"cannot read the package index at {url}simple/ferrox-pub-demo/" in err
    assert "--resume" in err
    assert PYPI_TOKEN not in err
    assert (repo.path / JOURNAL).exists()
    # The index comes up holding the sdist already (an earlier, interrupted upload).
    packages = tmp_path / "packages"
    packages.mkdir()
    built = repo.path / "target" / "ferrox" / "release" / "v0.2.0"
    shutil.copy(built / FILES[1], packages / FILES[1])
    server = start_pypiserver(packages, port)
    try:
        assert main(["release", "--resume", "-C", str(repo.path)]) == 0
        out = capsys.readouterr().out
        assert f"pypi: already on the index {FILES[1]}" in out
        assert f"pypi: uploaded {FILES[0]}" in out
        assert server.files() == FILES
        assert github.public_release("v0.2.0") is not None
    finally:
        server.stop()


def test_a_missing_pypi_token_is_a_usage_error_before_anything_changes(
    python_repo: Callable[[str], Repo],
    github: FakeGitHub,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("PYPI_TOKEN", raising=False)
    repo = python_repo(pypi_config(github, "http://127.0.0.1:9/"))
    before = repo.snapshot()
    assert main(["release", "v0.2.0", "-C", str(repo.path)]) == 2
    assert "$PYPI_TOKEN" in capsys.readouterr().err
    assert repo.snapshot() == before


def test_a_repository_url_that_is_not_http_is_a_config_error(
    python_repo: Callable[[str], Repo], github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = python_repo(pypi_config(github, "--repository-url=x"))
    assert main(["release", "v0.2.0", "--dry-run", "-C", str(repo.path)]) == 2
    assert "release.pypi.repository_url" in capsys.readouterr().err


def test_an_upload_the_index_refuses_is_exit_3(
    python_repo: Callable[[str], Repo],
    tmp_path: Path,
    pypi: PypiServer,
    github: FakeGitHub,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The simple API says the files are missing, the upload server has one: its refusal is a
    failed release (pypiserver refuses to overwrite), never a silent pass."""
    uploads = start_pypiserver(tmp_path / "upload-packages")
    try:
        config = pypi_config(github, uploads.url) + f'simple_url = "{pypi.url}simple/"\n'
        repo = python_repo(config)
        assert main(["release", "v0.2.0", "--dry-run", "-C", str(repo.path)]) == 0
        assert f"GET {pypi.url}simple/<project>/" in capsys.readouterr().out
        (uploads.packages / FILES[0]).write_bytes(b"an earlier upload")
        assert main(["release", "v0.2.0", "-C", str(repo.path)]) == 3
        err = capsys.readouterr().err
        assert f"twine upload to {uploads.url} failed" in err
        assert PYPI_TOKEN not in err
        assert github.public_release("v0.2.0") is None
    finally:
        uploads.stop()


class _JsonIndex(http.server.BaseHTTPRequestHandler):
    """A package index that answers PEP 691's JSON (or a proxy's JSON error), not HTML."""

    def log_message(self, *args: object) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        body = json.dumps({"files": [{"filename": FILES[0]}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_an_index_page_that_is_not_a_simple_html_page_is_exit_3() -> None:
    row = fault("T35")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _JsonIndex)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(ToolError, match=row.message) as raised:
            index_files(f"http://127.0.0.1:{server.server_address[1]}/simple/", "ferrox-pub-demo")
        assert raised.value.exit_code == row.exit
    finally:
        server.shutdown()
        server.server_close()


def test_a_password_in_the_index_url_never_reaches_the_output(
    python_repo: Callable[[str], Repo],
    github: FakeGitHub,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PYPI_TOKEN", PYPI_TOKEN)
    password = "s3cretURLpassw0rd"  # noqa: S105 - a fixture
    url = f"http://uploader:{password}@127.0.0.1:{free_port()}/"
    repo = python_repo(pypi_config(github, url))
    assert main(["release", "v0.2.0", "--dry-run", "-C", str(repo.path)]) == 0
    out = capsys.readouterr().out
    assert "http://uploader:***@127.0.0.1" in out and password not in out
    # A real run: the index cannot be read; neither the message nor the journal has it.
    assert main(["release", "v0.2.0", "-C", str(repo.path)]) == 3
    captured = capsys.readouterr()
    assert password not in captured.out + captured.err
    assert "cannot read the package index at http://uploader:***@" in captured.err
    assert password not in (repo.path / JOURNAL).read_text()
