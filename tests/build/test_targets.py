"""The target model: libc switching, triple checks with close names, strategies, rustc facts."""

from __future__ import annotations

import pytest

from ferrox.build.targets import (
    DEFAULT_TRIPLES,
    BuildTarget,
    check_triples,
    choose_strategy,
    parse_host,
    parse_target_list,
    with_libc,
)
from ferrox.errors import ConfigError

HOST = "x86_64-unknown-linux-gnu"


def test_defaults_are_the_designs_five_targets() -> None:
    assert len(DEFAULT_TRIPLES) == 5
    assert {t.split("-", 1)[0] for t in DEFAULT_TRIPLES} == {"x86_64", "aarch64"}
    assert sum("-linux-musl" in t for t in DEFAULT_TRIPLES) == 2


def test_libc_switches_only_linux_triples() -> None:
    assert with_libc(DEFAULT_TRIPLES, "gnu") == (
        "x86_64-unknown-linux-gnu",
        "aarch64-unknown-linux-gnu",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-gnu",
    )
    assert with_libc(DEFAULT_TRIPLES, "musl") == DEFAULT_TRIPLES
    assert with_libc(("armv7-unknown-linux-gnueabihf",), "musl") == (
        "armv7-unknown-linux-gnueabihf",
    )


def test_unknown_triple_names_the_closest_valid_ones() -> None:
    known = ("x86_64-unknown-linux-musl", "x86_64-unknown-linux-gnu", "aarch64-apple-darwin")
    with pytest.raises(ConfigError) as caught:
        check_triples(["x86_64-unknown-linux-musI"], known, file="ferrox.toml", key="build.targets")
    text = str(caught.value)
    assert "ferrox.toml" in text and "build.targets" in text
    assert "x86_64-unknown-linux-musl" in caught.value.choices
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("triple", "cross", "expected"),
    [
        (HOST, (), "cargo"),
        ("x86_64-unknown-linux-musl", (), "cargo"),
        ("aarch64-unknown-linux-musl", (), "zigbuild"),
        ("aarch64-apple-darwin", (), "zigbuild"),
        ("x86_64-pc-windows-gnu", ("x86_64-pc-windows-gnu",), "cross"),
    ],
)
def test_strategy_per_target(triple: str, cross: tuple[str, ...], expected: str) -> None:
    assert choose_strategy(triple, HOST, cross) == expected


def test_windows_binaries_end_in_exe() -> None:
    assert BuildTarget("x86_64-pc-windows-gnu", "zigbuild").binary_name("demo") == "demo.exe"
    assert BuildTarget("aarch64-apple-darwin", "zigbuild").binary_name("demo") == "demo"


def test_rustc_facts_parse() -> None:
    assert parse_host("rustc 1.95.0\nbinary: rustc\nhost: x86_64-unknown-linux-gnu\n") == HOST
    assert parse_host("rustc 1.95.0\n") is None
    assert parse_target_list("a-b-c\n\nd-e-f\n") == ("a-b-c", "d-e-f")
