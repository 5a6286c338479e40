"""A loopback HTTP proxy in front of a real registry that injects rate limits and rejections.

It forwards every request to the registry unchanged, except publishes (cargo's
``PUT /api/v1/crates/new``, twine's upload ``POST``): after ``limit_after`` accepted publishes it
answers the next ``limited`` ones with HTTP 429 as crates.io does (a ``Retry-After`` header and a
JSON error naming the time), and it answers a publish of a crate named in ``reject`` with the
error a registry gives for a crate it refuses, and it can lose the answer to a publish the
registry accepted (``lose_answer``). It works as a forward proxy (cargo's
``http.proxy``: requests carry the absolute URL) and as a reverse proxy (``upstream``).
"""

from __future__ import annotations

import email.utils
import json
import struct
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Proxy:
    """The proxy's knobs and what it saw."""

    upstream: str = ""
    limit_after: int | None = None
    limited: int = 1
    retry_after_s: int = 1
    # "seconds": Retry-After: N and a plain-text body (cargo then prints the headers);
    # "date": crates.io's HTTP date in the header and in the JSON error's text.
    retry_style: str = "date"
    reject: dict[str, str] = field(default_factory=dict)
    # Publishes the registry accepts but whose answer never reaches cargo (a dropped connection).
    lose_answer: set[str] = field(default_factory=set)
    published: list[str] = field(default_factory=list)
    rate_limited: list[str] = field(default_factory=list)
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def decide(self, name: str) -> tuple[int, dict[str, str], bytes] | None:
        """The injected answer to a publish of ``name``, or None to forward it."""
        with self._lock:
            if name in self.reject:
                detail = self.reject[name]
                return 200, {}, json.dumps({"errors": [{"detail": detail}]}).encode()
            if (
                self.limit_after is not None
                and len(self.published) >= self.limit_after
                and self.limited > 0
            ):
                self.limited -= 1
                self.rate_limited.append(name)
                return self._too_many()
            return None

    def _too_many(self) -> tuple[int, dict[str, str], bytes]:
        when = email.utils.formatdate(time.time() + self.retry_after_s, usegmt=True)
        if self.retry_style == "seconds":
            return 429, {"Retry-After": str(self.retry_after_s)}, b"slow down\n"
        detail = (
            "You have published too many new crates in a short period of time. Please try "
            f"again after {when} or email help@crates.io to have your limit increased."
        )
        body = json.dumps({"errors": [{"detail": detail}]}).encode()
        return 429, {"Retry-After": when}, body


def crate_name(body: bytes) -> str:
    """The crate name in a cargo publish body (u32 length, JSON metadata, u32 length, .crate)."""
    (length,) = struct.unpack("<I", body[:4])
    metadata: dict[str, Any] = json.loads(body[4 : 4 + length])
    return str(metadata["name"])


def serve(proxy: Proxy) -> ThreadingHTTPServer:
    """Starts the proxy on a free loopback port in a daemon thread; sets ``proxy.url``."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _target(self) -> str:
            if self.path.startswith(("http://", "https://")):
                return self.path
            return proxy.upstream.rstrip("/") + self.path

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length", "0") or 0)
            body = self.rfile.read(length) if length else b""
            target = self._target()
            name = ""
            if self.command == "PUT" and target.rstrip("/").endswith("/api/v1/crates/new"):
                name = crate_name(body)
                injected = proxy.decide(name)
                if injected is not None:
                    self._send(*injected)
                    return
            headers = {
                k: v
                for k, v in self.headers.items()
                if k.lower() not in ("host", "proxy-connection", "connection", "content-length")
            }
            request = urllib.request.Request(  # noqa: S310 - loopback registry
                target, data=body if length else None, headers=headers, method=self.command
            )
            try:
                with _opener.open(request, timeout=60) as response:
                    status, reply_headers, data = (
                        response.status,
                        dict(response.headers),
                        response.read(),
                    )
            except urllib.error.HTTPError as exc:
                status, reply_headers, data = exc.code, dict(exc.headers), exc.read()
            except (urllib.error.URLError, OSError):
                self._send(502, {}, b"registry unreachable\n")
                return
            if name and status == 200 and b'"errors"' not in data:
                with proxy._lock:
                    proxy.published.append(name)
            if name in proxy.lose_answer:
                self._send(502, {}, b"upstream connection reset\n")
                return
            self._send(status, reply_headers, data)

        do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _forward

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    proxy.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
    return server


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects go back to the client (cargo follows the registry's download redirect itself)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# No proxy from the environment and no redirects: the proxy talks to the registry directly.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())
