"""The docker step on the demo, for real: the classic builder here (no buildx plugin), the
minimal image FROM scratch, cpu and gpu on local stand-in bases (busybox root filesystems made by
ferrox.docker.standin: no image can be pulled on this machine)."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from docker_support import (
    CPU_BASE,
    GPU_BASE,
    PREFIX,
    demo_project,
    docker_config,
    import_bases,
    references,
    remove_images,
)
from ferrox.cli import main
from ferrox.steps.docker import IMAGES_REPORT


@pytest.fixture(scope="module", autouse=True)
def _images(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Stand-in bases in, every image of this module out at the end; one cargo target dir."""
    import_bases()
    target = tmp_path_factory.mktemp("docker-target")
    with pytest.MonkeyPatch.context() as patch:
        # Every demo copy shares one target dir: the static binary is built once.
        patch.setenv("CARGO_TARGET_DIR", str(target))
        yield
    remove_images(PREFIX)
    remove_images(CPU_BASE.partition(":")[0])
    remove_images(GPU_BASE.partition(":")[0])


@pytest.fixture(scope="module")
def full_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """All three images of the demo, built, gated and tagged once for the module."""
    root = demo_project(tmp_path_factory.mktemp("full") / "demo", docker_config(f"{PREFIX}/full"))
    reports = root / "reports"
    code = main(["run", "docker", "-C", str(root), "--report-dir", str(reports), "--", "--release"])
    return {
        "code": code,
        "root": root,
        "report": json.loads((reports / "docker.json").read_text()),
        "images": json.loads((reports / IMAGES_REPORT).read_text()),
    }


def test_three_images_build_pass_their_gates_and_are_tagged(full_run: dict[str, Any]) -> None:
    assert full_run["code"] == 0, full_run["report"]
    report = full_run["report"]
    assert report["status"] == "pass"
    gates = {gate["name"]: gate["passed"] for gate in report["gates"]}
    for variant in ("cpu", "gpu", "minimal"):
        assert gates[f"{variant}_built"] and gates[f"{variant}_size_mb"]
        assert gates[f"{variant}_smoke_failures"]
    assert gates["hadolint"]
    # Version, short SHA and (with --release) latest, under <image>-<variant>.
    rows = {row["variant"]: row for row in full_run["images"]["images"]}
    tags = rows["minimal"]["tags"]
    assert f"{PREFIX}/full-minimal:0.1.0" in tags and f"{PREFIX}/full-minimal:latest" in tags
    assert len(tags) == 3
    assert set(tags) <= set(references(f"{PREFIX}/full-minimal"))
    assert rows["minimal"]["smoke"] == {"run --version": 0, "health command": 0}


def test_report_says_which_builder_ran_and_why(full_run: dict[str, Any]) -> None:
    images = full_run["images"]
    assert images["builder"] == "classic"  # this machine has no buildx plugin
    assert "no buildx plugin" in images["builder_reason"]
    assert "classic builder" in full_run["report"]["summary"]


def test_sizes_are_measured_against_budgets(full_run: dict[str, Any]) -> None:
    metrics = full_run["report"]["metrics"]
    assert 0.3 < metrics["minimal_size_mb"] < 20  # the static binary alone
    assert metrics["cpu_size_mb"] > metrics["minimal_size_mb"]  # plus the busybox stand-in
    rows = {row["variant"]: row for row in full_run["images"]["images"]}
    assert rows["gpu"]["budget_mb"] == 800 and rows["cpu"]["budget_mb"] == 100


def test_images_carry_oci_labels_non_root_user_and_healthcheck(full_run: dict[str, Any]) -> None:
    reference = f"{PREFIX}/full-cpu:0.1.0"
    done = subprocess.run(
        ["docker", "image", "inspect", "--format", "{{json .Config}}", reference],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    config = json.loads(done.stdout)
    labels = config["Labels"]
    assert labels["org.opencontainers.image.version"] == "0.1.0"
    assert len(labels["org.opencontainers.image.revision"]) == 40  # the commit
    assert config["User"] == "65532:65532"
    assert config["Healthcheck"]["Test"][0] == "CMD"


def test_failed_build_is_a_gate_failure_with_the_builders_lines_and_no_tag(
    ferrox: Callable[..., Any], tmp_path: Path
) -> None:
    image = f"{PREFIX}/broken"
    root = demo_project(tmp_path / "demo", docker_config(image, 'variants = ["minimal"]\n'))
    dockerfile = root / "scripts" / "docker" / "Dockerfile.minimal"
    # FROM scratch has no shell: the RUN step fails inside the build.
    text = dockerfile.read_text().replace("USER 65532", 'RUN ["/no-such-program"]\nUSER 65532')
    dockerfile.write_text(text)
    result = ferrox("run", "docker", "-C", str(root))
    assert result.code == 1, result.out
    finding = next(f for f in result.report["findings"] if f["rule"] == "docker-build")
    assert "no-such-program" in finding["detail"]
    # The builder's last lines are printed under the verdict, not only stored in the report.
    assert "minimal build, last lines:" in result.out and "no-such-program" in result.out
    assert "Traceback" not in result.out + result.err
    assert references(image) == []


def test_missing_base_image_fails_the_build_without_a_tag(
    ferrox: Callable[..., Any], tmp_path: Path
) -> None:
    image = f"{PREFIX}/nobase"
    config = docker_config(
        image, 'variants = ["cpu"]\n', cpu='base = "ferrox-test/no-such-base:never"\n'
    )
    root = demo_project(tmp_path / "demo", config)
    result = ferrox("run", "docker", "-C", str(root))
    assert result.code == 1, result.out
    finding = next(f for f in result.report["findings"] if f["rule"] == "docker-build")
    assert "ferrox-test/no-such-base:never" in finding["message"]
    # The builder's own words (here: no registry to pull from) are in the finding.
    assert "Step 2/10 : FROM" in finding["detail"]
    assert references(image) == []


def test_size_over_budget_fails_and_the_image_is_not_tagged(
    ferrox: Callable[..., Any], tmp_path: Path
) -> None:
    image = f"{PREFIX}/fat"
    config = docker_config(image, 'variants = ["minimal"]\n', minimal="budget_mb = 0.1\n")
    result = ferrox("run", "docker", "-C", str(demo_project(tmp_path / "demo", config)))
    assert result.code == 1, result.out
    gate = next(g for g in result.report["gates"] if g["name"] == "minimal_size_mb")
    assert not gate["passed"] and gate["limit"] == 0.1
    assert references(image) == []


def test_failing_smoke_run_fails_the_gate(ferrox: Callable[..., Any], tmp_path: Path) -> None:
    image = f"{PREFIX}/smoke"
    config = docker_config(image, 'variants = ["minimal"]\nsmoke_args = ["not-a-number"]\n')
    result = ferrox("run", "docker", "-C", str(demo_project(tmp_path / "demo", config)))
    assert result.code == 1, result.out
    finding = next(f for f in result.report["findings"] if f["rule"] == "docker-smoke")
    assert "exited 2" in finding["message"]
    assert references(image) == []


def test_image_without_healthcheck_fails_the_smoke_gate(
    ferrox: Callable[..., Any], tmp_path: Path
) -> None:
    image = f"{PREFIX}/nohealth"
    root = demo_project(tmp_path / "demo", docker_config(image, 'variants = ["minimal"]\n'))
    dockerfile = root / "scripts" / "docker" / "Dockerfile.minimal"
    lines = dockerfile.read_text().splitlines()
    dockerfile.write_text("\n".join(x for x in lines if not x.startswith("HEALTHCHECK")) + "\n")
    result = ferrox("run", "docker", "-C", str(root))
    assert result.code == 1, result.out
    assert any("HEALTHCHECK" in f["message"] for f in result.report["findings"])


def test_hadolint_findings_fail_the_step(ferrox: Callable[..., Any], tmp_path: Path) -> None:
    image = f"{PREFIX}/lint"
    root = demo_project(tmp_path / "demo", docker_config(image, 'variants = ["minimal"]\n'))
    dockerfile = root / "scripts" / "docker" / "Dockerfile.minimal"
    dockerfile.write_text(dockerfile.read_text() + 'MAINTAINER "someone"\n')
    result = ferrox("run", "docker", "-C", str(root))
    assert result.code == 1, result.out
    finding = next(f for f in result.report["findings"] if f["rule"] == "DL4000")
    assert finding["path"] == "scripts/docker/Dockerfile.minimal"


def test_no_docker_daemon_is_a_tool_error(
    ferrox: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = demo_project(tmp_path / "demo", docker_config(f"{PREFIX}/nodaemon"), git=False)
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-daemon.sock")
    result = ferrox("run", "docker", "-C", str(root))
    assert result.code == 3
    assert "no Docker daemon answered" in result.out + result.err
    assert "Traceback" not in result.out + result.err


def test_missing_dockerfile_is_a_config_error(ferrox: Callable[..., Any], tmp_path: Path) -> None:
    root = demo_project(tmp_path / "demo", docker_config(f"{PREFIX}/nofile"), git=False)
    (root / "scripts" / "docker" / "Dockerfile.gpu").unlink()
    result = ferrox("run", "docker", "-C", str(root))
    assert result.code == 2
    assert "scripts/docker/Dockerfile.gpu does not exist" in result.out + result.err


@pytest.mark.parametrize(
    ("config", "key", "message"),
    [
        ('[docker.cpu]\nbase = "Not An Image"\n', "docker.cpu.base", "not an image reference"),
        ("[docker.gpu]\nbudget = 5\n", "docker.gpu.budget", "unknown key"),
        ('[docker.minimal]\ntags = ["{nope}"]\n', "docker.minimal.tags", "unknown placeholder"),
        ('[docker.cpu]\nplatforms = ["windows/amd64"]\n', "docker.cpu.platforms", "platform"),
        ("[docker]\ncpu = 3\n", "docker.cpu", "expected a table"),
        ('[docker]\nvariants = ["tiny"]\n', "docker.variants", "not a valid choice"),
        ('[docker]\nimage = "Upper/Case"\n', "docker.image", "not an image name"),
    ],
)
def test_bad_configuration_names_the_key(
    ferrox: Callable[..., Any], tmp_path: Path, config: str, key: str, message: str
) -> None:
    root = demo_project(tmp_path / "demo", config, git=False)
    result = ferrox("run", "docker", "-C", str(root))
    assert result.code == 2, result.out + result.err
    text = result.out + result.err
    assert key in text and message in text and "Traceback" not in text


def test_unknown_option_is_a_usage_error(ferrox: Callable[..., Any], tmp_path: Path) -> None:
    root = demo_project(tmp_path / "demo", docker_config(f"{PREFIX}/opt"), git=False)
    result = ferrox("run", "docker", "-C", str(root), "--", "--push-everything")
    assert result.code == 2
    assert "--push-everything" in result.out + result.err


def test_interrupted_build_is_a_tool_error_and_leaves_no_tag(
    ferrox: Callable[..., Any], tmp_path: Path
) -> None:
    image = f"{PREFIX}/slow"
    config = docker_config(image, 'variants = ["cpu"]\ntimeout = 2\n')
    root = demo_project(tmp_path / "demo", config)
    dockerfile = root / "scripts" / "docker" / "Dockerfile.cpu"
    slow = 'RUN ["/bin/busybox", "sleep", "15"]\nUSER 65532'
    dockerfile.write_text(dockerfile.read_text().replace("USER 65532", slow))
    result = ferrox("run", "docker", "-C", str(root))
    assert result.code == 3, result.out
    assert "timed out" in result.out + result.err
    time.sleep(15)  # the daemon finishes the abandoned build on its own: still no tag
    assert references(image) == []
