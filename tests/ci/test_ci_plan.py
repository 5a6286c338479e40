"""The rules every generated workflow keeps, checked on the parsed YAML of every scenario."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml
from ci_helpers import (
    BUILD_JOBS,
    PUBLISH_JOBS,
    default_inputs,
    full_inputs,
    registry,
    release_inputs,
    step,
)

from ferrox.ci.actions import action_pins
from ferrox.ci.model import JobStep, nox_session
from ferrox.ci.plan import Inputs, install_lines, plan
from ferrox.ci.render import render_workflow, yaml_flow, yaml_scalar
from ferrox.ci.required import REQUIRED_JOB
from ferrox.ci.settings import CiSettings, OptionalWorkflow, Target
from ferrox.ci.workflows import WORKFLOWS
from ferrox.errors import ConfigError
from ferrox.steps.ci_placement import CarriedFile, CiJob

PINNED_USES = re.compile(r"^uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d[\w.]*$")
ALL = {"default": default_inputs, "full": full_inputs}


def documents(inputs: Inputs) -> dict[str, tuple[str, dict[str, Any]]]:
    return {
        wf.file: (text, yaml.safe_load(text))
        for wf in plan(inputs).workflows
        for text in [render_workflow(wf)]
    }


def triggers(doc: dict[Any, Any]) -> Any:
    return doc[True]  # PyYAML reads YAML 1.1, where the key `on` is the boolean true


@pytest.mark.parametrize("scenario", sorted(ALL))
def test_every_workflow_keeps_the_rules(scenario: str) -> None:
    inputs = ALL[scenario]()
    allowed_setup = set(install_lines(inputs.ci))
    for name, (text, doc) in documents(inputs).items():
        assert doc["permissions"] == {}, name
        assert doc["concurrency"]["group"].startswith("${{ github.workflow }}")
        assert "cancel-in-progress" in doc["concurrency"]
        for line in text.splitlines():
            if line.strip().startswith("uses:"):
                assert PINNED_USES.match(line.strip()), line
        for job_id, job in doc["jobs"].items():
            assert isinstance(job["timeout-minutes"], int), job_id
            if job_id == REQUIRED_JOB:  # no permission, one script over env (test_ci_required.py)
                assert job["permissions"] == {} and "${{" not in job["steps"][0]["run"]
                continue
            assert job["permissions"] and "write-all" not in str(job["permissions"]), job_id
            for job_step in job["steps"]:
                if "uses" in job_step and "actions/checkout@" in job_step["uses"]:
                    assert job_step["with"]["persist-credentials"] is False
                run = job_step.get("run")
                if run is None:
                    continue
                assert "\n" not in run.strip(), "one line per step"
                assert "${{" not in run, f"{name}/{job_id}: expression inside run"
                assert nox_session(run) or run in allowed_setup, run


def test_release_has_no_cache_and_publish_may_write_the_release() -> None:
    _text, doc = documents(full_inputs())["release.yml"]
    steps = [s for job in doc["jobs"].values() for s in job["steps"]]
    assert not any("actions/cache@" in s.get("uses", "") for s in steps)
    publish = doc["jobs"]["publish"]
    # After the one Linux runner's cross-build, whose archives it downloads and publishes.
    assert publish["needs"] == ["build-archives"]
    (download,) = [s for s in publish["steps"] if "download-artifact@" in s.get("uses", "")]
    assert download["with"] == {"name": "ferrox-build-archives", "path": "target/ferrox/"}
    assert publish["permissions"] == {"contents": "write"}
    assert publish["environment"] == "release"
    assert triggers(doc) == {"push": {"tags": ["v*"]}}
    assert doc["concurrency"]["cancel-in-progress"] is False


def test_security_uploads_sarif_with_the_permission_it_needs() -> None:
    _text, doc = documents(full_inputs())["security.yml"]
    job = doc["jobs"]["security"]
    assert job["permissions"] == {
        "actions": "read",
        "contents": "read",
        "security-events": "write",
    }
    upload = [s for s in job["steps"] if "upload-sarif@" in s.get("uses", "")]
    # Fork PRs get a read-only token: the upload is skipped there instead of failing the job.
    assert "head.repo.full_name == github.repository" in upload[0]["if"]
    assert upload[0]["with"]["sarif_file"] == "target/ferrox/security.sarif"
    assert "nox -s tools -- cargo-audit" in [s.get("run") for s in job["steps"]]
    assert triggers(doc)["schedule"] == [{"cron": "17 4 * * *"}]


def test_ci_yml_jobs_follow_the_registry() -> None:
    _text, doc = documents(full_inputs())["ci.yml"]
    assert list(doc["jobs"]) == [
        "fmt", "clippy", "test", "coverage", "bench", "lint", "required"
    ]  # fmt: skip
    assert doc["jobs"]["bench"]["if"] == "github.event_name == 'pull_request'"
    assert doc["jobs"]["bench"]["permissions"] == {"contents": "read"}
    assert doc["jobs"]["test"]["strategy"]["matrix"]["include"] == [
        {"os": "ubuntu-latest"},
        {"os": "windows-latest"},
    ]


def test_the_history_jobs_push_the_history_ref_from_their_own_workflow() -> None:
    _text, doc = documents(full_inputs())["bench-baseline.yml"]
    assert triggers(doc) == {
        "push": {"branches": ["main"]},
        "schedule": [{"cron": "47 2 * * 0"}],
        "workflow_dispatch": None,
    }
    assert doc["concurrency"]["cancel-in-progress"] is False
    assert list(doc["jobs"]) == ["bench-history", "bench-baseline"]
    history, baseline = doc["jobs"].values()
    assert history["if"] == "github.event_name == 'push'"
    assert baseline["if"] == (
        "github.event_name == 'schedule' || github.event_name == 'workflow_dispatch'"
    )
    for job in (history, baseline):
        # Least privilege: contents (push the ref) and nothing else; the token reaches the run
        # line only, the checkout does not persist it.
        assert job["permissions"] == {"contents": "write"}
        checkout = next(s for s in job["steps"] if "actions/checkout@" in s.get("uses", ""))
        assert checkout["with"]["persist-credentials"] is False
        run = next(s for s in job["steps"] if s.get("id") == "ferrox")
        assert run["env"]["GITHUB_TOKEN"] == "${{ secrets.GITHUB_TOKEN }}"  # noqa: S105
        assert run["run"].endswith("--history-remote origin --push-history")
    assert history["steps"][-2]["run"].startswith("nox -s bench -- --mode history")
    caches = {
        s["with"]["path"]: s["with"]
        for s in baseline["steps"]
        if "actions/cache@" in s.get("uses", "") and ".ferrox" in s["with"]["path"]
    }
    assert set(caches) == {"**/.ferrox/bench-history.jsonl", "**/.ferrox/bench-baseline.json"}
    for carried in caches.values():
        # A unique key per run, restored from the newest by prefix: an accelerator, not the store.
        assert carried["key"] == carried["restore-keys"] + "${{ github.run_id }}"
    (carried_history,) = [
        s["with"]
        for s in history["steps"]
        if s.get("with", {}).get("path") == "**/.ferrox/bench-history.jsonl"
    ]
    assert (
        carried_history["restore-keys"] == caches["**/.ferrox/bench-history.jsonl"]["restore-keys"]
    )
    # The restore steps come before the session runs (their post steps save the files).
    names = [s["name"] for s in baseline["steps"]]
    assert names.index("Restore the benchmark baseline") < names.index("bench-baseline")


def test_monitoring_measures_what_health_scores_in_the_same_job() -> None:
    _text, doc = documents(full_inputs())["monitoring.yml"]
    (job,) = doc["jobs"].values()
    runs = [s["run"] for s in job["steps"] if "run" in s]
    assert runs[-2:] == ["nox -s security", "nox -s health"]
    # The scanners' tools are installed too, and health runs whatever their gates said.
    assert runs[-3] == "nox -s tools -- cargo-audit"
    assert any(s.get("id") == "rust" for s in job["steps"])  # cargo-audit needs cargo
    health = job["steps"][-2]
    assert health["if"] == "!cancelled() && steps.first.outcome != 'skipped'"


def test_the_real_health_step_reads_reports_measured_before_it() -> None:
    from ferrox.steps import all_steps

    steps = all_steps()
    (job,) = steps["health"].ci
    assert job.runs_first == ("clippy", "security")
    # Exactly the reports ferrox.health.inputs reads (clippy.json; security.json's parts).
    assert all(name in steps for name in job.runs_first)


def test_the_weekly_baseline_job_needs_the_bench_step_and_the_config() -> None:
    without_bench = {k: v for k, v in full_inputs().steps.items() if k != "bench"}
    result = plan(replace(full_inputs(), steps=without_bench))
    assert "bench-baseline.yml" not in [wf.file for wf in result.workflows]
    assert "bench-baseline.yml: not generated (no step in this ferrox runs in it)" in result.notes
    left_out = replace(full_inputs(), ci=CiSettings(workflows=("security",)))
    result = plan(left_out)
    assert "bench-baseline.yml" not in [wf.file for wf in result.workflows]
    assert any("bench-baseline.yml: not generated ([ci] workflows" in n for n in result.notes)


def test_optional_workflows_need_their_session_and_the_config() -> None:
    result = plan(default_inputs())
    assert [wf.file for wf in result.workflows] == ["ci.yml"]
    assert "security.yml: not generated (no step in this ferrox runs in it)" in result.notes
    without = replace(full_inputs(), ci=CiSettings(workflows=("security",)))
    result = plan(without)
    assert [wf.file for wf in result.workflows] == ["ci.yml", "security.yml"]
    assert any("release.yml: not generated ([ci] workflows" in note for note in result.notes)


def test_release_publishes_the_cross_built_archives_without_native_targets() -> None:
    build = step("build", "rust", "release", ci=BUILD_JOBS)
    steps = registry(build, step("publish", "release", cargo=False, ci=PUBLISH_JOBS))
    cross_only = (Target("aarch64-unknown-linux-musl", "ubuntu-latest", cross="zigbuild"),)
    for ci in (CiSettings(), CiSettings(targets=cross_only)):
        release = next(wf for wf in plan(Inputs(steps, ci)).workflows if wf.file == "release.yml")
        expected = (
            "on v* tags, cross-build every target on one Linux runner and publish the release"
        )
        assert release.purpose == expected
        build_job, job = release.jobs  # no native runner: no publish-native job
        assert (build_job.id, build_job.runs_on) == ("build-archives", "ubuntu-latest")
        assert (job.id, job.needs, job.matrix, job.runs_on) == (
            "publish", ("build-archives",), None, "ubuntu-latest",
        )  # fmt: skip
        (run,) = [s for s in job.steps if s.id == "ferrox"]
        assert run.run == "nox -s publish"
        assert run.env == (("GITHUB_TOKEN", "${{ secrets.GITHUB_TOKEN }}"),)


def test_only_a_release_that_pushes_images_may_write_packages() -> None:
    plain, with_images = (
        documents(release_inputs(publishers))["release.yml"][1]["jobs"]["publish"]
        for publishers in (("git", "github"), ("git", "github", "docker"))
    )
    # Least privilege: the release without the docker publisher holds contents: write alone.
    assert plain["permissions"] == {"contents": "write"}
    assert not any("hadolint" in s.get("run", "") for s in plain["steps"])
    assert with_images["permissions"] == {"contents": "write", "packages": "write"}
    # The docker step runs at the tag inside the publisher: its linter and its musl target.
    runs = [s["run"] for s in with_images["steps"] if "run" in s]
    assert "nox -s tools -- hadolint" in runs
    (rust,) = [s for s in with_images["steps"] if s.get("id") == "rust"]
    assert rust["with"]["targets"] == "x86_64-unknown-linux-musl"
    # The login is the publisher's ([docker] token_env): no docker login line, the token only in
    # the session's env, from secrets.
    (ferrox,) = [s for s in with_images["steps"] if s.get("id") == "ferrox"]
    assert ferrox["run"] == "nox -s publish"
    assert ferrox["env"]["GITHUB_TOKEN"] == "${{ secrets.GITHUB_TOKEN }}"  # noqa: S105
    assert not any("login" in s.get("run", "") for s in with_images["steps"])


def test_a_job_needing_a_missing_job_is_refused() -> None:
    steps = registry(step("publish", "release", cargo=False, ci=PUBLISH_JOBS))
    with pytest.raises(ValueError, match=r"needs missing job\(s\) \['build-archives'\]"):
        plan(Inputs(steps, CiSettings()))


def test_a_new_step_gets_its_jobs_from_its_placement_alone() -> None:
    nightly = CarriedFile("fuzz corpus", "**/.ferrox/corpus", "ferrox-fuzz-corpus-")
    fuzz = step(
        "fuzz", "rust", tools=("cargo", "cargo-fuzz"),
        ci=(
            CiJob(events=("pull_request",), run_args="-- --quick", matrix="os"),
            CiJob(workflow="monitoring", job="fuzz-long", carries=(nightly,), full_history=True),
        ),
    )  # fmt: skip
    inputs = Inputs(registry(fuzz), CiSettings(), pinned_tools=("cargo-fuzz",))
    docs = documents(inputs)
    assert list(docs) == ["ci.yml", "monitoring.yml"]
    _text, ci = docs["ci.yml"]
    job = ci["jobs"]["fuzz"]
    assert job["if"] == "github.event_name == 'pull_request'"
    assert job["runs-on"] == "${{ matrix.os }}"
    runs = [s.get("run") for s in job["steps"]]
    assert "nox -s tools -- cargo-fuzz" in runs
    assert runs[-2] == "nox -s fuzz -- --quick"
    assert job["steps"][-1]["with"]["name"] == "ferrox-fuzz-${{ matrix.os }}"
    _text, monitoring = docs["monitoring.yml"]
    (long_job,) = monitoring["jobs"].values()
    assert long_job["name"] == "fuzz-long"
    assert long_job["steps"][0]["with"]["fetch-depth"] == "0"
    assert any(s.get("with", {}).get("path") == "**/.ferrox/corpus" for s in long_job["steps"])


def test_the_optional_workflows_of_the_settings_are_those_of_the_table() -> None:
    optional = {name for name, kind in WORKFLOWS.items() if kind.optional}
    assert set(get_args(OptionalWorkflow)) == optional


def test_a_step_placed_in_an_unknown_workflow_is_refused() -> None:
    stray = step("stray", ci=(CiJob(workflow="nightly"),))
    with pytest.raises(ValueError, match="unknown workflow 'nightly'"):
        plan(Inputs(registry(stray), CiSettings()))


def test_checkout_source_installs_ferrox_from_the_repository() -> None:
    assert install_lines(CiSettings(ferrox_source="checkout", requirements="r.txt")) == (
        "python -m pip install --require-hashes -r r.txt",
        "python -m pip install --no-deps --no-build-isolation .",
    )


def test_model_and_scalars() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        JobStep(name="neither")
    assert nox_session("nox -s test -- -- x") == "test"
    assert nox_session("python -m pip install x") is None
    assert yaml_scalar("3.12") == '"3.12"'
    assert yaml_scalar("ubuntu-latest") == "ubuntu-latest"
    assert yaml_scalar("") == '""'
    assert yaml_scalar("a\nb\n", 4) == "|\n    a\n    b"
    assert yaml_flow(["main", "a b: c"]) == '[main, "a b: c"]'


def test_action_table_rejects_a_short_sha(tmp_path: Path) -> None:
    table = tmp_path / "actions.toml"
    table.write_text('[checkout]\nrepo = "actions/checkout"\nversion = "v4"\nsha = "abc123"\n')
    with pytest.raises(ConfigError, match="40-hex"):
        action_pins(table)
    assert all(len(pin.sha) == 40 for pin in action_pins().values())


def test_each_native_runner_publishes_its_own_target(
    tmp_path: Path,
) -> None:
    from ci_helpers import actionlint, findings, zizmor

    inputs = full_inputs()
    text, doc = documents(inputs)["release.yml"]
    job = doc["jobs"]["publish-native"]
    assert job["needs"] == ["publish"]
    assert job["runs-on"] == "${{ matrix.runner }}"
    # One runner at a time: the release is created once, the others add their assets.
    assert job["strategy"]["max-parallel"] == 1
    native = [t.triple for t in inputs.ci.targets if t.cross == "cargo"]
    assert [row["target"] for row in job["strategy"]["matrix"]["include"]] == native
    (run,) = [s for s in job["steps"] if s.get("id") == "ferrox"]
    assert run["run"] == 'nox -s publish -- --target "$FERROX_TARGET"'
    assert run["env"]["FERROX_TARGET"] == "${{ matrix.target }}"
    path = tmp_path / ".github" / "workflows" / "release.yml"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    for done in (actionlint([path]), zizmor([path])):
        assert findings(done) == [], done.stdout


def test_jobs_that_install_tools_restore_the_tools_home_from_the_cache() -> None:
    """Keyed by job, OS, arch, Python, the Rust toolchain and the pins; one home per job."""
    for name, (_text, doc) in documents(full_inputs()).items():
        for job_id, job in doc["jobs"].items():
            steps = job["steps"]
            names = [s["name"] for s in steps]
            if "Install pinned tools" not in names:
                assert "Cache pinned tools" not in names, f"{name}/{job_id}"
                continue
            cache = steps[names.index("Cache pinned tools")]
            assert names.index("Cache pinned tools") < names.index("Install pinned tools")
            assert "actions/cache@" in cache["uses"]
            home = cache["with"]["path"]
            assert home == "${{ runner.temp }}/ferrox-tools"
            key = cache["with"]["key"]
            for part in (f"ferrox-tools-{job_id}-", "runner.os", "runner.arch", "py3.13",
                         "steps.rust.outputs.cachekey", "'ci/tools.toml'"):  # fmt: skip
                assert part in key, (job_id, part)
            assert key.startswith(cache["with"]["restore-keys"])
            rust = next(s for s in steps if s["name"] == "Set up Rust")
            assert rust["id"] == "rust"
            # The same home for the install and for the session that runs the tools.
            install = steps[names.index("Install pinned tools")]
            session = next(s for s in steps if s.get("id") == "ferrox")
            assert install["env"]["FERROX_TOOLS_HOME"] == home, job_id
            assert session["env"]["FERROX_TOOLS_HOME"] == home, job_id
