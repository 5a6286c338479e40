"""The fault table for audit, geiger and licenses: every fault fails closed (exit 1 or 3).

Real faults where they can be made (a missing subcommand, a corrupt or stale advisory DB, an
unresolvable dependency, a crate that does not build); fake executables on PATH where they
cannot (a tool that crashes, hangs or prints garbage). docs/security-faults-rust.md is this
table with its outcome column; a test keeps the two in step.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

TESTS = Path(__file__).parents[1]
FIXTURES = TESTS / "fixtures"
DOC = TESTS.parent / "docs" / "security-faults-rust.md"
AUDIT_GOLDEN = (FIXTURES / "cargo-audit-0.22.2" / "vulnerable.json").read_text()
GEIGER_GOLDEN = (FIXTURES / "cargo-geiger-0.13.0" / "tidy.json").read_text()
AUDIT_CONFIG = (
    '[audit]\ndb = "../advisory-db"\noffline = true\ncheck_yanked = false\nmax_db_age_days = 0\n'
)
MakeTool = Callable[[str, str], Path]


@dataclass(frozen=True)
class Fault:
    """One injected fault and how ferrox must end: exit code and a fragment of its message."""

    id: str
    tool: str
    fault: str
    exit: int
    message: str
    setup: str  # the name of the function below that injects it


FAULTS = (
    Fault("A01", "audit", "cargo-audit not installed (real cargo, no subcommand)", 3, "cargo audit is not installed", "no_subcommand"),
    Fault("A02", "audit", "cargo-audit at another version than pinned", 3, "ci/tools.toml pins 0.22.2", "audit_wrong_version"),
    Fault("A03", "audit", "non-zero exit with no output", 3, "exited 2 without a JSON report", "audit_exit_silently"),
    Fault("A04", "audit", "killed by a signal (SIGKILL)", 3, "killed by signal SIGKILL", "cargo_killed"),
    Fault("A05", "audit", "hangs past the timeout", 3, "timed out after 1 s", "audit_hangs"),
    Fault("A06", "audit", "exit 0 with empty output", 3, "exited 0 without a JSON report", "audit_empty"),
    Fault("A07", "audit", "truncated JSON", 3, "not a cargo-audit JSON report", "audit_truncated"),
    Fault("A08", "audit", "valid JSON of the wrong shape", 3, "not a cargo-audit JSON report", "audit_wrong_shape"),
    Fault("A09", "audit", "exit 0 while the report lists vulnerabilities", 3, "exited 0 but its report lists 3", "audit_contradiction"),
    Fault("A10", "audit", "advisory DB directory missing (offline)", 3, "does not exist", "db_missing"),
    Fault("A11", "audit", "advisory DB corrupt (an unparsable advisory)", 3, "error loading advisory database", "db_corrupt"),
    Fault("A12", "audit", "advisory DB empty (no advisories)", 3, "holds no advisories", "db_empty"),
    Fault("A13", "audit", "advisory DB older than max_db_age_days", 1, "advisory database age in days: 10", "db_stale"),
    Fault("A14", "audit", "fetching the advisory DB fails (no remote)", 3, "couldn't fetch advisory database", "db_fetch_fails"),
    Fault("A15", "audit", "Cargo.lock unparsable", 3, "Couldn't load", "lock_garbage"),
    Fault("A16", "audit", "Cargo.lock unreadable (a directory)", 3, "cannot read", "lock_unreadable"),
    Fault("A17", "audit", "yanked status unknown (no registry index)", 1, "packages whose yanked status is unknown: 5", "yanked_unknown"),
    Fault("G01", "geiger", "cargo-geiger not installed (real cargo, no subcommand)", 3, "cargo geiger is not installed", "no_subcommand"),
    Fault("G02", "geiger", "cargo-geiger at another version than pinned", 3, "ci/tools.toml pins 0.13.0", "geiger_wrong_version"),
    Fault("G03", "geiger", "non-zero exit with no output", 3, "exited 101 without a report", "geiger_exit_silently"),
    Fault("G04", "geiger", "killed by a signal (SIGKILL)", 3, "killed by signal SIGKILL", "cargo_killed"),
    Fault("G05", "geiger", "hangs past the timeout", 3, "timed out after 1 s", "geiger_hangs"),
    Fault("G06", "geiger", "exit 0 with empty output", 3, "exited 0 without a report", "geiger_empty"),
    Fault("G07", "geiger", "truncated JSON", 3, "not a geiger JSON report", "geiger_truncated"),
    Fault("G08", "geiger", "own crate in packages_without_metrics", 1, "could not measure the workspace crate raw", "geiger_unmeasured"),
    Fault("G09", "geiger", "own source file used but not scanned", 1, "did not scan crates/raw/src/gen.rs", "geiger_unscanned_file"),
    Fault("G10", "geiger", "an own crate does not build (real)", 3, "exited 1 without a report", "geiger_broken_crate"),
    Fault("L01", "licenses", "cargo not installed", 3, "cargo is not installed", "no_cargo"),
    Fault("L02", "licenses", "dependencies unresolvable (cargo metadata fails)", 3, "could not resolve the dependencies", "deps_unresolvable"),
    Fault("L02b", "licenses", "dependencies unresolvable offline and online (auto mode)", 3, "could not resolve the dependencies", "deps_unresolvable_anywhere"),
    Fault("L03", "licenses", "cargo metadata prints invalid JSON", 3, "cargo metadata printed invalid JSON", "metadata_garbage"),
    Fault("L04", "licenses", "cargo metadata hangs past the timeout", 3, "timed out after 1 s", "metadata_hangs"),
    Fault("L05", "licenses", "Cargo.lock unreadable (a directory)", 3, "cannot read", "lock_unreadable"),
    Fault("L06", "licenses", "Python interpreter missing", 3, "is not installed or not on PATH", "python_missing"),
    Fault("L07", "licenses", "Python metadata probe crashes", 3, "the metadata probe failed", "python_crashes"),
    Fault("L08", "licenses", "Python metadata probe prints garbage", 3, "the metadata probe printed unexpected output", "python_garbage"),
)  # fmt: skip


# Faults made with the real tools and files; the others put a fake executable first on PATH.
REAL = frozenset(
    {
        "no_subcommand", "db_missing", "db_corrupt", "db_empty", "db_stale", "db_fetch_fails",
        "lock_garbage", "lock_unreadable", "yanked_unknown", "geiger_broken_crate", "no_cargo",
        "deps_unresolvable", "deps_unresolvable_anywhere", "python_missing",
    }
)  # fmt: skip


# --- projects -------------------------------------------------------------------------------


def _project(tool: str, tmp_path: Path) -> Path:
    if tool == "audit":
        shutil.copytree(FIXTURES / "audit", tmp_path / "audit")
        project = tmp_path / "audit" / "vulnerable"
        (project / "ferrox.toml").write_text(AUDIT_CONFIG)
        return project
    if tool == "geiger":
        source = FIXTURES / "geiger" / "unsafe_workspace"
        shutil.copytree(source, tmp_path / "ws", ignore=shutil.ignore_patterns("target"))
        # The fixture's unsafe is accepted: only the injected fault may fail the step.
        baseline = {"version": 1, "crates": {"raw": {"functions": 1, "exprs": 3}}}
        (tmp_path / "ws" / "ci").mkdir()
        (tmp_path / "ws" / "ci" / "geiger-baseline.json").write_text(json.dumps(baseline))
        return tmp_path / "ws"
    source = FIXTURES / "licenses" / "mixed"
    shutil.copytree(source, tmp_path / "mixed", ignore=shutil.ignore_patterns("target"))
    project = tmp_path / "mixed"
    # Only the injected fault may fail: accept what the fixture declares.
    (project / "ferrox.toml").write_text(
        f"[licenses]\npython = {json.dumps(sys.executable)}\npython_paths = ['site']\n"
        "allow_packages = ['gpl-dep', 'unlicensed-dep', 'file-dep', 'gpl-thing', "
        "'bare-thing', 'vague-bsd']\n"
    )
    return project


def _append(project: Path, text: str) -> None:
    config = project / "ferrox.toml"
    config.write_text(config.read_text() + text)


def _only_path_tools(mp: pytest.MonkeyPatch, tmp: Path) -> None:
    """Subcommands come from PATH alone, where the fakes are first.

    cargo looks in $CARGO_HOME/bin too (first, unless PATH names it), and ferrox's tools home
    comes before PATH: both are emptied so a fake cannot lose to an installed tool.
    """
    mp.setenv("CARGO_HOME", str(tmp / "empty-cargo-home"))
    mp.setenv("FERROX_TOOLS_HOME", str(tmp / "empty-tools-home"))


def _fake_subcommand(
    make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path, name: str, version: str, *, body: str
) -> None:
    """A fake ``cargo-<name>`` that the real cargo runs: right version, then ``body``."""
    _only_path_tools(mp, tmp)
    make(
        f"cargo-{name}",
        "import sys, os, signal, time\n"
        f"if '--version' in sys.argv:\n    print('cargo-{name} {version}')\n    sys.exit(0)\n"
        + body,
    )


# --- fault injectors: each gets (project, tool, fake_tools, monkeypatch, tmp_path) ---------------


def no_subcommand(
    project: Path, tool: str, make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path
) -> None:
    only_cargo = tmp / "only-cargo"
    only_cargo.mkdir()
    cargo = shutil.which("cargo")
    assert cargo
    (only_cargo / "cargo").symlink_to(cargo)
    mp.setenv("PATH", str(only_cargo))
    _only_path_tools(mp, tmp)


def audit_wrong_version(
    project: Path, tool: str, make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path
) -> None:
    _only_path_tools(mp, tmp)
    make("cargo-audit", "print('cargo-audit 0.21.0')\n")


def audit_exit_silently(
    project: Path, tool: str, make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path
) -> None:
    _fake_subcommand(make, mp, tmp, "audit", "0.22.2", body="sys.exit(2)\n")


def cargo_killed(
    project: Path, tool: str, make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path
) -> None:
    real = shutil.which("cargo")
    make(
        "cargo",
        "import os, signal, subprocess, sys\n"
        "if sys.argv[1] == 'metadata':\n"
        f"    sys.exit(subprocess.call([{real!r}, *sys.argv[1:]]))\n"
        "if '--version' in sys.argv:\n"
        "    print({'audit': 'cargo-audit 0.22.2', 'geiger': 'cargo-geiger 0.13.0'}[sys.argv[1]])\n"
        "    sys.exit(0)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n",
    )


def audit_hangs(
    project: Path, tool: str, make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path
) -> None:
    _fake_subcommand(make, mp, tmp, "audit", "0.22.2", body="time.sleep(60)\n")
    _append(project, "timeout = 1\n")


def audit_empty(
    project: Path, tool: str, make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path
) -> None:
    _fake_subcommand(make, mp, tmp, "audit", "0.22.2", body="sys.exit(0)\n")


def audit_truncated(
    project: Path, tool: str, make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path
) -> None:
    half = AUDIT_GOLDEN[: len(AUDIT_GOLDEN) // 2]
    _fake_subcommand(make, mp, tmp, "audit", "0.22.2", body=f"print({half!r})\nsys.exit(1)\n")


def audit_wrong_shape(
    project: Path, tool: str, make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path
) -> None:
    _fake_subcommand(
        make, mp, tmp, "audit", "0.22.2", body="print('{\"database\": {}}')\nsys.exit(0)\n"
    )


def audit_contradiction(
    project: Path, tool: str, make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path
) -> None:
    _fake_subcommand(
        make, mp, tmp, "audit", "0.22.2", body=f"print({AUDIT_GOLDEN!r})\nsys.exit(0)\n"
    )


def db_missing(project: Path, tool: str, make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path) -> None:
    (project / "ferrox.toml").write_text(AUDIT_CONFIG.replace("../advisory-db", "../no-such-db"))


def db_corrupt(project: Path, tool: str, make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path) -> None:
    advisory = project.parent / "advisory-db" / "crates" / "smallvec" / "RUSTSEC-2019-0009.md"
    advisory.write_text(advisory.read_text()[:150])


def db_empty(project: Path, tool: str, make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path) -> None:
    shutil.rmtree(project.parent / "advisory-db" / "crates")
    (project.parent / "advisory-db" / "crates").mkdir()


def db_stale(project: Path, tool: str, make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path) -> None:
    old = __import__("time").time() - 10.5 * 86400
    for advisory in (project.parent / "advisory-db").rglob("*.md"):
        os.utime(advisory, (old, old))
    (project / "ferrox.toml").write_text(
        AUDIT_CONFIG.replace("max_db_age_days = 0", "max_db_age_days = 7")
        + "max_critical = 9\nfail_on = []\n"
    )


def db_fetch_fails(
    project: Path, tool: str, make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path
) -> None:
    (project / "ferrox.toml").write_text(AUDIT_CONFIG.replace("offline = true", "offline = false"))


def lock_garbage(
    project: Path, tool: str, make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path
) -> None:
    (project / "Cargo.lock").write_text("this is [not toml\n")


def lock_unreadable(
    project: Path, tool: str, make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path
) -> None:
    (project / "Cargo.lock").unlink()
    (project / "Cargo.lock").mkdir()


def yanked_unknown(
    project: Path, tool: str, make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path
) -> None:
    # An empty CARGO_HOME has no registry index cache, and offline nothing is fetched.
    mp.setenv("CARGO_HOME", str(tmp / "empty-cargo-home"))
    (project / "ferrox.toml").write_text(
        AUDIT_CONFIG.replace("check_yanked = false", "check_yanked = true")
        + "max_critical = 9\nfail_on = []\n"
    )


def geiger_wrong_version(
    project: Path, tool: str, make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path
) -> None:
    _only_path_tools(mp, tmp)
    make("cargo-geiger", "print('cargo-geiger 0.12.0')\n")


def geiger_exit_silently(
    project: Path, tool: str, make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path
) -> None:
    _fake_subcommand(make, mp, tmp, "geiger", "0.13.0", body="sys.exit(101)\n")


def geiger_hangs(
    project: Path, tool: str, make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path
) -> None:
    _fake_subcommand(make, mp, tmp, "geiger", "0.13.0", body="time.sleep(60)\n")
    (project / "ferrox.toml").write_text("[geiger]\ntimeout = 1\n")


def geiger_empty(
    project: Path, tool: str, make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path
) -> None:
    _fake_subcommand(make, mp, tmp, "geiger", "0.13.0", body="sys.exit(0)\n")


def geiger_truncated(
    project: Path, tool: str, make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path
) -> None:
    half = GEIGER_GOLDEN[: len(GEIGER_GOLDEN) // 3]
    _fake_subcommand(make, mp, tmp, "geiger", "0.13.0", body=f"print({half!r})\n")


def _geiger_printing(
    make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path, edit: Callable[[dict[str, object]], None]
) -> None:
    data = json.loads(GEIGER_GOLDEN)
    edit(data)
    _fake_subcommand(make, mp, tmp, "geiger", "0.13.0", body=f"print({json.dumps(data)!r})\n")


def geiger_unmeasured(
    project: Path, tool: str, make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path
) -> None:
    def edit(data: dict[str, object]) -> None:
        packages = data["packages"]
        assert isinstance(packages, list)
        data["packages"] = [p for p in packages if p["package"]["id"]["name"] != "raw"]
        data["packages_without_metrics"] = [
            {"name": "raw", "version": "0.1.0", "source": {"Path": "file:///"}}
        ]

    _geiger_printing(make, mp, tmp, edit)


def geiger_unscanned_file(
    project: Path, tool: str, make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path
) -> None:
    generated = project / "crates" / "raw" / "src" / "gen.rs"

    def edit(data: dict[str, object]) -> None:
        data["used_but_not_scanned_files"] = [str(generated)]

    _geiger_printing(make, mp, tmp, edit)


def geiger_broken_crate(
    project: Path, tool: str, make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path
) -> None:
    source = project / "crates" / "raw" / "src" / "lib.rs"
    source.write_text(source.read_text() + '\npub fn broken() -> u8 { "not a byte" }\n')


def no_cargo(project: Path, tool: str, make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path) -> None:
    mp.setenv("PATH", str(tmp / "nothing"))


def deps_unresolvable(
    project: Path, tool: str, make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path
) -> None:
    manifest = project / "Cargo.toml"
    manifest.write_text(
        manifest.read_text().replace(
            "[dependencies]\n", '[dependencies]\nferrox-no-such-crate-xyz = "1"\n'
        )
    )
    _append(project, 'offline = "always"\n')


def deps_unresolvable_anywhere(
    project: Path, tool: str, make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path
) -> None:
    # offline = "auto": the offline attempt fails, then the online one asks the registry.
    manifest = project / "Cargo.toml"
    manifest.write_text(
        manifest.read_text().replace(
            "[dependencies]\n", '[dependencies]\nferrox-no-such-crate-xyz = "1"\n'
        )
    )


def metadata_garbage(
    project: Path, tool: str, make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path
) -> None:
    make("cargo", "print('{\"packages\": [')\n")


def metadata_hangs(
    project: Path, tool: str, make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path
) -> None:
    make("cargo", "import time\ntime.sleep(60)\n")
    _append(project, "timeout = 1\n")


def python_missing(
    project: Path, tool: str, make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path
) -> None:
    text = (
        (project / "ferrox.toml")
        .read_text()
        .replace(json.dumps(sys.executable), '"no-such-python3"')
    )
    (project / "ferrox.toml").write_text(text)


def _fake_python(project: Path, make: MakeTool, body: str) -> None:
    fake = make("fake-python", body)
    text = (
        (project / "ferrox.toml")
        .read_text()
        .replace(json.dumps(sys.executable), json.dumps(str(fake)))
    )
    (project / "ferrox.toml").write_text(text)


def python_crashes(
    project: Path, tool: str, make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path
) -> None:
    _fake_python(
        project, make, "import sys\nsys.stderr.write('ImportError: importlib\\n')\nsys.exit(1)\n"
    )


def python_garbage(
    project: Path, tool: str, make: MakeTool, mp: pytest.MonkeyPatch, tmp: Path
) -> None:
    _fake_python(project, make, "print('[{\"name\": 1}')\n")


@pytest.mark.parametrize("fault", FAULTS, ids=[f"{f.id}-{f.setup}" for f in FAULTS])
def test_fault_fails_closed(
    fault: Fault,
    ferrox: Callable[..., object],
    fake_tools: MakeTool,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    project = _project(fault.tool, tmp_path)
    globals()[fault.setup](project, fault.tool, fake_tools, monkeypatch, tmp_path)
    result = ferrox("run", fault.tool, "-C", str(project))
    assert result.code == fault.exit, (result.out, result.err)
    report = result.report
    said = report["error"] or "\n".join(
        [report["summary"]]
        + [g["description"] for g in report["gates"] if not g["passed"]]
        + [f["message"] for f in report["findings"]]
    )
    assert fault.message in said, said
    assert report["status"] != "pass"


def test_without_faults_the_projects_pass(ferrox: Callable[..., object], tmp_path: Path) -> None:
    """The control: each project passes as set up, so the faults alone make them fail."""
    for tool in ("geiger", "licenses"):
        project = _project(tool, tmp_path / tool)
        assert ferrox("run", tool, "-C", str(project)).code == 0, tool
    project = _project("audit", tmp_path / "audit")
    _append(project, "max_critical = 9\nfail_on = []\n")
    assert ferrox("run", "audit", "-C", str(project)).code == 0


def test_the_docs_table_is_this_table() -> None:
    rows = [
        line
        for line in DOC.read_text().splitlines()
        if line.startswith("| ") and line[2:3] in "AGL"
    ]
    documented = [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]
    assert [(r[0], r[1], r[3], r[5]) for r in documented] == [
        (f.id, f.tool, str(f.exit), "real" if f.setup in REAL else "fake") for f in FAULTS
    ]
    assert all(r[-1].startswith("failed closed") for r in documented)
