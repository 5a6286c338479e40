"""``crates-io``: publishes the workspace's crates to a cargo registry, dependencies first.

Each crate goes out with ``cargo publish -p NAME --registry R`` (cargo reads the token from
``CARGO_REGISTRY_TOKEN`` / ``CARGO_REGISTRIES_<NAME>_TOKEN`` itself: it is never on a command
line). Resumable: a version the registry's index already lists is skipped, so running again after
any failure publishes only the rest. HTTP 429 is waited out for the time the registry names
(crates.io's ``Please try again after <date>``, or a ``Retry-After`` header cargo prints), within
``max_wait`` seconds in total; past that the release stops (exit 3) and ``--resume`` continues.
"""

from __future__ import annotations

import email.utils
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ferrox.errors import ToolError, ToolOutputError, UsageError
from ferrox.release.publish_settings import CRATES_IO, redact_url
from ferrox.release.publishers.crates_index import CrateIndex, index_url
from ferrox.release.publishers.interface import Publisher, PublishJob
from ferrox.tools import Completed

NAME = "crates-io"
# The wait when a 429 names no time: doubled on each retry (bounded by max_wait).
FALLBACK_WAIT_S = 5.0
_RETRY_HEADER = re.compile(r"^\s*retry-after:\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)
_TRY_AFTER = re.compile(r"try again after ([A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} [\d:]+ GMT)")
# cargo's "(status 429 Too Many Requests)" or "got 429"; a bare 429 could be a version or a name.
_RATE_LIMITED = re.compile(r"\b(?:status|got|HTTP/[\d.]+) 429\b|Too Many Requests")
# cargo's rule for package names; checked again because a name reaches cargo's and git's argv
# and the index URL's path.
_CRATE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")

# Swapped by tests that must not sleep for real (they assert the waits, not the clock).
sleep: Callable[[float], None] = time.sleep


@dataclass(frozen=True)
class Crate:
    """A workspace crate to publish."""

    name: str
    version: str
    depends_on: tuple[str, ...]


def workspace_crates(job: PublishJob) -> list[Crate]:
    """The publishable members in dependency order (from ``cargo metadata``)."""
    done = job.runner.run(
        "cargo",
        ["metadata", "--format-version", "1", "--no-deps", "--manifest-path",
         str(job.root / "Cargo.toml")],
        cwd=job.root, timeout=job.settings.timeout, hint="install Rust with rustup",
    )  # fmt: skip
    if done.returncode != 0:
        raise ToolOutputError.of(done, "cargo metadata failed", "cargo")
    try:
        data = json.loads(done.stdout)
        members = set(data["workspace_members"])
        packages = [pkg for pkg in data["packages"] if pkg["id"] in members]
    except (ValueError, KeyError, TypeError) as exc:
        message = f"cargo metadata printed unexpected output: {exc}"
        raise ToolOutputError.of(done, message, "cargo") from None
    for pkg in packages:
        if not isinstance(pkg.get("name"), str) or not _CRATE_NAME.fullmatch(pkg["name"]):
            raise ToolOutputError.of(
                done, f"cargo metadata names a crate {pkg.get('name')!r}: not a crate name", "cargo"
            )
    registry = job.settings.crates_io.registry
    return order(
        [pkg for pkg in packages if _publishable(pkg, registry)],
        skipped=lambda name: job.say(f"crates-io: {name} is not published to {registry} (publish)"),
        all_names={str(pkg["name"]) for pkg in packages},
    )


def _publishable(package: Mapping[str, Any], registry: str) -> bool:
    allowed = package.get("publish")  # None: anywhere; []: publish = false; else the registries
    return allowed is None or registry in allowed


def order(
    packages: list[Mapping[str, Any]], *, skipped: Callable[[str], None], all_names: set[str]
) -> list[Crate]:
    """Dependencies before dependents (normal, build and versioned dev dependencies), names
    sorted among equals so the order is the same on every run."""
    names = {str(pkg["name"]) for pkg in packages}
    for name in sorted(all_names - names):
        skipped(name)
    crates = {}
    for pkg in packages:
        needs = set()
        for dep in pkg.get("dependencies", []):
            if dep.get("path") is None or dep["name"] not in names or dep["name"] == pkg["name"]:
                continue
            # A dev-dependency without a version is stripped by cargo publish.
            if dep.get("kind") == "dev" and dep.get("req") in (None, "*"):
                continue
            needs.add(str(dep["name"]))
        crates[str(pkg["name"])] = Crate(
            str(pkg["name"]), str(pkg["version"]), tuple(sorted(needs))
        )
    ordered: list[Crate] = []
    placed: set[str] = set()
    while len(ordered) < len(crates):
        ready = sorted(
            name for name, crate in crates.items()
            if name not in placed and placed.issuperset(crate.depends_on)
        )  # fmt: skip
        if not ready:
            cycle = sorted(set(crates) - placed)
            raise UsageError(
                f"the workspace's crates depend on each other in a cycle ({', '.join(cycle)}); "
                "cargo cannot publish them"
            )
        for name in ready:
            ordered.append(crates[name])
            placed.add(name)
    return ordered


def _index(job: PublishJob) -> CrateIndex:
    cache = job.cache_dir or (job.root / "target" / "ferrox" / "crates-index")
    url = index_url(job.settings.crates_io, job.root, job.env)
    return CrateIndex(url, job.runner, cache, job.settings.timeout)


def _argv(job: PublishJob, crate: str) -> list[str]:
    settings = job.settings.crates_io
    verify = [] if settings.verify else ["--no-verify"]
    # NAME=value spellings: neither can be taken for an option of its own.
    return ["publish", f"--registry={settings.registry}", *verify, f"--package={crate}"]


def preflight(job: PublishJob) -> None:
    """The token's variable must be set and the registry's index known."""
    settings = job.settings.crates_io
    if not job.env.get(settings.token_env):
        raise UsageError(
            f"the crates-io publisher needs the {settings.registry} token in "
            f"${settings.token_env} (or drop 'crates-io' from [release] publishers)"
        )
    index_url(settings, job.root, job.env)


def describe(job: PublishJob) -> list[str]:
    """The publish commands, in order."""
    if not (job.root / "Cargo.toml").is_file():
        return []
    index = index_url(job.settings.crates_io, job.root, job.env)
    lines = [f"read {redact_url(index)} (skip versions the registry has)"]
    for crate in workspace_crates(job):
        lines.append(f"cargo {' '.join(_argv(job, crate.name))}")
    return lines


def publish(job: PublishJob) -> None:
    """Publishes every crate version the registry lacks, in dependency order."""
    crates = workspace_crates(job)
    index = _index(job)
    waited = 0.0
    for crate in crates:
        if crate.version in index.versions(crate.name):
            job.say(f"crates-io: {crate.name} {crate.version} is in the registry already")
            job.record(NAME, f"{crate.name}@{crate.version}")
            continue
        waited = _publish_one(job, index, crate, waited)
        job.say(f"crates-io: published {crate.name} {crate.version}")
        job.record(NAME, f"{crate.name}@{crate.version}")
        job.checkpoint(f"crates-io:{crate.name}")


def _publish_one(job: PublishJob, index: CrateIndex, crate: Crate, waited: float) -> float:
    """Runs cargo publish until it succeeds or fails for another reason than a rate limit;
    returns the seconds waited so far (the budget is for the whole release)."""
    settings = job.settings.crates_io
    fallback = FALLBACK_WAIT_S
    while True:
        done = job.runner.run(
            "cargo",
            _argv(job, crate.name),
            cwd=job.root,
            timeout=job.settings.timeout,
            hint="install Rust with rustup",
            env={"CARGO_TERM_COLOR": "never"},
        )
        if done.returncode == 0:
            return waited
        # Whatever cargo said, the registry may hold the version now (an upload whose answer
        # was lost, a parallel run): the goal is met, and publishing again would fail.
        index.refresh()
        if crate.version in index.versions(crate.name):
            job.say(
                f"crates-io: {crate.name} {crate.version} is in the registry (cargo exited "
                f"{done.returncode})"
            )
            return waited
        text = done.stdout + "\n" + done.stderr
        if not _RATE_LIMITED.search(text):
            raise ToolOutputError.of(
                done,
                f"cargo publish of {crate.name} {crate.version} to {settings.registry} failed",
                "cargo",
            )
        wait = retry_after(text, now=datetime.now(timezone.utc))
        if wait is None:
            wait, fallback = fallback, fallback * 2
        if waited + wait > settings.max_wait:
            raise _rate_limited(
                crate, settings.registry, done, wait=wait, waited=waited, budget=settings.max_wait
            )
        job.say(
            f"crates-io: {_registry_label(settings.registry)} rate-limits publishing (HTTP 429); "
            f"waiting {wait:.0f} s as it asks, then publishing {crate.name} again"
        )
        sleep(wait)
        waited += wait


def _rate_limited(
    crate: Crate, registry: str, done: Completed, *, wait: float, waited: float, budget: float
) -> ToolError:
    return ToolError(
        f"{_registry_label(registry)} rate-limits publishing (HTTP 429) and asks to wait "
        f"{wait:.0f} s, more than is left of [release.crates-io] max_wait = {budget:.0f} s "
        f"(waited {waited:.0f} s); {crate.name} {crate.version} and the crates after it are "
        "not published yet: run `ferrox release --resume` later",
        tool="cargo",
        argv=done.argv,
        returncode=done.returncode,
        output_tail=done.tail(),
    )


def retry_after(text: str, *, now: datetime) -> float | None:
    """The seconds a 429 asks to wait: a ``Retry-After`` header (seconds or HTTP date) that
    cargo printed, or crates.io's ``try again after <HTTP date>``; None when it names none."""
    header = _RETRY_HEADER.search(text)
    if header:
        value = header[1]
        if value.isdigit():
            return float(value)
        return _until(value, now)
    found = _TRY_AFTER.search(text)
    return _until(found[1], now) if found else None


def _until(http_date: str, now: datetime) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(http_date)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now).total_seconds())


def _registry_label(registry: str) -> str:
    return "crates.io" if registry == CRATES_IO else f"registry {registry!r}"


PUBLISHER = Publisher(NAME, describe, publish, preflight, in_tag_workflow=False)

__all__ = ["PUBLISHER", "Crate", "order", "retry_after", "workspace_crates"]
