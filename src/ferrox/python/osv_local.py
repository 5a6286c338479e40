"""A local OSV advisory directory, served to pip-audit as OSV's ``POST /v1/query`` API.

pip-audit has no local database mode, but its OSV service takes ``--osv-url``. For the length of
one run we serve the directory (OSV schema JSON files, one per vulnerability) on a loopback port
with the subset of the OSV API pip-audit uses; every query is recorded so the step can prove each
pinned dependency was looked up. Only the public CLI is used, never pip-audit's internals.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from ferrox.errors import ToolError
from ferrox.vulns.severity import Severity, severity_of_vector

_GHSA_SEVERITY = {
    "CRITICAL": Severity.CRITICAL,
    "HIGH": Severity.HIGH,
    "MODERATE": Severity.MEDIUM,
    "MEDIUM": Severity.MEDIUM,
    "LOW": Severity.LOW,
}


@dataclass(frozen=True)
class OsvDatabase:
    """The advisories of a directory, indexed by canonical PyPI package name."""

    path: Path
    advisories: dict[str, dict[str, Any]]
    by_package: dict[str, list[str]]
    newest: dt.datetime | None

    def matching(self, package: str, version: str) -> list[dict[str, Any]]:
        """The advisories affecting ``package`` at ``version`` (withdrawn ones excluded)."""
        found = []
        for advisory_id in self.by_package.get(_canonical(package), []):
            advisory = self.advisories[advisory_id]
            if advisory.get("withdrawn") is None and _affects(advisory, package, version):
                found.append(advisory)
        return found

    def resolve(self, ids: list[str]) -> str | None:
        """The database's own id for an advisory pip-audit names by any of its ``ids``."""
        for advisory_id in ids:
            if advisory_id in self.advisories:
                return advisory_id
        for advisory_id, advisory in self.advisories.items():
            if set(ids) & set(advisory.get("aliases", [])):
                return advisory_id
        return None

    def severity(self, advisory_id: str) -> tuple[Severity, float | None]:
        """Severity from the advisory's CVSS vector, else GitHub's rating, else unknown."""
        advisory = self.advisories.get(advisory_id, {})
        for entry in advisory.get("severity", []):
            if isinstance(entry, dict) and str(entry.get("type", "")).startswith("CVSS_V"):
                severity, score = severity_of_vector(str(entry.get("score", "")))
                if score is not None:
                    return severity, score
        rating = str(advisory.get("database_specific", {}).get("severity", "")).upper()
        return _GHSA_SEVERITY.get(rating, Severity.UNKNOWN), None


def load(path: Path) -> OsvDatabase:
    """Reads every ``*.json`` advisory below ``path``; a ToolError if any cannot be used."""
    if not path.is_dir():
        raise ToolError(f"OSV advisory database {path} does not exist", tool="pip-audit")
    advisories: dict[str, dict[str, Any]] = {}
    by_package: dict[str, list[str]] = {}
    newest: dt.datetime | None = None
    for file in sorted(path.rglob("*.json")):
        try:
            advisory = json.loads(file.read_text(encoding="utf-8"))
            advisory_id = str(advisory["id"])
            modified = _time(str(advisory["modified"]))
            packages = [
                _canonical(str(a["package"]["name"]))
                for a in advisory["affected"]
                if a["package"]["ecosystem"] == "PyPI"
            ]
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            problem = f"{file.name}: {type(exc).__name__}: {exc}"
            raise ToolError(
                f"OSV advisory database {path} is corrupt: {problem}", tool="pip-audit"
            ) from exc
        advisories[advisory_id] = advisory
        for package in packages:
            by_package.setdefault(package, []).append(advisory_id)
        newest = modified if newest is None or modified > newest else newest
    if not advisories:
        raise ToolError(
            f"OSV advisory database {path} holds no advisories (*.json)", tool="pip-audit"
        )
    return OsvDatabase(path, advisories, by_package, newest)


@dataclass
class QueryLog:
    """What pip-audit asked the loopback service, and any request it could not answer."""

    queries: set[tuple[str, str]] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)


@contextlib.contextmanager
def serve(database: OsvDatabase) -> Iterator[tuple[str, QueryLog]]:
    """Serves ``database`` on 127.0.0.1 for the ``with`` block; yields the query URL and log."""
    log = QueryLog()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            try:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                name = str(body["package"]["name"])
                version = str(body["version"])
                if body["package"].get("ecosystem") != "PyPI" or self.path != "/v1/query":
                    raise ValueError("only PyPI queries on /v1/query are served")
            except (ValueError, KeyError, TypeError) as exc:
                with lock:
                    log.errors.append(f"{self.path}: {exc}")
                self.send_error(400, str(exc))
                return
            with lock:
                log.queries.add((_canonical(name), version))
            vulns = database.matching(name, version)
            payload = json.dumps({"vulns": vulns} if vulns else {}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            """Silent: the step reports what matters."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1/query", log
    finally:
        server.shutdown()
        server.server_close()


def _affects(advisory: dict[str, Any], package: str, version: str) -> bool:
    for affected in advisory.get("affected", []):
        info = affected.get("package", {})
        if info.get("ecosystem") != "PyPI" or _canonical(info.get("name", "")) != _canonical(
            package
        ):
            continue
        if version in affected.get("versions", []):
            return True
        if any(_in_range(r, version) for r in affected.get("ranges", [])):
            return True
    return False


def _in_range(range_: dict[str, Any], version: str) -> bool:
    """OSV ECOSYSTEM/SEMVER range semantics: introduced .. fixed (exclusive) / last_affected."""
    if range_.get("type") not in ("ECOSYSTEM", "SEMVER"):
        return False
    try:
        target = Version(version)
        affected = False
        for event in sorted(range_.get("events", []), key=_event_key):
            if "introduced" in event:
                if event["introduced"] == "0" or target >= Version(event["introduced"]):
                    affected = True
            elif ("fixed" in event and target >= Version(event["fixed"])) or (
                "last_affected" in event and target > Version(event["last_affected"])
            ):
                affected = False
    except InvalidVersion:
        return False
    return affected


def _event_key(event: dict[str, str]) -> Version:
    value = next(iter(event.values()), "0")
    try:
        return Version("0" if value == "0" else value)
    except InvalidVersion:
        return Version("0")


def _time(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def _canonical(name: str) -> str:
    return name.replace("_", "-").replace(".", "-").lower()
