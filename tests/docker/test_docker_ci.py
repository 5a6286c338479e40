"""The docker step's place in the generated workflows: only where [ci] docker = true."""

from __future__ import annotations

from dataclasses import replace

from ferrox.ci.plan import Inputs, plan
from ferrox.ci.render import render_workflow
from ferrox.ci.settings import CiSettings
from ferrox.steps import all_steps, default_steps


def _ci_yml(docker: bool) -> str:
    inputs = Inputs(all_steps(), replace(CiSettings(), docker=docker), pinned_tools=("hadolint",))
    workflows = {wf.file: wf for wf in plan(inputs).workflows}
    return render_workflow(workflows["ci.yml"])


def test_no_docker_job_unless_the_project_asked_for_dockerfiles() -> None:
    assert "nox -s docker" not in _ci_yml(docker=False)


def test_docker_job_adds_the_musl_target_and_installs_hadolint() -> None:
    text = _ci_yml(docker=True)
    job = text[text.index("  docker:\n") :]
    job = job.split("\n\n")[0]
    assert "targets: x86_64-unknown-linux-musl" in job
    assert "run: nox -s tools -- hadolint" in job
    assert "run: nox -s docker\n" in job


def test_docker_is_opt_in_locally() -> None:
    assert "docker" in all_steps() and "docker" not in default_steps()
