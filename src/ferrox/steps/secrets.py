"""``secrets``: detect-secrets over the tree (and optionally git history), gated at 0.

Files: git's view (every tracked file at any depth, plus untracked files .gitignore does not
ignore) or, outside git, every file below the root except build and environment directories. Only
``[secrets] exclude`` (and the baseline file itself) removes a file; a scan of zero files is a tool
error (exit 3), never a pass. A committed ``.secrets.baseline``
(detect-secrets' format) lists accepted findings: those do not count unless audited as real
(``is_secret: true``). Extra regex patterns become a detect-secrets plugin of their own.

A secret never leaves this module: findings carry file, line, detector and a redacted value
(first two characters and ``***``), found by matching detect-secrets' SHA-1 of the value.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ferrox import gates
from ferrox.config import SettingError, setting
from ferrox.context import Context
from ferrox.errors import ConfigError, ToolError, ToolOutputError
from ferrox.model import Finding, Level, StepResult
from ferrox.steps.interface import Step
from ferrox.tools import Completed

SUPPORTED = ">=1.4,<2"
_CANDIDATES = (
    re.compile(r"BEGIN[A-Z ]*PRIVATE KEY"),
    re.compile(r"""["']([^"'\s]+)["']"""),
    re.compile(r"[^\s\"'=:,;()<>\[\]{}]+"),
    re.compile(r"[A-Za-z0-9+/_\-]+"),
)
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


@dataclass(frozen=True)
class SecretsSettings:
    """``[secrets]``: baseline, exclusions, extra patterns, history and the gate."""

    timeout: float = setting(600.0, "seconds before detect-secrets is killed", minimum=1)
    baseline: str = setting(
        ".secrets.baseline", "detect-secrets baseline of accepted findings (used if it exists)"
    )
    exclude: tuple[str, ...] = setting((), "glob patterns of files not scanned (relative paths)")
    extra_patterns: tuple[str, ...] = setting((), "regular expressions that are secrets too")
    history: bool = setting(False, "also scan every line ever added in git history")
    max_secrets: int = setting(0, "secrets allowed", minimum=0)

    def __post_init__(self) -> None:
        # At load, so a typo stops `ferrox run` before any tool (or scan) starts.
        for index, pattern in enumerate(self.extra_patterns):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise SettingError(
                    "extra_patterns", f"pattern {index + 1} is not a regular expression: {exc}"
                ) from None


@dataclass(frozen=True)
class Hit:
    """One detect-secrets result, with where its value can be looked up for redaction."""

    path: str
    line: int
    kind: str
    hashed: str
    source: Path
    commit: str | None = None


def run(ctx: Context) -> StepResult:
    """Scans the tree (and history if configured) and gates on the secrets found."""
    import tempfile  # noqa: PLC0415

    from ferrox.python import scanners  # noqa: PLC0415

    settings: SecretsSettings = ctx.settings
    patterns = list(settings.extra_patterns)  # valid: checked when the settings were loaded
    baseline = _baseline(ctx.root / settings.baseline) if settings.baseline else {}
    version = scanners.check_version(ctx, "detect-secrets", SUPPORTED)
    listed = _files(ctx)
    excluded = _baseline_excludes(ctx.root / settings.baseline) if settings.baseline else []
    files = [f for f in listed if not _excluded(f, settings, excluded)]
    if not files:
        # A scan of nothing says nothing: no verdict, never a pass.
        raise ToolError(
            f"no file to scan in {ctx.root} ({len(listed)} listed, all excluded by "
            "`secrets.exclude` or the baseline): a scan of zero files is no verdict",
            tool="detect-secrets",
            hint="check `[secrets] exclude` and that the project holds its files",
        )
    with tempfile.TemporaryDirectory(prefix="ferrox-secrets-") as scratch:
        plugin = _plugin(Path(scratch), patterns)
        hits = _scan(ctx, files, plugin, ctx.root, settings)
        if settings.history:
            hits += _history(ctx, Path(scratch), plugin, hits, settings)
        accepted = [h for h in hits if _accepted(h, baseline)]
        counted = [h for h in hits if not _accepted(h, baseline)]
        findings = tuple(_finding(hit) for hit in counted)
    check = gates.at_most("secrets", len(counted), settings.max_secrets, "secrets found")
    where = " and git history" if settings.history else ""
    return StepResult(
        step="secrets",
        tool="detect-secrets",
        status=gates.verdict([check]),
        summary=f"{len(files)} file(s){where}: {len(counted)} secret(s), "
        f"{len(accepted)} accepted by the baseline",
        findings=findings,
        metrics={"files": len(files), "secrets": len(counted), "baselined": len(accepted)},
        gates=(check,),
        tool_version=version,
    )


def _baseline(path: Path) -> dict[tuple[str, str, str], bool]:
    """(file, hashed secret, type) -> audited as a real secret; {} if there is no baseline."""
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = {
            (str(e["filename"]), str(e["hashed_secret"]), str(e["type"])): e.get("is_secret")
            is True
            for items in data["results"].values()
            for e in items
        }
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(
            f"not a detect-secrets baseline ({type(exc).__name__}: {exc})",
            file=str(path),
            hint="create one with `detect-secrets scan > .secrets.baseline`",
        ) from exc
    return entries


def _accepted(hit: Hit, baseline: dict[tuple[str, str, str], bool]) -> bool:
    audited_real = baseline.get((hit.path, hit.hashed, hit.kind))
    return audited_real is False


def _files(ctx: Context) -> list[str]:
    """Relative paths of the files to scan: git's view of the tree when there is one."""
    from ferrox.python import scanners  # noqa: PLC0415

    done = None
    # Outside a repository git would only print "fatal: not a git repository" into the log.
    in_repository = any((p / ".git").exists() for p in (ctx.root, *ctx.root.parents))
    if in_repository and ctx.runner.which("git") is not None:
        # Also below the top of a repository (-C sub/dir): paths come relative to the root.
        done = ctx.runner.run(
            "git",
            ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ctx.root,
            timeout=120,
        )
        if done.returncode != 0 and "not a git repository" not in done.stderr:
            raise ToolOutputError.of(done, "git ls-files failed", "git")
    if done is not None and done.returncode == 0:
        # Everything git would commit, at any depth: a tracked file under `target/` or
        # `node_modules/` is in the repository like any other, so it is scanned like any other.
        names = sorted({name for name in done.stdout.split("\0") if name})
    else:
        # Outside git nothing says what would be committed: build output and environments
        # (SKIP_DIRS) are left out there, and only there.
        names = [
            ctx.relative(path)
            for path in sorted(ctx.root.rglob("*"))
            if path.is_file()
            and not (set(path.relative_to(ctx.root).parts[:-1]) & scanners.SKIP_DIRS)
        ]
    return [n for n in names if (ctx.root / n).is_file()]


def _excluded(
    name: str,
    settings: SecretsSettings,
    baseline_excludes: list[re.Pattern[str]] = (),  # type: ignore[assignment]
) -> bool:
    """Left out by ``[secrets] exclude`` or by the baseline's own ``--exclude-files`` regexes."""
    return (
        name == settings.baseline
        or any(fnmatch.fnmatch(name, p) for p in settings.exclude)
        or any(pattern.search(name) for pattern in baseline_excludes)
    )


def _baseline_excludes(path: Path) -> list[re.Pattern[str]]:
    """The ``--exclude-files`` regexes a detect-secrets baseline was made with (its
    ``filters_used``), which detect-secrets itself applies when it rescans with the baseline."""
    if not path.is_file():
        return []
    try:
        filters = json.loads(path.read_text(encoding="utf-8")).get("filters_used", [])
        patterns = [
            str(pattern)
            for entry in filters
            if str(entry.get("path", "")).endswith("regex.should_exclude_file")
            for pattern in entry.get("pattern", [])
        ]
        return [re.compile(pattern) for pattern in patterns]
    except (OSError, UnicodeDecodeError, ValueError, TypeError, AttributeError, re.error) as exc:
        raise ConfigError(
            f"the baseline's file exclusions cannot be read ({type(exc).__name__}: {exc})",
            file=str(path),
        ) from exc


def _plugin(directory: Path, patterns: list[str]) -> Path | None:
    """A detect-secrets plugin module with one regex detector per extra pattern."""
    if not patterns:
        return None
    lines = ["import re", "from detect_secrets.plugins.base import RegexBasedDetector", ""]
    for index, pattern in enumerate(patterns, 1):
        lines += [
            f"class FerroxPattern{index}(RegexBasedDetector):",
            f"    secret_type = {f'Custom Pattern {index}'!r}",
            f"    denylist = [re.compile({pattern!r})]",
            "",
        ]
    path = directory / "ferrox_patterns.py"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _scan(
    ctx: Context, files: list[str], plugin: Path | None, cwd: Path, settings: SecretsSettings
) -> list[Hit]:
    from ferrox.python import scanners  # noqa: PLC0415

    args = ["scan", "--all-files"]
    if plugin is not None:
        args += ["--plugin", str(plugin)]
    hits: list[Hit] = []
    for batch in scanners.batches(files):
        done = ctx.runner.run(
            "detect-secrets",
            # After `--`: a file named `--exclude-files=.*` is a file, never an option.
            [*args, *ctx.extra_args, "--", *batch],
            cwd=cwd,
            timeout=settings.timeout,
            hint=scanners.TOOLS_HINT,
        )
        if done.returncode != 0:
            message = f"detect-secrets exited {done.returncode}"
            raise ToolOutputError.of(done, message, "detect-secrets")
        hits += _hits(scanners.parse_json(done, "detect-secrets", "scan result"), done, cwd)
    return hits


def _hits(data: Any, done: Completed, cwd: Path) -> list[Hit]:
    from ferrox.python import scanners  # noqa: PLC0415

    if not isinstance(data, dict) or not isinstance(data.get("results"), dict):
        raise scanners.shape_error(done, "detect-secrets", "no 'results' table")
    hits = []
    for name, items in data["results"].items():
        for item in items if isinstance(items, list) else [None]:
            if not isinstance(item, dict) or not {"type", "hashed_secret", "line_number"} <= set(
                item
            ):
                raise scanners.shape_error(done, "detect-secrets", f"a malformed result for {name}")
            hits.append(
                Hit(name, int(item["line_number"]), str(item["type"]), str(item["hashed_secret"]),
                    cwd / name)
            )  # fmt: skip
    return hits


def _history(
    ctx: Context, scratch: Path, plugin: Path | None, tree: list[Hit], settings: SecretsSettings
) -> list[Hit]:
    """Secrets in lines added by any commit, written at their line numbers and scanned once."""
    done = ctx.runner.run(
        "git",
        ["log", "--all", "-p", "--unified=0", "--no-color", "--no-ext-diff", "--format=%x00%H"],
        cwd=ctx.root,
        timeout=settings.timeout,
    )
    if done.returncode != 0:
        raise ToolOutputError.of(done, "git log failed: cannot scan history", "git")
    excluded = _baseline_excludes(ctx.root / settings.baseline) if settings.baseline else []
    added: dict[tuple[str, str], dict[int, str]] = {}
    commit, path, line = "", None, 0
    for text in done.stdout.splitlines():
        if text.startswith("\0"):
            commit, path = text[1:13], None
        elif text.startswith("+++ "):
            path = text[6:] if text.startswith("+++ b/") else None
        elif (hunk := _HUNK.match(text)) is not None:
            line = int(hunk[1])
        elif path and text.startswith("+"):
            added.setdefault((commit, path), {})[line] = text[1:]
            line += 1
    history = scratch / "history"
    for (commit, name), lines in added.items():
        if _excluded(name, settings, excluded):  # committed once: scanned wherever it lived
            continue
        target = history / commit / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            "\n".join(lines.get(n, "") for n in range(1, max(lines) + 1)) + "\n", encoding="utf-8"
        )
    if not history.exists():
        return []
    names = sorted(p.relative_to(history).as_posix() for p in history.rglob("*") if p.is_file())
    known = {(h.path, h.hashed, h.kind) for h in tree}
    found: dict[tuple[str, str, str], Hit] = {}
    # git log lists the newest commit first: the last hit kept is the oldest commit's.
    for hit in _scan(ctx, names, plugin, history, settings):
        commit, _, name = hit.path.partition("/")
        key = (name, hit.hashed, hit.kind)
        if key not in known:
            found[key] = Hit(name, hit.line, hit.kind, hit.hashed, hit.source, commit)
    return list(found.values())


def _finding(hit: Hit) -> Finding:
    where = f" (in git history, commit {hit.commit})" if hit.commit else ""
    return Finding(
        rule=hit.kind,
        message=f"{hit.kind}: {_redacted(hit)}{where}",
        level=Level.ERROR,
        path=hit.path,
        line=hit.line,
        detail=f"sha1:{hit.hashed}",
    )


def _redacted(hit: Hit) -> str:
    """The value's first two characters and ``***``, or ``***`` if it cannot be found."""
    from ferrox.python import scanners  # noqa: PLC0415

    try:
        lines = hit.source.read_text(encoding="utf-8", errors="replace").splitlines()
        text = lines[hit.line - 1]
    except (OSError, IndexError):
        return "***"
    for pattern in _CANDIDATES:
        for match in pattern.finditer(text):
            value = match.group(match.lastindex or 0)
            if hashlib.sha1(value.encode()).hexdigest() == hit.hashed:  # noqa: S324 - detect-secrets' id
                return scanners.redact(value)
    return "***"


STEP = Step(
    name="secrets",
    description="Find committed secrets with detect-secrets (baseline, extra patterns, history).",
    report_tool="detect-secrets",
    settings=SecretsSettings,
    run=run,
    tags=("security", "python", "rust", "ci"),
    needs_cargo=False,
    required_tools=("detect-secrets", "git"),
    applies=lambda _root: True,  # every project can leak a secret
)
