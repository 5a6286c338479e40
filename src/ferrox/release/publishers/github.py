"""``github``: the GitHub release with notes and assets, through the REST API.

Idempotent: an existing release for the tag is reused (``GET /releases/tags/{tag}``) and only
assets it lacks are uploaded, so ``--resume`` never duplicates anything. The API base is the
``api_url`` setting (GitHub Enterprise: ``https://HOST/api/v3``); the token comes from the
environment variable named by ``token_env`` and is masked in every message.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from ferrox.errors import ToolError, UsageError
from ferrox.release.git import Git
from ferrox.release.publishers.interface import Publisher, PublishJob
from ferrox.release.remote import github_repository

API_VERSION = "2022-11-28"
TIMEOUT_S = 120.0


def _repository(job: PublishJob) -> str:
    git = Git(job.runner, job.root, job.settings.timeout)
    found = github_repository(job.settings, git.remote_url(job.settings.remote))
    if found is None:
        raise UsageError(
            'cannot tell the GitHub repository: set [release] github_repository = "owner/name" '
            f"(remote {job.settings.remote!r} is not on github.com)"
        )
    return found


def _token(job: PublishJob) -> str:
    token = job.env.get(job.settings.token_env, "")
    if not token:
        raise UsageError(
            f"the GitHub publisher needs a token in ${job.settings.token_env} "
            "(or drop 'github' from [release] publishers)"
        )
    return token


def preflight(job: PublishJob) -> None:
    """Token and repository must be known before anything changes."""
    _token(job)
    _repository(job)


def describe(job: PublishJob) -> list[str]:
    """The API calls a release makes."""
    base = f"{job.settings.api_url.rstrip('/')}/repos/{_repository(job)}"
    lines = [f"GET {base}/releases/tags/{job.tag}", f"POST {base}/releases (if missing)"]
    lines += [f"POST <upload_url>?name={path.name} (if missing)" for path in job.assets]
    return lines


def publish(job: PublishJob) -> None:
    """Creates the release unless it exists, then uploads the assets it does not have yet."""
    api = _Api(job)
    base = f"{job.settings.api_url.rstrip('/')}/repos/{_repository(job)}"
    status, release = api.call(
        "GET", f"{base}/releases/tags/{urllib.parse.quote(job.tag)}", ok=(200, 404)
    )
    if status == 404:
        payload = {
            "tag_name": job.tag,
            "name": job.tag,
            "body": job.notes,
            "draft": False,
            "prerelease": job.prerelease,
        }
        _, release = api.call(
            "POST", f"{base}/releases", body=json.dumps(payload).encode(), ok=(201,)
        )
        job.say(f"created GitHub release {job.tag}")
    else:
        job.say(f"GitHub release {job.tag} exists; adding missing assets")
    job.checkpoint("release")
    _, existing = api.call("GET", f"{base}/releases/{release['id']}/assets?per_page=100", ok=(200,))
    have = {asset["name"]: asset for asset in existing}
    upload = str(release["upload_url"]).split("{", 1)[0]
    for path in job.assets:
        if path.name in have and have[path.name].get("size") == path.stat().st_size:
            continue
        if path.name in have:  # a torn earlier upload: replace it
            api.call("DELETE", f"{base}/releases/assets/{have[path.name]['id']}", ok=(204,))
        query = urllib.parse.urlencode({"name": path.name})
        api.call(
            "POST", f"{upload}?{query}", body=path.read_bytes(), ok=(201,),
            content_type="application/octet-stream",
        )  # fmt: skip
        job.say(f"uploaded {path.name}")
        job.checkpoint(f"upload:{path.name}")


class _Api:
    def __init__(self, job: PublishJob) -> None:
        self.job = job
        self.token = _token(job)

    def call(
        self,
        method: str,
        url: str,
        *,
        ok: tuple[int, ...],
        body: bytes | None = None,
        content_type: str = "application/json",
    ) -> tuple[int, Any]:
        request = urllib.request.Request(url, data=body, method=method)  # noqa: S310 - https or the configured api_url
        request.add_header("Accept", "application/vnd.github+json")
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("X-GitHub-Api-Version", API_VERSION)
        request.add_header("User-Agent", "ferrox-release")
        if body is not None:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310
                status, text = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read()
        except (urllib.error.URLError, OSError) as exc:
            raise self._error(f"{method} {url} failed: {exc}") from None
        if status not in ok:
            detail = text.decode("utf-8", "replace")[:500]
            raise self._error(f"{method} {url} answered HTTP {status}: {detail}")
        return status, json.loads(text) if text.strip() else None

    def _error(self, message: str) -> ToolError:
        return ToolError(self.job.masker.mask(message.replace(self.token, "***")), tool="github")


PUBLISHER = Publisher("github", describe, publish, preflight)
