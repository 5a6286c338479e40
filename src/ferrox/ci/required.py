"""The one required check: the last job of ci.yml, green only when every other job passed.

Branch protection then names one check instead of every job (and no rename of a job silently
drops it from the protected set). GitHub reports a job skipped by a failed dependency or an
``if:`` as "skipped", which branch protection counts as passing; this job does not:

- a job without an ``if:`` must end ``success`` (failure, cancelled and skipped all fail the check);
- a job with an ``if:`` (an event condition: the bench job runs only on pull requests,
  bench-history only on pushes) may also be ``skipped``, since it is skipped by design on the
  other event.

Each result reaches the script through ``env`` (``needs.<job>.result``), never through an
expression inside ``run:``.
"""

from __future__ import annotations

import re

from ferrox.ci.model import Job, JobStep

REQUIRED_JOB = "required"
_JOB_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def required_job(jobs: list[Job]) -> Job:
    """The job that ``needs`` every job in ``jobs`` and fails unless each passed."""
    env: list[tuple[str, str]] = []
    checks: list[str] = []
    for job in jobs:
        if not _JOB_ID.fullmatch(job.id) or job.id == REQUIRED_JOB:
            raise ValueError(f"job id {job.id!r} cannot be checked by the {REQUIRED_JOB} job")
        var = "RESULT_" + job.id.upper().replace("-", "_")
        env.append((var, f"${{{{ needs.{job.id}.result }}}}"))
        allowed = '[ "$' + var + '" = success ]'
        if job.if_:
            allowed += ' || [ "$' + var + '" = skipped ]'
        checks.append(f'{allowed} || failed="$failed {job.id}=${var}"')
    script = "\n".join(
        [
            'failed=""',
            *checks,
            'if [ -n "$failed" ]; then',
            '  echo "::error::jobs that did not pass:$failed"',
            "  exit 1",
            "fi",
            'echo "every job passed (a job with an event condition may be skipped)"',
        ]
    )
    step = JobStep(name="Every job passed", run=script + "\n", env=tuple(env))
    return Job(
        id=REQUIRED_JOB,
        name=REQUIRED_JOB,
        runs_on="ubuntu-latest",
        timeout_minutes=5,
        steps=(step,),
        permissions=(),
        needs=tuple(job.id for job in jobs),
        if_="always()",
    )
