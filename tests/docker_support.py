"""Shared pieces of the docker tests: stand-in bases, demo copies, image clean-up.

Every image a test creates is named under ``ferrox-test/`` and removed by the fixtures here.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ferrox.docker.standin import import_standin
from ferrox.tools import ToolRunner
from gitrepo import init_committed

REPO = Path(__file__).parents[1]
DEMO = REPO / "examples" / "demo"

# Names no one else uses: this process's images, removed at the end.
PREFIX = f"ferrox-test/t{os.getpid()}"
CPU_BASE = "ferrox-test/bookworm-slim-standin:test"
GPU_BASE = "ferrox-test/cuda-runtime-standin:test"
DOCKERFILES = REPO / "scripts" / "docker"
DEMO_DOCKER_TABLE = '[docker]\ndockerfile_dir = "../../scripts/docker"\n'


def import_bases() -> None:
    """The stand-in bases of the cpu and gpu images (a busybox root filesystem each)."""
    runner = ToolRunner()
    for reference in (CPU_BASE, GPU_BASE):
        import_standin(runner, REPO, reference)


def demo_project(destination: Path, config: str, *, git: bool = True) -> Path:
    """A copy of the demo with this repository's Dockerfiles and ``config`` in its ferrox.toml."""
    shutil.copytree(DEMO, destination, ignore=shutil.ignore_patterns("target"))
    shutil.copytree(DOCKERFILES, destination / "scripts" / "docker")
    toml = destination / "ferrox.toml"
    # The demo's own [docker] table points at ../../scripts/docker: the copy has its own.
    text = toml.read_text().replace(DEMO_DOCKER_TABLE, "")
    assert "[docker]" not in text
    toml.write_text(text + "\n" + config)
    if git:
        init_committed(destination)
    return destination


def docker_config(image: str, extra: str = "", **variant_lines: str) -> str:
    """A ``[docker]`` table building on the stand-in bases, plus per-variant lines."""
    tables = {
        "cpu": f'base = "{CPU_BASE}"\n',
        "gpu": f'base = "{GPU_BASE}"\n',
        "minimal": "",
    }
    text = f'[docker]\nimage = "{image}"\n{extra}'
    for variant, lines in tables.items():
        own = variant_lines.get(variant, "")
        # A variant's own base replaces the stand-in.
        text += f"[docker.{variant}]\n{'' if 'base =' in own else lines}{own}"
    return text


def references(prefix: str) -> list[str]:
    """Every ``repository:tag`` whose repository starts with ``prefix``."""
    done = subprocess.run(
        ["docker", "image", "ls", "--format", "{{json .}}"],
        capture_output=True,
        text=True,
        check=True,
    )
    found = []
    for line in done.stdout.splitlines():
        row = json.loads(line)
        if row["Repository"].startswith(prefix):
            found.append(f"{row['Repository']}:{row['Tag']}")
    return found


def remove_images(prefix: str) -> None:
    """Removes every image tagged under ``prefix``."""
    tagged = references(prefix)
    if tagged:
        subprocess.run(
            ["docker", "image", "rm", "--force", *tagged], capture_output=True, check=False
        )


REGISTRY_CONFIG = """\
version: 0.1
storage:
  filesystem:
    rootdirectory: {storage}
http:
  addr: 127.0.0.1:{port}
"""


def free_port() -> int:
    """A TCP port nothing listens on (now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A distribution registry on 127.0.0.1:<free port> (the docker daemon trusts loopback)."""
    with serve_registry(tmp_path_factory.mktemp("registry")) as address:
        yield address


@contextmanager
def serve_registry(directory: Path, extra_config: str = "") -> Iterator[str]:
    """Debian's docker-registry serving from ``directory`` (``extra_config``: more YAML, such
    as an ``auth:`` table); yields its address."""
    program = shutil.which("docker-registry")
    assert program, "install Debian's docker-registry (python ci/bootstrap.py)"
    port = free_port()
    config = directory / "config.yml"
    config.write_text(REGISTRY_CONFIG.format(storage=directory / "data", port=port) + extra_config)
    log = (directory / "registry.log").open("wb")
    process = subprocess.Popen([program, "serve", str(config)], stdout=log, stderr=log)
    address = f"127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{address}/v2/", timeout=1):
                break
        except urllib.error.HTTPError:  # 401: up, and asking for credentials
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("docker-registry did not answer: " + (directory / "registry.log").read_text())
    try:
        yield address
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
        remove_images(address)


USER = "ferrox"
TOKEN = "ghs_t0ken-that-must-never-show-3f9a"  # noqa: S105 - the test registry's own password
_AUTH = """\
auth:
  htpasswd:
    realm: ferrox-test
    path: {path}
"""


def _bcrypt(password: str) -> str:
    """A bcrypt hash (what the registry's htpasswd wants) from libcrypt; no bcrypt package."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        crypt = pytest.importorskip("crypt", reason="the crypt module (Python < 3.13)")
    hashed: str = crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))
    if not hashed or not hashed.startswith("$2"):
        pytest.skip("this libcrypt has no bcrypt")
    return hashed


@pytest.fixture(scope="module")
def secured_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A registry that accepts USER with password TOKEN only (htpasswd auth)."""
    directory = tmp_path_factory.mktemp("secured-registry")
    htpasswd = directory / "htpasswd"
    htpasswd.write_text(f"{USER}:{_bcrypt(TOKEN)}\n")
    with serve_registry(directory, _AUTH.format(path=htpasswd)) as address:
        yield address


def registry_tags(address: str, repository: str) -> list[str]:
    """The tags the registry holds for ``repository`` (its HTTP API)."""
    with urllib.request.urlopen(f"http://{address}/v2/{repository}/tags/list", timeout=10) as r:
        return sorted(json.loads(r.read())["tags"] or [])
