"""ferrox's own invoke tasks: the collection every user's tasks.py gets, on examples/demo.

As the noxfile's sessions do, the step tasks run on the demo workspace (``--root`` another).
"""

from pathlib import Path

from ferrox.tasks import build_namespace

namespace = build_namespace(root=Path(__file__).parent / "examples" / "demo")

__all__ = ["namespace"]
