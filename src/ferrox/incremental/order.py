"""The run order: waves of steps whose requirements all ran in earlier waves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class CycleError(ValueError):
    """The steps' ``requires`` form a cycle."""


def waves(requires: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """Groups the steps (keys, in order) so each one's requirements come in an earlier group.

    A requirement that is not among the keys is not part of this run and is ignored.
    """
    remaining = {name: [r for r in needs if r in requires] for name, needs in requires.items()}
    done: set[str] = set()
    result: list[list[str]] = []
    while remaining:
        ready = [name for name, needs in remaining.items() if done.issuperset(needs)]
        if not ready:
            raise CycleError(f"the steps' requirements form a cycle: {', '.join(remaining)}")
        result.append(ready)
        done.update(ready)
        for name in ready:
            del remaining[name]
    return result
