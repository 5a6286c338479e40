"""``pypi``: uploads the release's wheels and sdist with twine (the pinned one in the tools home).

The token comes from the variable named by ``[release.pypi] token_env`` and reaches twine through
its environment (``TWINE_PASSWORD``), never its command line. Before uploading, the index's
simple API (PEP 503) is read and files it has are skipped, so ``--resume`` uploads only the rest
(twine's own ``--skip-existing`` works for PyPI and TestPyPI only).
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

from ferrox.errors import ToolError, ToolOutputError, UsageError
from ferrox.release.publish_settings import redact_url
from ferrox.release.publishers.interface import Publisher, PublishJob

NAME = "pypi"
TOOLS_HINT = "install it with `ferrox tools install twine`"
TIMEOUT_S = 60.0
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# PEP 503 pages, and PEP 691's HTML flavour.
_SIMPLE_HTML = ("text/html", "application/vnd.pypi.simple.v1+html")


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
        f"GET {redact_url(job.settings.pypi.index_url)}<project>/ (skip files the index has)",
        f"twine upload --non-interactive --repository-url "
        f"{redact_url(job.settings.pypi.repository_url)} {names or '(the wheel and sdist)'}",
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
    have = set()
    for project in sorted({_project(path) for path in files}):
        have |= index_files(settings.index_url, project)
    for path in files:
        if path.name in have:
            job.say(f"pypi: already on the index {path.name}")
            job.record(NAME, path.name)
    upload = [path for path in files if path.name not in have]
    if not upload:
        return
    done = job.runner.run(
        "twine",
        ["upload", "--non-interactive", "--disable-progress-bar",
         "--repository-url", settings.repository_url, "--", *(path.name for path in upload)],
        cwd=upload[0].parent,
        timeout=job.settings.timeout,
        hint=TOOLS_HINT,
        env={"TWINE_USERNAME": settings.username, "TWINE_PASSWORD": token,
             "NO_COLOR": "1", "COLUMNS": "1000"},
    )  # fmt: skip
    text = _ANSI.sub("", done.stdout + done.stderr)
    if done.returncode != 0:
        raise ToolOutputError.of(
            done, f"twine upload to {redact_url(settings.repository_url)} failed", "twine"
        )
    for path in upload:
        if f"Uploading {path.name}" not in text:
            raise ToolOutputError.of(done, f"twine did not report uploading {path.name}", "twine")
        job.say(f"pypi: uploaded {path.name}")
        job.record(NAME, path.name)


def _project(path: Path) -> str:
    if path.name.endswith(".whl"):
        return str(parse_wheel_filename(path.name)[0])
    return str(parse_sdist_filename(path.name)[0])


class _Links(HTMLParser):
    """The file names a PEP 503 project page links to."""

    def __init__(self) -> None:
        super().__init__()
        self.files: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href") if tag == "a" else None
        if href:
            path = urllib.parse.urlsplit(href).path
            self.files.add(urllib.parse.unquote(path.rsplit("/", 1)[-1]))


def index_files(simple_url: str, project: str) -> set[str]:
    """The files the index holds for ``project`` (none when it does not know the project)."""
    url = f"{simple_url}{canonicalize_name(project)}/"
    request = urllib.request.Request(url, headers={"User-Agent": "ferrox-release"})  # noqa: S310 - the configured index
    shown = redact_url(url)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310
            kind = response.headers.get_content_type()
            page = response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return set()
        raise ToolError(
            f"the package index answered HTTP {exc.code} for {shown}", tool="pypi"
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        raise ToolError(f"cannot read the package index at {shown}: {exc}", tool="pypi") from None
    if kind not in _SIMPLE_HTML:
        # Not a PEP 503 page (a proxy's error, a JSON API): what it holds cannot be told.
        raise ToolError(
            f"the package index answered {kind!r} for {shown}, not a simple API page "
            "(text/html); check [release.pypi] simple_url",
            tool="pypi",
        )
    links = _Links()
    links.feed(page)
    return links.files


PUBLISHER = Publisher(NAME, describe, publish, preflight, in_tag_workflow=False)
