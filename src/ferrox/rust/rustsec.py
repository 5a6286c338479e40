"""cargo-audit's JSON report, read into frozen dataclasses (severities: ``ferrox.vulns``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal, get_args

from ferrox.errors import ToolOutputError

WarningKind = Literal["unmaintained", "unsound", "yanked", "notice"]
WARNING_KINDS: tuple[str, ...] = get_args(WarningKind)


@dataclass(frozen=True)
class Advisory:
    """One reported problem: a vulnerability (kind ``vulnerability``) or a warning kind."""

    kind: str
    id: str | None
    package: str
    version: str
    title: str
    url: str | None
    description: str
    patched: tuple[str, ...]
    cvss: str | None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class AuditReport:
    """What cargo-audit found in one Cargo.lock."""

    advisory_count: int
    dependency_count: int
    vulnerabilities: tuple[Advisory, ...]
    warnings: tuple[Advisory, ...]


def parse_report(text: str) -> AuditReport:
    """Reads ``cargo audit --json`` output; anything else is a ToolOutputError."""
    try:
        data = json.loads(text)
        vulnerabilities = tuple(
            _advisory("vulnerability", item) for item in data["vulnerabilities"]["list"]
        )
        warnings = tuple(
            _advisory(kind, item)
            for kind, items in sorted(data["warnings"].items())
            for item in items
        )
        return AuditReport(
            advisory_count=int(data["database"]["advisory-count"]),
            dependency_count=int(data["lockfile"]["dependency-count"]),
            vulnerabilities=vulnerabilities,
            warnings=warnings,
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ToolOutputError(
            f"cargo audit printed output that is not a cargo-audit JSON report ({exc!r})",
            tool="cargo-audit",
            output_tail=text[-400:],
        ) from exc


def _advisory(kind: str, item: dict[str, Any]) -> Advisory:
    package = item["package"]
    advisory = item.get("advisory") or {}
    versions = item.get("versions") or {}
    return Advisory(
        kind=kind,
        id=advisory.get("id"),
        package=str(package["name"]),
        version=str(package["version"]),
        title=str(advisory.get("title") or f"{kind} crate version"),
        url=advisory.get("url"),
        description=str(advisory.get("description") or ""),
        patched=tuple(str(v) for v in versions.get("patched") or ()),
        cvss=advisory.get("cvss"),
        aliases=tuple(str(alias) for alias in advisory.get("aliases") or ()),
    )
