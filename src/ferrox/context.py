"""What a step gets to work with: settings, the project, the tool runner, where reports go."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ferrox.rust.workspace import Workspace, load_workspace
from ferrox.tools import ToolRunner

if TYPE_CHECKING:
    from ferrox.config import ProjectConfig


@dataclass(frozen=True)
class Context:
    """Passed to every step; steps read configuration from here, never from the environment."""

    root: Path
    settings: Any
    runner: ToolRunner
    report_dir: Path
    fix: bool = False
    extra_args: tuple[str, ...] = ()
    # The whole project configuration, for composite steps that build their parts' contexts.
    config: ProjectConfig | None = None
    # Set by the pipeline: held while a step that uses cargo's target directory runs, so such
    # steps run one at a time while the others (and a composite's other parts) run beside them.
    target_dir_lock: AbstractContextManager[Any] | None = None

    def for_part(self, name: str, settings_type: type[Any]) -> Context:
        """The context a composite step (security, pipeline) gives one of the steps it runs."""
        if self.config is None:  # pragma: no cover - the engine always passes the configuration
            raise RuntimeError(f"a composite step needs the project configuration to run {name}")
        return Context(
            root=self.root,
            settings=self.config.for_step(name, settings_type),
            runner=self.runner.child(),
            report_dir=self.report_dir,
            extra_args=(),
            config=self.config,
            target_dir_lock=self.target_dir_lock,
        )

    @cached_property
    def workspace(self) -> Workspace:
        """The cargo workspace, read on first use (steps that do not need it stay fast)."""
        return load_workspace(self.runner, self.root)

    def relative(self, path: str | Path, *bases: Path) -> str:
        """``path`` relative to the project root with forward slashes, if it lies inside it.

        Relative paths are tried against each of ``bases`` (then the root) until one exists.
        """
        candidate = Path(path)
        if not candidate.is_absolute():
            for base in (*bases, self.root):
                if (base / candidate).exists():
                    candidate = base / candidate
                    break
            else:
                return candidate.as_posix()
        try:
            return candidate.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return candidate.as_posix()
