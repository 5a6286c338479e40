"""The publisher's own ``docker login`` against a real registry that wants a password: Debian's
docker-registry with htpasswd auth on 127.0.0.1. Without the login a push is refused; with it the
push lands; a wrong token is a tool error; the token is in no argv, output or record, and the
docker config that held it is gone afterwards."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import tarfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from docker_support import PREFIX, TOKEN, USER, remove_images, secured_registry
from ferrox.docker import images
from ferrox.docker.login import logged_in, registry_host
from ferrox.docker.publish import publish
from ferrox.errors import ConfigError, ToolError
from ferrox.masking import Masker
from ferrox.tools import ToolRunner


@pytest.fixture(scope="module")
def tiny_image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A one-file image made by `docker import` (this machine pulls no image)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        data = b"ferrox login test\n"
        info = tarfile.TarInfo("hello.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    reference = f"{PREFIX}/login-tiny:1"
    done = subprocess.run(
        ["docker", "import", "-", reference], input=buffer.getvalue(), capture_output=True,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    yield reference
    remove_images(f"{PREFIX}/login-tiny")


def _runner() -> ToolRunner:
    # The masker a release builds from its environment does not know this token: the login
    # must add it itself.
    return ToolRunner(masker=Masker())


def _push(runner: ToolRunner, root: Path, registry: str, image: str) -> None:
    publish(
        runner, root, image_id=image, registry=f"{registry}/ns", repository="login/tiny",
        tags=["1"], timeout=120,
    )  # fmt: skip


def test_without_login_the_secured_registry_refuses_the_push(
    secured_registry: str, tiny_image: str, tmp_path: Path
) -> None:
    runner = _runner().with_env({"DOCKER_CONFIG": str(tmp_path)})  # surely logged in nowhere
    with pytest.raises(ToolError, match="docker push"):
        _push(runner, tmp_path, secured_registry, tiny_image)


def test_login_pushes_and_the_token_shows_nowhere(
    secured_registry: str, tiny_image: str, tmp_path: Path
) -> None:
    runner = _runner()
    with logged_in(
        runner, tmp_path, f"{secured_registry}/ns", username=USER, token=TOKEN, timeout=60
    ) as inner:
        config = Path(inner.env["DOCKER_CONFIG"])
        assert (config / "config.json").is_file()
        assert oct(config.stat().st_mode & 0o777) == "0o700"
        _push(inner, tmp_path, secured_registry, tiny_image)
        # The login's output (docker warns about unencrypted storage) is masked.
        assert inner.masker.mask(f"x {TOKEN} y") == "x *** y"
    assert not config.exists(), "the docker config holding the token outlives the push"
    assert registry_tags_with_auth(secured_registry) == ["1"]
    shown = repr(runner.records)
    assert "login" in shown and "--password-stdin" in shown
    assert TOKEN not in shown
    images.remove(runner, tmp_path, [f"{secured_registry}/ns/login/tiny:1"], 60)


def test_a_wrong_token_is_a_tool_error_without_the_token(
    secured_registry: str, tmp_path: Path
) -> None:
    wrong = "not-the-token-0b1c2d3e4f"
    login = logged_in(_runner(), tmp_path, secured_registry, username=USER, token=wrong, timeout=60)
    with pytest.raises(ToolError, match="docker login") as caught, login:
        pytest.fail("logged in with a wrong token")
    assert caught.value.exit_code == 3
    assert wrong not in str(caught.value) and wrong not in repr(caught.value.__dict__)


def test_the_registry_host_is_validated_before_docker_sees_it(tmp_path: Path) -> None:
    assert registry_host("ghcr.io/owner/sub") == "ghcr.io"
    assert registry_host("127.0.0.1:5000") == "127.0.0.1:5000"
    for bad in ("--config=/tmp", "-u", "user:pw@ghcr.io", "https://ghcr.io"):
        login = logged_in(_runner(), tmp_path, bad, username=USER, token=TOKEN, timeout=60)
        with pytest.raises(ConfigError, match=r"docker\.registry"), login:
            pass


def registry_tags_with_auth(address: str) -> list[str]:
    """The pushed repository's tags, asked with USER/TOKEN (the registry wants them)."""
    request = urllib.request.Request(f"http://{address}/v2/ns/login/tiny/tags/list")
    basic = base64.b64encode(f"{USER}:{TOKEN}".encode()).decode()
    request.add_header("Authorization", f"Basic {basic}")
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - http://127.0.0.1
        return sorted(json.loads(answer.read())["tags"])


__all__ = ["secured_registry"]  # the fixture, used by the tests above
