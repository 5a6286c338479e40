"""The publisher plug-in contract: each publisher is one module with a ``PUBLISHER``.

Publishing runs last, after every local step succeeded, and must be idempotent: ``--resume``
calls every publisher again, and each does only what is still missing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ferrox.masking import Masker
from ferrox.release.settings import ReleaseSettings
from ferrox.tools import ToolRunner


@dataclass(frozen=True)
class PublishJob:
    """What a publisher publishes and the means to do it."""

    root: Path
    tag: str
    branch: str
    notes: str
    prerelease: bool
    assets: tuple[Path, ...]
    settings: ReleaseSettings
    runner: ToolRunner
    env: Mapping[str, str]
    masker: Masker
    checkpoint: Callable[[str], None]
    say: Callable[[str], None]


@dataclass(frozen=True)
class Publisher:
    """A named way to publish; ``describe`` lists what ``publish`` would do, for dry runs."""

    name: str
    describe: Callable[[PublishJob], list[str]]
    publish: Callable[[PublishJob], None]
    # Checked at plan time, before anything changes (a missing token is a usage error).
    preflight: Callable[[PublishJob], None]


class PublisherModule(Protocol):
    """A module that provides a publisher."""

    PUBLISHER: Publisher
