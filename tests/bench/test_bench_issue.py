"""Issue payloads and GitHub's create-issue endpoint, against a loopback server speaking it."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from demo_knob import add_bench_settings
from ferrox.bench import environment, history, issue
from ferrox.bench.schema import BenchRun, Measurement
from ferrox.errors import ToolError, UsageError
from ferrox.masking import Masker
from ferrox.tools import ToolRunner
from gitrepo import git as _git
from gitrepo import init_committed

TOKEN = "ghp_loopbacktoken1234567890"  # noqa: S105 - a fake token for the loopback server


class FakeGitHub(BaseHTTPRequestHandler):
    """``GET`` and ``POST /repos/{owner}/{repo}/issues``: open issues, 201 with html_url, 401."""

    requests: ClassVar[list[dict[str, Any]]] = []
    listed: ClassVar[list[str]] = []
    open_issues: ClassVar[list[dict[str, Any]]] = []
    status = 201

    def do_GET(self) -> None:
        FakeGitHub.listed.append(self.path)
        ok = self.headers["Authorization"] == f"Bearer {TOKEN}" and "/issues?" in self.path
        # Like do_POST, a refusal echoes the credentials, as a proxy might: they must be masked.
        refusal = {"message": f"Bad credentials {self.headers['Authorization']}"}
        data = json.dumps(FakeGitHub.open_issues if ok else refusal)
        self.send_response(200 if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data.encode())))
        self.end_headers()
        self.wfile.write(data.encode())

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeGitHub.requests.append(
            {"path": self.path, "auth": self.headers["Authorization"], "body": body}
        )
        ok = self.headers["Authorization"] == f"Bearer {TOKEN}" and self.path.endswith("/issues")
        status = FakeGitHub.status if ok else 401
        if status == 201:
            owner_repo = self.path.split("/")[2:4]
            answer = {
                "number": 7,
                "html_url": f"https://github.com/{'/'.join(owner_repo)}/issues/7",
            }
        elif status == 200:
            answer = {"unexpected": True}
        else:
            # GitHub does not echo tokens, but a proxy might: the error must still mask it.
            answer = {"message": f"Bad credentials {self.headers['Authorization']}"}
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def github() -> Iterator[str]:
    FakeGitHub.requests = []
    FakeGitHub.listed = []
    FakeGitHub.open_issues = []
    FakeGitHub.status = 201
    server = HTTPServer(("127.0.0.1", 0), FakeGitHub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


REGRESSION = issue.Regression(
    key="checksum/adler32_64k", change=0.12, before=100.0, after=112.0, unit="ns",
    first_bad="b" * 40, last_good="a" * 40, p_value=0.005, runs_since=4,
)  # fmt: skip


def test_payload_names_the_commit_range_and_chart() -> None:
    other = issue.Regression("s/x", 0.06, 1.0, 1.06, "ns", "d" * 40, "c" * 40, 0.01, 3)
    payload = issue.payload(
        [REGRESSION, other], chart_link="https://ci/dash.html", repository="o/r"
    )
    assert payload.title == "Performance regression: checksum/adler32_64k +12.0% (and 1 more)"
    assert f"https://github.com/o/r/compare/{'a' * 40}...{'b' * 40}" in payload.body
    assert "Chart: https://ci/dash.html" in payload.body
    assert "E-divisive" in payload.body
    plain = issue.payload([REGRESSION], chart_link="x", repository="")
    assert "aaaaaaaaaaaa..bbbbbbbbbbbb" in plain.body and "(and" not in plain.title


def test_create_issue_posts_to_the_documented_endpoint(github: str) -> None:
    payload = issue.payload([REGRESSION], chart_link="x", repository="o/r")
    url = issue.create_issue(
        payload, api_url=github, repository="o/r", token=TOKEN, masker=Masker()
    )
    assert url == "https://github.com/o/r/issues/7"
    (request,) = FakeGitHub.requests
    assert request["path"] == "/repos/o/r/issues"
    assert request["auth"] == f"Bearer {TOKEN}"
    assert request["body"] == {
        "title": payload.title, "body": payload.body, "labels": ["performance", "regression"],
    }  # fmt: skip


def test_a_persisting_regression_reuses_its_open_issue(github: str) -> None:
    payload = issue.payload([REGRESSION], chart_link="x", repository="o/r")
    FakeGitHub.open_issues = [
        {"title": "Performance regression: s/other +6.0%", "html_url": "https://x/issues/1"},
        # The same benchmark, measured at another size on an earlier run.
        {"title": "Performance regression: checksum/adler32_64k +9.5%", "html_url": "https://x/2"},
    ]
    url = issue.create_issue(
        payload, api_url=github, repository="o/r", token=TOKEN, masker=Masker()
    )
    assert url == "https://x/2"
    assert FakeGitHub.requests == [], "nothing is posted twice"
    assert FakeGitHub.listed == [
        "/repos/o/r/issues?state=open&per_page=100&labels=performance%2Cregression"
    ]


def test_refusal_is_a_tool_error_without_the_token(github: str) -> None:
    payload = issue.payload([REGRESSION], chart_link="x", repository="o/r")
    with pytest.raises(ToolError) as caught:
        issue.create_issue(
            payload, api_url=github, repository="o/r", token=TOKEN + "x", masker=Masker()
        )
    assert "HTTP 401" in str(caught.value)
    assert TOKEN not in str(caught.value)
    assert "***" in str(caught.value)


def test_bad_answers_and_unreachable_servers_fail(github: str) -> None:
    payload = issue.payload([REGRESSION], chart_link="x", repository="o/r")
    FakeGitHub.status = 200
    with pytest.raises(ToolError, match="html_url"):
        issue.create_issue(payload, api_url=github, repository="o/r", token=TOKEN, masker=Masker())
    with pytest.raises(ToolError, match="cannot reach"):
        issue.create_issue(
            payload, api_url="http://127.0.0.1:9", repository="o/r", token=TOKEN, masker=Masker()
        )
    with pytest.raises(UsageError, match="OWNER/NAME"):
        issue.create_issue(payload, api_url=github, repository="r", token=TOKEN, masker=Masker())
    with pytest.raises(UsageError, match="token"):
        issue.create_issue(payload, api_url=github, repository="o/r", token="", masker=Masker())


def _summary(result: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((result.report_dir / "bench" / "summary.json").read_text())
    return data


@pytest.fixture
def demo_repo(fresh_crate: Callable[[str], Path]) -> Path:
    """The demo as a git repository, with few and short history runs."""
    demo = fresh_crate("demo")
    add_bench_settings(
        demo,
        'run_args = ["--rounds", "3", "--round-ms", "2"]\nhistory_runs = 2\n'
        + "permutations = 49\n",
    )
    init_committed(demo)
    return demo


@pytest.mark.slow
def test_history_mode_appends_draws_the_dashboard_and_opens_an_issue(
    ferrox: Callable[..., Any], demo_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = environment.collect(ToolRunner(), demo_repo)
    path = demo_repo / ".ferrox" / "bench-history.jsonl"
    for n in range(14):  # a step up after run 8, still in force
        value = 100_000.0 if n < 8 else 200_000.0
        seeded = BenchRun(
            dataclasses.replace(env, commit=f"{n:040x}"),
            (Measurement("checksum", "adler32_64k", "ns", (value,)),),
            timestamp=f"2026-11-{n + 1:02d}T00:00:00+00:00",
        )
        history.append(path, seeded)
    FakeGitHub.requests = []
    FakeGitHub.listed = []
    FakeGitHub.open_issues = []
    FakeGitHub.status = 201
    server = HTTPServer(("127.0.0.1", 0), FakeGitHub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    add_bench_settings(
        demo_repo, f'repository = "o/r"\napi_url = "http://127.0.0.1:{server.server_port}"\n'
    )
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    try:
        result = ferrox("run", "bench", "-C", str(demo_repo), "--mode", "history", "--create-issue")
    finally:
        server.shutdown()
        server.server_close()
    assert result.code == 1, result.out + result.err  # a persisting critical regression
    report = result.report
    assert report["metrics"]["history_runs"] == 15
    assert _summary(result)["issue_url"] == "https://github.com/o/r/issues/7"
    (request,) = FakeGitHub.requests
    assert "checksum/adler32_64k" in request["body"]["title"]
    assert f"{7:040x}"[:12] in request["body"]["body"]  # the last good commit
    assert TOKEN not in result.out + result.err + json.dumps(report)
    dashboard = Path(_summary(result)["dashboard"]).read_text()
    assert "Plotly.newPlot" in dashboard and "<script src" not in dashboard  # offline
    read = history.read(path)
    assert read.runs[-1].environment.commit == _git(demo_repo, "rev-parse", "HEAD")
    assert len(read.runs[-1].measurements) == 3
    assert all(len(m.samples) == 2 for m in read.runs[-1].measurements)
