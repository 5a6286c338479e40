"""The issue for a regression that persists on main, and posting it through GitHub's REST API.

``POST {api}/repos/{owner}/{repo}/issues`` with ``{"title", "body", "labels"}`` and a bearer
token (GitHub's documented "Create an issue" endpoint); the token never reaches an output.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass

from ferrox.errors import ToolError, UsageError
from ferrox.masking import Masker


@dataclass(frozen=True)
class Regression:
    """A change point that raised a benchmark's time and is still in force."""

    key: str
    change: float
    before: float
    after: float
    unit: str
    first_bad: str  # commit of the first run after the change
    last_good: str  # commit of the last run before it
    p_value: float
    runs_since: int


@dataclass(frozen=True)
class IssuePayload:
    """Title, body and labels of the issue to open."""

    title: str
    body: str
    labels: tuple[str, ...] = ("performance", "regression")

    @property
    def topic(self) -> str:
        """The title without the size of the change, which moves from run to run."""
        return self.title.split(" +", 1)[0]

    def to_json(self) -> dict[str, object]:
        """The request body of GitHub's create-issue endpoint."""
        return {"title": self.title, "body": self.body, "labels": list(self.labels)}


def payload(regressions: Sequence[Regression], *, chart_link: str, repository: str) -> IssuePayload:
    """The issue text: the suspect commit range per benchmark and a link to the chart."""
    worst = max(regressions, key=lambda r: r.change)
    title = f"Performance regression: {worst.key} +{worst.change:.1%}"
    if len(regressions) > 1:
        title += f" (and {len(regressions) - 1} more)"
    lines = [
        "A change-point analysis of the benchmark history on main found a slowdown that persists.",
        "",
        "| Benchmark | Before | After | Change | Suspect commits | p-value | Runs since |",
        "| --- | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    for r in regressions:
        span = f"{r.last_good[:12]}..{r.first_bad[:12]}"
        if repository:
            span = (
                f"[{span}](https://github.com/{repository}/compare/{r.last_good}...{r.first_bad})"
            )
        lines.append(
            f"| `{r.key}` | {r.before:.4g} {r.unit} | {r.after:.4g} {r.unit} | +{r.change:.1%} "
            f"| {span} | {r.p_value:.3f} | {r.runs_since} |"
        )
    lines += [
        "",
        f"Chart: {chart_link}",
        "",
        "Method: E-divisive means (Matteson & James 2014) with a permutation test, on runs from one"
        " environment fingerprint. Opened by `ferrox run bench --mode history --create-issue`.",
    ]
    return IssuePayload(title, "\n".join(lines) + "\n")


def create_issue(
    issue: IssuePayload,
    *,
    api_url: str,
    repository: str,
    token: str,
    masker: Masker,
    timeout: float = 30.0,
) -> str:
    """Opens the issue and returns its ``html_url``; errors never show the token.

    A regression persists over many post-merge runs: when an open issue with the same labels
    already names the same benchmark, that issue's URL is returned and nothing is posted.
    """
    if repository.count("/") != 1:
        raise UsageError(f"repository must be OWNER/NAME, got {repository!r}")
    if not token:
        raise UsageError("creating an issue needs a token (set the variable named by token_env)")
    masker = masker.including([token])  # with its escaped spellings, like every secret
    url = f"{api_url.rstrip('/')}/repos/{repository}/issues"
    labels = urllib.parse.quote(",".join(issue.labels))
    found = _call(f"{url}?state=open&per_page=100&labels={labels}", None, token, masker, timeout)
    if not isinstance(found, list):
        raise ToolError("GitHub's list of open issues is not a list", tool="github-api")
    for existing in found:
        if isinstance(existing, dict) and str(existing.get("title", "")).startswith(issue.topic):
            return str(existing.get("html_url", ""))
    body = _call(url, issue.to_json(), token, masker, timeout)
    if not isinstance(body, dict) or "html_url" not in body:
        raise ToolError("GitHub's answer has no html_url", tool="github-api")
    return str(body["html_url"])


def _call(url: str, data: object, token: str, masker: Masker, timeout: float) -> object:
    """One GitHub REST call (POST when ``data`` is given): the decoded JSON answer."""
    request = urllib.request.Request(  # noqa: S310 - the URL is the configured GitHub API
        url,
        data=None if data is None else json.dumps(data).encode(),
        method="GET" if data is None else "POST",
        headers={
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {token}",
            "X-GitHub-Api-Version": "2022-11-28",
            "Content-Type": "application/json",
            "User-Agent": "ferrox",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        detail = masker.mask(exc.read().decode("utf-8", "replace")[:500])
        raise ToolError(
            f"GitHub refused the issue: HTTP {exc.code} {detail}", tool="github-api"
        ) from None
    except (urllib.error.URLError, OSError, json.JSONDecodeError) as exc:
        raise ToolError(f"cannot reach {url}: {masker.mask(str(exc))}", tool="github-api") from None
