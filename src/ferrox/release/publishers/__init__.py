"""Publisher registry: ``git`` (push branch and tag), ``crates-io`` (the workspace's crates),
``pypi`` (wheels and sdist), ``github`` (release with assets, public once all finished) and
``docker`` (the images, pushed to ``[docker] registry``)."""

from __future__ import annotations

import importlib

from ferrox.errors import ConfigError
from ferrox.release.publishers.interface import Publisher, PublishJob

_MODULES = {
    "git": "git_remote",
    "crates-io": "crates_io",
    "pypi": "pypi",
    "github": "github",
    "docker": "docker",
}
# The names ``[release] publishers`` accepts (checked when the configuration is loaded).
PUBLISHER_NAMES = tuple(_MODULES)


def get_publishers(names: tuple[str, ...]) -> list[Publisher]:
    """The configured publishers in order; an unknown name is a config error listing the valid."""
    unknown = [name for name in names if name not in _MODULES]
    if unknown:
        raise ConfigError(
            f"unknown publisher(s) {', '.join(unknown)}",
            key="release.publishers",
            choices=list(_MODULES),
        )
    return [
        importlib.import_module(f"ferrox.release.publishers.{_MODULES[name]}").PUBLISHER
        for name in names
    ]


__all__ = ["PUBLISHER_NAMES", "PublishJob", "Publisher", "get_publishers"]
