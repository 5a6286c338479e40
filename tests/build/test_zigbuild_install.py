"""`ferrox tools install cargo-zigbuild`: the pinned wheel and zig (ziglang) in one venv."""

from __future__ import annotations

from pathlib import Path

from ferrox.build.cargo_build import ensure_tool
from ferrox.build.targets import BuildTarget
from ferrox.pins import VenvInstall, find_pin_file, install_into_home, load_pins
from ferrox.tools import ToolRunner

REPO = Path(__file__).parents[2]


def test_the_pin_installs_cargo_zigbuild_with_its_zig(tmp_path: Path) -> None:
    pins = load_pins(find_pin_file(REPO))
    (tool,) = [t for t in pins.cargo_tools if t.name == "cargo-zigbuild"]
    assert tool.wheel is not None and "ziglang==" in tool.wheel
    home = tmp_path / "home"
    env = {"FERROX_TOOLS_HOME": str(home), "PATH": "/usr/bin:/bin"}
    spec = VenvInstall(tool.name, tool.version, tool.wheel, tool.binary, tool.version_args)
    installed = install_into_home(ToolRunner(env=env), spec, home, tmp_path)
    venv_bin = installed.directory / "venv" / "bin"
    assert (venv_bin / "python-zig").exists(), "ziglang was not installed beside cargo-zigbuild"
    # The build step finds that venv's Python through the exposed binary and hands it to
    # cargo-zigbuild, which then runs `python -m ziglang`.
    target = BuildTarget("aarch64-unknown-linux-musl", "zigbuild")
    found = ensure_tool(ToolRunner(env=env), target)
    assert Path(found["CARGO_ZIGBUILD_PYTHON_PATH"]).parent == venv_bin
