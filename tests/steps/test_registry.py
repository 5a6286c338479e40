"""The step registry (``ferrox.steps``): every command imports it, so it must stay light."""

from __future__ import annotations

import json
import subprocess
import sys

# What only running a step needs: charts and templates, HTTP servers, TOML editing, file locks,
# the build, coverage, docker and bench machinery. None of it may load for `ferrox run X`'s
# start (nor for a warm `ferrox run pipeline`, which runs no step at all).
RUN_ONLY = (
    "numpy",
    "scipy",
    "plotly",
    "jinja2",
    "filelock",
    "tomlkit",
    "http.server",
    "packaging.requirements",
    "ferrox.health.render",
    "ferrox.coverage.backends",
    "ferrox.docker.builder",
    "ferrox.python.osv_local",
    "ferrox.bench.harness",
    "ferrox.build.cargo_build",
)


def test_loading_every_step_imports_no_run_only_dependency() -> None:
    code = (
        "import json, sys\n"
        "import ferrox.cli\n"
        "from ferrox.steps import all_steps\n"
        "steps = all_steps()\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(done.stdout))
    assert [name for name in RUN_ONLY if name in loaded] == []
