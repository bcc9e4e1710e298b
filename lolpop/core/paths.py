"""Stable paths for the leaves of a program: `train/tune/fit`.

A leaf's path is the names of its named ancestors and its own name, joined by `/`.
Anonymous compositions add no segment. Where one scope holds two children of the same
name, the second is `name#2`, the third `name#3`, so every path in a program names
exactly one leaf. Paths depend only on the program's shape, so they are the same on
every backend and in every run: errors, logs, plans and run records all use them.

Every interpreter walks a program in the order of `leaves()`: sequence children in
order, then left before right, predicate before arms.
"""

from __future__ import annotations

from collections.abc import Iterator

from attrs import frozen

from lolpop.core.step import (
    AnyStep,
    Block,
    Both,
    Branch,
    Fanout,
    Graph,
    Identity,
    Leaf,
    MapEach,
    OnFailure,
    Retry,
    Seq,
    foreign_node,
)


class Scope:
    """Hands out unique paths for the children of one named step (or the root)."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self._seen: dict[str, int] = {}

    def path_for(self, name: str) -> str:
        """The path of the next child called `name` in this scope."""
        count = self._seen.get(name, 0) + 1
        self._seen[name] = count
        segment = name if count == 1 else f"{name}#{count}"
        return f"{self.prefix}/{segment}" if self.prefix else segment

    def enter(self, step: AnyStep) -> Scope:
        """The scope of a child composition: a new one if it is named, else this one."""
        return Scope(self.path_for(step.name)) if step.name else self

    def at(self, kind: str) -> str:
        """Where a composition's own failure is reported: `train/<both>`, or `<both>`
        (in brackets, which no step's name can be confused with)."""
        return f"{self.prefix}/<{kind}>" if self.prefix else f"<{kind}>"

    @property
    def where(self) -> str:
        """This scope's own path, for failures of the composition itself."""
        return self.prefix or "<program>"


@frozen
class LeafVisit:
    """A leaf met on a walk: its unique path and the step itself."""

    path: str
    step: AnyStep


def children(step: AnyStep) -> tuple[AnyStep, ...]:
    """The direct children of a step, in the order interpreters visit them."""
    match step.node:
        case Seq(steps):
            return steps
        case Fanout(left, right) | Both(left, right):
            return (left, right)
        case MapEach(inner) | Retry(inner, _, _, _):
            return (inner,)
        case Branch(predicate, if_true, if_false):
            return (predicate, if_true, if_false)
        case OnFailure(inner, handler):
            return (inner, handler)
        case Graph(body, _, _):
            return tuple(_flow_steps(body))
        case Leaf() | Identity():
            return ()
        case _:  # a node from outside lolpop: a backend's validation names it
            foreign_node(step.node)  # type: ignore[unreachable]  # mypy names a forgotten node here
            return ()


def block_steps(block: Block, scope: Scope) -> list[tuple[AnyStep | Block, Scope]]:
    """The steps and nested blocks of a flow's block in the order interpreters visit
    them, each with the scope its paths are made in: a named block's items get a segment
    of their own (taken now, so walk a nested block when its turn comes, not before the
    steps bound ahead of it), and a guard's handler comes after the steps it guards."""
    inner = Scope(scope.path_for(block.name)) if block.name else scope
    found: list[tuple[AnyStep | Block, Scope]] = []
    for item in block.body:
        if isinstance(item, Block):
            found.append((item, inner))
        elif item.step is not None:
            found.append((item.step, inner))
    if block.handler is not None:
        found.append((block.handler, inner))
    return found


def _flow_steps(block: Block) -> Iterator[AnyStep]:
    """Every step bound in a flow's block, nested blocks' and handlers' included."""
    for item, _ in block_steps(block, Scope()):
        if isinstance(item, Block):
            yield from _flow_steps(item)
        else:
            yield item


def steps(program: AnyStep) -> Iterator[AnyStep]:
    """Every step of a program, composed ones included (no paths; any order)."""
    stack = [program]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(children(current))


def leaves(program: AnyStep) -> Iterator[LeafVisit]:
    """Every leaf of a program with its path, in the order interpreters visit them.

    >>> from lolpop import step
    >>> @step
    ... def inc(x: int) -> int:
    ...     return x + 1
    >>> [v.path for v in leaves((inc >> (inc >> inc).named("twice")).named("main"))]
    ['main/inc', 'main/twice/inc', 'main/twice/inc#2']
    """
    # An explicit stack, not recursion: nesting depth is bounded only by the user. A
    # flow's blocks go on it too: a named block takes its segment when its turn comes.
    stack: list[tuple[AnyStep | Block, Scope]] = [(program, Scope())]
    while stack:
        current, scope = stack.pop()
        if isinstance(current, Block):
            stack.extend(reversed(block_steps(current, scope)))
            continue
        if isinstance(current.node, Leaf):
            yield LeafVisit(scope.path_for(current.name), current)
            continue
        if isinstance(current.node, Identity):
            continue
        inner = scope.enter(current)
        if isinstance(current.node, Graph):
            stack.append((current.node.body, inner))
            continue
        stack.extend((child, inner) for child in reversed(children(current)))
