"""The Dockerfiles ``ferrox init`` writes: one per variant, under ``scripts/docker/``."""

from __future__ import annotations

from pathlib import Path

from ferrox.docker.variants import VARIANTS, VariantName

DOCKERFILE_DIR = Path("scripts") / "docker"


def dockerfile_name(variant: VariantName) -> str:
    """``Dockerfile.<variant>``."""
    return f"Dockerfile.{variant}"


def render(variant: VariantName, binary: str) -> str:
    """The Dockerfile of ``variant`` for ``binary`` (the static executable's name)."""
    from ferrox.ci.render import render_template  # noqa: PLC0415 - ci builds on the steps

    return render_template(f"docker/{dockerfile_name(variant)}", binary=binary)


def render_all(binary: str) -> dict[Path, str]:
    """Every variant's Dockerfile by its path relative to the project root."""
    return {DOCKERFILE_DIR / dockerfile_name(v): render(v, binary) for v in VARIANTS}
