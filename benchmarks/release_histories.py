"""`ferrox release --bump auto` on real histories: grouping against git-cliff, the plan, the result.

    python benchmarks/release_histories.py [GITDIR ...] [--ranges 4] [--write docs/benchmarks.md]

Each GITDIR is a git repository of a real Rust workspace that uses conventional commits (a bare
mirror is fine; nothing is committed to this repository). With no GITDIR, the mirrors of
orhun/git-cliff, release-plz/release-plz and crate-ci/typos under /work/.mirror are used when
present. For each:

1. Grouping: the last ``--ranges`` tag ranges of its main tag family; every commit of each range
   is grouped by ferrox (with the repository's own .cliffignore) and by git-cliff (the wheel in
   the test group) with tests/fixtures/release/cliff.toml (ferrox's groups and skips); a commit
   agrees when both put it in the same group or both leave it out.
2. The plan: a throwaway clone gets a `[release]` table (no gates, no publishers, no artifacts)
   and `ferrox release --bump auto --dry-run --json`: the versioning mode detected, the crates
   bumped, the files changed, how cargo resolved the edited copy (offline / online).
3. The release itself in the clone (commit and tags, nothing published), then
   `cargo metadata --locked` there: whether the edited workspace resolves.

Steps 2 and 3 run twice: at HEAD, and just before the maintainers' last release (the parent of
the commit the family's newest tag points at, with the later tags deleted and no remote), where
the tags ferrox would create are compared with the tags the maintainers put on that release.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import semver
from timing import publish

from ferrox.release import changelog
from ferrox.release.changelog import Commit

ROOT = Path(__file__).resolve().parent.parent
CLIFF_CONFIG = ROOT / "tests" / "fixtures" / "release" / "cliff.toml"
DATA = ROOT / "benchmarks" / "data" / "release-histories.json"
MIRRORS = Path("/work/.mirror")
DEFAULT_REPOS = ("orhun+git-cliff", "release-plz+release-plz", "crate-ci+typos")
# The tag family whose ranges are compared: (name fragment of the mirror, tag prefix).
TAG_FAMILIES = {"git-cliff": "v", "release-plz": "release-plz-v", "typos": "v"}
# Each project's own policy where it differs from ferrox's defaults, read from its history:
# release-plz and typos release a feature of a 0.x crate as a patch (0.3.159 -> 0.3.160 for
# "feat: Github Enterprise Server support", typos-dict 0.13.30 -> 0.13.31 for "feat(dict)").
POLICIES = {
    "release-plz": "zero_minor_on_feature = false\n",
    "typos": "zero_minor_on_feature = false\n",
}
_FIELD, _RECORD = "\x1f", "\x1e"
IDENTITY = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
}


def run(args: list[str], cwd: Path, **kw: Any) -> subprocess.CompletedProcess[str]:
    """A command with captured text output (never raising on its exit code)."""
    env = {**os.environ, **IDENTITY, **kw.pop("env", {})}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False, env=env)


def git(cwd: Path, *args: str) -> str:
    done = run(["git", *args], cwd)
    if done.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed in {cwd}: {done.stderr}")
    return done.stdout


def family_tags(work: Path, prefix: str) -> list[str]:
    """The family's release tags (no pre-releases), oldest version first."""
    found = []
    for tag in git(work, "tag", "--list").split():
        bare = tag[len(prefix) :] if tag.startswith(prefix) else ""
        if semver.Version.is_valid(bare) and semver.Version.parse(bare).prerelease is None:
            found.append((semver.Version.parse(bare), tag))
    return [tag for _, tag in sorted(found)]


def commits(work: Path, revision: str) -> list[Commit]:
    """The range's commits as ferrox's Git.commits reads them."""
    text = git(work, "log", "--reverse", f"--format=%H{_FIELD}%P{_FIELD}%B{_RECORD}", revision)
    found = []
    for record in text.split(_RECORD):
        if record.strip():
            sha, parents, message = record.lstrip("\n").split(_FIELD, 2)
            found.append(Commit(sha, message.strip(), max(1, len(parents.split()))))
    return found


def compare_range(work: Path, cliff: str, previous: str, tag: str) -> dict[str, Any]:
    """ferrox's and git-cliff's grouping of one tag range."""
    revision = f"{previous}..{tag}"
    found = commits(work, revision)
    keep = changelog.Filter(ignored=changelog.read_cliffignore(work))
    ours = {e.sha: e.group for e in changelog.entries(found, keep)}
    done = run([cliff, "-c", str(CLIFF_CONFIG), "--context", revision], work)
    if done.returncode != 0:
        raise SystemExit(f"git-cliff failed on {work.name} {revision}: {done.stderr[-2000:]}")
    theirs = {c["id"]: c["group"] for r in json.loads(done.stdout) for c in r["commits"]}
    disagree = [c.sha[:10] for c in found if ours.get(c.sha) != theirs.get(c.sha)]
    merges = sum(1 for c in found if c.parents > 1 and c.sha in ours)
    return {
        "range": revision,
        "commits": len(found),
        "grouped": len(ours),
        "skipped": len(found) - len(ours),
        "merges_filed": merges,
        "agree": len(found) - len(disagree),
        "disagree": disagree,
    }


def prepare_clone(
    source: Path, into: Path, at: str | None, policy: str = ""
) -> tuple[str, list[str]]:
    """A clone with a [release] table committed (a skipped release commit); its branch and the
    files a mirror holds no content for (its largest, dropped in a skipped commit too). ``at``:
    the commit to release from instead of HEAD (later tags deleted, the remote removed)."""
    git(into.parent, "clone", "-q", "--no-checkout", str(source), into.name)
    branch = git(into, "symbolic-ref", "--short", "HEAD").strip()
    if at is not None:
        git(into, "reset", "-q", "--soft", at)
        later = git(into, "tag", "--no-merged", "HEAD").split()
        for start in range(0, len(later), 200):
            git(into, "tag", "-d", *later[start : start + 200])
        git(into, "remote", "remove", "origin")
    listing = [line.split("\t", 1) for line in git(into, "ls-tree", "-r", "HEAD").splitlines()]
    blobs = [(meta.split()[2], path) for meta, path in listing if meta.split()[1] == "blob"]
    check = subprocess.run(
        ["git", "cat-file", "--batch-check"], cwd=into, check=True, capture_output=True,
        text=True, input="".join(f"{sha}\n" for sha, _ in blobs),
    )  # fmt: skip
    missing = [
        path
        for (_, path), line in zip(blobs, check.stdout.splitlines(), strict=True)
        if line.endswith(" missing")
    ]
    git(into, "read-tree", "HEAD")
    if missing:
        git(into, "rm", "-q", "--cached", "--", *missing)
        git(into, "commit", "-q", "-m", "chore(release): drop files absent from the mirror")
    git(into, "checkout", "-q", "--", ".")
    (into / "ferrox.toml").write_text(
        f'[release]\ngates = []\npublishers = []\nartifacts = false\nbranch = "{branch}"\n' + policy
    )
    git(into, "add", "ferrox.toml")
    git(into, "commit", "-q", "-m", "chore(release): benchmark configuration")
    return branch, missing


def ferrox(work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": str(ROOT / "src")}
    return run([sys.executable, "-m", "ferrox", "release", "-C", str(work), *args], work, env=env)


def measure(
    source: Path, ranges: int, scratch: Path, cliff: str, *, before_last: bool
) -> dict[str, Any]:
    """Everything the table reports for one repository, at HEAD or before its last release."""
    name = source.parent.name.split("+")[-1] if source.name == "repo" else source.stem
    prefix = next((p for key, p in TAG_FAMILIES.items() if key == name), "v")
    released: list[str] = []
    at = None
    if before_last:
        # Back from the newest tag over the release commits (typos cuts one per crate): the
        # state the maintainers released from, and every tag they put on that release.
        at = git(source, "rev-parse", f"{family_tags(source, prefix)[-1]}^{{commit}}").strip()
        while True:
            message = git(source, "log", "-1", "--format=%B", at).strip()
            released += git(source, "tag", "--points-at", at).split()
            if changelog.classify(Commit(at, message)) is not None:
                break
            at = git(source, "rev-parse", f"{at}^").strip()
        released = sorted(released)
    work = scratch / (name + ("-before-last" if before_last else ""))
    _, missing = prepare_clone(source, work, at, POLICIES.get(name, ""))
    tags = family_tags(work, prefix)
    pairs = list(zip(tags[-ranges - 1 : -1], tags[-ranges:], strict=True))
    compared = [] if before_last else [compare_range(work, cliff, p, t) for p, t in pairs]
    start = time.monotonic()
    dry = ferrox(work, "--bump", "auto", "--dry-run", "--json")
    plan_s = time.monotonic() - start
    result: dict[str, Any] = {
        "repository": name,
        "point": "before the last release" if before_last else "HEAD",
        "policy": POLICIES.get(name, "").strip(),
        "maintainers_tags": released,
        "head": git(work, "rev-parse", "HEAD~1" if not missing else "HEAD~2").strip(),
        "absent_from_mirror": missing,
        "ranges": compared,
        "plan_seconds": plan_s,
    }
    if dry.returncode != 0:
        result["plan_error"] = {"exit": dry.returncode, "stderr": dry.stderr[-3000:]}
        return result
    plan = json.loads(dry.stdout)
    commands = plan["commands"]
    result |= {
        "versioning": plan["versioning"],
        "version": plan["version"],
        "previous_tag": plan["previous_tag"],
        "crates": plan["crates"],
        "files": [f["path"] for f in plan["files"]],
        # The changelog sections' new headings and the lines around them, as the plan writes them.
        "changelog_headings": {
            f["path"]: [line[1:] for line in f["diff"].splitlines() if line.startswith("+#")][:1]
            for f in plan["files"]
            if f["path"].endswith("CHANGELOG.md")
        },
        "lock": (
            "offline"
            if "cargo update --workspace --offline" in commands
            else "online"
            if "cargo update --workspace" in commands
            else "none"
        ),
    }
    real = ferrox(work, "--bump", "auto")
    result["release_exit"] = real.returncode
    if real.returncode != 0:
        result["release_stderr"] = real.stderr[-3000:]
    metadata = run(["cargo", "metadata", "--format-version", "1", "--locked"], work)
    result["resolves"] = metadata.returncode == 0
    if metadata.returncode != 0:
        result["metadata_stderr"] = metadata.stderr[-2000:]
    result["tags_created"] = sorted(set(git(work, "tag", "--points-at", "HEAD").split()))
    return result


def table(results: list[dict[str, Any]]) -> list[str]:
    """The Markdown table of the results."""
    lines = [
        "| repository (tag ranges) | ranges | commits | agree with git-cliff | merges filed |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        if not r["ranges"]:
            continue
        total = sum(c["commits"] for c in r["ranges"])
        agree = sum(c["agree"] for c in r["ranges"])
        merges = sum(c["merges_filed"] for c in r["ranges"])
        ranges = ", ".join(c["range"] for c in r["ranges"])
        lines.append(f"| {r['repository']} ({ranges}) | {len(r['ranges'])} | {total} "
                     f"| {agree}/{total} | {merges} |")  # fmt: skip
    lines += [
        "",
        "| repository | released from | mode detected | ferrox's tags (bumps) | maintainers' tags "
        "| files changed | lock update | release, then `cargo metadata --locked` | plan time |",
        "| --- | --- | --- | --- | --- | ---: | --- | --- | ---: |",
    ]
    for r in results:
        if "plan_error" in r:
            reason = r["plan_error"]["stderr"].strip().splitlines()[-1].removeprefix("ferrox: ")
            bump = f"plan refused (exit {r['plan_error']['exit']}): {reason}"
            files = lock = resolves = "-"
        else:
            crates = r["crates"]
            bump = (
                ", ".join(f"{c['tag']} ({c['from']} -> {c['to']})" for c in crates)
                if crates
                else f"{r['tags_created'][0] if r['tags_created'] else '?'} "
                f"({r['previous_tag']} -> {r['version']})"
            )
            files, lock = str(len(r["files"])), r["lock"]
            resolves = "yes" if r["resolves"] and r["release_exit"] == 0 else "no"
        theirs = ", ".join(r["maintainers_tags"]) or "-"
        lines.append(
            f"| {r['repository']} | {r['point']} | {r.get('versioning', '-')} | {bump} "
            f"| {theirs} | {files} | {lock} | {resolves} | {r['plan_seconds']:.1f} s |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("repos", nargs="*", type=Path, help="git directories of real workspaces")
    parser.add_argument("--ranges", type=int, default=4, help="tag ranges per repository")
    parser.add_argument("--write", type=Path, help="write the table into this Markdown file")
    args = parser.parse_args()
    repos = args.repos or [
        MIRRORS / name / "repo" for name in DEFAULT_REPOS if (MIRRORS / name / "repo").is_dir()
    ]
    if not repos:
        raise SystemExit(
            "no repositories: pass git directories (none mirrored under /work/.mirror)"
        )
    cliff = shutil.which(
        "git-cliff", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    )
    if cliff is None:
        raise SystemExit("git-cliff is not installed (it comes with the test dependency group)")
    with tempfile.TemporaryDirectory(prefix="ferrox-histories-") as temp:
        results = [
            measure(repo.resolve(), args.ranges, Path(temp), cliff, before_last=before)
            for repo in repos
            for before in (False, True)
        ]
    DATA.parent.mkdir(parents=True, exist_ok=True)
    DATA.write_text(json.dumps(results, indent=2) + "\n")
    publish(
        table(results),
        args.write,
        "<!-- release-histories:start -->",
        "<!-- release-histories:end -->",
        "## Releases of real workspaces: `ferrox release --bump auto` against git-cliff",
    )


if __name__ == "__main__":
    main()
