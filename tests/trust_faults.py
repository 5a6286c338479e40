"""The fail-open fault table (issue 15, items 1-8): every hostile input, and how it must end.

Each row is injected by the test that names its id (``fault("T01")``) and asserts the row's exit
code and message, so the table cannot promise what the tests do not check. docs/fault-table.md
is rendered from it (tests/test_trust_faults.py checks the two are the same).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DOC = Path(__file__).parents[1] / "docs" / "fault-table.md"


@dataclass(frozen=True)
class Fault:
    """One hostile input: the issue item it belongs to, the step, and the required ending."""

    id: str
    item: int
    step: str
    fault: str
    exit: int
    message: str
    test: str  # the test module that injects it, relative to tests/


STEPS = "steps/test_trust_steps.py"
RELEASE = "release/test_release_trust.py"
FAULTS: tuple[Fault, ...] = (
    Fault("T01", 1, "secrets", "AWS key in `-x.py`, beside files named `--exclude-files=.*` and `--baseline=x`", 1, "AWS Access Key", STEPS),
    Fault("T02", 1, "bandit", "`shell=True` in `--help.py`, beside a file named `-x.py` (bandit's --exclude)", 1, "B602", STEPS),
    Fault("T03", 1, "bench", "`base` set to an option (`--output=x`)", 2, "starts with '-'", STEPS),
    Fault("T04", 1, "bench", "a bench target named like an option (`--help`)", 2, "bench target '--help' starts with '-'", STEPS),
    Fault("T05", 1, "release", "`remote` set to an option (`--upload-pack=touch pwned`)", 2, "starts with '-'", RELEASE),
    Fault("T24", 1, "tools install", "ci/tools.toml pins a crate named `--git=https://...`", 2, "is not a plain name", "test_pins.py"),
    Fault("T25", 1, "tools install", "ci/tools.toml pins a wheel `--index-url=https://...`", 2, "is not a plain name", "test_pins.py"),
    Fault("T06", 2, "secrets", "secret in a tracked file under `node_modules/`", 1, "AWS Access Key", STEPS),
    Fault("T07", 2, "secrets", "secret in a tracked file under a nested `target/`", 1, "AWS Access Key", STEPS),
    Fault("T08", 2, "secrets", "secret committed under `venv/`, then deleted (history scan)", 1, "in git history", STEPS),
    Fault("T09", 2, "secrets", "every file excluded: a scan of zero files", 3, "no file to scan", STEPS),
    Fault("T10", 3, "test", "cargo runner: a test ends its binary with `std::process::exit(0)`", 3, "announced 2 test(s) but reported", STEPS),
    Fault("T29", 3, "coverage", "llvm-cov backend: a test ends its binary with `std::process::exit(0)`", 3, "announced 2 test(s) but reported", "steps/test_coverage.py"),
    Fault("T11", 4, "test", "timeout while a test process lives in a session of its own (`setsid`)", 3, "timed out after 3 s", STEPS),
    Fault("T12", 5, "audit", "Cargo.toml declares a dependency the Cargo.lock does not lock", 3, "does not match Cargo.toml", STEPS),
    Fault("T13", 5, "audit", "advisory database dated in the future", 3, "in the future", STEPS),
    Fault("T14", 6, "test", "`timeout = nan`", 2, "key 'test.timeout'", STEPS),
    Fault("T15", 6, "bench", "`noise_margin = nan` (a gate unable to fail)", 2, "key 'bench.noise_margin'", STEPS),
    Fault("T16", 6, "clippy", "`timeout = inf`", 2, "key 'clippy.timeout'", STEPS),
    Fault("T17", 7, "clippy", "`--cap-lints allow` in `.cargo/config.toml` `[build] rustflags`", 2, "would silence the lints clippy", STEPS),
    Fault("T18", 7, "clippy", "`--cap-lints allow` in RUSTFLAGS", 2, "RUSTFLAGS sets `--cap-lints allow`", STEPS),
    Fault("T19", 7, "clippy", "`--cap-lints=allow` in CARGO_ENCODED_RUSTFLAGS", 2, "CARGO_ENCODED_RUSTFLAGS sets", STEPS),
    Fault("T26", 7, "clippy", "`-A warnings` in `.cargo/config.toml` `[target.'cfg(all())'] rustflags` (silences every warning, whatever `-W` follows)", 2, "target.cfg(all()).rustflags", STEPS),
    Fault("T27", 7, "clippy", "`[clippy] allow = [\"warnings\"]` (the warnings gate could never fail)", 2, "key 'clippy.allow'", STEPS),
    Fault("T28", 7, "clippy", "`[clippy] extra_args = [\"--\", \"--cap-lints\", \"allow\"]`", 2, "key 'clippy.extra_args'", STEPS),
    Fault("T20", 7, "test", "nextest `default-filter` in `.config/nextest.toml` drops the failing test", 1, "left out by a nextest default-filter", STEPS),
    Fault("T21", 7, "fmt", "a `cargo-fmt` on PATH that prints nothing and exits 0", 3, "did not name a rustfmt version", STEPS),
    Fault("T30", 1, "release", "`tag_pattern` spells a refspec (`{crate}:v{version}`): git would read `a:b` as source and destination", 2, "key 'release.tag_pattern'", RELEASE),
    Fault("T31", 1, "release", "`branch` set to a refspec (`main:refs/heads/prod`) that `git push` would obey", 2, "key 'release.branch'", RELEASE),
    Fault("T32", 1, "release", "`changelog = \"../outside.md\"`: the release would write outside the repository", 2, "key 'release.changelog'", RELEASE),
    Fault("T33", 1, "release", "`--version 0.2.0+b.lock`: a tag git refuses (`v0.2.0+b.lock`), found after the release commit", 2, "not a valid git ref name", RELEASE),
    Fault("T36", 1, "release", "a tracked `CHANGELOG.md` that is a symlink to a file outside the repository (`~/.ssh/authorized_keys`)", 2, "is a symbolic link", RELEASE),
    Fault("T37", 1, "release", "a release journal committed to the repository (`git add -f target/ferrox/release-journal.json`) naming `~/.ssh/id_ed25519` as an asset to upload on `--resume`", 2, "is committed to the repository", RELEASE),
    Fault("T34", 5, "release crates-io", "the registry index serves another crate's entries at the crate's path (they would read as \"already published\")", 3, "names another crate", "release/publishers/test_crates_io.py"),
    Fault("T35", 5, "release pypi", "the package index answers `application/json`, not a simple API page", 3, "not a simple API page", "release/publishers/test_pypi.py"),
    Fault("T22", 8, "release", "a newer release tag exists only on the remote", 2, "newer than any local tag", RELEASE),
    Fault("T23", 8, "release", "a shallow clone (`git clone --depth 1`)", 2, "shallow clone", RELEASE),
)  # fmt: skip
BY_ID = {f.id: f for f in FAULTS}


def fault(fault_id: str) -> Fault:
    """The row a test injects."""
    return BY_ID[fault_id]


def render_table() -> str:
    """The Markdown table of docs/fault-table.md, with its totals line."""
    lines = [
        f"Tried: {len(FAULTS)}; failed closed: {len(FAULTS)}; passed wrongly: 0.",
        "",
        "| id | item | step | fault | exit | message contains | outcome |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for f in FAULTS:
        lines.append(
            f"| {f.id} | {f.item} | {f.step} | {f.fault} | {f.exit} | `{f.message}` | "
            f"failed closed (exit {f.exit}) |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - regenerates the docs table
    print(render_table(), end="")
