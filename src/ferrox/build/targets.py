"""Which targets to build, with which tool, and whether this host can run the result."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ferrox.errors import ConfigError

Strategy = Literal["cargo", "zigbuild", "cross"]
Libc = Literal["musl", "gnu"]

# The designs' five targets (x86_64/aarch64 Linux and macOS, x86_64 Windows). Linux is musl by
# default (static binaries that also go into a FROM scratch image); Windows is the GNU ABI, which
# cargo-zigbuild links on Linux (MSVC needs the Windows SDK).
DEFAULT_TRIPLES = (
    "x86_64-unknown-linux-musl",
    "aarch64-unknown-linux-musl",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
    "x86_64-pc-windows-gnu",
)


@dataclass(frozen=True)
class BuildTarget:
    """One triple and how this host builds it."""

    triple: str
    strategy: Strategy

    @property
    def is_windows(self) -> bool:
        """Whether its binaries end in ``.exe`` and its archive is a zip."""
        return "-windows-" in self.triple

    @property
    def arch(self) -> str:
        """The CPU architecture, the triple's first field."""
        return self.triple.split("-", 1)[0]

    def binary_name(self, name: str) -> str:
        """The file name cargo gives binary ``name`` for this target."""
        return f"{name}.exe" if self.is_windows else name


def with_libc(triples: Sequence[str], libc: Libc) -> tuple[str, ...]:
    """The triples with every Linux one switched to ``libc`` (``-linux-musl``/``-linux-gnu``)."""
    other = f"-linux-{'gnu' if libc == 'musl' else 'musl'}"
    switched = [
        triple.removesuffix(other) + f"-linux-{libc}" if triple.endswith(other) else triple
        for triple in triples
    ]
    return tuple(dict.fromkeys(switched))


def check_triples(triples: Sequence[str], known: Sequence[str], *, file: str, key: str) -> None:
    """Raises ConfigError (exit 2) for a triple rustc does not know, with the closest names."""
    valid = set(known)
    for triple in triples:
        if triple not in valid:
            close = difflib.get_close_matches(triple, list(known), n=3, cutoff=0.6)
            raise ConfigError(
                f"{triple!r} is not a target triple rustc knows "
                "(`rustc --print target-list` lists them)",
                file=file,
                key=key,
                choices=close,
            )


def choose_strategy(triple: str, host: str, cross_triples: Sequence[str]) -> Strategy:
    """Plain cargo for the host (and its musl twin), ``cross`` where configured, else zigbuild."""
    if triple in cross_triples:
        return "cross"
    if triple == host or triple == _musl_twin(host):
        return "cargo"
    return "zigbuild"


def plan_targets(
    triples: Sequence[str], host: str, cross_triples: Sequence[str]
) -> list[BuildTarget]:
    """The targets in the configured order, each with its strategy."""
    return [BuildTarget(t, choose_strategy(t, host, cross_triples)) for t in triples]


def _musl_twin(host: str) -> str | None:
    # x86_64-unknown-linux-musl builds with plain cargo on a glibc host: rustup's musl target
    # ships its own libc and linker support (self-contained), no cross linker needed.
    if host.endswith("-unknown-linux-gnu"):
        return host.removesuffix("-gnu") + "-musl"
    return None


def parse_host(rustc_vv: str) -> str | None:
    """The ``host:`` line of ``rustc -vV``."""
    for line in rustc_vv.splitlines():
        if line.startswith("host:"):
            return line.removeprefix("host:").strip() or None
    return None


def parse_target_list(text: str) -> tuple[str, ...]:
    """``rustc --print target-list``: one triple per line."""
    return tuple(line.strip() for line in text.splitlines() if line.strip())
