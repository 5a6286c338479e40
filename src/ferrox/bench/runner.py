"""Real processes for the gates: the base worktree, bench builds, timed runs, callgrind runs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ferrox.bench.parsers import ParseError, callgrind, libtest
from ferrox.bench.schema import Measurement
from ferrox.bench.suites import Harness
from ferrox.errors import ToolError, ToolOutputError, UsageError
from ferrox.tools import ToolRunner


@dataclass(frozen=True)
class Checkout:
    """One side of a comparison: the project directory in its checkout and its bench binaries."""

    label: str
    root: Path
    commit: str
    binaries: Mapping[str, Path]  # suite (bench target name) -> executable
    harnesses: Mapping[str, Harness]  # suite -> the harness that runs it (from Cargo.lock)

    @property
    def sources(self) -> dict[str, str]:
        """Each suite's results source: ``criterion``, ``divan`` or ``libtest`` (its lines)."""
        named = ("criterion", "divan")
        return {s: h.family if h.family in named else "libtest" for s, h in self.harnesses.items()}

    def harness(self, suite: str) -> Harness:
        """The harness of a built suite (every built bench target was recognised first)."""
        try:
            return self.harnesses[suite]
        except KeyError:
            raise ToolError(
                f"bench target {suite} was built in {self.root} but is not a bench target of a "
                "workspace member (cargo metadata does not list it)",
                tool="cargo",
            ) from None


def git(runner: ToolRunner, args: Sequence[str], cwd: Path, timeout: float) -> str:
    """``git args`` stdout; a failing git command is a usage error (bad ref, not a repository)."""
    done = runner.run("git", list(args), cwd=cwd, timeout=timeout)
    if done.returncode != 0:
        raise UsageError(f"git {' '.join(args)} failed: {done.tail(3)}")
    return done.stdout.strip()


def base_worktree(
    runner: ToolRunner, root: Path, base_ref: str, where: Path, timeout: float
) -> tuple[Path, str]:
    """A git worktree at the merge-base of ``base_ref`` and HEAD; returns (project dir, commit)."""
    if base_ref.startswith("-"):  # a --base from the command line skips settings validation
        raise UsageError(f"git ref {base_ref!r} starts with '-' (it would be read as an option)")
    toplevel = Path(git(runner, ["rev-parse", "--show-toplevel"], root, timeout)).resolve()
    commit = git(runner, ["merge-base", base_ref, "HEAD"], root, timeout)
    remove_worktree(runner, root, where, timeout)
    where.parent.mkdir(parents=True, exist_ok=True)
    git(runner, ["worktree", "add", "--detach", "--force", str(where), commit], root, timeout)
    return where / root.resolve().relative_to(toplevel), commit


def remove_worktree(runner: ToolRunner, root: Path, where: Path, timeout: float) -> None:
    """Removes the worktree at ``where`` if there is one (and prunes stale records)."""
    if where.exists():
        runner.run("git", ["worktree", "remove", "--force", str(where)], cwd=root, timeout=timeout)
    runner.run("git", ["worktree", "prune"], cwd=root, timeout=timeout)


def build_benches(
    runner: ToolRunner,
    project: Path,
    *,
    benches: Sequence[str],
    target_dir: Path | None,
    timeout: float,
    allow_none: bool = False,
) -> dict[str, Path]:
    """Builds the bench targets (release profile) and returns {bench target name: executable}.

    A build without any bench target is an error unless ``allow_none`` (a base that predates
    the project's first benchmark).
    """
    args = ["bench", "--workspace", "--no-run", "--message-format", "json"]
    args += [f"--bench={name}" for name in benches]  # one token: a value, never an option
    env = {"CARGO_TARGET_DIR": str(target_dir)} if target_dir is not None else None
    done = runner.run("cargo", args, cwd=project, timeout=timeout, env=env)
    if done.returncode != 0:
        raise ToolOutputError.of(done, f"cargo bench --no-run failed in {project}", "cargo")
    found: dict[str, Path] = {}
    for line in done.stdout.splitlines():
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            continue
        target = message.get("target", {}) if isinstance(message, dict) else {}
        kinds = target.get("kind", [])
        if (
            message.get("reason") == "compiler-artifact"
            and "bench" in kinds
            and message.get("executable")
        ):
            found[str(target["name"])] = Path(message["executable"])
    if not found and not allow_none:
        raise ToolOutputError.of(done, f"no bench targets were built in {project}", "cargo")
    return found


def run_suite(
    runner: ToolRunner,
    suite: str,
    binary: Path,
    *,
    args: Sequence[str],
    filters: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    timeout: float,
    cwd: Path,
) -> tuple[Measurement, ...]:
    """Runs one bench binary once and parses its ``bench:`` lines; none at all is an error."""
    done = runner.run(str(binary), ["--bench", *args, *filters], cwd=cwd, timeout=timeout, env=env)
    if done.returncode != 0:
        raise ToolOutputError.of(done, f"bench {suite} exited {done.returncode}", suite)
    try:
        found = libtest.parse_bench_lines(done.stdout, suite)
    except ParseError as exc:
        raise ToolOutputError.of(done, f"bench {suite}: {exc}", suite) from exc
    if not found:
        raise ToolOutputError.of(done, f"bench {suite} printed no `bench:` lines", suite)
    return found


def callgrind_count(
    runner: ToolRunner,
    suite: str,
    benchmark: str,
    binary: Path,
    *,
    args: Sequence[str],
    toggle_collect: str,
    out_file: Path,
    env: Mapping[str, str] | None = None,
    timeout: float,
    cwd: Path,
) -> Measurement:
    """Instructions one benchmark executes, counted by valgrind's callgrind."""
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.unlink(missing_ok=True)
    options = ["--tool=callgrind", f"--callgrind-out-file={out_file}"]
    if toggle_collect:
        options.append(f"--toggle-collect={toggle_collect.format(name=benchmark)}")
    done = runner.run(
        "valgrind",
        [*options, str(binary), "--bench", *args, benchmark],
        cwd=cwd,
        timeout=timeout,
        env=env,
        hint="install valgrind (apt-get install valgrind)",
    )
    if done.returncode != 0 or not out_file.is_file():
        raise ToolOutputError.of(done, f"callgrind failed on {suite}/{benchmark}", "valgrind")
    try:
        measured = callgrind.parse_callgrind_out(
            out_file.read_text(encoding="utf-8"), suite, benchmark
        )
    except ParseError as exc:
        raise ToolOutputError.of(done, f"callgrind output: {exc}", "valgrind") from exc
    if measured.samples[0] <= 0:
        raise ToolOutputError.of(
            done,
            f"callgrind counted no instructions for {suite}/{benchmark}"
            " (does toggle_collect match a function?)",
            "valgrind",
        )
    return measured
