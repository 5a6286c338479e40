"""The crates-io publisher on a 20-crate workspace and on the real futures 0.3.31 crates.

    python benchmarks/release_publish.py --write docs/benchmarks.md

Everything runs against cargo-http-registry on 127.0.0.1 (built once into the tools home by
tests/release/cargo_registry.py) behind the tests' loopback proxy, which answers HTTP 429 as
crates.io does once the 7th crate is in:

1. resumed: `ferrox release v0.2.0` of a generated 20-crate workspace (a chain with diamonds of
   path dependencies with versions) stops when the registry asks for an hour (past max_wait),
   exit 3 with the journal kept; `ferrox release --resume` publishes the rest.
2. waited out: the same with a 2 s Retry-After, which the publisher waits out in one run.
3. raw cargo: `cargo publish --workspace` on the same workspace, no 429 (cargo's own order).
4. real crates: the nine futures 0.3.31 crates from crates.io (vendored, their dependencies on
   each other turned into path dependencies of one workspace), published by the crates-io
   publisher with the 429 after the 7th crate and a resume.

Each run checks that every crate was published exactly once, none is missing, and each after
the crates it depends on.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "release"))

import tomlkit  # noqa: E402
from cargo_registry import REGISTRY, TOKEN, CargoRegistry, start_registry  # noqa: E402
from crate_workspace import dependencies, write_workspace  # noqa: E402
from github_fake import FakeGitHub  # noqa: E402
from github_fake import serve as serve_github  # noqa: E402
from registry_proxy import Proxy  # noqa: E402
from registry_proxy import serve as serve_proxy  # noqa: E402
from timing import publish  # noqa: E402

from ferrox.errors import ToolError  # noqa: E402
from ferrox.masking import Masker  # noqa: E402
from ferrox.release.publish_settings import CratesIoSettings  # noqa: E402
from ferrox.release.publishers import PublishJob, crates_io  # noqa: E402
from ferrox.release.settings import ReleaseSettings  # noqa: E402
from ferrox.tools import ToolRunner  # noqa: E402

DATA = ROOT / "benchmarks" / "data" / "release-publish.json"
START, END = "<!-- release-publish:start -->", "<!-- release-publish:end -->"
HEADING = "## Publishing that resumes: a 20-crate workspace and the futures crates"
GH_TOKEN = "ghp_benchTOKEN0123456789abcdef"  # noqa: S105 - the loopback fake's token
FUTURES = (
    "futures", "futures-channel", "futures-core", "futures-executor", "futures-io",
    "futures-macro", "futures-sink", "futures-task", "futures-util",
)  # fmt: skip


def need(condition: bool, message: str) -> None:
    """Stops the benchmark: a failed run would measure nothing."""
    if not condition:
        raise SystemExit(message[-3000:])


def run(argv: list[str], cwd: Path, env: Mapping[str, str]) -> tuple[int, str, float]:
    start = time.monotonic()
    done = subprocess.run(argv, cwd=cwd, env=dict(env), capture_output=True, text=True, check=False)
    return done.returncode, done.stdout + done.stderr, time.monotonic() - start


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def base_env(work: Path, registry: CargoRegistry, proxy: Proxy, target: Path) -> dict[str, str]:
    config = work / "gitconfig"
    config.write_text(
        "[user]\n\tname = Bench\n\temail = bench@example.invalid\n[commit]\n\tgpgSign = false\n"
        "[tag]\n\tgpgSign = false\n"
    )
    return {
        **os.environ,
        "GIT_CONFIG_GLOBAL": str(config),
        "GIT_CONFIG_NOSYSTEM": "1",
        "CARGO_TARGET_DIR": str(target),
        "CARGO_HTTP_PROXY": proxy.url,
        # The proxy speaks plain HTTP only: crates.io (external dependencies) is reached directly.
        "NO_PROXY": "crates.io",
        f"CARGO_REGISTRIES_{REGISTRY.upper()}_INDEX": registry.index,
        f"CARGO_REGISTRIES_{REGISTRY.upper()}_TOKEN": TOKEN,
        "GITHUB_TOKEN": GH_TOKEN,
        "PYTHONPATH": str(ROOT / "src"),
    }


def check_log(
    registry: CargoRegistry, needs: Mapping[str, list[str]], version: str
) -> dict[str, Any]:
    """Published once each, none missing, each after its dependencies."""
    log = [line.split(" in version ") for line in registry.publish_log()]
    names = [name for name, _ in log]
    position = {name: index for index, name in enumerate(names)}
    return {
        "published": len(names),
        "expected": len(needs),
        "once": len(names) == len(set(names))
        and all(registry.versions(name) == [version] for name in needs),
        "none_missing": set(names) == set(needs),
        "in_order": all(
            position[dep] < position[name] for name in names for dep in needs.get(name, [])
        ),
        "order": names,
    }


def release_workspace(
    work: Path, target: Path, *, retry_after: int, max_wait: int
) -> dict[str, Any]:
    """Scenario 1 or 2: a full `ferrox release` of the generated workspace."""
    registry = start_registry(work / "registry")
    proxy = Proxy(limit_after=7, limited=1, retry_after_s=retry_after)
    proxy_server = serve_proxy(proxy)
    github = FakeGitHub(GH_TOKEN)
    github_server = serve_github(github)
    try:
        repo = work / "ws"
        names = write_workspace(repo, 20, registry=REGISTRY)
        git(work, "init", "-q", "--bare", str(work / "remote.git"))
        (repo / "ferrox.toml").write_text(
            "[release]\ngates = []\nartifacts = false\n"
            'publishers = ["git", "github", "crates-io"]\n'
            f'github_repository = "ferrox-dev/bench"\napi_url = "{github.url}"\n\n'
            f'[release.crates-io]\nregistry = "{REGISTRY}"\nmax_wait = {max_wait}\n'
        )
        git(repo, "init", "-q", "-b", "main")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "feat: twenty crates")
        git(repo, "remote", "add", "origin", str(work / "remote.git"))
        git(repo, "push", "-q", "origin", "main")
        env = base_env(work, registry, proxy, target)
        ferrox = [sys.executable, "-m", "ferrox", "release"]
        code, plan, _ = run([*ferrox, "v0.2.0", "--dry-run"], repo, env)
        need(code == 0, plan)
        code, first, first_s = run([*ferrox, "v0.2.0"], repo, env)
        journal_path = repo / "target" / "ferrox" / "release-journal.json"
        journal = json.loads(journal_path.read_text()) if journal_path.exists() else None
        draft_while_stopped = github.release_by_tag("v0.2.0") is not None and (
            github.public_release("v0.2.0") is None
        )
        resumed = None
        if code != 0:
            resumed_code, resumed_out, resumed_s = run([*ferrox, "--resume"], repo, env)
            need(resumed_code == 0, resumed_out)
            resumed = {"seconds": round(resumed_s, 1), "output": resumed_out}
        need((code == 0) == (resumed is None), first)
        return {
            "first_exit": code,
            "first_seconds": round(first_s, 1),
            "first_output": first,
            "resumed": resumed,
            "rate_limited": proxy.rate_limited,
            "journal": _journal_summary(journal),
            "draft_while_stopped": draft_while_stopped if code else None,
            "public_at_end": github.public_release("v0.2.0") is not None,
            "plan": plan,
            **check_log(registry, dependencies(names), "0.2.0"),
        }
    finally:
        proxy_server.shutdown()
        github_server.shutdown()
        registry.stop()


def _journal_summary(journal: dict[str, Any] | None) -> dict[str, Any] | None:
    if journal is None:
        return None
    return {
        "tag": journal["tag"],
        "phase": journal["phase"],
        "started": journal["started"],
        "publishers": journal["publishers"],
        "published": {k: len(v) for k, v in journal.get("extra", {}).get("published", {}).items()},
        "last": {k: v[-1] for k, v in journal.get("extra", {}).get("published", {}).items()},
    }


def raw_cargo(work: Path, target: Path) -> dict[str, Any]:
    """Scenario 3: `cargo publish --workspace`, no proxy, no 429."""
    registry = start_registry(work / "registry")
    proxy = Proxy()
    server = serve_proxy(proxy)
    try:
        repo = work / "ws"
        names = write_workspace(repo, 20, registry=REGISTRY)
        git(repo, "init", "-q", "-b", "main")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "feat: twenty crates")
        env = base_env(work, registry, proxy, target)
        code, out, seconds = run(
            ["cargo", "publish", "--workspace", "--registry", REGISTRY], repo, env
        )
        need(code == 0, out[-3000:])
        checked = check_log(registry, dependencies(names), "0.1.0")
        # Again, as a resume would: cargo has none, it stops on the first crate it finds there.
        again, again_out, _ = run(
            ["cargo", "publish", "--workspace", "--registry", REGISTRY], repo, env
        )
        errors = [line for line in again_out.splitlines() if line.startswith("error:")]
        return {
            "seconds": round(seconds, 1),
            "rerun_exit": again,
            "rerun_error": errors[0] if errors else "",
            **checked,
        }
    finally:
        server.shutdown()
        registry.stop()


def futures_workspace(work: Path, env: Mapping[str, str]) -> dict[str, list[str]]:
    """The nine futures 0.3.31 crates from crates.io as one workspace of path dependencies."""
    fetch = work / "fetch"
    (fetch / "src").mkdir(parents=True)
    (fetch / "src" / "lib.rs").write_text("")
    (fetch / "Cargo.toml").write_text(
        '[package]\nname = "fetch"\nversion = "0.0.0"\nedition = "2021"\n\n'
        '[dependencies]\nfutures = { version = "=0.3.31", features = ["thread-pool"] }\n'
        + "".join(f'{name} = "=0.3.31"\n' for name in FUTURES if name != "futures")
    )
    done = subprocess.run(
        ["cargo", "vendor", "--versioned-dirs", str(work / "vendor")],
        cwd=fetch, env=dict(env), capture_output=True, text=True, check=False,
    )  # fmt: skip
    need(done.returncode == 0, done.stderr[-3000:])
    ws = work / "futures-ws"
    ws.mkdir()
    needs: dict[str, list[str]] = {}
    for name in FUTURES:
        source = work / "vendor" / f"{name}-0.3.31"
        shutil.copytree(
            source,
            ws / name,
            ignore=shutil.ignore_patterns(".cargo-checksum.json", ".cargo_vcs_info.json"),
        )
        manifest = ws / name / "Cargo.toml"
        document = tomlkit.parse(manifest.read_text())
        needs[name] = []
        for table_name in ("dependencies", "dev-dependencies", "build-dependencies"):
            table = document.get(table_name, {})
            for dep in list(table):
                if dep in FUTURES:
                    table[dep]["path"] = f"../{dep}"
                    table[dep]["registry"] = REGISTRY
                    if table_name != "dev-dependencies":
                        needs[name].append(dep)
        manifest.write_text(tomlkit.dumps(document))
        (ws / name / "Cargo.toml.orig").unlink(missing_ok=True)
    (ws / "Cargo.toml").write_text(
        "[workspace]\nmembers = [" + ", ".join(f'"{n}"' for n in FUTURES) + ']\nresolver = "2"\n'
    )
    (ws / ".gitignore").write_text("target/\n")
    git(ws, "init", "-q", "-b", "main")
    git(ws, "add", "-A")
    git(ws, "commit", "-q", "-m", "futures 0.3.31")
    return needs


def real_crates(work: Path, target: Path) -> dict[str, Any]:
    """Scenario 4: the futures crates through the crates-io publisher, 429 after the 7th."""
    registry = start_registry(work / "registry")
    proxy = Proxy(limit_after=7, limited=1, retry_after_s=3600)
    server = serve_proxy(proxy)
    try:
        env = base_env(work, registry, proxy, target)
        needs = futures_workspace(work, env)
        settings = ReleaseSettings(crates_io=CratesIoSettings(registry=REGISTRY, max_wait=30))
        lines: list[str] = []
        masker = Masker.from_environment(env)
        job = PublishJob(
            root=work / "futures-ws", tag="v0.3.31", branch="main", notes="", prerelease=False,
            assets=(), settings=settings, runner=ToolRunner(env=env, masker=masker), env=env,
            masker=masker, checkpoint=lambda step: None, say=lines.append,
            cache_dir=work / "cache",
        )  # fmt: skip
        order = [crate.name for crate in crates_io.workspace_crates(job)]
        start = time.monotonic()
        try:
            crates_io.PUBLISHER.publish(job)
            stopped = None
        except ToolError as exc:  # the 429 past max_wait: exit 3 in a release
            stopped = str(exc).splitlines()[0]
        first_s = time.monotonic() - start
        before_resume = len(registry.publish_log())
        start = time.monotonic()
        crates_io.PUBLISHER.publish(job)
        resume_s = time.monotonic() - start
        return {
            "order_planned": order,
            "stopped": stopped,
            "first_seconds": round(first_s, 1),
            "published_before_resume": before_resume,
            "resume_seconds": round(resume_s, 1),
            "rate_limited": proxy.rate_limited,
            "messages": lines,
            **check_log(registry, needs, "0.3.31"),
        }
    finally:
        server.shutdown()
        registry.stop()


SCENARIOS: dict[str, Callable[[Path, Path], dict[str, Any]]] = {
    "resumed": lambda w, t: release_workspace(w, t, retry_after=3600, max_wait=60),
    "waited": lambda w, t: release_workspace(w, t, retry_after=2, max_wait=60),
    "raw": raw_cargo,
    "real": real_crates,
}


def render(results: dict[str, Any]) -> list[str]:
    resumed, waited, raw, real = (results[k] for k in ("resumed", "waited", "raw", "real"))

    def verdict(run: dict[str, Any]) -> str:
        ok = run["once"] and run["none_missing"] and run["in_order"]
        return f"{run['published']}/{run['expected']}, " + (
            "once each, in order" if ok else "**NO**"
        )

    return [
        f"Measured {results['date']} on {results['machine']} (2 shared cores; other sessions were "
        "building at the same time, so the seconds are loaded-machine figures). Registry: "
        "cargo-http-registry 0.1.8 on 127.0.0.1 behind the tests' proxy (tests/release/"
        "registry_proxy.py), which answers the 8th publish with HTTP 429 as crates.io does "
        '(`Retry-After` and "Please try again after <date>"). Every `cargo publish` verifies '
        "(builds the packaged crate against the registry). `python benchmarks/release_publish.py`.",
        "",
        "| run | crates published | 429 on | wall |",
        "| --- | --- | --- | ---: |",
        f"| 20 crates, Retry-After 1 h (past max_wait 60 s): `ferrox release v0.2.0` | "
        f"{resumed['journal']['published'].get('crates-io', 0)} then exit {resumed['first_exit']} "
        f"| {', '.join(resumed['rate_limited'])} | {resumed['first_seconds']} s |",
        f"| ... then `ferrox release --resume` | {verdict(resumed)} | | "
        f"{resumed['resumed']['seconds']} s |",
        f"| 20 crates, Retry-After 2 s (waited out): `ferrox release v0.2.0` | {verdict(waited)} | "
        f"{', '.join(waited['rate_limited'])} | {waited['first_seconds']} s |",
        f"| 20 crates, raw `cargo publish --workspace` (no proxy fault, no release steps) | "
        f"{verdict(raw)} | | {raw['seconds']} s |",
        f"| futures 0.3.31 (9 real crates), crates-io publisher, Retry-After 1 h | "
        f"{real['published_before_resume']} then stop | "
        f"{', '.join(real['rate_limited'])} | {real['first_seconds']} s |",
        f"| ... resumed | {verdict(real)} | | {real['resume_seconds']} s |",
        "",
        f"Per crate, ferrox runs its own `cargo publish` (so it can skip, wait and resume crate by "
        f"crate), each re-reading the index and waiting for its crate to appear there; cargo's "
        f"batched `--workspace` run does that once, hence {raw['seconds']} s against "
        f"{waited['first_seconds']} s for the whole release (commit, tag, push, draft, 20 "
        f"publishes, a wait of 1 to 2 s, public). "
        "`cargo publish --workspace` has no resume: run again over a registry that has the "
        f"crates, it exits {raw.get('rerun_exit', '?')} with `` {raw.get('rerun_error', '')} ``.",
        "",
        f"The resumed release: the GitHub release was a draft while the publishing was stopped "
        f"({'yes' if resumed['draft_while_stopped'] else 'NO'}) and public at the end "
        f"({'yes' if resumed['public_at_end'] else 'NO'}). The futures crates went out in the "
        f"order `cargo metadata` gives: {' -> '.join(real['order'])}.",
        "",
        "### What a release of a 20-crate workspace looks like, from the plan to the last publish",
        "",
        "The plan (`ferrox release v0.2.0 --dry-run`; the diffs of the 21 manifests trimmed):",
        "",
        "```text",
        *_trim_plan(resumed["plan"]),
        "```",
        "",
        "The release (the registry asks for an hour after the 7th crate, past `max_wait`):",
        "",
        "```text",
        *_own_lines(resumed["first_output"]),
        "```",
        "",
        "The journal it leaves (`target/ferrox/release-journal.json`, summarised):",
        "",
        "```json",
        json.dumps(resumed["journal"], indent=2),
        "```",
        "",
        "`ferrox release --resume`, later:",
        "",
        "```text",
        *_tail(resumed["resumed"]["output"], 18),
        "```",
    ]


def _trim_plan(plan: str) -> list[str]:
    out, skipping = [], False
    for line in plan.splitlines():
        if line.startswith("--- a/") or line.startswith("--- /dev/null"):
            skipping = True
        if line.startswith("commands:"):
            if skipping:
                out.append("(diffs trimmed)")
            skipping = False
        if not skipping:
            out.append(line)
    return out


def _own_lines(text: str) -> list[str]:
    """ferrox's messages, and the last line of cargo's output it quotes."""
    lines = [line for line in text.splitlines() if line.strip()]
    quoted = [line for line in lines if line.startswith("  | ")]
    own = [line for line in lines if not line.startswith("  | ")]
    return [*own[:-1], *(["  | ...", quoted[-1]] if quoted else []), own[-1]]


def _tail(text: str, count: int) -> list[str]:
    lines = [line for line in text.splitlines() if line.strip()]
    return (["..."] if len(lines) > count else []) + lines[-count:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, help="update this Markdown file's section")
    parser.add_argument("--render-only", action="store_true", help="use the saved results")
    parser.add_argument("--only", choices=list(SCENARIOS), help="re-run one scenario")
    args = parser.parse_args()
    if args.render_only:
        results = json.loads(DATA.read_text())
    elif args.only:
        results = json.loads(DATA.read_text())
        target = Path(tempfile.gettempdir()) / "ferrox-bench-publish-target"
        with tempfile.TemporaryDirectory(prefix=f"ferrox-publish-{args.only}-") as work:
            results[args.only] = SCENARIOS[args.only](Path(work), target)
        DATA.write_text(json.dumps(results, indent=2) + "\n")
    else:
        target = Path(tempfile.gettempdir()) / "ferrox-bench-publish-target"
        cargo = subprocess.run(
            ["cargo", "--version"], capture_output=True, text=True, check=True
        ).stdout.split()[1]
        results = {
            "date": time.strftime("%Y-%m-%d"),
            "machine": f"{platform.system()} {platform.machine()}, cargo {cargo}",
        }
        for key, scenario in SCENARIOS.items():
            with tempfile.TemporaryDirectory(prefix=f"ferrox-publish-{key}-") as work:
                print(f"== {key}", flush=True)
                results[key] = scenario(Path(work), target)
        DATA.parent.mkdir(parents=True, exist_ok=True)
        DATA.write_text(json.dumps(results, indent=2) + "\n")
    publish(render(results), args.write, START, END, HEADING)


if __name__ == "__main__":
    main()
