"""``git``: pushes the release branch and tag in one atomic push (both or neither)."""

from __future__ import annotations

from ferrox.errors import UsageError
from ferrox.release.git import Git
from ferrox.release.publishers.interface import Publisher, PublishJob


def _argv(job: PublishJob) -> list[str]:
    branch = f"refs/heads/{job.branch}"
    return [
        "push",
        "--atomic",
        job.settings.remote,
        f"{branch}:{branch}",
        f"refs/tags/{job.tag}:refs/tags/{job.tag}",
    ]


def describe(job: PublishJob) -> list[str]:
    """The push command."""
    return ["git " + " ".join(_argv(job))]


def preflight(job: PublishJob) -> None:
    """The remote must exist."""
    git = Git(job.runner, job.root, job.settings.timeout)
    if git.remote_url(job.settings.remote) is None:
        raise UsageError(
            f"git remote {job.settings.remote!r} is not configured "
            "(set [release] remote, or `git remote add`)"
        )


def publish(job: PublishJob) -> None:
    """Pushes branch and tag; pushing again after success changes nothing."""
    Git(job.runner, job.root, job.settings.timeout).run(*_argv(job))
    job.say(f"pushed {job.branch} and {job.tag} to {job.settings.remote}")
    job.checkpoint("push")


PUBLISHER = Publisher("git", describe, publish, preflight, per_tag=True, in_tag_workflow=False)
