"""ci/requirements.txt: every distribution pinned with every file hash, accepted by pip."""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from ferrox.ci import requirements
from ferrox.ci.requirements import Pin, render, requirement_pins
from ferrox.errors import ConfigError, ToolError


def test_pins_install_with_require_hashes(tmp_path: Path) -> None:
    """Real PyPI: the file for nox resolves, and pip --require-hashes accepts it whole."""
    pins = requirement_pins([f"nox=={version('nox')}"], "3.12")
    names = {pin.name for pin in pins}
    assert {"nox", "virtualenv", "colorlog", "packaging"} <= names
    colorama = next(pin for pin in pins if pin.name == "colorama")
    assert colorama.marker == 'sys_platform == "win32"'  # only Windows runners need it
    assert all(pin.hashes for pin in pins)
    path = tmp_path / "requirements.txt"
    path.write_text(render(pins, note="test"))
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "-q",
         "--require-hashes", "-r", str(path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def document(
    name: str, releases: dict[str, list[dict[str, Any]]], requires: list[str]
) -> dict[str, Any]:
    newest = sorted(releases)[-1]
    return {
        "info": {"name": name, "version": newest, "requires_dist": requires},
        "releases": releases,
    }


def files(*digests: str, yanked: bool = False) -> list[dict[str, Any]]:
    return [{"digests": {"sha256": d}, "yanked": yanked} for d in digests]


DOCUMENTS = {
    "zz-top": document(
        "zz-top",
        {"1.0": files("a1", "a2")},
        ["zz-dep>=2", "zz-win; sys_platform == 'win32'", "zz-extra; extra == 'x'"],
    ),
    "zz-dep": document(
        "zz-dep", {"2.0": files("b1"), "3.0": files("c1", yanked=True), "1.0": files("old")}, []
    ),
    "zz-win": document("zz-win", {"0.5": files("d1")}, []),
}


def test_markers_yanked_releases_and_extras() -> None:
    pins = requirement_pins(["zz-top"], "3.12", fetch=DOCUMENTS.get)
    assert pins == [
        Pin("zz-dep", "2.0", ("b1",)),
        Pin("zz-top", "1.0", ("a1", "a2")),
        Pin("zz-win", "0.5", ("d1",), 'sys_platform == "win32"'),
    ]
    assert Pin("a", "1", ("h1", "h2"), "os_name == 'nt'").line() == (
        "a==1 ; os_name == 'nt' \\\n    --hash=sha256:h1 \\\n    --hash=sha256:h2"
    )


def test_unknown_or_unmatched_packages_fail_closed() -> None:
    with pytest.raises(ConfigError, match="zz-nope is not on PyPI"):
        requirement_pins(["zz-nope"], "3.12", fetch=DOCUMENTS.get)
    with pytest.raises(ConfigError, match="no release of zz-dep"):
        requirement_pins(["zz-dep>=9"], "3.12", fetch=DOCUMENTS.get)
    empty = {"zz-e": document("zz-e", {"1.0": files("x", yanked=True), "0.1": files("y")}, [])}
    pins = requirement_pins(["zz-e"], "3.12", fetch=empty.get)
    assert pins == [Pin("zz-e", "0.1", ("y",))]


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = {"/pypi/missing/json": 404, "/pypi/broken/json": 500}.get(self.path, 200)
        self.send_response(status)
        self.end_headers()
        self.wfile.write(
            b'{"info": {}}' if status == 200 and "garbage" not in self.path else b"<html>"
        )

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def loopback(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A PyPI JSON stand-in on 127.0.0.1 (to inject server errors PyPI will not give on demand)."""
    server = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(requirements, "PYPI", f"http://127.0.0.1:{server.server_port}/pypi")
    yield
    server.shutdown()


@pytest.mark.usefixtures("loopback")
def test_fetch_maps_http_answers() -> None:
    assert requirements.fetch_pypi("fine") == {"info": {}}
    assert requirements.fetch_pypi("missing") is None
    with pytest.raises(ToolError, match="PyPI answered 500"):
        requirements.fetch_pypi("broken")
    with pytest.raises(ToolError, match="cannot read"):
        requirements.fetch_pypi("garbage")


def test_fetch_fails_closed_when_pypi_is_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(requirements, "PYPI", "http://127.0.0.1:9/pypi")
    with pytest.raises(ToolError, match="cannot read"):
        requirements.fetch_pypi("nox")


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("", "is empty"),
        ("https://example.invalid/ferrox-1.0-py3-none-any.whl", "#sha256=<64 hex digits>"),
        ("https://example.invalid/ferrox-1.0-py3-none-any.whl#sha256=abc", "#sha256=<64 hex"),
        ("http://example.invalid/ferrox-1.0-py3-none-any.whl#sha256=" + "a" * 64, "https://"),
        ("https://example.invalid/ferrox-1.0.tar.gz#sha256=" + "a" * 64, ".whl"),
    ],
    ids=["empty", "no-hash", "short-hash", "http", "sdist"],
)
def test_a_wheel_source_needs_an_https_wheel_and_its_hash(spec: str, problem: str) -> None:
    from ferrox.config import ConfigSource

    with pytest.raises(ConfigError) as caught:
        requirements.wheel_line("ferrox", spec, ConfigSource(Path("ferrox.toml"), (), {}))
    assert problem in str(caught.value)
    assert "ci.ferrox_wheel" in str(caught.value)


def test_a_wheel_pinned_by_hash_installs_and_a_wrong_hash_is_refused(tmp_path: Path) -> None:
    """A real ferrox wheel, built here, pinned by URL and sha256: pip --require-hashes takes it."""
    import hashlib

    from ferrox.config import ConfigSource

    repo = Path(__file__).parents[2]
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(repo)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("ferrox_ci-*.whl")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    source = ConfigSource(Path("ferrox.toml"), (), {})
    for sha, expected in ((digest, 0), ("0" * 64, 1)):
        line = requirements.wheel_line("ferrox-ci", f"{wheel.as_uri()}#sha256={sha}", source)
        path = tmp_path / "requirements.txt"
        path.write_text(render([], note="test", extra_lines=(line,)))
        done = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "-q",
             "--ignore-installed", "--require-hashes", "-r", str(path)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert (done.returncode != 0) == bool(expected), done.stderr
        if expected:
            assert "THESE PACKAGES DO NOT MATCH THE HASHES" in done.stderr
