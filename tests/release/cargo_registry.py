"""A real cargo registry on 127.0.0.1: the ``cargo-http-registry`` crate (GPL-3.0, a test tool
only), built from the crates registry once into the tools home, then reused.

``python tests/release/cargo_registry.py`` builds it (the ``tests`` nox session runs that before
pytest, so no test waits minutes for it); a test that finds it missing builds it the same way.
It is not in ci/tools.toml: no ferrox step runs it, and its ``--version`` exits 1, which the pin
check reads as "not installed".
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from ferrox.pins import FAST_BUILD_PROFILE
from ferrox.toolhome import tool_dir, tools_home

BINARY = "cargo-http-registry"
VERSION = "0.1.8"
REGISTRY = "local"  # the name the tests give it in cargo's configuration
TOKEN = "cio_fixtureREGISTRYtoken0123456789"  # noqa: S105 - the registry checks no token


@dataclass
class CargoRegistry:
    """A running registry: its directory (a git index), API URL and process."""

    root: Path
    api: str
    process: subprocess.Popen[bytes]

    @property
    def index(self) -> str:
        """The index as cargo reads it (a local git repository)."""
        return self.root.as_uri()

    def versions(self, name: str) -> list[str]:
        """The versions the index lists for ``name``, in the order they were published."""
        lower = name.lower()
        path = self.root / lower[:2] / lower[2:4] / lower
        if len(lower) <= 3:
            path = self.root / (str(len(lower)) if len(lower) < 3 else f"3/{lower[0]}") / lower
        if not path.is_file():
            return []
        return [json.loads(line)["vers"] for line in path.read_text().splitlines() if line]

    def publish_log(self) -> list[str]:
        """``NAME in version V`` of every publish, oldest first (the index's git history)."""
        done = subprocess.run(
            ["git", "log", "--reverse", "--format=%s"],
            cwd=self.root, capture_output=True, text=True, check=True,
        )  # fmt: skip
        return [
            line.removeprefix("Add ")
            for line in done.stdout.splitlines()
            if line.startswith("Add ") and " in version " in line
        ]

    def stop(self) -> None:
        """Stops the server (the index stays on disk)."""
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def registry_binary() -> Path:
    """The pinned cargo-http-registry, built into the tools home first if it is missing."""
    directory = tool_dir(tools_home(os.environ), BINARY, VERSION)
    binary = directory / "bin" / BINARY
    if not binary.is_file():
        done = subprocess.run(
            ["cargo", "install", "--locked", "--root", str(directory), "--version", VERSION,
             BINARY],
            capture_output=True, text=True, check=False, timeout=3600,
            env={**FAST_BUILD_PROFILE, **os.environ},
        )  # fmt: skip
        assert done.returncode == 0, f"cargo install {BINARY}: {done.stderr[-3000:]}"
    return binary


def start_registry(root: Path, port: int = 0) -> CargoRegistry:
    """Starts the registry on a loopback port and waits until it answers."""
    process = subprocess.Popen(
        [str(registry_binary()), "--addr", f"127.0.0.1:{port}", str(root)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        config = root / "config.json"
        try:
            api = json.loads(config.read_text())["api"]
            host, port_text = api.removeprefix("http://").split(":")
            with socket.create_connection((host, int(port_text)), timeout=1):
                return CargoRegistry(root, api, process)
        except (OSError, ValueError, KeyError):
            if process.poll() is not None:
                raise AssertionError(f"{BINARY} exited with {process.returncode}") from None
            time.sleep(0.1)
    process.kill()
    raise AssertionError(f"{BINARY} did not start within 30 s")


if __name__ == "__main__":
    print(registry_binary())
