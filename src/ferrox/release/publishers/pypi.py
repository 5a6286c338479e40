"""``pypi``: uploads the release's wheels and sdist with twine (the pinned one in the tools home).

The token comes from the variable named by ``[release.pypi] token_env`` and reaches twine through
its environment (``TWINE_PASSWORD``), never its command line. ``--skip-existing`` makes a second
run upload only the files the index lacks, so ``--resume`` never fails on what already went out.
"""

from __future__ import annotations

import re
from pathlib import Path

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)

from ferrox.errors import ToolError, ToolOutputError, UsageError
from ferrox.release.publishers.interface import Publisher, PublishJob

NAME = "pypi"
TOOLS_HINT = "install it with `ferrox tools install twine`"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def distributions(assets: tuple[Path, ...]) -> list[Path]:
    """The wheels and sdists among the release's assets (the Rust archives are not sdists)."""
    found = []
    for path in assets:
        try:
            if path.name.endswith(".whl"):
                parse_wheel_filename(path.name)
            elif path.name.endswith(".tar.gz"):
                parse_sdist_filename(path.name)
            else:
                continue
        except (InvalidWheelFilename, InvalidSdistFilename):
            continue
        found.append(path)
    return found


def _token(job: PublishJob) -> str:
    settings = job.settings.pypi
    token = job.env.get(settings.token_env, "")
    if not token:
        raise UsageError(
            f"the pypi publisher needs a token in ${settings.token_env} "
            "(set [release.pypi] token_env, or drop 'pypi' from [release] publishers)"
        )
    return token


def preflight(job: PublishJob) -> None:
    """The token must be set."""
    _token(job)


def describe(job: PublishJob) -> list[str]:
    """The upload command."""
    names = " ".join(path.name for path in job.assets if path.name.endswith((".whl", ".tar.gz")))
    return [
        f"twine upload --non-interactive --skip-existing --repository-url "
        f"{job.settings.pypi.repository_url} {names or '(the wheel and sdist)'}"
    ]


def publish(job: PublishJob) -> None:
    """Uploads the distributions the index does not have yet."""
    settings = job.settings.pypi
    files = distributions(job.assets)
    if not files:
        raise ToolError(
            "the pypi publisher found no wheel or sdist among the release assets "
            "(the project needs a [build-system] and [release] artifacts = true)",
            tool="twine",
        )
    token = _token(job)
    done = job.runner.run(
        "twine",
        ["upload", "--non-interactive", "--skip-existing", "--disable-progress-bar",
         "--repository-url", settings.repository_url, "--", *(path.name for path in files)],
        cwd=files[0].parent,
        timeout=job.settings.timeout,
        hint=TOOLS_HINT,
        env={"TWINE_USERNAME": settings.username, "TWINE_PASSWORD": token,
             "NO_COLOR": "1", "COLUMNS": "1000"},
    )  # fmt: skip
    text = _ANSI.sub("", done.stdout + done.stderr)
    if done.returncode != 0:
        raise ToolOutputError.of(done, f"twine upload to {settings.repository_url} failed", "twine")
    for path in files:
        skipped = f"Skipping {path.name}" in text
        if not skipped and f"Uploading {path.name}" not in text:
            raise ToolOutputError.of(done, f"twine did not report uploading {path.name}", "twine")
        job.say(f"pypi: {'already on the index' if skipped else 'uploaded'} {path.name}")
        job.record(NAME, path.name)


PUBLISHER = Publisher(NAME, describe, publish, preflight)
