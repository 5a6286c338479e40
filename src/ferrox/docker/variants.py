"""The image variants (cpu, gpu, minimal) and their settings tables ``[docker.<variant>]``.

Each variant has its own defaults (base image, size budget): one settings class per variant, so
``ferrox init``'s commented config shows the real default of each table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Literal

from ferrox.config import SettingError, setting

VariantName = Literal["cpu", "gpu", "minimal"]
VARIANTS: tuple[VariantName, ...] = ("cpu", "gpu", "minimal")

# An image reference as docker accepts it: [registry[:port]/]path[:tag][@digest], lower case
# path components. Checked before it reaches `docker build --build-arg`.
IMAGE_REFERENCE = re.compile(
    r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?/)?"  # registry host (or first component)
    r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
    r"(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"
    r"(?:@sha256:[0-9a-f]{64})?$"
)
# A tag template: docker's tag grammar, with {version} and {sha} placeholders.
TAG_PLACEHOLDERS = ("version", "sha")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_PLATFORM = re.compile(r"^linux/(amd64|arm64|arm/v7|arm/v6|386|ppc64le|s390x|riscv64)$")


def check_image_reference(key: str, value: str) -> None:
    """Raises SettingError unless ``value`` is an image reference (or ``scratch``)."""
    if value != "scratch" and not IMAGE_REFERENCE.match(value):
        raise SettingError(
            key, f"{value!r} is not an image reference such as debian:bookworm-slim or scratch"
        )


def render_tag(template: str, *, version: str, sha: str) -> str:
    """The tag a template names for this version and revision."""
    return template.replace("{version}", version).replace("{sha}", sha)


def check_tag_template(key: str, template: str) -> None:
    """Raises SettingError unless the template renders to a valid docker tag."""
    probe = render_tag(template, version="1.0.0", sha="0123abc")
    if "{" in probe or "}" in probe:
        raise SettingError(
            key,
            f"{template!r} names an unknown placeholder",
            choices=[f"{{{name}}}" for name in TAG_PLACEHOLDERS],
        )
    if not _TAG.match(probe):
        raise SettingError(
            key, f"{template!r} is not a docker tag (letters, digits, _ . -; at most 128)"
        )


@dataclass(frozen=True)
class VariantSettings:
    """``[docker.<variant>]``: base image, size budget, tags and platforms of one image."""

    base: str = setting("scratch", "base image, passed as the BASE_IMAGE build argument")
    budget_mb: float = setting(
        20.0, "largest image allowed, in MB (uncompressed, as `docker image ls` shows)", minimum=0
    )
    tags: tuple[str, ...] = setting(
        ("{version}", "{sha}"),
        "tags given after the gates pass ({version}, {sha}: short commit); `latest` on release",
    )
    platforms: tuple[str, ...] = setting(
        ("linux/amd64",), "platforms buildx builds and pushes (the classic builder: the host's)"
    )

    def __post_init__(self) -> None:
        check_image_reference("base", self.base)
        for template in self.tags:
            check_tag_template("tags", template)
        if not self.platforms:
            raise SettingError("platforms", "name at least one platform, e.g. linux/amd64")
        for platform in self.platforms:
            if not _PLATFORM.match(platform):
                raise SettingError(
                    "platforms",
                    f"{platform!r} is not a platform docker builds for",
                    choices=["linux/amd64", "linux/arm64", "linux/arm/v7"],
                )


@dataclass(frozen=True)
class CpuVariant(VariantSettings):
    """``[docker.cpu]``: Debian bookworm-slim."""

    base: str = setting("debian:bookworm-slim", "base image, passed as BASE_IMAGE")
    budget_mb: float = setting(
        100.0,
        "largest image allowed, in MB (uncompressed: a bookworm-slim base alone measured 74.8 MB)",
        minimum=0,
    )


@dataclass(frozen=True)
class GpuVariant(VariantSettings):
    """``[docker.gpu]``: NVIDIA's CUDA runtime base."""

    base: str = setting("nvidia/cuda:12.4.1-base-ubuntu22.04", "base image, passed as BASE_IMAGE")
    budget_mb: float = setting(800.0, "largest image allowed, in MB (uncompressed)", minimum=0)


@dataclass(frozen=True)
class MinimalVariant(VariantSettings):
    """``[docker.minimal]``: the static binary alone (FROM scratch)."""

    base: str = setting("scratch", "base image, passed as BASE_IMAGE")
    budget_mb: float = setting(20.0, "largest image allowed, in MB (uncompressed)", minimum=0)


def variant_fields() -> tuple[str, ...]:
    """The keys of a variant table (for messages)."""
    return tuple(f.name for f in fields(VariantSettings))
