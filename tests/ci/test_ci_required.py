"""The required check: ci.yml's last job needs every job and fails unless each passed.

Its script is run with bash on the results GitHub would give it (``needs.<job>.result`` in env).
"""

from __future__ import annotations

import os
import re
import subprocess
from typing import Any

import pytest
import yaml
from ci_helpers import full_inputs

from ferrox.ci.model import Job, JobStep
from ferrox.ci.plan import plan
from ferrox.ci.render import render_workflow
from ferrox.ci.required import REQUIRED_JOB, required_job


def _ci_yml() -> dict[str, Any]:
    (ci,) = [wf for wf in plan(full_inputs()).workflows if wf.file == "ci.yml"]
    doc: dict[str, Any] = yaml.safe_load(render_workflow(ci))
    return doc


def _run(job: dict[str, Any], results: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The job's script with each ``RESULT_*`` set from ``results`` (by job id)."""
    (step,) = job["steps"]
    env = dict(os.environ)
    for var, expression in step["env"].items():
        (job_id,) = re.fullmatch(r"\$\{\{ needs\.([\w-]+)\.result \}\}", expression).groups()  # type: ignore[union-attr]
        env[var] = results[job_id]
    return subprocess.run(
        ["bash", "-c", step["run"]], env=env, capture_output=True, text=True, check=False
    )


def test_the_last_job_needs_every_other_job_and_always_runs() -> None:
    jobs = _ci_yml()["jobs"]
    *others, last = jobs
    assert last == REQUIRED_JOB
    required = jobs[REQUIRED_JOB]
    assert required["needs"] == others and required["if"] == "always()"
    assert required["permissions"] == {}


@pytest.mark.parametrize(
    ("change", "passes"),
    [
        ({}, True),
        ({"clippy": "failure"}, False),
        ({"test": "cancelled"}, False),
        ({"fmt": "skipped"}, False),  # skipped never reads as passed
        ({"bench": "skipped"}, True),  # a push: bench is a PR job
        ({"bench": "failure"}, False),
    ],
)
def test_the_check_fails_unless_every_job_passed(change: dict[str, str], passes: bool) -> None:
    job = _ci_yml()["jobs"][REQUIRED_JOB]
    results = dict.fromkeys(job["needs"], "success") | change
    done = _run(job, results)
    assert (done.returncode == 0) == passes, done.stdout + done.stderr
    event_jobs = {"bench"}  # skipped by design on a push
    for job_id, result in change.items():
        if result != "success" and not (result == "skipped" and job_id in event_jobs):
            assert f"{job_id}={result}" in done.stdout and "::error::" in done.stdout


def test_a_job_id_that_could_inject_is_refused() -> None:
    step = JobStep(name="x", run="nox -s x")
    bad = Job(id="x;rm", name="x", runs_on="ubuntu-latest", timeout_minutes=1, steps=(step,))
    with pytest.raises(ValueError, match="cannot be checked"):
        required_job([bad])
