"""ferrox's own invoke tasks: the same collection every user's tasks.py imports."""

from ferrox.tasks import namespace

__all__ = ["namespace"]
