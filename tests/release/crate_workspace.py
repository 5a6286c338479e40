"""Generated cargo workspaces of tiny library crates joined by path dependencies with versions
(what `cargo publish` needs), for the crates-io publisher's tests and benchmark.

Crate ``i`` depends on crate ``i-1`` (a chain) and, every third crate, on ``i-2`` as well (a
diamond), so dependency order is not the alphabetical one only by accident: the names run
backwards (``{prefix}-zNN``), the dependencies forwards.
"""

from __future__ import annotations

from pathlib import Path


def crate_names(count: int, prefix: str = "fx") -> list[str]:
    """The crates in dependency order (each depends only on earlier ones)."""
    return [f"{prefix}-z{count - index:02d}" for index in range(count)]


def dependencies(names: list[str]) -> dict[str, list[str]]:
    """Each crate's workspace dependencies."""
    found: dict[str, list[str]] = {}
    for index, name in enumerate(names):
        needs = [names[index - 1]] if index >= 1 else []
        if index >= 2 and index % 3 == 2:
            needs.append(names[index - 2])
        found[name] = needs
    return found


def write_workspace(
    root: Path, count: int, *, registry: str, prefix: str = "fx", version: str = "0.1.0"
) -> list[str]:
    """Writes the workspace into ``root`` (Cargo.toml, crates/*, .gitignore); returns the names
    in dependency order. Dependencies name ``registry``: cargo packages a path dependency against
    crates.io unless the dependency says otherwise."""
    names = crate_names(count, prefix)
    root.mkdir(parents=True, exist_ok=True)
    (root / "Cargo.toml").write_text(
        '[workspace]\nmembers = ["crates/*"]\nresolver = "2"\n\n'
        f'[workspace.package]\nversion = "{version}"\nedition = "2021"\nlicense = "MIT"\n'
    )
    (root / ".gitignore").write_text("target/\n")
    for name, needs in dependencies(names).items():
        crate = root / "crates" / name
        (crate / "src").mkdir(parents=True, exist_ok=True)
        deps = "".join(
            f'{dep} = {{ path = "../{dep}", version = "{version}", registry = "{registry}" }}\n'
            for dep in needs
        )
        (crate / "Cargo.toml").write_text(
            f'[package]\nname = "{name}"\nversion.workspace = true\nedition.workspace = true\n'
            f'license.workspace = true\ndescription = "ferrox test crate {name}"\n\n'
            f"[dependencies]\n{deps}"
        )
        body = " + ".join(f"{dep.replace('-', '_')}::value()" for dep in needs) or "1"
        (crate / "src" / "lib.rs").write_text(f"pub fn value() -> u32 {{\n    {body}\n}}\n")
    return names
