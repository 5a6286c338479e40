"""A loopback GitHub REST API speaking the release endpoints ferrox uses, recording requests.

Endpoints (as documented by GitHub): ``GET /repos/{o}/{r}/releases/tags/{tag}`` (which, like
GitHub's, does not show drafts), ``GET /repos/{o}/{r}/releases`` (drafts included),
``POST /repos/{o}/{r}/releases``, ``PATCH /repos/{o}/{r}/releases/{id}`` (``draft: false``
publishes), ``GET /repos/{o}/{r}/releases/{id}/assets``,
``DELETE /repos/{o}/{r}/releases/assets/{id}`` and the upload URL
``POST {upload_url}?name=...``. A wrong or missing bearer token gets 401.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Recorded:
    """One request as the server saw it."""

    method: str
    path: str
    status: int
    authorization: str
    body: bytes = b""


@dataclass
class FakeGitHub:
    """State of the fake: releases by id, their assets, every request."""

    token: str
    releases: dict[int, dict[str, Any]] = field(default_factory=dict)
    assets: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    url: str = ""
    fail_uploads: int = 0
    _next_id: int = 1

    def calls(self, method: str, pattern: str) -> list[Recorded]:
        """Requests with this method whose path matches the regex."""
        return [r for r in self.requests if r.method == method and re.search(pattern, r.path)]

    def release_by_tag(self, tag: str) -> dict[str, Any] | None:
        """The release for the tag, if created (draft or not)."""
        return next((rel for rel in self.releases.values() if rel["tag_name"] == tag), None)

    def public_release(self, tag: str) -> dict[str, Any] | None:
        """The release for the tag as the public sees it: None while it is a draft."""
        release = self.release_by_tag(tag)
        return None if release is None or release["draft"] else release

    def new_id(self) -> int:
        """A fresh id for a release or an asset."""
        self._next_id += 1
        return self._next_id


def serve(fake: FakeGitHub) -> ThreadingHTTPServer:
    """Starts the server on a free loopback port in a daemon thread; sets ``fake.url``."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _reply(self, status: int, data: Any, body: bytes = b"") -> None:
            fake.requests.append(
                Recorded(
                    self.command, self.path, status, self.headers.get("Authorization", ""), body
                )
            )
            payload = b"" if data is None else json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length", "0")))

        def _authorised(self, body: bytes = b"") -> bool:
            if self.headers.get("Authorization") != f"Bearer {fake.token}":
                self._reply(401, {"message": "Bad credentials"}, body)
                return False
            return True

        def do_GET(self) -> None:
            if not self._authorised():
                return
            path = urllib.parse.urlparse(self.path).path
            if match := re.fullmatch(r"/repos/[^/]+/[^/]+/releases/tags/(.+)", path):
                release = fake.public_release(urllib.parse.unquote(match[1]))
                self._reply(200 if release else 404, release or {"message": "Not Found"})
            elif re.fullmatch(r"/repos/[^/]+/[^/]+/releases", path):
                query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
                size = int(query.get("per_page", ["30"])[0])
                page = int(query.get("page", ["1"])[0])
                newest_first = sorted(fake.releases.values(), key=lambda r: -int(r["id"]))
                self._reply(200, newest_first[(page - 1) * size : page * size])
            elif match := re.fullmatch(r"/repos/[^/]+/[^/]+/releases/(\d+)/assets", path):
                self._reply(200, fake.assets.get(int(match[1]), []))
            else:
                self._reply(404, {"message": "Not Found"})

        def do_POST(self) -> None:
            body = self._body()
            if not self._authorised(body):
                return
            parsed = urllib.parse.urlparse(self.path)
            if match := re.fullmatch(r"/repos/([^/]+)/([^/]+)/releases", parsed.path):
                data = json.loads(body)
                if fake.release_by_tag(data["tag_name"]):
                    self._reply(
                        422,
                        {"message": "Validation Failed", "errors": [{"code": "already_exists"}]},
                    )
                    return
                release_id = fake.new_id()
                release = {
                    "id": release_id,
                    "tag_name": data["tag_name"],
                    "name": data.get("name"),
                    "body": data.get("body"),
                    "prerelease": data.get("prerelease", False),
                    "draft": data.get("draft", False),
                    "upload_url": f"{fake.url}/uploads/repos/{match[1]}/{match[2]}/releases/{release_id}/assets{{?name,label}}",
                }
                fake.releases[release_id] = release
                fake.assets[release_id] = []
                self._reply(201, release, body)
            elif match := re.fullmatch(
                r"/uploads/repos/[^/]+/[^/]+/releases/(\d+)/assets", parsed.path
            ):
                name = urllib.parse.parse_qs(parsed.query).get("name", [""])[0]
                existing = fake.assets.setdefault(int(match[1]), [])
                if fake.fail_uploads:
                    fake.fail_uploads -= 1
                    self._reply(502, {"message": "Bad Gateway"}, body)
                elif not name or any(asset["name"] == name for asset in existing):
                    self._reply(
                        422,
                        {"message": "Validation Failed", "errors": [{"code": "already_exists"}]},
                        body,
                    )
                else:
                    asset = {
                        "id": fake.new_id(),
                        "name": name,
                        "size": len(body),
                        "state": "uploaded",
                    }
                    existing.append(asset)
                    self._reply(201, asset, body)
            else:
                self._reply(404, {"message": "Not Found"}, body)

        def do_PATCH(self) -> None:
            body = self._body()
            if not self._authorised(body):
                return
            path = urllib.parse.urlparse(self.path).path
            match = re.fullmatch(r"/repos/[^/]+/[^/]+/releases/(\d+)", path)
            release = fake.releases.get(int(match[1])) if match else None
            if release is None:
                self._reply(404, {"message": "Not Found"}, body)
                return
            data = json.loads(body)
            release.update({k: v for k, v in data.items() if k in ("draft", "name", "body")})
            self._reply(200, release, body)

        def do_DELETE(self) -> None:
            if not self._authorised():
                return
            path = urllib.parse.urlparse(self.path).path
            if match := re.fullmatch(r"/repos/[^/]+/[^/]+/releases/assets/(\d+)", path):
                for assets in fake.assets.values():
                    assets[:] = [a for a in assets if a["id"] != int(match[1])]
                self._reply(204, None)
            else:
                self._reply(404, {"message": "Not Found"})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    server.daemon_threads = True
    # A short poll interval: shutdown() waits for it, once per test.
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
    return server
