"""iai-callgrind and gungraun suites: one run counts every benchmark's instructions.

Such a bench binary hands itself to its runner (``iai-callgrind-runner`` / ``gungraun-runner``,
a separate executable of exactly the library's version), which runs each benchmark under
callgrind and prints, per benchmark, its id and an ``Instructions:`` line. ferrox runs the
binary with the runner of the version in Cargo.lock (from the tools home, else PATH) first on
PATH, its output home in ferrox's report directory (the user's ``target/iai`` baselines are
left alone) and colours off, and reads the counts from that output.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ferrox import toolhome
from ferrox.bench.parsers import ParseError, callgrind
from ferrox.bench.schema import Measurement
from ferrox.bench.suites import Harness
from ferrox.errors import ToolMissing, ToolOutputError
from ferrox.tools import ToolRunner


@dataclass(frozen=True)
class Flavour:
    """What differs between iai-callgrind and gungraun: names of the runner and its variables."""

    runner: str
    prefix: str  # of the environment variables the runner reads


FLAVOURS = {
    "iai-callgrind": Flavour("iai-callgrind-runner", "IAI_CALLGRIND"),
    "gungraun": Flavour("gungraun-runner", "GUNGRAUN"),
}


def find_runner(runner: ToolRunner, harness: Harness) -> Path:
    """The runner executable for ``harness``: the tools home's at its version, else PATH's."""
    flavour = FLAVOURS[harness.family]
    home = toolhome.tools_home(runner.env)
    installed = toolhome.executable(
        toolhome.tool_dir(home, flavour.runner, harness.version) / "bin", flavour.runner
    )
    if installed.exists():
        return installed
    on_path = runner.which(flavour.runner)
    if on_path is not None:  # the library refuses a runner of another version: exit 3 then
        return on_path
    raise ToolMissing(
        f"bench suites using {harness.label} need {flavour.runner} {harness.version}, which is "
        f"neither in the tools home ({installed}) nor on PATH",
        tool=flavour.runner,
        hint=f"cargo install --locked --version {harness.version} --root "
        f"{installed.parent.parent} {flavour.runner}",
    )


def run_counts(
    runner: ToolRunner,
    suite: str,
    binary: Path,
    harness: Harness,
    *,
    args: Sequence[str],
    home: Path,
    timeout: float,
    cwd: Path,
) -> tuple[Measurement, ...]:
    """One run of an iai-callgrind / gungraun suite: each benchmark's instruction count."""
    flavour = FLAVOURS[harness.family]
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    runner_path = find_runner(runner, harness)
    # The bench binary reads <PREFIX>_RUNNER only when it is compiled; at run time it looks for
    # the runner on PATH, so the chosen runner's directory goes first.
    env = {
        "PATH": os.pathsep.join([str(runner_path.parent), runner.env.get("PATH", os.defpath)]),
        f"{flavour.prefix}_HOME": str(home),
        f"{flavour.prefix}_COLOR": "never",
    }
    done = runner.run(str(binary), ["--bench", *args], cwd=cwd, timeout=timeout, env=env)
    if done.returncode != 0:
        raise ToolOutputError.of(
            done, f"{harness.label} bench {suite} exited {done.returncode}", suite
        )
    try:
        found = callgrind.parse_iai(done.stdout, suite)
    except ParseError as exc:
        raise ToolOutputError.of(done, f"{harness.label} bench {suite}: {exc}", suite) from exc
    names = [m.benchmark for m in found]
    if len(set(names)) != len(names):
        repeated = sorted({n for n in names if names.count(n) > 1})
        raise ToolOutputError.of(
            done, f"{harness.label} bench {suite} reported {', '.join(repeated)} twice", suite
        )
    return found
