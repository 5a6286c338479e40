"""build on the demo workspace with the real toolchain: cargo, cargo-zigbuild, qemu-user.

Every test shares one CARGO_TARGET_DIR (a session fixture), so each target is compiled once per
session; the copies of the demo live at different paths, which the path remapping makes
invisible in the binaries.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ferrox.steps import get_step

HOST_MUSL = "x86_64-unknown-linux-musl"
EPOCH = "1700000000"
# The first bytes of each kind of executable.
MAGIC = {"elf": b"\x7fELF", "macho": b"\xcf\xfa\xed\xfe", "pe": b"MZ"}


@pytest.fixture(scope="session")
def build_target_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cargo target directory for every build test of the session."""
    return tmp_path_factory.mktemp("build-target")


@pytest.fixture
def demo(
    fresh_crate: Callable[[str], Path], build_target_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[str], Path]:
    """A private copy of the demo with the given ``[build]`` table as its whole ferrox.toml."""
    monkeypatch.setenv("CARGO_TARGET_DIR", str(build_target_dir))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)

    def make(config: str) -> Path:
        root = fresh_crate("demo")
        (root / "ferrox.toml").write_text(f"[build]\n{config}", encoding="utf-8")
        return root

    return make


def _findings(report: dict[str, Any], rule: str) -> list[str]:
    return [f["message"] for f in report["findings"] if f["rule"] == rule]


def _binary_of(archive: Path) -> bytes:
    if archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as handle:
            name = next(n for n in handle.namelist() if n.endswith(".exe"))
            return handle.read(name)
    with tarfile.open(archive) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("/demo-cli"))
        extracted = tar.extractfile(member)
        assert extracted is not None
        return extracted.read()


def test_five_targets_built_smoke_run_archived_and_checksummed(
    ferrox: Callable[..., Any], demo: Callable[[str], Path]
) -> None:
    root = demo('smoke_args = ["1,2"]\n')
    result = ferrox("run", "build", "-C", str(root))
    assert result.code == 0, result.out
    dist = root / "target" / "ferrox" / "dist"
    archives = sorted(p.name for p in dist.iterdir() if p.name != "SHA256SUMS")
    assert archives == [
        "demo-cli-0.1.0-aarch64-apple-darwin.tar.gz",
        "demo-cli-0.1.0-aarch64-unknown-linux-musl.tar.gz",
        "demo-cli-0.1.0-x86_64-apple-darwin.tar.gz",
        "demo-cli-0.1.0-x86_64-pc-windows-gnu.zip",
        "demo-cli-0.1.0-x86_64-unknown-linux-musl.tar.gz",
    ]
    sums = (dist / "SHA256SUMS").read_text().splitlines()
    assert sums == [
        f"{hashlib.sha256((dist / name).read_bytes()).hexdigest()}  {name}" for name in archives
    ]
    kinds = {name: _binary_of(dist / name)[:4] for name in archives}
    assert kinds[archives[0]] == kinds[archives[2]] == MAGIC["macho"]
    assert kinds[archives[1]] == kinds[archives[4]] == MAGIC["elf"]
    assert kinds[archives[3]].startswith(MAGIC["pe"])
    with tarfile.open(dist / archives[4]) as tar:
        assert sorted(tar.getnames()) == [
            "demo-cli-0.1.0-x86_64-unknown-linux-musl",
            "demo-cli-0.1.0-x86_64-unknown-linux-musl/LICENSE",
            "demo-cli-0.1.0-x86_64-unknown-linux-musl/README.md",
            "demo-cli-0.1.0-x86_64-unknown-linux-musl/demo-cli",
        ]
    built = {m.split(":", 2)[1]: m for m in _findings(result.report, "build/built")}
    assert len(built) == 5
    assert "smoke run passed" in built[HOST_MUSL] and "fib=1" in built[HOST_MUSL]
    aarch64 = built["aarch64-unknown-linux-musl"]
    if shutil.which("qemu-aarch64"):
        assert "with zigbuild" in aarch64 and "smoke run passed" in aarch64
    else:
        assert "smoke run not run: qemu-aarch64 not found" in aarch64
    assert (
        "not run" in built["aarch64-apple-darwin"]
        and "native runner" in built["aarch64-apple-darwin"]
    )
    assert result.report["metrics"]["failed_builds"] == 0


def test_host_build_is_reproducible_across_checkouts(
    ferrox: Callable[..., Any], demo: Callable[[str], Path]
) -> None:
    config = f'targets = ["{HOST_MUSL}"]\nsmoke_args = ["3"]\nverify_reproducible = true\n'
    first = demo(config)
    second = first.parent.parent / "elsewhere" / "demo"
    shutil.copytree(first, second)
    sums = []
    for root in (first, second):
        result = ferrox("run", "build", "-C", str(root))
        assert result.code == 0, result.out
        assert _findings(result.report, "build/not-reproducible") == []
        sums.append((root / "target" / "ferrox" / "dist" / "SHA256SUMS").read_text())
    assert sums[0] == sums[1]


def test_unknown_triple_is_a_usage_error_with_close_names(
    ferrox: Callable[..., Any], demo: Callable[[str], Path]
) -> None:
    root = demo('targets = ["x86_64-unknown-linux-mulc"]\n')
    result = ferrox("run", "build", "-C", str(root))
    assert result.code == 2
    text = result.out + result.err
    assert "build.targets" in text and "x86_64-unknown-linux-musl" in text
    assert "Traceback" not in text


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ('targets = ["--config=evil"]\n', "targets"),
        (f'targets = ["{HOST_MUSL}"]\ncross = ["aarch64-apple-darwin"]\n', "cross"),
        (f'targets = ["{HOST_MUSL}"]\nbins = ["nope"]\n', "bins"),
    ],
)
def test_bad_settings_are_usage_errors(
    ferrox: Callable[..., Any], demo: Callable[[str], Path], config: str, key: str
) -> None:
    result = ferrox("run", "build", "-C", str(demo(config)))
    assert result.code == 2, result.out
    assert key in result.out + result.err


def test_a_binary_over_budget_fails_the_gate_with_its_size(
    ferrox: Callable[..., Any], demo: Callable[[str], Path]
) -> None:
    root = demo(f'targets = ["{HOST_MUSL}"]\nsmoke_args = ["1"]\nmax_binary_mb = 0.01\n')
    result = ferrox("run", "build", "-C", str(root))
    assert result.code == 1
    (message,) = _findings(result.report, "build/over-budget")
    assert f"demo-cli:{HOST_MUSL} is " in message and "over the 0.01 MiB budget" in message
    assert any(g["name"] == f"size_mb:demo-cli:{HOST_MUSL}" for g in result.report["gates"])


def test_a_failing_smoke_run_fails_the_gate(
    ferrox: Callable[..., Any], demo: Callable[[str], Path]
) -> None:
    # demo-cli rejects an item that is not a number with exit 2.
    root = demo(f'targets = ["{HOST_MUSL}"]\nsmoke_args = ["not-a-number"]\n')
    result = ferrox("run", "build", "-C", str(root))
    assert result.code == 1
    (message,) = _findings(result.report, "build/smoke-failed")
    assert "smoke run failed: exit 2" in message


def test_a_linker_failure_names_the_target_and_leaves_no_archive(
    ferrox: Callable[..., Any],
    demo: Callable[[str], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = demo(f'targets = ["{HOST_MUSL}"]\nsmoke_args = ["1"]\n')
    (root / ".cargo").mkdir()
    (root / ".cargo" / "config.toml").write_text(
        f'[target.{HOST_MUSL}]\nlinker = "false"\n', encoding="utf-8"
    )
    # Its own target dir: the shared one holds a linked demo-cli from other tests.
    monkeypatch.setenv("CARGO_TARGET_DIR", str(tmp_path / "linker-target"))
    result = ferrox("run", "build", "-C", str(root))
    assert result.code == 1, result.out
    (failure,) = [f for f in result.report["findings"] if f["rule"] == "build/failed"]
    assert HOST_MUSL in failure["message"]
    assert "linking with `false` failed" in failure["detail"]
    assert not (root / "target" / "ferrox" / "dist").exists()


def test_a_missing_cross_linker_is_a_tool_error_naming_what_to_install(
    ferrox: Callable[..., Any],
    demo: Callable[[str], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if shutil.which("cargo-zigbuild"):
        pytest.skip("cargo-zigbuild is on PATH outside the tools home")
    monkeypatch.setenv("FERROX_TOOLS_HOME", str(tmp_path / "empty-home"))
    root = demo('targets = ["aarch64-unknown-linux-musl"]\n')
    result = ferrox("run", "build", "-C", str(root))
    assert result.code == 3
    text = result.out + result.err
    assert "cannot build aarch64-unknown-linux-musl" in text
    assert "ferrox tools install cargo-zigbuild" in text


def test_the_step_is_opt_in_and_runs_in_the_release_workflow() -> None:
    step = get_step("build")
    assert not step.default
    assert [job.workflow for job in step.ci] == ["release"]
    assert "cargo-zigbuild" in step.tools()


def test_matrix_prints_the_cross_build_model(ferrox: Callable[..., Any], tmp_path: Path) -> None:
    (tmp_path / "ferrox.toml").write_text(
        "[build]\nlibc = 'gnu'\ntargets = ['aarch64-unknown-linux-musl', 'x86_64-pc-windows-gnu']\n"
        "cross = ['x86_64-pc-windows-gnu']\n"
    )
    done = ferrox("matrix", "--json", "-C", str(tmp_path))
    assert done.code == 0, done.err
    assert json.loads(done.out)["cross-build"]["include"] == [
        {"target": "aarch64-unknown-linux-gnu", "strategy": "zigbuild"},
        {"target": "x86_64-pc-windows-gnu", "strategy": "cross"},
    ]


def test_an_interrupted_build_leaves_the_previous_archives_alone(
    ferrox: Callable[..., Any],
    demo: Callable[[str], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = demo(f'targets = ["{HOST_MUSL}"]\nsmoke_args = ["1"]\ntimeout = 5\n')
    dist = root / "target" / "ferrox" / "dist"
    dist.mkdir(parents=True)
    (dist / "SHA256SUMS").write_text("previous release\n")
    # A linker that hangs: the step's timeout kills the build mid-link.
    linker = tmp_path / "hanging-linker"
    linker.write_text(f"#!{sys.executable}\nimport time\ntime.sleep(60)\n")
    linker.chmod(0o755)
    (root / ".cargo").mkdir()
    (root / ".cargo" / "config.toml").write_text(
        f'[target.{HOST_MUSL}]\nlinker = "{linker}"\n', encoding="utf-8"
    )
    monkeypatch.setenv("CARGO_TARGET_DIR", str(tmp_path / "hang-target"))
    result = ferrox("run", "build", "-C", str(root))
    assert result.code == 3, result.out
    assert "timed out" in result.out + result.err
    assert sorted(p.name for p in dist.iterdir()) == ["SHA256SUMS"]
    assert (dist / "SHA256SUMS").read_text() == "previous release\n"
