"""Units of ferrox.docker: variant settings, tags, builder arguments, hadolint's report, the
Dockerfiles ferrox writes (hadolint finds nothing in them; this repository's copies match)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ferrox.config import SettingError
from ferrox.docker import hadolint
from ferrox.docker.binary import pick_binary, static_binary
from ferrox.docker.builder import Builder, build_args, detect_builder
from ferrox.docker.dockerfiles import render_all
from ferrox.docker.standin import rootfs_tar
from ferrox.docker.variants import CpuVariant, MinimalVariant, VariantSettings, render_tag
from ferrox.errors import ConfigError, ToolError
from ferrox.rust.workspace import load_workspace
from ferrox.steps.docker import DockerSettings, image_name, parse_options, tag_names
from ferrox.tools import ToolRunner

REPO = Path(__file__).parents[2]


def test_each_variant_has_its_own_defaults() -> None:
    settings = DockerSettings()
    assert settings.variants == ("cpu", "gpu", "minimal")
    assert settings.cpu.base == "debian:bookworm-slim" and settings.cpu.budget_mb == 100
    assert settings.gpu.base.startswith("nvidia/cuda:") and settings.gpu.budget_mb == 800
    assert settings.minimal.base == "scratch" and settings.minimal.budget_mb == 20


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"base": "--build-arg=X"}, "base"),
        ({"base": "UPPER:tag"}, "base"),
        ({"tags": ("{version}-{build}",)}, "tags"),
        ({"tags": ("-leading",)}, "tags"),
        ({"platforms": ()}, "platforms"),
        ({"platforms": ("linux/amd64; rm",)}, "platforms"),
    ],
)
def test_variant_settings_reject_bad_values(kwargs: dict[str, object], key: str) -> None:
    with pytest.raises(SettingError) as caught:
        VariantSettings(**kwargs)  # type: ignore[arg-type]
    assert caught.value.key == key


@pytest.mark.parametrize(
    "base",
    ["scratch", "debian:bookworm-slim", "127.0.0.1:5000/ns/img:1.2", "a/b@sha256:" + "0" * 64],
)
def test_image_references_accepted(base: str) -> None:
    assert CpuVariant(base=base).base == base


def test_tags_version_sha_and_latest_on_release() -> None:
    table = MinimalVariant()
    assert tag_names(table, "1.2.3", "abc1234", release=False) == ["1.2.3", "abc1234"]
    assert tag_names(table, "1.2.3", "abc1234", release=True) == ["1.2.3", "abc1234", "latest"]
    # Outside a git checkout there is no commit to name: the {sha} tags are left out.
    assert tag_names(table, "1.2.3", None, release=False) == ["1.2.3"]
    assert render_tag("v{version}-{sha}", version="1", sha="f") == "v1-f"


def test_image_name_defaults_to_the_binary() -> None:
    assert image_name(DockerSettings(), "cpu", "demo-cli") == "demo-cli-cpu"
    assert image_name(DockerSettings(image="ferrox-test/x"), "gpu", "b") == "ferrox-test/x-gpu"


def test_options() -> None:
    assert parse_options(("--release",)) is True
    assert parse_options(()) is False


def test_classic_and_buildx_arguments(tmp_path: Path) -> None:
    common = {
        "dockerfile": tmp_path / "Dockerfile.cpu",
        "context": tmp_path / "ctx",
        "iidfile": tmp_path / "iid",
        "build_arguments": {"BASE_IMAGE": "scratch"},
    }
    classic = build_args(Builder("classic", "", "20.10"), platform=None, **common)  # type: ignore[arg-type]
    assert classic[:2] == ["build", "--force-rm"] and "--tag" not in classic and "-t" not in classic
    assert classic[-1] == str(tmp_path / "ctx")
    buildx = build_args(Builder("buildx", "", "27"), platform="linux/arm64", **common)  # type: ignore[arg-type]
    assert buildx[:3] == ["buildx", "build", "--load"]
    assert buildx[buildx.index("--platform") + 1] == "linux/arm64"


def test_hadolint_report_parsed() -> None:
    text = (
        '[{"code":"DL4000","column":1,"file":"/r/Dockerfile","level":"error","line":3,'
        '"message":"MAINTAINER is deprecated"},{"code":"DL3008","file":"/r/Dockerfile",'
        '"level":"info","line":2,"column":1,"message":"Pin versions"}]'
    )
    findings = hadolint.parse_report(text, lambda path: Path(path).name)
    assert [(f.rule, f.line, f.level.value, f.path) for f in findings] == [
        ("DL4000", 3, "error", "Dockerfile"),
        ("DL3008", 2, "note", "Dockerfile"),
    ]
    assert findings[0].help_uri and findings[0].help_uri.endswith("DL4000")
    with pytest.raises(ValueError, match="JSON list"):
        hadolint.parse_report("{}", str)


def test_written_dockerfiles_have_no_hadolint_findings(tmp_path: Path) -> None:
    paths = []
    for relative, text in render_all("my-tool").items():
        path = tmp_path / relative.name
        path.write_text(text)
        paths.append(path)
    assert hadolint.lint(ToolRunner(), tmp_path, paths, str, 60) == []


def test_written_dockerfiles_follow_the_image_rules() -> None:
    for relative, text in render_all("my-tool").items():
        lines = text.splitlines()
        assert "ARG BASE_IMAGE=" in text and "FROM ${BASE_IMAGE}" in lines, relative
        assert "USER 65532:65532" in lines  # non-root
        assert any(line.startswith("HEALTHCHECK ") for line in lines)
        for label in ("version", "revision", "source"):
            assert f"org.opencontainers.image.{label}=" in text
        assert "COPY my-tool /usr/local/bin/my-tool" in lines


def test_this_repository_dockerfiles_are_the_ones_init_writes_for_the_demo() -> None:
    for relative, text in render_all("demo-cli").items():
        assert (REPO / relative).read_text() == text, f"regenerate {relative}"


def test_standin_rootfs_holds_busybox_and_a_shell(tmp_path: Path) -> None:
    import tarfile

    fake = tmp_path / "busybox"
    fake.write_bytes(b"\x7fELF")
    with tarfile.open(rootfs_tar(fake, tmp_path / "rootfs.tar")) as tar:
        names = tar.getnames()
        assert "bin/busybox" in names and "etc/passwd" in names
        assert tar.getmember("bin/sh").linkname == "busybox"


def test_the_config_init_writes_loads_back_to_the_defaults(tmp_path: Path) -> None:
    from ferrox.ci.render import config_section
    from ferrox.config import load_config

    text = config_section("", {"docker": DockerSettings})
    # Uncomment every key and table header of the [docker] part.
    part = text[text.index("[docker]") :]
    lines = [line[2:] if (line.startswith(("# [", "# ")) and "=" in line) or line.startswith("# [")
             else line for line in part.splitlines()]  # fmt: skip
    (tmp_path / "ferrox.toml").write_text("\n".join(lines) + "\n")
    loaded = load_config(tmp_path, {"docker": DockerSettings}).for_step("docker", DockerSettings)
    assert loaded == DockerSettings()
    assert loaded.gpu.budget_mb == 800


FAKE_DOCKER = """
import sys
if sys.argv[1] == "version":
    print("27.3.1")
elif sys.argv[1:3] == ["buildx", "version"]:
    if "{buildx}" == "yes":
        print("github.com/docker/buildx v0.17.1 abc")
    else:
        print("docker: unknown command: docker buildx", file=sys.stderr)
        sys.exit(1)
"""


@pytest.mark.parametrize(
    ("buildx", "prefer", "kind", "why"),
    [
        ("yes", "auto", "buildx", "the buildx plugin answered (github.com/docker/buildx v0.17.1"),
        ("yes", "classic", "classic", "asked for"),
        ("no", "auto", "classic", "no buildx plugin"),
    ],
)
def test_builder_choice_and_reason(
    fake_tools: Callable[[str, str], Path], buildx: str, prefer: str, kind: str, why: str
) -> None:
    fake_tools("docker", FAKE_DOCKER.replace("{buildx}", buildx))
    chosen = detect_builder(ToolRunner(), REPO, 30, prefer)  # type: ignore[arg-type]
    assert chosen.kind == kind and why in chosen.reason and chosen.server_version == "27.3.1"


def test_buildx_asked_for_but_missing_is_a_tool_error(
    fake_tools: Callable[[str, str], Path],
) -> None:
    fake_tools("docker", FAKE_DOCKER.replace("{buildx}", "no"))
    with pytest.raises(ToolError, match="buildx plugin is not installed"):
        detect_builder(ToolRunner(), REPO, 30, "buildx")


DEMO = REPO / "examples" / "demo"
CLEAN = REPO / "tests" / "fixtures" / "crates" / "clean"


def test_the_binary_is_the_named_bin_target_or_the_first() -> None:
    workspace = load_workspace(ToolRunner(), DEMO)
    assert pick_binary(workspace, "", "ferrox.toml") == ("demo-cli", "demo-cli", "0.1.0")
    assert pick_binary(workspace, "demo-cli", "ferrox.toml")[0] == "demo-cli"
    with pytest.raises(ConfigError, match="no binary target named 'nope'") as caught:
        pick_binary(workspace, "nope", "ferrox.toml")
    assert caught.value.key == "docker.binary" and caught.value.choices == ("demo-cli",)


def test_a_library_only_workspace_has_no_binary_for_an_image() -> None:
    with pytest.raises(ConfigError, match="no binary target"):
        pick_binary(load_workspace(ToolRunner(), CLEAN), "", "Cargo.toml")


def test_missing_musl_target_is_a_tool_error_naming_the_fix(
    fake_cargo: Callable[[str], Path],
) -> None:
    fake_cargo(
        'print("error[E0463]: can\'t find crate for `std`", file=sys.stderr)\n'
        'print("  = note: the `x86_64-unknown-linux-musl` target may not be installed", '
        "file=sys.stderr)\nsys.exit(101)\n"
    )
    runner = ToolRunner()
    workspace = load_workspace(runner, DEMO)
    with pytest.raises(ToolError, match="could not build the static demo-cli") as caught:
        static_binary(runner, DEMO, workspace, wanted="", source="ferrox.toml", timeout=60)
    assert caught.value.hint == "rustup target add x86_64-unknown-linux-musl"


def test_unreadable_hadolint_output_is_a_tool_error(
    fake_tools: Callable[[str, str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An empty tools home: the fake on PATH, not the pinned hadolint, answers.
    monkeypatch.setenv("FERROX_TOOLS_HOME", str(tmp_path / "tools-home"))
    fake_tools("hadolint", "print('hadolint: internal error')\nraise SystemExit(2)\n")
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM scratch\n")
    with pytest.raises(ToolError, match="hadolint gave no usable report"):
        hadolint.lint(ToolRunner(), tmp_path, [dockerfile], str, 30)
