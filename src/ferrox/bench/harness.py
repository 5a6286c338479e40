"""criterion.rs bench binaries: one timed run of a criterion suite.

Which suites are criterion's, and which release, is ``ferrox.bench.suites``'s answer (from
Cargo.lock); the releases differ in what ``--list`` prints (``ID: bench`` before 0.5,
``ID: benchmark`` since), which the caller passes as ``list_suffix``.

One run: ``<binary> --bench --output-format bencher --noplot [criterion_args] [REGEX]``, with
``CRITERION_HOME`` pointing at a fresh directory of ferrox's (the user's own
``target/criterion`` baselines are left alone). The ``bencher`` lines (libtest's format) say
which benchmarks ran; their values are whole nanoseconds (criterion truncates), too coarse for a
benchmark of a few ns, so each value is taken from the run's ``new/estimates.json`` (the same
median, unrounded) after checking that the two agree. Benchmarks are named by their titles
(what criterion prints); criterion filters on the full id, which differs only for a repeated id
(titled ``ID #2``): such a benchmark is never found by a filter, a tool error, not a pass.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Collection, Sequence
from pathlib import Path

from ferrox.bench.parsers import ParseError, libtest
from ferrox.bench.schema import Measurement
from ferrox.errors import ToolOutputError
from ferrox.tools import ToolRunner

# What ferrox always passes: measure (not test), print libtest-style lines, draw nothing.
CRITERION_FIXED_ARGS = ("--bench", "--output-format", "bencher", "--noplot")
# Characters the Rust regex crate treats as special outside a character class. Escaping only
# these keeps the filter valid and literal in every regex version criterion has used: older
# versions reject escapes of other punctuation, newer ones read `\<` and `\>` as word boundaries.
_REGEX_SPECIAL = frozenset("\\.+*?()|[]{}^$")


# criterion options that would stop a run from measuring, printing bencher lines or keeping the
# estimates ferrox reads (ferrox passes the filter itself, so no `--exact` either).
_FORBIDDEN_ARGS = (
    "--output-format", "--discard-baseline", "--list", "--test", "--profile-time",
    "--load-baseline", "--exact", "--ignored",
)  # fmt: skip


def forbidden_criterion_args(args: Sequence[str]) -> list[str]:
    """The options in ``args`` that ferrox's criterion runs cannot work with."""
    return [a for a in args if a.split("=", 1)[0] in _FORBIDDEN_ARGS]


# criterion before 0.4 reads these as whole seconds, at least 1 (later releases take fractions).
_WHOLE_SECONDS = ("--warm-up-time", "--measurement-time", "--profile-time")


def fractional_seconds(args: Sequence[str]) -> list[str]:
    """The ``--warm-up-time``-like options in ``args`` whose value is not a whole second count."""
    found = []
    for i, arg in enumerate(args):
        name, has_value, value = arg.partition("=")
        if name not in _WHOLE_SECONDS:
            continue
        if not has_value:
            value = args[i + 1] if i + 1 < len(args) else ""
        if not (value.isdigit() and int(value) >= 1):
            found.append(f"{name} {value}".strip())
    return found


def filter_regex(ids: Collection[str]) -> str:
    """One anchored regex matching exactly ``ids`` (criterion takes a single filter)."""
    if not ids:
        raise ValueError("a criterion filter needs at least one benchmark id")
    escaped = ("".join(f"\\{c}" if c in _REGEX_SPECIAL else c for c in i) for i in sorted(ids))
    return f"^(?:{'|'.join(escaped)})$"


def list_ids(
    runner: ToolRunner,
    suite: str,
    binary: Path,
    *,
    timeout: float,
    cwd: Path,
    list_suffix: str = ": benchmark",
) -> tuple[str, ...]:
    """The benchmark ids a criterion binary has (``--list``: one ``ID<list_suffix>`` line each)."""
    done = runner.run(str(binary), ["--bench", "--list"], cwd=cwd, timeout=timeout)
    if done.returncode != 0:
        raise ToolOutputError.of(
            done, f"criterion bench {suite} --list exited {done.returncode}", suite
        )
    ids = tuple(
        line.removesuffix(list_suffix)
        for line in done.stdout.splitlines()
        if line.endswith(list_suffix)
    )
    if not ids:
        raise ToolOutputError.of(done, f"criterion bench {suite} --list named no benchmark", suite)
    return ids


def run_criterion(
    runner: ToolRunner,
    suite: str,
    binary: Path,
    *,
    args: Sequence[str],
    wanted: Sequence[str] = (),
    home: Path,
    timeout: float,
    cwd: Path,
    list_suffix: str = ": benchmark",
) -> tuple[Measurement, ...]:
    """One criterion run of ``wanted`` (default: every benchmark); each must report a value."""
    expected = set(wanted) or set(
        list_ids(runner, suite, binary, timeout=timeout, cwd=cwd, list_suffix=list_suffix)
    )
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    argv = [*CRITERION_FIXED_ARGS, *args, *([filter_regex(expected)] if wanted else [])]
    done = runner.run(
        str(binary), argv, cwd=cwd, timeout=timeout, env={"CRITERION_HOME": str(home)}
    )
    if done.returncode != 0:
        raise ToolOutputError.of(done, f"criterion bench {suite} exited {done.returncode}", suite)
    try:
        printed = {m.benchmark: m.samples[0] for m in libtest.parse_bench_lines(done.stdout, suite)}
    except ParseError as exc:
        raise ToolOutputError.of(done, f"criterion bench {suite}: {exc}", suite) from exc
    missing = sorted(expected - printed.keys())
    if missing:
        raise ToolOutputError.of(
            done,
            f"criterion bench {suite} printed no `bench:` line for {', '.join(missing)}",
            suite,
        )
    unexpected = sorted(printed.keys() - expected)
    if unexpected:
        raise ToolOutputError.of(
            done, f"criterion bench {suite} reported unexpected {', '.join(unexpected)}", suite
        )
    try:
        medians = _medians(home)
    except ParseError as exc:
        raise ToolOutputError.of(done, f"criterion bench {suite}: {exc}", suite) from exc
    found = []
    for name, shown in sorted(printed.items()):
        median = medians.get(name)
        if median is None:
            raise ToolOutputError.of(
                done,
                f"criterion bench {suite} wrote no estimates for {name} in {home} "
                "(criterion_args must not discard the results: no --discard-baseline)",
                suite,
            )
        # criterion prints the median truncated to whole ns: anything else is another run.
        if int(median) != int(shown):
            raise ToolOutputError.of(
                done,
                f"criterion bench {suite}: {name} printed {shown:g} ns but its estimates.json "
                f"says {median:g} ns",
                suite,
            )
        found.append(Measurement(suite, name, "ns", (median,), source="criterion"))
    return tuple(found)


def _medians(home: Path) -> dict[str, float]:
    """{benchmark title: median ns} from each ``<id>/new/{benchmark,estimates}.json``."""
    medians: dict[str, float] = {}
    for meta in sorted(home.glob("**/new/benchmark.json")):
        try:
            names = json.loads(meta.read_text(encoding="utf-8"))
            title = names.get("title") or names["full_id"]  # title: unique, as printed
            estimates = json.loads((meta.parent / "estimates.json").read_text(encoding="utf-8"))
            median = float(estimates["median"]["point_estimate"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ParseError(f"cannot read criterion's results in {meta.parent}: {exc!r}") from exc
        medians[str(title)] = median
    return medians
