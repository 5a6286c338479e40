"""A real package index on 127.0.0.1: pypiserver (a test dependency), serving a directory."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path


@dataclass
class PypiServer:
    """A running pypiserver: its package directory, URL and process."""

    packages: Path
    url: str
    process: subprocess.Popen[bytes]

    def files(self) -> list[str]:
        """The distributions it holds."""
        return sorted(path.name for path in self.packages.iterdir())

    def stop(self) -> None:
        """Stops the server (the packages stay)."""
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def free_port() -> int:
    """A loopback port nothing listens on (the OS's choice)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_pypiserver(packages: Path, port: int = 0) -> PypiServer:
    """Starts pypiserver without authentication (uploads allowed, overwriting refused: a file
    it has answers 409, which ``twine --skip-existing`` skips) and waits until it answers."""
    packages.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "pypiserver", "run", "--host", "127.0.0.1", "--port", str(port),
         "--authenticate", ".", "--passwords", ".", "--log-stream", "none", str(packages)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}simple/", timeout=2):  # noqa: S310 - loopback
                return PypiServer(packages, url, process)
        except (urllib.error.URLError, OSError):
            if process.poll() is not None:
                raise AssertionError(f"pypiserver exited with {process.returncode}") from None
            time.sleep(0.1)
    process.kill()
    raise AssertionError("pypiserver did not start within 30 s")
