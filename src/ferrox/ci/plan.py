"""Registry + ``[ci]`` -> the workflows to generate. Nothing here knows a fixed list of sessions.

Where a step goes is read from its name and tags:

* tagged ``security`` -> ``security.yml``, generated when the composite ``security`` step exists:
  one job runs it (it runs the other scanners) and uploads its SARIF;
* named ``publish`` (or tagged ``release``) -> ``release.yml``; ``build`` also builds there;
* named ``health`` (or tagged ``monitoring``) -> ``monitoring.yml``;
* ``bench`` -> also ``bench-baseline.yml``: weekly (and on demand) ``nox -s bench-baseline``;
* any other step tagged ``ci`` -> a job of ``ci.yml``; ``test`` fans out over ``[ci] test_os``,
  ``build`` over ``[ci] targets``, ``bench`` runs on pull requests only.

Plus ``[ci] extra_sessions``: the project's own nox sessions, one ``ci.yml`` job each.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ferrox.ci.actions import ActionPin, action_pins
from ferrox.ci.model import Job, Matrix, Pairs, Step, Triggers, Workflow
from ferrox.ci.settings import CiSettings, Target
from ferrox.steps.interface import Step as FerroxStep

SECURITY = "security"
PUBLISH = "publish"
HEALTH = "health"
BUILD = "build"
BENCH = "bench"
BENCH_BASELINE = "bench-baseline"  # the nox session ferrox.nox.register() adds beside bench
# Benchmark files carried from run to run in the Actions cache (the same path in every job that
# carries one: the cache's version is derived from it, so jobs share the chain only then).
HISTORY_FILES = "**/.ferrox/bench-history.jsonl"
BASELINE_FILES = "**/.ferrox/bench-baseline.json"
# Jobs that run in ci.yml only for some events.
PR_ONLY = {"bench"}


@dataclass(frozen=True)
class Inputs:
    """Everything the generator reads: the registry, the [ci] settings and project facts."""

    steps: Mapping[str, FerroxStep]
    ci: CiSettings
    report_dir: str = "target/ferrox"
    pinned_tools: tuple[str, ...] = ()  # the tools ci/tools.toml pins (cargo and Python)
    components: tuple[str, ...] = ("rustfmt", "clippy")


@dataclass(frozen=True)
class Plan:
    """The workflows to write, and why any optional one was left out."""

    workflows: tuple[Workflow, ...]
    notes: tuple[str, ...]


def plan(inputs: Inputs) -> Plan:
    """The workflows for this registry and configuration."""
    workflows = [ci_workflow(inputs)]
    notes: list[str] = []
    optional = {
        "security": (SECURITY, security_workflow),
        "release": (PUBLISH, release_workflow),
        "monitoring": (HEALTH, monitoring_workflow),
        "bench-baseline": (BENCH, bench_baseline_workflow),
    }
    for kind, (session, build) in optional.items():
        if kind not in inputs.ci.workflows:
            notes.append(f"{kind}.yml: not generated ([ci] workflows leaves it out)")
        elif session not in inputs.steps:
            notes.append(f"{kind}.yml: not generated (no `{session}` step in this ferrox)")
        else:
            workflows.append(build(inputs))
    return Plan(tuple(workflows), tuple(notes))


def placement(step: FerroxStep) -> str | None:
    """The workflow a step's job belongs to (ci, security, release, monitoring) or None."""
    if SECURITY in step.tags:
        return "security"
    if step.name == PUBLISH or "release" in step.tags:
        return "release"
    if step.name == HEALTH or "monitoring" in step.tags:
        return "monitoring"
    if "ci" in step.tags:
        return "ci"
    return None


def ci_workflow(inputs: Inputs) -> Workflow:
    """``ci.yml``: one job per CI step and extra session, on pushes and pull requests."""
    jobs: list[Job] = []
    for step in inputs.steps.values():
        if placement(step) != "ci":
            continue
        if step.name == "test":
            jobs.append(_test_job(inputs, step))
        elif step.name == BUILD:
            jobs.append(_build_job(inputs, step, upload_dist=False))
        else:
            job = _session_job(
                inputs, step.name, rust=_needs_rust(step), tools=_tools(inputs, step),
                **_pr_only_args(step.name),
            )  # fmt: skip
            if step.name in PR_ONLY:
                job = _with(job, if_="github.event_name == 'pull_request'")
            jobs.append(job)
            if step.name == "bench":
                jobs.append(_bench_history_job(inputs, step))
    for session in inputs.ci.extra_sessions:
        tools = tuple(t for t in inputs.ci.extra_tools if t in inputs.pinned_tools)
        jobs.append(_session_job(inputs, session, rust=True, tools=tools))
    return Workflow(
        file="ci.yml",
        name="ci",
        purpose="every CI step on pushes and pull requests",
        on=Triggers(push_branches=inputs.ci.branches, pull_request=True),
        jobs=tuple(jobs),
    )


def security_workflow(inputs: Inputs) -> Workflow:
    """``security.yml``: the security steps on pull requests and daily; SARIF to code scanning."""
    # The composite `security` step runs every scanner that applies: its job installs their tools.
    scanners = [s for s in inputs.steps.values() if placement(s) == "security"]
    tools = tuple(dict.fromkeys(t for s in scanners for t in _tools(inputs, s)))
    jobs = []
    for step in (inputs.steps[SECURITY],):
        sarif = f"{inputs.report_dir}/{step.name}.sarif"
        upload = Step(
            name="Upload SARIF to code scanning",
            uses=_pin("upload-sarif"),
            with_=(("sarif_file", sarif), ("category", f"ferrox-{step.name}")),
            # A pull request from a fork gets a read-only token: the upload would fail there.
            if_="always() && hashFiles('" + sarif + "') != '' && "
            "(github.event_name != 'pull_request' || "
            "github.event.pull_request.head.repo.full_name == github.repository)",
        )
        job = _session_job(inputs, step.name, rust=True, tools=tools, cache=False, after=(upload,))
        permissions = (("actions", "read"), ("contents", "read"), ("security-events", "write"))
        jobs.append(_with(job, permissions=permissions))
    return Workflow(
        file="security.yml",
        name="security",
        purpose="security scanners on pull requests and daily, SARIF uploaded to code scanning",
        on=Triggers(pull_request=True, schedules=(inputs.ci.security_cron,)),
        jobs=tuple(jobs),
    )


def release_workflow(inputs: Inputs) -> Workflow:
    """``release.yml``: on ``v*`` tags, a build per target on its runner, then one publish job."""
    jobs: list[Job] = []
    download: tuple[Step, ...] = ()
    if BUILD in inputs.steps:
        jobs.append(_build_job(inputs, inputs.steps[BUILD], upload_dist=True))
        download = (
            Step(
                name="Download the built artifacts",
                uses=_pin("download-artifact"),
                with_=(("pattern", "dist-*"), ("path", "target/dist"), ("merge-multiple", "true")),
            ),
        )
    native = tuple(t for t in inputs.ci.targets if t.cross == "cargo")
    per_runner = not download and bool(native)
    publish = _session_job(
        inputs, PUBLISH, rust=True, tools=_tools(inputs, inputs.steps[PUBLISH]), cache=False,
        before=download, fetch_all=True, targets=per_runner,
        run_args='-- --target "$FERROX_TARGET"' if per_runner else "",
        artifact_suffix="-${{ matrix.target }}" if per_runner else "",
    )  # fmt: skip
    publish = _with(
        publish,
        permissions=(("contents", "write"),),
        needs=(BUILD,) if download else (),
        environment="release",
        steps=_with_env(
            publish.steps,
            PUBLISH,
            (("GITHUB_TOKEN", "${{ secrets.GITHUB_TOKEN }}"),)
            + ((("FERROX_TARGET", "${{ matrix.target }}"),) if per_runner else ()),
        ),
    )
    if per_runner:
        # Without a build step each native runner builds its own target and adds its assets to
        # the one release; one runner at a time, so the release is created exactly once.
        matrix = replace(build_matrix(native), max_parallel=1)
        publish = _with(publish, runs_on="${{ matrix.runner }}", matrix=matrix)
    jobs.append(publish)
    return Workflow(
        file="release.yml",
        name="release",
        purpose=(
            "build every target on its native runner, then publish, on v* tags"
            if download
            else "on v* tags, each native runner builds its target and publishes to the release"
            if per_runner
            else "on v* tags, build the host target and publish the release"
        ),
        on=Triggers(push_tags=("v*",), workflow_dispatch=False),
        jobs=tuple(jobs),
        cancel_superseded=False,
    )


def monitoring_workflow(inputs: Inputs) -> Workflow:
    """``monitoring.yml``: the health report, daily and weekly."""
    step = inputs.steps[HEALTH]
    job = _session_job(inputs, HEALTH, rust=_needs_rust(step), tools=_tools(inputs, step))
    return Workflow(
        file="monitoring.yml",
        name="monitoring",
        purpose="the repository health report, daily and weekly",
        on=Triggers(schedules=(inputs.ci.daily_cron, inputs.ci.weekly_cron)),
        jobs=(job,),
    )


def bench_baseline_workflow(inputs: Inputs) -> Workflow:
    """``bench-baseline.yml``: weekly (and on demand), record the stored benchmark baseline.

    ``nox -s bench-baseline`` appends the run to the history and writes the baseline file, which
    compare mode (and the pre-push hook) reads. Both files travel in the Actions cache: each run
    restores the newest (``restore-keys`` prefix) and saves under its own key. The history
    shares its key prefix and path with the post-merge ``bench-history`` job, so the two extend
    one history. Scheduled runs use the default branch, whose caches every branch can restore.
    """
    carried = (
        _carried("benchmark history", HISTORY_FILES, "ferrox-bench-history-"),
        _carried("benchmark baseline", BASELINE_FILES, "ferrox-bench-baseline-file-"),
    )
    job = _session_job(
        inputs, BENCH_BASELINE, rust=True, tools=_tools(inputs, inputs.steps[BENCH]),
        before=carried,
    )  # fmt: skip
    return Workflow(
        file="bench-baseline.yml",
        name="bench-baseline",
        purpose="weekly and on demand, re-record the stored benchmark baseline (history appended)",
        on=Triggers(schedules=(inputs.ci.bench_baseline_cron,)),
        jobs=(job,),
        cancel_superseded=False,  # a measurement half done is worth nothing
    )


def install_lines(ci: CiSettings) -> tuple[str, ...]:
    """The setup ``run:`` lines that install nox and ferrox (the only ones that are not nox)."""
    lines = [f"python -m pip install --require-hashes -r {ci.requirements}"]
    if ci.ferrox_source == "checkout":
        lines.append("python -m pip install --no-deps --no-build-isolation .")
    return tuple(lines)


def build_matrix(targets: tuple[Target, ...]) -> Matrix:
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


def test_matrix(test_os: tuple[str, ...]) -> Matrix:
    """One row per runner of the test step."""
    return Matrix(tuple((("os", os_label),) for os_label in test_os))


def _test_job(inputs: Inputs, step: FerroxStep) -> Job:
    job = _session_job(
        inputs,
        step.name,
        rust=True,
        tools=_tools(inputs, step),
        artifact_suffix="-${{ matrix.os }}",
    )
    return _with(job, runs_on="${{ matrix.os }}", matrix=test_matrix(inputs.ci.test_os))


def _build_job(inputs: Inputs, step: FerroxStep, *, upload_dist: bool) -> Job:
    # The target arrives through env, never as ${{ }} inside the run line.
    features = any(t.features for t in inputs.ci.targets)
    run_args = '-- -- --target "$FERROX_TARGET"' + (
        ' --features "$FERROX_FEATURES"' if features else ""
    )
    after: tuple[Step, ...] = ()
    if upload_dist:
        after = (
            Step(
                name="Upload the build",
                uses=_pin("upload-artifact"),
                with_=(
                    ("name", "dist-${{ matrix.target }}"),
                    ("path", "target/dist/"),
                    ("if-no-files-found", "error"),
                ),
            ),
        )
    job = _session_job(
        inputs, step.name, rust=True, tools=_tools(inputs, step), run_args=run_args,
        artifact_suffix="-${{ matrix.target }}", targets=True, cache=not upload_dist, after=after,
    )  # fmt: skip
    env: Pairs = (("FERROX_TARGET", "${{ matrix.target }}"),)
    if features:
        env = (*env, ("FERROX_FEATURES", "${{ matrix.features }}"))
    return _with(
        job, runs_on="${{ matrix.runner }}", matrix=build_matrix(inputs.ci.targets), env=env
    )


def _session_job(
    inputs: Inputs,
    session: str,
    *,
    rust: bool,
    tools: tuple[str, ...],
    cache: bool = True,
    run_args: str = "",
    artifact_suffix: str = "",
    targets: bool = False,
    before: tuple[Step, ...] = (),
    after: tuple[Step, ...] = (),
    fetch_all: bool = False,
) -> Job:
    """A job that sets up Python (and Rust), installs nox + ferrox, and runs one session."""
    checkout: Pairs = (("persist-credentials", "false"),)
    if fetch_all:
        checkout = (*checkout, ("fetch-depth", "0"))
    steps = [
        Step(name="Check out", uses=_pin("checkout"), with_=checkout),
        Step(
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
        steps.append(Step(name="Set up Rust", uses=_pin("rust-toolchain"), with_=toolchain))
        if cache:
            steps.append(_cache_step(session))
    steps.extend(
        Step(
            name="Install nox and ferrox" if i == 0 else "Install ferrox from this checkout",
            run=line,
        )
        for i, line in enumerate(install_lines(inputs.ci))
    )
    if tools:
        steps.append(Step(name="Install pinned tools", run=f"nox -s tools -- {' '.join(tools)}"))
    steps.extend(before)
    run = f"nox -s {session}" + (f" {run_args}" if run_args else "")
    steps.append(Step(name=session, run=run, id="ferrox"))
    steps.extend(after)
    steps.append(
        Step(
            name="Upload reports",
            uses=_pin("upload-artifact"),
            with_=(
                ("name", f"ferrox-{session}{artifact_suffix}"),
                ("path", f"{inputs.report_dir}/"),
                ("if-no-files-found", "ignore"),
            ),
            if_="always()",
        )
    )
    return Job(
        id=session,
        name=session,
        runs_on="ubuntu-latest",
        timeout_minutes=inputs.ci.timeout_minutes,
        steps=tuple(steps),
    )


def _cache_step(session: str) -> Step:
    # The same inputs as `ferrox cache-key`, hashed by Actions itself (no extra run line).
    files = "'**/Cargo.lock', 'rust-toolchain.toml', 'rust-toolchain', 'ci/tools.toml'"
    return Step(
        name="Cache cargo",
        uses=_pin("cache"),
        with_=(
            ("path", "~/.cargo/registry\n~/.cargo/git\ntarget\n"),
            ("key", f"ferrox-{session}-${{{{ runner.os }}}}-${{{{ hashFiles({files}) }}}}"),
            ("restore-keys", f"ferrox-{session}-${{{{ runner.os }}}}-"),
        ),
    )


def _bench_history_job(inputs: Inputs, step: FerroxStep) -> Job:
    """After a merge: append to the benchmark history and look for change points.

    A fresh runner has no history, so the file travels in the Actions cache: every run saves
    it under a new key and the next run restores the newest one (``restore-keys`` prefix).
    """
    history = _carried("benchmark history", HISTORY_FILES, "ferrox-bench-history-")
    job = _session_job(
        inputs, step.name, rust=True, tools=_tools(inputs, step), run_args="-- --mode history",
        artifact_suffix="-history", before=(history,),
    )  # fmt: skip
    return _with(job, id="bench-history", name="bench-history", if_="github.event_name == 'push'")


def _carried(what: str, path: str, prefix: str) -> Step:
    """A file carried across runs: the newest cached copy is restored, and saved anew by key."""
    return Step(
        name=f"Restore the {what}",
        uses=_pin("cache"),
        with_=(
            ("path", path),
            ("key", prefix + "${{ github.run_id }}"),
            ("restore-keys", prefix),
        ),
    )


def _pr_only_args(session: str) -> dict[str, Any]:
    """bench compares the PR with its target branch: full history, and that branch as the base.

    ``GITHUB_BASE_REF`` is read by the shell from the environment, never expanded by Actions
    into the script, so a branch name cannot inject code.
    """
    if session != "bench":
        return {}
    return {"fetch_all": True, "run_args": '-- --base "origin/${GITHUB_BASE_REF}"'}


def _needs_rust(step: FerroxStep) -> bool:
    return step.needs_cargo or "rust" in step.tags


def _tools(inputs: Inputs, step: FerroxStep) -> tuple[str, ...]:
    return tuple(t for t in step.tools if t in inputs.pinned_tools)


def _pin(name: str) -> ActionPin:
    return action_pins()[name]


def _with(job: Job, **changes: Any) -> Job:
    return replace(job, **changes)


def _with_env(steps: tuple[Step, ...], session: str, env: Pairs) -> tuple[Step, ...]:
    """``env`` on the job's session step (the one `nox -s session ...` line, id ``ferrox``)."""
    return tuple(
        replace(s, env=env) if s.id == "ferrox" and (s.run or "").startswith(f"nox -s {session}")
        else s
        for s in steps
    )  # fmt: skip
