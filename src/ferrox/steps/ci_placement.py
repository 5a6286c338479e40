"""Where a step runs in the generated CI: the jobs it contributes, as data on its ``STEP``.

The workflow generator (``ferrox.ci.plan``) reads only this: a new step gets its jobs by
declaring them here, never by being named in the planner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

Pairs = tuple[tuple[str, str], ...]
# `os`: one row per `[ci] test_os` runner. `native-target`: one row per `[ci] targets` entry that
# plain cargo builds on its own runner (the row's triple reaches the command as $FERROX_TARGET);
# without such an entry the job is left out.
MatrixAxis = Literal["os", "native-target"]
READ_CONTENTS: Pairs = (("contents", "read"),)


@dataclass(frozen=True)
class CarriedFile:
    """A file carried from run to run in the Actions cache: the newest restored, saved by key.

    Jobs that share ``path`` and ``key_prefix`` extend one chain (the cache's version is derived
    from the path, so only then do they see each other's copies).
    """

    what: str
    path: str
    key_prefix: str


@dataclass(frozen=True)
class CiJob:
    """One job a step contributes to a generated workflow (a key of ``ferrox.ci.workflows``)."""

    workflow: str = "ci"
    # The job's id (and name); empty: the session's name.
    job: str = ""
    # The nox session the job runs; empty: the step's own session.
    session: str = ""
    # Only on these events of the workflow (`github.event_name`); empty: on all of them.
    events: tuple[str, ...] = ()
    matrix: MatrixAxis | None = None
    run_args: str = ""
    # Added to run_args when the matrix applies (its values arrive through env, never ${{ }}).
    matrix_run_args: str = ""
    # Whether the job sets up Rust; None: when the step needs cargo or is tagged `rust`.
    rust: bool | None = None
    # Whether the job restores and saves the cargo cache (with Rust only).
    cargo_cache: bool = True
    # Whether the checkout has the whole git history (fetch-depth 0).
    full_history: bool = False
    carries: tuple[CarriedFile, ...] = ()
    permissions: Pairs = READ_CONTENTS
    environment: str | None = None
    # Environment of the session's run line (secrets, for instance).
    env: Pairs = ()
    # Whether the job uploads the session's SARIF report to code scanning (needs
    # `security-events: write`).
    uploads_sarif: bool = False
    # Whether the matrix rows run one after another instead of side by side.
    one_row_at_a_time: bool = False
    # A boolean `[ci]` setting that must be true for the job to be generated (`docker`: only
    # projects that asked for Dockerfiles get the image job); empty: always generated.
    when_ci: str = ""
    # Rust targets the job's toolchain adds (the docker step's static musl binary).
    rust_targets: tuple[str, ...] = ()
    # Jobs of the same workflow this one runs after.
    needs: tuple[str, ...] = ()
    # Jobs (run before this one) whose uploaded report directory is downloaded into this job's
    # before its session runs: the release's publish job ships the build job's archives.
    downloads: tuple[str, ...] = ()
    # Steps whose reports the step reads, run first in the same job (health scores what clippy
    # and the scanners found). Their gates fail the job as anywhere else, but the step still
    # runs after them and reads what they reported; a missing verdict is its to judge.
    runs_first: tuple[str, ...] = ()
    # (this job, the step's settings) -> the job those settings need, for what only the
    # project's configuration decides (publish: `packages: write` and the musl target only when
    # [release] publishers has docker, least privilege otherwise); None: as declared.
    adapt: Callable[[CiJob, Any], CiJob] | None = None
