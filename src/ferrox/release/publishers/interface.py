"""The publisher plug-in contract: each publisher is one module with a ``PUBLISHER``.

Publishing runs last, after every local step succeeded, and must be idempotent: ``--resume``
calls every publisher again, and each does only what is still missing. Once every publisher's
``publish`` succeeded, each one's ``finish`` runs (the GitHub release leaves draft there, so it
never appears without what the other publishers put out).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ferrox.masking import Masker
from ferrox.release.settings import ReleaseSettings
from ferrox.tools import ToolRunner


def _no_record(publisher: str, item: str) -> None:
    """Progress goes nowhere (a job built outside the release flow's journal)."""


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
    # Records one finished item (a crate version, an uploaded file) in the release journal, so
    # an interrupted release shows how far each publisher got.
    record: Callable[[str, str], None] = _no_record
    # Where a publisher may keep state between runs (a registry index's clone).
    cache_dir: Path | None = None


def _nothing(job: PublishJob) -> None:
    """A publisher with nothing to do once all have published."""


@dataclass(frozen=True)
class Publisher:
    """A named way to publish; ``describe`` lists what ``publish`` would do, for dry runs."""

    name: str
    describe: Callable[[PublishJob], list[str]]
    publish: Callable[[PublishJob], None]
    # Checked at plan time, before anything changes (a missing token is a usage error).
    preflight: Callable[[PublishJob], None]
    # Runs after every publisher's ``publish`` succeeded (idempotent as well).
    finish: Callable[[PublishJob], None] = _nothing
    # Acts on one tag (pushes it, releases it): runs for every tag of an independent release.
    # The others publish the whole workspace or project, once, with the first tag.
    per_tag: bool = False
    # Runs in CI's tag workflow (``ferrox release --publish``); False: the local release
    # already did it on the one machine that cut the release (the push, the registries).
    in_tag_workflow: bool = True


class PublisherModule(Protocol):
    """A module that provides a publisher."""

    PUBLISHER: Publisher
