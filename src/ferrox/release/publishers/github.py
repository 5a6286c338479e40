"""``github``: the GitHub release with notes and assets, through the REST API.

The release is created as a draft and made public (``PATCH draft=false``) by ``finish``, which the
release flow runs only once every publisher has published: a release never appears without its
assets, crates or wheels. Idempotent: an existing release for the tag is reused (a published one
through ``GET /releases/tags/{tag}``, a draft, which that endpoint does not show, from the list of
releases) and only assets it lacks are uploaded, so ``--resume`` never duplicates anything. The
API base is the ``api_url`` setting (GitHub Enterprise: ``https://HOST/api/v3``); the token comes
from the environment variable named by ``token_env`` and is masked in every message.
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
    lines = [
        f"GET {base}/releases/tags/{job.tag}",
        f"GET {base}/releases (a draft for {job.tag})",
        f"POST {base}/releases draft=true (if missing)",
    ]
    lines += [f"POST <upload_url>?name={path.name} (if missing)" for path in job.assets]
    lines.append(f"PATCH {base}/releases/<id> draft=false (once every publisher finished)")
    return lines


def _find(api: _Api, base: str, tag: str) -> dict[str, Any] | None:
    """The release for the tag: the published one, else a draft (the tag endpoint hides drafts)."""
    status, release = api.call(
        "GET", f"{base}/releases/tags/{urllib.parse.quote(tag)}", ok=(200, 404)
    )
    if status == 200:
        return dict(release)
    page = 1
    while True:  # a bounded walk: GitHub lists at most 100 a page
        _, releases = api.call("GET", f"{base}/releases?per_page=100&page={page}", ok=(200,))
        for found in releases:
            if found.get("draft") and found.get("tag_name") == tag:
                return dict(found)
        if len(releases) < 100 or page >= 10:
            return None
        page += 1


def publish(job: PublishJob) -> None:
    """Creates the release as a draft unless it exists, then uploads the assets it lacks."""
    api = _Api(job)
    base = f"{job.settings.api_url.rstrip('/')}/repos/{_repository(job)}"
    release = _find(api, base, job.tag)
    if release is None:
        payload = {
            "tag_name": job.tag,
            "name": job.tag,
            "body": job.notes,
            "draft": True,
            "prerelease": job.prerelease,
        }
        _, release = api.call(
            "POST", f"{base}/releases", body=json.dumps(payload).encode(), ok=(201,)
        )
        job.say(f"created GitHub release {job.tag} as a draft")
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
        job.record("github", path.name)
        job.checkpoint(f"upload:{path.name}")


def finish(job: PublishJob) -> None:
    """Makes the draft public: every publisher has finished."""
    api = _Api(job)
    base = f"{job.settings.api_url.rstrip('/')}/repos/{_repository(job)}"
    release = _find(api, base, job.tag)
    if release is None:
        raise api.error(f"the GitHub release {job.tag} vanished before it was made public")
    if release.get("draft"):
        payload = {"draft": False, "tag_name": job.tag}
        api.call(
            "PATCH", f"{base}/releases/{release['id']}", body=json.dumps(payload).encode(),
            ok=(200,),
        )  # fmt: skip
        job.say(f"published GitHub release {job.tag}")
    job.checkpoint("github:public")


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
            raise self.error(f"{method} {url} failed: {exc}") from None
        if status not in ok:
            detail = text.decode("utf-8", "replace")[:500]
            raise self.error(f"{method} {url} answered HTTP {status}: {detail}")
        try:
            return status, json.loads(text) if text.strip() else None
        except ValueError:  # a proxy's page, a truncated answer: no verdict on what exists
            raise self.error(
                f"{method} {url} answered HTTP {status} with unreadable JSON"
            ) from None

    def error(self, message: str) -> ToolError:
        return ToolError(self.job.masker.mask(message.replace(self.token, "***")), tool="github")


PUBLISHER = Publisher("github", describe, publish, preflight, finish, per_tag=True)
