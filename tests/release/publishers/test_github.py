"""The github publisher's answers it cannot read (the flow tests drive the fake GitHub API)."""

from __future__ import annotations

import http.server
import threading
from types import SimpleNamespace

import pytest

from ferrox.errors import ToolError
from ferrox.masking import Masker
from ferrox.release.publishers import github

TOKEN = "ghp_fixtureTOKEN0123456789abcdef"  # noqa: S105 - a fixture


class _Portal(http.server.BaseHTTPRequestHandler):
    """A captive portal or proxy: 200 with an HTML page for every request."""

    def log_message(self, *args: object) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        body = f"<html>sign in ({self.headers.get('Authorization')})</html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_an_answer_that_is_not_json_is_exit_3_without_the_token() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Portal)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    job = SimpleNamespace(
        env={"GITHUB_TOKEN": TOKEN},
        settings=SimpleNamespace(token_env="GITHUB_TOKEN"),  # noqa: S106 - a variable name
        masker=Masker.of([TOKEN]),
    )
    try:
        api = github._Api(job)  # type: ignore[arg-type]
        base = f"http://127.0.0.1:{server.server_address[1]}/repos/o/r"
        with pytest.raises(ToolError, match="unreadable JSON") as raised:
            github._find(api, base, "v1.0.0")
        assert raised.value.exit_code == 3
        assert TOKEN not in str(raised.value)
    finally:
        server.shutdown()
        server.server_close()
