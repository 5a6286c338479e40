"""The typed workflow model the templates render: workflows, jobs, job steps (frozen data).

Only what ferrox's workflows need is modelled; every field maps to one GitHub Actions key.
"""

from __future__ import annotations

from dataclasses import dataclass

from ferrox.ci.actions import ActionPin

Pairs = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class JobStep:
    """One step of a workflow job: either an action (``uses``, setup only) or one ``run`` line."""

    name: str
    uses: ActionPin | None = None
    with_: Pairs = ()
    run: str | None = None
    env: Pairs = ()
    if_: str | None = None
    id: str | None = None

    def __post_init__(self) -> None:
        if (self.uses is None) == (self.run is None):
            raise ValueError(f"step {self.name!r} needs exactly one of uses and run")


@dataclass(frozen=True)
class Matrix:
    """``strategy.matrix``: one row per combination (``include``), never fail-fast."""

    include: tuple[Pairs, ...]
    # 1 runs the rows one after another (publishing to one release must not race itself).
    max_parallel: int | None = None


@dataclass(frozen=True)
class Job:
    """A job: where it runs, what it may touch, its steps."""

    id: str
    name: str
    runs_on: str
    timeout_minutes: int
    steps: tuple[JobStep, ...]
    permissions: Pairs = (("contents", "read"),)
    needs: tuple[str, ...] = ()
    matrix: Matrix | None = None
    if_: str | None = None
    env: Pairs = ()
    environment: str | None = None


@dataclass(frozen=True)
class Triggers:
    """``on:``: pushes to branches or tags, pull requests, schedules, manual runs."""

    push_branches: tuple[str, ...] = ()
    push_tags: tuple[str, ...] = ()
    pull_request: bool = False
    schedules: tuple[str, ...] = ()
    workflow_dispatch: bool = True


@dataclass(frozen=True)
class Workflow:
    """One file under ``.github/workflows/``."""

    file: str
    name: str
    purpose: str
    on: Triggers
    jobs: tuple[Job, ...]
    # Release runs must finish; everything else cancels a superseded run of the same PR or ref.
    cancel_superseded: bool = True


NOX_PREFIX = "nox -s "


def nox_session(run: str | None) -> str | None:
    """The session of a ``nox -s NAME [-- ...]`` run line, else None."""
    if run is None or not run.startswith(NOX_PREFIX):
        return None
    return run[len(NOX_PREFIX) :].split()[0]
