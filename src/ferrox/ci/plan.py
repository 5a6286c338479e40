"""Registry + ``[ci]`` -> the workflows to generate. Nothing here knows a step by name.

Each step declares its jobs as data (``Step.ci``, a tuple of ``CiJob``): the workflow each one
runs in (a key of ``ferrox.ci.workflows``), on which events, over which matrix axis
(``os`` from ``[ci] test_os``, ``native-target`` from ``[ci] targets``), with what run
arguments, checkout depth, permissions, cached files and SARIF upload. A step that covers a
tag (the ``security`` composite) installs the tools of every step it runs.

Plus ``[ci] extra_sessions``: the project's own nox sessions, one ``ci.yml`` job each. An
optional workflow is written when ``[ci] workflows`` lists it and some step runs in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ferrox.ci.actions import ActionPin, action_pins
from ferrox.ci.model import Job, JobStep, Matrix, Pairs, Workflow
from ferrox.ci.required import required_job
from ferrox.ci.settings import CiSettings, Target
from ferrox.ci.workflows import WORKFLOWS, WorkflowKind
from ferrox.errors import ConfigError
from ferrox.steps.ci_placement import CarriedFile, CiJob
from ferrox.steps.interface import Step


@dataclass(frozen=True)
class Inputs:
    """Everything the generator reads: the registry, the [ci] settings and project facts."""

    steps: Mapping[str, Step]
    ci: CiSettings
    report_dir: str = "target/ferrox"
    pinned_tools: tuple[str, ...] = ()  # the tools ci/tools.toml pins (cargo and Python)
    # The project's settings of the steps it configures (some steps' tools depend on them).
    settings: Mapping[str, Any] = field(default_factory=dict)
    components: tuple[str, ...] = ("rustfmt", "clippy")


@dataclass(frozen=True)
class Plan:
    """The workflows to write, and why any optional one was left out."""

    workflows: tuple[Workflow, ...]
    notes: tuple[str, ...]


def plan(inputs: Inputs) -> Plan:
    """The workflows for this registry and configuration."""
    placed = {
        name: [
            (step, job) for step, job in jobs if not job.when_ci or getattr(inputs.ci, job.when_ci)
        ]
        for name, jobs in placements(inputs.steps).items()
    }
    workflows: list[Workflow] = []
    notes: list[str] = []
    for kind in WORKFLOWS.values():
        if kind.optional and kind.name not in inputs.ci.workflows:
            notes.append(f"{kind.file}: not generated ([ci] workflows leaves it out)")
        elif kind.optional and not placed.get(kind.name):
            notes.append(f"{kind.file}: not generated (no step in this ferrox runs in it)")
        else:
            workflows.append(workflow(inputs, kind, placed.get(kind.name, [])))
    return Plan(tuple(workflows), tuple(notes))


def placements(steps: Mapping[str, Step]) -> dict[str, list[tuple[Step, CiJob]]]:
    """Each workflow's jobs, as the steps declare them, in registry order."""
    placed: dict[str, list[tuple[Step, CiJob]]] = {}
    for step in steps.values():
        for ci_job in step.ci:
            if ci_job.workflow not in WORKFLOWS:
                known = ", ".join(WORKFLOWS)
                raise ValueError(
                    f"step {step.name!r} runs in unknown workflow {ci_job.workflow!r} ({known})"
                )
            placed.setdefault(ci_job.workflow, []).append((step, ci_job))
    return placed


def workflow(inputs: Inputs, kind: WorkflowKind, placed: list[tuple[Step, CiJob]]) -> Workflow:
    """One workflow: a job per placed step job, then (ci.yml) the extra sessions."""
    # A native-runner job exists only where [ci] targets names a native runner.
    placed = [
        (step, ci_job)
        for step, ci_job in placed
        if ci_job.matrix != "native-target" or _matrix(inputs.ci, ci_job) is not None
    ]
    jobs = [step_job(inputs, step, ci_job, tools_cache=kind.tools_cache) for step, ci_job in placed]
    ids = {job.id for job in jobs}
    for job in jobs:
        if missing := [needed for needed in job.needs if needed not in ids]:
            raise ValueError(f"job {job.id!r} of {kind.file} needs missing job(s) {missing}")
    if kind.extra_sessions:
        tools = tuple(t for t in inputs.ci.extra_tools if t in inputs.pinned_tools)
        jobs += [_session_job(inputs, s, rust=True, tools=tools) for s in inputs.ci.extra_sessions]
    taken = [job.id for job in jobs]
    if clashes := sorted({job_id for job_id in taken if taken.count(job_id) > 1}):
        # YAML keeps the last of two equal keys: one job would silently vanish.
        raise ConfigError(
            f"{', '.join(clashes)}: already a job of {kind.file}; an extra session needs a "
            "name of its own",
            key="ci.extra_sessions",
        )
    if kind.required_check and jobs:
        jobs.append(required_job(jobs))
    fanned = kind.matrix_purpose and any(job.matrix for job in jobs)
    return Workflow(
        file=kind.file,
        name=kind.name,
        purpose=kind.matrix_purpose if fanned else kind.purpose,
        on=kind.triggers(inputs.ci),
        jobs=tuple(jobs),
        cancel_superseded=kind.cancel_superseded,
    )


def step_job(inputs: Inputs, step: Step, ci_job: CiJob, *, tools_cache: bool = True) -> Job:
    """The job one ``CiJob`` of a step describes."""
    if ci_job.adapt is not None:
        ci_job = ci_job.adapt(ci_job, inputs.settings.get(step.name) or step.settings())
    session = ci_job.session or step.name
    matrix = _matrix(inputs.ci, ci_job)
    axis = ci_job.matrix if matrix else None
    run_args = ci_job.run_args
    env = ci_job.env
    if axis and ci_job.matrix_run_args:
        run_args = f"{run_args} {ci_job.matrix_run_args}".strip()
    if axis == "native-target":
        env = (*env, ("FERROX_TARGET", "${{ matrix.target }}"))
    first = tuple(inputs.steps[name] for name in ci_job.runs_first if name in inputs.steps)
    rust = any(_needs_rust(s, j) for s, j in ((step, ci_job), *((s, None) for s in first)))
    tools = tuple(dict.fromkeys(t for s in (*first, step) for t in _tools(inputs, s)))
    job = _session_job(
        inputs, session, rust=rust, tools=tools, job_id=ci_job.job,
        cache=ci_job.cargo_cache, tools_cache=tools_cache, run_args=run_args,
        targets=axis == "native-target",
        before=(
            *(_downloaded(inputs, job_id) for job_id in ci_job.downloads),
            *(_carried(f) for f in ci_job.carries),
            *_runs_first(first, bool(tools)),
        ),
        after_first=bool(first),
        after=(_sarif_upload(inputs, session),) if ci_job.uploads_sarif else (),
        fetch_all=ci_job.full_history, env=env, rust_targets=ci_job.rust_targets,
        artifact_suffix=f"-${{{{ matrix.{_AXIS_ROW[axis]} }}}}" if axis else "",
    )  # fmt: skip
    events = " || ".join(f"github.event_name == '{event}'" for event in ci_job.events)
    job = replace(
        job,
        permissions=ci_job.permissions,
        environment=ci_job.environment,
        if_=events or None,
        needs=tuple(dict.fromkeys((*ci_job.downloads, *ci_job.needs))),
    )
    if axis and matrix:
        if ci_job.one_row_at_a_time:
            matrix = replace(matrix, max_parallel=1)
        job = replace(job, runs_on=f"${{{{ matrix.{_AXIS_RUNNER[axis]} }}}}", matrix=matrix)
    return job


# The matrix key naming each row (in artifact names) and the one holding its runner.
_AXIS_ROW = {"os": "os", "native-target": "target"}
_AXIS_RUNNER = {"os": "os", "native-target": "runner"}


def _matrix(ci: CiSettings, ci_job: CiJob) -> Matrix | None:
    """The job's matrix; None without an axis, or when ``[ci]`` gives the axis no rows."""
    if ci_job.matrix == "os":
        return os_matrix(ci.test_os)
    if ci_job.matrix == "native-target":
        native = tuple(t for t in ci.targets if t.cross == "cargo")
        return target_matrix(native) if native else None
    return None


def install_lines(ci: CiSettings) -> tuple[str, ...]:
    """The setup ``run:`` lines that install nox and ferrox (the only ones that are not nox)."""
    lines = [f"python -m pip install --require-hashes -r {ci.requirements}"]
    if ci.ferrox_source == "checkout":
        lines.append("python -m pip install --no-deps --no-build-isolation .")
    return tuple(lines)


def target_matrix(targets: tuple[Target, ...]) -> Matrix:
    """One row per target: triple, runner, cross tool, features."""
    return Matrix(
        tuple(
            (
                ("target", t.triple),
                ("runner", t.runner),
                ("cross", t.cross),
                ("features", ",".join(t.features)),
            )
            for t in targets
        )
    )


def os_matrix(test_os: tuple[str, ...]) -> Matrix:
    """One row per runner label."""
    return Matrix(tuple((("os", os_label),) for os_label in test_os))


def _session_job(
    inputs: Inputs,
    session: str,
    *,
    rust: bool,
    tools: tuple[str, ...],
    job_id: str = "",
    cache: bool = True,
    tools_cache: bool = True,
    run_args: str = "",
    artifact_suffix: str = "",
    targets: bool = False,
    before: tuple[JobStep, ...] = (),
    after: tuple[JobStep, ...] = (),
    after_first: bool = False,
    fetch_all: bool = False,
    env: Pairs = (),
    rust_targets: tuple[str, ...] = (),
) -> Job:
    """A job that sets up Python (and Rust), installs nox + ferrox, and runs one session."""
    job_id = job_id or session
    checkout: Pairs = (("persist-credentials", "false"),)
    if fetch_all:
        checkout = (*checkout, ("fetch-depth", "0"))
    steps = [
        JobStep(name="Check out", uses=_pin("checkout"), with_=checkout),
        JobStep(
            name="Set up Python",
            uses=_pin("setup-python"),
            with_=(("python-version", inputs.ci.python),),
        ),
    ]
    if rust:
        toolchain: Pairs = (("toolchain", "stable"),)
        if inputs.components:
            toolchain = (*toolchain, ("components", ", ".join(inputs.components)))
        if targets:
            toolchain = (*toolchain, ("targets", "${{ matrix.target }}"))
        elif rust_targets:
            toolchain = (*toolchain, ("targets", ", ".join(rust_targets)))
        steps.append(
            JobStep(name="Set up Rust", uses=_pin("rust-toolchain"), with_=toolchain, id="rust")
        )
        if cache:
            steps.append(_cache_step(session))
    steps.extend(
        JobStep(
            name="Install nox and ferrox" if i == 0 else "Install ferrox from this checkout",
            run=line,
        )
        for i, line in enumerate(install_lines(inputs.ci))
    )
    if tools:
        env = (*env, TOOLS_HOME_ENV)
        if tools_cache:
            steps.append(_tools_cache_step(inputs.ci, job_id, rust=rust))
        steps.append(
            JobStep(
                name="Install pinned tools",
                run=f"nox -s tools -- {' '.join(tools)}",
                env=(TOOLS_HOME_ENV,),
            )
        )
    steps.extend(before)
    run = f"nox -s {session}" + (f" {run_args}" if run_args else "")
    # After the steps it reads (`_runs_first`): whether their gates passed or not, unless the
    # job was cancelled or never got as far as running them.
    run_if = f"!cancelled() && steps.{FIRST_ID}.outcome != 'skipped'" if after_first else None
    steps.append(JobStep(name=session, run=run, id="ferrox", env=env, if_=run_if))
    steps.extend(after)
    steps.append(
        JobStep(
            name="Upload reports",
            uses=_pin("upload-artifact"),
            with_=(
                ("name", f"ferrox-{job_id}{artifact_suffix}"),
                ("path", f"{inputs.report_dir}/"),
                ("if-no-files-found", "ignore"),
            ),
            if_="always()",
        )
    )
    return Job(
        id=job_id,
        name=job_id,
        runs_on="ubuntu-latest",
        timeout_minutes=inputs.ci.timeout_minutes,
        steps=tuple(steps),
    )


# The tools home of a job: under the runner's temporary directory (outside the checkout, so no
# scanner reads the tools' venvs), restored from and saved to the Actions cache.
TOOLS_HOME = "${{ runner.temp }}/ferrox-tools"
TOOLS_HOME_ENV = ("FERROX_TOOLS_HOME", TOOLS_HOME)


def _tools_cache_step(ci: CiSettings, job_id: str, *, rust: bool) -> JobStep:
    """Restores (and after the job saves) the tools home: a warm job installs nothing.

    Keyed by the pins (``ci/tools.toml``, and the requirements that pin ferrox and so its
    packaged pins), OS, architecture, the Python the tools' venvs are
    made with and the Rust toolchain that builds tools from source (the rust-toolchain action's
    ``cachekey`` output). A key miss restores the newest home of the same OS, architecture and
    Python: a tool whose pin did not change is reused, the others are installed beside it.
    """
    # Per job: jobs install different tools, and a key hit is never saved again, so a job whose
    # key another job's smaller home took first would rebuild its tools on every run.
    prefix = f"ferrox-tools-{job_id}-${{{{ runner.os }}}}-${{{{ runner.arch }}}}-py{ci.python}-"
    toolchain = "${{ steps.rust.outputs.cachekey }}-" if rust else ""
    # Without a ci/tools.toml the pins are ferrox's own: its version is in the requirements.
    pins = f"'ci/tools.toml', '{ci.requirements}'"
    return JobStep(
        name="Cache pinned tools",
        uses=_pin("cache"),
        with_=(
            ("path", TOOLS_HOME),
            ("key", f"{prefix}{toolchain}${{{{ hashFiles({pins}) }}}}"),
            ("restore-keys", prefix),
        ),
    )


def _cache_step(session: str) -> JobStep:
    # The same inputs as `ferrox cache-key`, hashed by Actions itself (no extra run line).
    files = "'**/Cargo.lock', 'rust-toolchain.toml', 'rust-toolchain', 'ci/tools.toml'"
    return JobStep(
        name="Cache cargo",
        uses=_pin("cache"),
        with_=(
            ("path", "~/.cargo/registry\n~/.cargo/git\ntarget\n"),
            ("key", f"ferrox-{session}-${{{{ runner.os }}}}-${{{{ hashFiles({files}) }}}}"),
            ("restore-keys", f"ferrox-{session}-${{{{ runner.os }}}}-"),
        ),
    )


def _sarif_upload(inputs: Inputs, session: str) -> JobStep:
    """Uploads the session's SARIF report to code scanning."""
    sarif = f"{inputs.report_dir}/{session}.sarif"
    return JobStep(
        name="Upload SARIF to code scanning",
        uses=_pin("upload-sarif"),
        with_=(("sarif_file", sarif), ("category", f"ferrox-{session}")),
        # A pull request from a fork gets a read-only token: the upload would fail there.
        if_="always() && hashFiles('" + sarif + "') != '' && "
        "(github.event_name != 'pull_request' || "
        "github.event.pull_request.head.repo.full_name == github.repository)",
    )


def _downloaded(inputs: Inputs, job_id: str) -> JobStep:
    """The report directory another job of the run uploaded (``ferrox-<job>``), put back in
    place: the publish job ships what the build job built and checked."""
    return JobStep(
        name=f"Download the {job_id} reports",
        uses=_pin("download-artifact"),
        with_=(("name", f"ferrox-{job_id}"), ("path", f"{inputs.report_dir}/")),
    )


def _carried(carried: CarriedFile) -> JobStep:
    """A file carried across runs: the newest cached copy is restored, and saved anew by key.

    A fresh runner has nothing, so every run saves under a new key (the run id) and the next
    one restores the newest by the ``restore-keys`` prefix.
    """
    return JobStep(
        name=f"Restore the {carried.what}",
        uses=_pin("cache"),
        with_=(
            ("path", carried.path),
            ("key", carried.key_prefix + "${{ github.run_id }}"),
            ("restore-keys", carried.key_prefix),
        ),
    )


FIRST_ID = "first"


def _needs_rust(step: Step, ci_job: CiJob | None) -> bool:
    """Whether a job running the step sets up Rust: its job says, or the step's facts do."""
    jobs = (ci_job,) if ci_job else step.ci
    declared = next((job.rust for job in jobs if job.rust is not None), None)
    return declared if declared is not None else step.needs_cargo or "rust" in step.tags


def _runs_first(first: tuple[Step, ...], tools: bool) -> tuple[JobStep, ...]:
    """One run line for the steps whose reports the job's step reads (``CiJob.runs_first``)."""
    if not first:
        return ()
    names = " ".join(s.name for s in first)
    return (
        JobStep(
            name=f"Measure first: {names}",
            run=f"nox -s {names}",
            id=FIRST_ID,
            env=(TOOLS_HOME_ENV,) if tools else (),
        ),
    )


def _tools(inputs: Inputs, step: Step) -> tuple[str, ...]:
    """The pinned tools its job installs; a composite's include those of every step it runs."""
    runs = [s for s in inputs.steps.values() if s is step or (step.covers_tag in s.tags)]
    wanted = dict.fromkeys(t for s in runs for t in s.tools(inputs.settings.get(s.name)))
    return tuple(t for t in wanted if t in inputs.pinned_tools)


def _pin(name: str) -> ActionPin:
    return action_pins()[name]
