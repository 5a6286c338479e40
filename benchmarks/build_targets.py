"""The build step per target: cold and warm build time, binary size, smoke result,
reproducibility, and the same release build through raw cargo / cargo zigbuild.

    python benchmarks/build_targets.py [--targets T ...] [--write docs/benchmarks.md]

Needs cargo-zigbuild (``ferrox tools install cargo-zigbuild``), the targets' standard libraries
(the step adds them) and qemu-user for the aarch64 smoke run. Per target, on copies of
examples/demo: ferrox cold (a fresh CARGO_TARGET_DIR), ferrox warm (the same again), ferrox cold
in a second copy at another path (its binary and archive SHA-256 against the first: the
reproducibility check), and the raw command cold in a third target dir. zig's own caches
(~/.cache/cargo-zigbuild, zig's global cache) are warm in all of them: the first zigbuild on a
machine pays about a minute more per target kind to build zig's libc once.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from timing import ENV, machine_line, publish

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "examples" / "demo"
sys.path.insert(0, str(ROOT / "src"))

from ferrox.build.targets import DEFAULT_TRIPLES, choose_strategy  # noqa: E402
from ferrox.toolhome import search_path  # noqa: E402

MARKER = "<!-- build:start -->"
END_MARKER = "<!-- build:end -->"
HEADING = "## Cross-builds: `nox -s build` per target"
HOST = "x86_64-unknown-linux-gnu"
EPOCH = "1700000000"


def _copy(base: Path, name: str) -> Path:
    root = base / name / "demo"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns("target"))
    (root / "ferrox.toml").write_text('[build]\nsmoke_args = ["1,2"]\n', encoding="utf-8")
    return root


def _ferrox(
    root: Path, triple: str, target_dir: Path, reports: Path
) -> tuple[float, dict[str, Any]]:
    config = f'[build]\nsmoke_args = ["1,2"]\ntargets = ["{triple}"]\n'
    (root / "ferrox.toml").write_text(config, encoding="utf-8")
    env = {**ENV, "CARGO_TARGET_DIR": str(target_dir), "SOURCE_DATE_EPOCH": EPOCH}
    env["PYTHONPATH"] = str(ROOT / "src")
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "ferrox", "run", "build", "-C", str(root), "--report-dir",
         str(reports)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"ferrox run build failed for {triple}:\n{done.stdout}\n{done.stderr}")
    report: dict[str, Any] = json.loads((reports / "build.json").read_text())
    return seconds, report


def _raw(root: Path, triple: str, target_dir: Path) -> float:
    strategy = choose_strategy(triple, HOST, ())
    subcommand = "build" if strategy == "cargo" else "zigbuild"
    env = {**ENV, "CARGO_TARGET_DIR": str(target_dir)}
    env["PATH"] = search_path(env, {})
    zig = shutil.which("cargo-zigbuild", path=env["PATH"])
    if zig:  # the tools home's venv holds ziglang, as the step arranges
        env["CARGO_ZIGBUILD_PYTHON_PATH"] = str(Path(zig).resolve().parent / "python")
    start = time.perf_counter()
    subprocess.run(
        ["cargo", subcommand, "--release", "--target", triple, "--bins"],
        cwd=root, env=env, check=True, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - start


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def measure_target(base: Path, triple: str) -> dict[str, Any]:
    """One target's row."""
    first, second = _copy(base, f"a-{triple}"), _copy(base, f"b-{triple}")
    cold, report = _ferrox(first, triple, base / f"t1-{triple}", base / f"r1-{triple}")
    warm, _ = _ferrox(first, triple, base / f"t1-{triple}", base / f"r2-{triple}")
    _, again = _ferrox(second, triple, base / f"t2-{triple}", base / f"r3-{triple}")
    raw = _raw(_copy(base, f"c-{triple}"), triple, base / f"t3-{triple}")
    (built,) = [f["message"] for f in report["findings"] if f["rule"] == "build/built"]
    smoke = built.split("smoke run ", 1)[1].replace("\t", " ")
    exe = "demo-cli.exe" if "windows" in triple else "demo-cli"
    binaries = [base / f"t{n}-{triple}" / triple / "release" / exe for n in (1, 2)]
    archives = [
        (root / "target" / "ferrox" / "dist" / "SHA256SUMS").read_text() for root in (first, second)
    ]
    size = report["metrics"][f"size_bytes:demo-cli:{triple}"]
    return {
        "target": triple,
        "strategy": choose_strategy(triple, HOST, ()),
        "cold": cold,
        "warm": warm,
        "raw": raw,
        "size": size,
        "smoke": smoke,
        "binary_same": _sha(binaries[0]) == _sha(binaries[1]),
        "archive_same": archives[0] == archives[1],
        "repro_step": again["status"],
    }


def _yes(flag: bool) -> str:
    return "yes" if flag else "NO"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", nargs="*", default=list(DEFAULT_TRIPLES))
    parser.add_argument("--write", type=Path, help="update this Markdown file's build section")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="ferrox-build-bench-") as scratch:
        for triple in args.targets:
            rows.append(measure_target(Path(scratch), triple))
            print(rows[-1], flush=True)
    lines = [
        machine_line(1).replace("1 interleaved warm runs per command", "one run per cell"),
        "",
        "| target | built with | ferrox cold (s) | ferrox warm (s) | raw cold (s) | binary "
        "| smoke run | same binary from another checkout | same archive |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        lines.append(
            f"| `{row['target']}` | {row['strategy']} | {row['cold']:.1f} | {row['warm']:.1f} "
            f"| {row['raw']:.1f} | {row['size'] / 1024:.0f} KiB | {row['smoke']} "
            f"| {_yes(row['binary_same'])} | {_yes(row['archive_same'])} |"
        )
    publish(lines, args.write, MARKER, END_MARKER, HEADING)
    return 0


if __name__ == "__main__":
    sys.exit(main())
