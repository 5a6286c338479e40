"""Which harness drives each bench target, read from the resolved dependencies, never guessed.

A bench target's harness follows from its manifest and ``cargo metadata``'s resolve (the versions
in Cargo.lock), not from what its binary answers to ``--help``: a criterion 0.5 binary rejects
``--help``, a custom harness may not know the flag at all, and criterion 0.3's ``--list`` differs
from 0.5's. So:

* ``harness = true`` (cargo's default): libtest's own ``#[bench]``, which only a nightly
  toolchain compiles; on another channel the suite cannot run (exit 3, before any build).
* ``harness = false``: the harness crate the package depends on (normal or dev dependency), by
  package name, so a rename (``criterion = { package = "codspeed-criterion-compat" }``) is seen
  through. A package with several harness crates: the one the target's source names. None: a
  custom harness, run as printing libtest's ``bench:`` lines (the demo's).

A crate that looks like a harness but is not one ferrox knows (a fork, a release outside the
tested range) is exit 3 naming it and its version: running it with another release's
command line could measure nothing, or the wrong thing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import tomlkit
import tomlkit.exceptions
from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from ferrox.errors import ToolError, ToolOutputError, UsageError
from ferrox.tools import ToolRunner

Family = Literal["criterion", "divan", "iai-callgrind", "gungraun", "libtest", "custom"]


@dataclass(frozen=True)
class Known:
    """A harness crate ferrox drives: its family and the releases it was tried on."""

    family: Family
    versions: SpecifierSet
    tried: str  # the releases the tests build, for the messages


# Releases each was proven on (tests/bench/test_harnesses.py builds one fixture per family).
# criterion before 0.3.3 has neither CRITERION_HOME nor `--output-format bencher`.
KNOWN: Mapping[str, Known] = {
    "criterion": Known("criterion", SpecifierSet(">=0.3.3,<0.9"), "0.3.3 to 0.8"),
    "codspeed-criterion-compat": Known("criterion", SpecifierSet(">=2,<5"), "2 to 4"),
    "divan": Known("divan", SpecifierSet(">=0.1.0,<0.2"), "0.1"),
    "iai-callgrind": Known("iai-callgrind", SpecifierSet(">=0.14,<0.17"), "0.14 to 0.16"),
    "gungraun": Known("gungraun", SpecifierSet(">=0.17,<0.21"), "0.17 to 0.20"),
}
# Names that mark a benchmark harness crate ferrox does not know (criterion2, codspeed-divan-
# compat, iai, ...): a suite using one is refused rather than run as a custom harness.
_HARNESS_LIKE = re.compile(r"criterion|divan|iai|gungraun")
TIMED: frozenset[Family] = frozenset({"criterion", "divan", "libtest", "custom"})
COUNTED: frozenset[Family] = frozenset({"iai-callgrind", "gungraun", "custom"})


@dataclass(frozen=True)
class Harness:
    """The harness of one bench target: its family and the crate and version that provide it."""

    family: Family
    crate: str = ""  # the package (criterion, codspeed-criterion-compat, divan, ...)
    version: str = ""  # its resolved version; rustc's release for libtest

    @property
    def label(self) -> str:
        """How messages name it: ``criterion 0.3.6``, ``libtest #[bench] (rustc 1.95.0)``."""
        if self.family == "libtest":
            return f"libtest #[bench] (rustc {self.version})"
        if self.family == "custom":
            return "a custom harness (harness = false, no known harness crate)"
        return f"{self.crate} {self.version}"

    @property
    def whole_seconds(self) -> bool:
        """Whether it reads ``--warm-up-time`` and ``--measurement-time`` as whole seconds
        (criterion before 0.4)."""
        return self.crate == "criterion" and _version(self.version) < Version("0.4")

    @property
    def list_suffix(self) -> str:
        """What ends each line of a criterion binary's ``--list``: ``bench`` before 0.5."""
        old = self.crate == "criterion" and _version(self.version) < Version("0.5")
        return ": bench" if old else ": benchmark"


def _version(text: str) -> Version:
    try:
        return Version(text)
    except InvalidVersion:
        return Version("0")


@dataclass(frozen=True)
class _Candidate:
    crate: str
    version: str
    extern: str  # the name the target's source uses (a rename, or the lib name)


def recognise(
    runner: ToolRunner, project: Path, benches: Collection[str], timeout: float
) -> dict[str, Harness]:
    """{bench target: harness} for the workspace's bench targets (only ``benches`` if given)."""
    metadata = _metadata(runner, project, timeout)
    harnesses: dict[str, Harness] = {}
    rustc: str | None = None
    try:
        packages = {str(p["id"]): p for p in metadata["packages"]}
        nodes = {str(n["id"]): n for n in metadata["resolve"]["nodes"]}
        for member in metadata["workspace_members"]:
            package = packages[str(member)]
            candidates = _harness_crates(nodes[str(member)], packages)
            flags = _harness_flags(Path(package["manifest_path"]))
            for target in package["targets"]:
                name = str(target["name"])
                if "bench" not in target["kind"] or (benches and name not in benches):
                    continue
                source = Path(target["src_path"])
                if flags.get(name, flags.get(source.stem, True)):
                    rustc = rustc or _rustc_release(runner, project, timeout)
                    harnesses[name] = _libtest(name, rustc)
                else:
                    harnesses[name] = _pick(name, source, candidates)
    except (KeyError, TypeError, ValueError) as exc:
        raise ToolError(
            f"cargo metadata in {project} has an unexpected shape: {exc!r}", tool="cargo"
        ) from exc
    return harnesses


def _metadata(runner: ToolRunner, project: Path, timeout: float) -> dict[str, Any]:
    done = runner.run("cargo", ["metadata", "--format-version", "1"], cwd=project, timeout=timeout)
    if done.returncode != 0:
        raise ToolOutputError.of(done, f"cargo metadata failed in {project}", "cargo")
    try:
        document: dict[str, Any] = json.loads(done.stdout)
    except ValueError as exc:
        raise ToolOutputError.of(done, f"cargo metadata printed no JSON: {exc}", "cargo") from exc
    return document


def _harness_crates(node: Mapping[str, Any], packages: Mapping[str, Any]) -> list[_Candidate]:
    """The package's normal and dev dependencies that are (or look like) benchmark harnesses."""
    found = []
    for dep in node["deps"]:
        kinds = {kind.get("kind") for kind in dep.get("dep_kinds", [])} or {None}
        if not kinds & {None, "dev"}:
            continue  # a build dependency cannot be a bench target's harness
        package = packages[str(dep["pkg"])]
        crate = str(package["name"])
        if crate in KNOWN or _HARNESS_LIKE.search(crate):
            found.append(_Candidate(crate, str(package["version"]), str(dep["name"])))
    return found


def _harness_flags(manifest: Path) -> dict[str, bool]:
    """``harness`` of each ``[[bench]]`` entry, by its name (or its file's stem)."""
    try:
        document = tomlkit.parse(manifest.read_text(encoding="utf-8")).unwrap()
    except (OSError, ValueError, tomlkit.exceptions.ParseError) as exc:
        raise UsageError(f"cannot read {manifest}: {exc}") from exc
    flags = {}
    for entry in document.get("bench", []):
        if not isinstance(entry, dict):
            continue
        name = entry.get("name") or Path(str(entry.get("path", ""))).stem
        flags[str(name)] = entry.get("harness", True) is not False
    return flags


def _rustc_release(runner: ToolRunner, project: Path, timeout: float) -> str:
    """The release of the rustc that builds ``project`` (its rust-toolchain file counts)."""
    done = runner.run("rustc", ["-vV"], cwd=project, timeout=timeout)
    for line in done.stdout.splitlines():
        if line.startswith("release:"):
            return line.split(":", 1)[1].strip()
    raise ToolOutputError.of(done, "rustc -vV named no release", "rustc")


def _libtest(suite: str, release: str) -> Harness:
    harness = Harness("libtest", "libtest", release)
    if "nightly" not in release and "-dev" not in release:
        raise ToolError(
            f"bench target {suite} uses {harness.label}: `#[bench]` compiles only on a nightly "
            f"toolchain, and this project builds with rustc {release}, so it cannot be run",
            tool=suite,
            hint="pin a nightly toolchain for the project (rust-toolchain.toml: channel = "
            '"nightly"), move the benchmarks to criterion or divan (harness = false), or leave '
            "the target out with the `benches` setting",
        )
    return harness


def _pick(suite: str, source: Path, candidates: list[_Candidate]) -> Harness:
    """The harness of a ``harness = false`` target among its package's harness crates."""
    if not candidates:
        return Harness("custom")
    chosen = candidates
    if len({c.crate for c in candidates}) > 1:
        chosen = [c for c in candidates if _names(source, c.extern)] or candidates
    if len({c.crate for c in chosen}) > 1:
        raise ToolError(
            f"bench target {suite}: its package depends on several benchmark harnesses "
            f"({_labels(chosen)}) and its source ({source}) names more than one of them, so "
            "ferrox cannot tell which one runs it",
            tool=suite,
            hint="split the benchmarks into packages with one harness each, or list only the "
            "targets of one harness in the `benches` setting",
        )
    return _known(suite, chosen[0])


def _names(source: Path, extern: str) -> bool:
    """Whether the target's source file mentions the crate ``extern`` (``criterion::``, ...)."""
    try:
        text = source.read_text(encoding="utf-8")
    except OSError:
        return False
    return re.search(rf"\b{re.escape(extern.replace('-', '_'))}\b", text) is not None


def _labels(candidates: Iterable[_Candidate]) -> str:
    return ", ".join(sorted({f"{c.crate} {c.version}" for c in candidates}))


def _known(suite: str, candidate: _Candidate) -> Harness:
    known = KNOWN.get(candidate.crate)
    label = f"{candidate.crate} {candidate.version}"
    if known is None:
        raise ToolError(
            f"bench target {suite} uses {label}, a benchmark harness ferrox does not know how to "
            f"run (it drives {', '.join(sorted(KNOWN))})",
            tool=suite,
            hint="leave the target out with the `benches` setting; the README's harness table "
            "lists what is supported",
        )
    try:
        supported = Version(candidate.version) in known.versions
    except InvalidVersion:
        supported = False
    if not supported:
        raise ToolError(
            f"bench target {suite} uses {label}, a release ferrox has not been proven on "
            f"({candidate.crate} {known.tried} are driven), so it is not run",
            tool=suite,
            hint=f"move to a supported {candidate.crate} release (cargo update -p "
            f"{candidate.crate} --precise VERSION), or leave the target out with `benches`",
        )
    return Harness(known.family, candidate.crate, candidate.version)


def check_mode(harnesses: Mapping[str, Harness], mode: str) -> None:
    """Exit 2 when ``mode`` cannot measure a suite's harness (timing vs instruction counting)."""
    counting = mode == "instructions"
    allowed = COUNTED if counting else TIMED
    refused = {s: h for s, h in sorted(harnesses.items()) if h.family not in allowed}
    if not refused:
        return
    named = ", ".join(f"{suite} ({h.label})" for suite, h in refused.items())
    if counting:
        raise UsageError(
            f"bench suite(s) {named} cannot be counted in instructions mode: the harness has no "
            "fixed iteration count (it sizes its samples by time), so instruction counts would "
            "change from run to run and the instructions gate could not be trusted",
            hint='use mode = "paired" for them, list only other suites in `benches`, or count '
            "instructions with iai-callgrind/gungraun or a libtest-style harness with a fixed "
            "iteration option (see `instruction_args`)",
        )
    raise UsageError(
        f"bench suite(s) {named} count instructions under valgrind and report no time, so the "
        f"{mode} gate cannot time them",
        hint='use mode = "instructions" for them, or list only timed suites in `benches`',
    )
