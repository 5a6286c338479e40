"""The publisher against a real registry: Debian's docker-registry (distribution 2.8) on
127.0.0.1, started by the fixture. An image is pushed, its local copies removed, pulled back and
run."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from docker_support import PREFIX, free_port, registry, remove_images
from ferrox.docker import builder, images
from ferrox.docker.binary import static_binary
from ferrox.docker.dockerfiles import render
from ferrox.docker.publish import check_registry, publish
from ferrox.errors import ConfigError, ToolError
from ferrox.rust.workspace import load_workspace
from ferrox.tools import ToolRunner

DEMO = Path(__file__).parents[2] / "examples" / "demo"
__all__ = ["registry"]  # the fixture, used by the tests below


@pytest.fixture(scope="module")
def minimal_image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo's minimal image, built by ID (untagged)."""
    runner = ToolRunner()
    workspace = load_workspace(runner, DEMO)
    binary = static_binary(runner, DEMO, workspace, wanted="", source="test", timeout=600)
    context = tmp_path_factory.mktemp("context")
    shutil.copy2(binary.path, context / binary.name)
    dockerfile = context.parent / "Dockerfile.minimal"
    dockerfile.write_text(render("minimal", binary.name))
    chosen = builder.detect_builder(runner, DEMO, 60, "auto")
    outcome = builder.build(
        runner, chosen, root=DEMO, dockerfile=dockerfile, context=context,
        build_arguments={"BASE_IMAGE": "scratch"}, platform=None, timeout=600,
    )  # fmt: skip
    assert outcome.image_id, outcome.output_tail
    yield outcome.image_id
    images.remove(ToolRunner(), DEMO, [outcome.image_id], 60)


def test_pushed_image_pulls_back_and_runs(registry: str, minimal_image: str) -> None:
    runner = ToolRunner()
    repository = f"{PREFIX.partition('/')[2]}/demo-minimal"
    pushed = publish(
        runner, DEMO, image_id=minimal_image, registry=registry, repository=repository,
        tags=["0.1.0", "latest"], timeout=120,
    )  # fmt: skip
    assert [p.reference for p in pushed] == [
        f"{registry}/{repository}:0.1.0",
        f"{registry}/{repository}:latest",
    ]
    assert all(p.digest.startswith("sha256:") for p in pushed)
    # Gone locally, then back from the registry.
    images.remove(runner, DEMO, [p.reference for p in pushed], 60)
    pulled = subprocess.run(
        ["docker", "pull", pushed[0].reference], capture_output=True, check=False
    )
    assert pulled.returncode == 0, pulled.stderr
    ran = subprocess.run(
        ["docker", "run", "--rm", pushed[0].reference, "--version"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert ran.returncode == 0 and ran.stdout.startswith("demo-cli 0.1.0")


def test_push_to_an_unreachable_registry_is_a_tool_error(minimal_image: str) -> None:
    with pytest.raises(ToolError, match="docker push") as caught:
        publish(
            ToolRunner(), DEMO, image_id=minimal_image, registry=f"127.0.0.1:{free_port()}",
            repository="ferrox-test/unreachable", tags=["x"], timeout=120,
        )  # fmt: skip
    assert "connection refused" in str(caught.value).lower()
    remove_images("127.0.0.1:")


@pytest.mark.parametrize(
    "registry", ["https://ghcr.io", "user:token@ghcr.io", "ghcr.io/--all", "-H evil", "", "a//b"]
)
def test_registry_must_be_host_port_and_namespace(registry: str) -> None:
    with pytest.raises(ConfigError, match=r"docker\.registry"):
        check_registry(registry)
