"""`DryRun`: a backend that walks a program and runs none of it, not even its effects.

`run(program, input, backend=DryRun())` returns the `Plan` as the run's value (its type
says so: `Result[Plan, RunFailure]`). The only thing it looks at is the input's type:
an input that does not fit the program is refused as a `RunFailure`, as a real run
would refuse it at its first step. Paths are assigned exactly as the interpreters
assign them, so a plan's paths are the paths of a real run's records and failures.
"""

from __future__ import annotations

import os

from attrs import define, evolve, frozen
from returns.result import Failure, Result, Success

from lolpop.backends.plan import Edge, Plan, PlannedStep
from lolpop.backends.records import Ledger, expected_durations
from lolpop.core._hints import (
    check_conf,
    describe,
    describe_value_type,
    instances_of,
    is_open,
    plain_class,
)
from lolpop.core.failure import RunFailure
from lolpop.core.paths import Scope
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
    nested_branches,
    refuse_node,
)
from lolpop.errors import DefinitionError


@frozen
class _Context:
    attempts: int = 1
    repeated: bool = False
    conditional: bool = False


@define
class _Walk:
    """One walk of a program: the planned steps, the edges, and who runs with whom."""

    steps: list[PlannedStep]
    edges: list[Edge]
    concurrent: dict[str, list[str]]

    def visit(
        self, step: AnyStep, scope: Scope, context: _Context
    ) -> tuple[list[str], list[str], list[str]]:
        """Plan a subtree; return its leaves, its entry steps and its exit steps."""
        node = step.node
        if isinstance(node, Leaf):
            path = scope.path_for(step.name)
            self.steps.append(
                PlannedStep(
                    path=path,
                    input_type=describe(step.in_type),
                    output_type=describe(step.out_type),
                    effect=step.meta.effect,
                    description=step.meta.description,
                    attempts=context.attempts,
                    timeout=step.meta.timeout,
                    concurrent_with=(),
                    repeated=context.repeated,
                    conditional=context.conditional,
                    internal=step.meta.internal,
                )
            )
            return [path], [path], [path]
        if isinstance(node, Identity):
            return [], [], []
        inner = scope.enter(step)
        match node:
            case Seq():
                leaves: list[str] = []
                entries: list[str] = []
                exits: list[str] = []
                for child in node.steps:
                    child_leaves, child_entries, child_exits = self.visit(child, inner, context)
                    if not child_leaves:
                        continue
                    self._connect(exits, child_entries)
                    entries = entries or child_entries
                    exits = child_exits
                    leaves += child_leaves
                return leaves, entries, exits
            case Fanout() | Both():
                return self._branches(_spine(step), inner, context)
            case MapEach():
                return self.visit(node.inner, inner, evolve(context, repeated=True))
            case Retry():
                attempts = context.attempts * node.attempts
                return self.visit(node.inner, inner, evolve(context, attempts=attempts))
            case Branch():
                predicate = self.visit(node.predicate, inner, context)
                arm_context = evolve(context, conditional=True)
                if_true = self.visit(node.if_true, inner, arm_context)
                if_false = self.visit(node.if_false, inner, arm_context)
                self._connect(predicate[2], if_true[1], "true")
                self._connect(predicate[2], if_false[1], "false")
                return (
                    predicate[0] + if_true[0] + if_false[0],
                    predicate[1],
                    if_true[2] + if_false[2] or predicate[2],
                )
            case OnFailure():
                body = self.visit(node.inner, inner, context)
                handler = self.visit(node.handler, inner, evolve(context, conditional=True))
                self._connect(body[2], handler[1], "on failure")
                return body[0] + handler[0], body[1], body[2]
            case Graph():
                return self._graph(node, inner, context)
            case _:
                refuse_node("dry-run", node, inner.where)

    def _branches(
        self, branches: list[AnyStep], scope: Scope, context: _Context
    ) -> tuple[list[str], list[str], list[str]]:
        """Steps that run side by side (a fanout's or `both`'s branches, in order): each
        leaf may run with every leaf of the other branches."""
        visited = [self.visit(branch, scope, context) for branch in branches]
        leaves = [path for branch in visited for path in branch[0]]
        start = 0
        for branch_leaves, _, _ in visited:
            end = start + len(branch_leaves)
            others = leaves[:start] + leaves[end:]
            for path in branch_leaves:
                self.concurrent.setdefault(path, []).extend(others)
            start = end
        entries = [path for branch in visited for path in branch[1]]
        exits = [path for branch in visited for path in branch[2]]
        return leaves, entries, exits

    def _graph(
        self, node: Graph, scope: Scope, context: _Context
    ) -> tuple[list[str], list[str], list[str]]:
        """A flow: its steps in order, each connected to the steps that made the values it
        reads (glue passes its arguments' makers on); the flow's entries are the steps
        that read no other step's value."""
        makers: list[list[str]] = [[] for _ in range(node.size)]
        entries: list[str] = []
        leaves = self._block(node.body, scope, context, makers, entries)
        return leaves, entries, makers[node.output]

    def _block(
        self,
        block: Block,
        scope: Scope,
        context: _Context,
        makers: list[list[str]],
        entries: list[str],
    ) -> list[str]:
        inner = Scope(scope.path_for(block.name)) if block.name else scope
        leaves: list[str] = []
        for item in block.body:
            if isinstance(item, Block):
                leaves += self._block(item, inner, context, makers, entries)
                continue
            reads = [*item.args, *(() if item.when is None else (item.when,))]
            sources = list(dict.fromkeys(path for index in reads for path in makers[index]))
            if item.step is None:
                makers[item.target] = sources
                continue
            conditional = context.conditional or item.when is not None or item.some
            made = self.visit(item.step, inner, evolve(context, conditional=conditional))
            self._connect(sources, made[1], "when" if item.when is not None else "")
            if not sources:  # reads only the input, constants, or glue of them
                entries.extend(made[1])
            # A step with no leaves (an identity) passes its value on, as glue does.
            makers[item.target] = made[2] if made[0] else sources
            leaves += made[0]
        if block.handler is not None:
            handled = self.visit(block.handler, inner, evolve(context, conditional=True))
            self._connect(leaves, handled[1], "on failure")
            leaves += handled[0]
        return leaves

    def _connect(self, sources: list[str], targets: list[str], label: str = "") -> None:
        self.edges.extend(Edge(s, t, label) for s in sources for t in targets)


@frozen
class DryRun:
    """Plan a run without running anything.

    `ledger`: earlier runs' records, to add each step's expected duration.

    >>> from lolpop import run, step
    >>> @step
    ... def inc(x: int) -> int:
    ...     return x + 1
    >>> print(run(inc >> inc, 1, backend=DryRun()).unwrap().to_text())
    plan of (inc >> inc): int -> int
    #  step   input -> output  kind     tries  runs with  expected
    -  -----  ---------------  -------  -----  ---------  --------
    1  inc    int -> int       compute  1      -          -
    2  inc#2  int -> int       compute  1      -          -
    2 steps, 0 effects
    """

    ledger: Ledger | None = None
    #: A step cache (`Local(cache_dir=...)`'s): the plan then says which steps a run
    #: would take from it, and under which key.
    cache_dir: str | os.PathLike[str] | None = None
    #: The run a resumed run would resume (as `Local(resume=...)`).
    resume: str | None = None
    #: The config the program was built from (`lolpop run` names it): `resume="last"`
    #: resumes only a run of that config.
    workflow: str = ""

    def __attrs_post_init__(self) -> None:
        if self.resume is not None and self.cache_dir is None:
            raise DefinitionError("DryRun(resume=...) needs the cache_dir of the run to resume.")

    def resuming(self, run_id: str) -> DryRun:
        """This dry run, planning a run that resumes `run_id`."""
        return evolve(self, resume=run_id)

    def plan(self, program: AnyStep, value: object, /) -> Result[Plan, RunFailure]:
        """The plan of running `program` on `value`, or why the input does not fit."""
        if not is_open(program.in_type) and not _bearable(value, program.in_type):
            error = TypeError(
                f"the program takes {describe(program.in_type)}, not {describe_value_type(value)}"
            )
            return Failure(RunFailure(program.label, describe_value_type(value), error, 0))
        walk = _Walk([], [], {})
        walk.visit(program, Scope(), _Context())
        expected = expected_durations(self.ledger.records()) if self.ledger is not None else {}
        steps = tuple(
            _complete(planned, walk.concurrent.get(planned.path, []), expected.get(planned.path))
            for planned in walk.steps
        )
        if self.cache_dir is not None:
            from lolpop.backends.cache import Prediction, predict  # noqa: PLC0415 (on use)

            found = predict(program, value, self.cache_dir, self.resume, self.workflow)
            steps = tuple(
                evolve(
                    planned,
                    cache_key=found.get(planned.path, Prediction("", False)).key,
                    would_hit=found.get(planned.path, Prediction("", False)).hit,
                )
                for planned in steps
            )
        return Success(
            Plan(
                program.label,
                describe(program.in_type),
                describe(program.out_type),
                steps,
                tuple(walk.edges),
            )
        )


def _spine(step: AnyStep) -> list[AnyStep]:
    """The branches of a fanout (or `both`) and of the anonymous ones nested in it on
    either side, in order: `a & b & c` nests as `(a & b) & c`, so a fanout of N branches
    is N - 1 levels deep, and walking it level by level would recurse that deep (a
    `RecursionError` at ~1,000 branches) and copy the leaves seen so far at each level
    (O(N^2)). The plan is the same: an anonymous fanout adds no path segment."""
    branches, _ = nested_branches(step, (Fanout, Both))
    return branches


def _bearable(value: object, hint: object) -> bool:
    cls = plain_class(hint)
    if cls is not None:
        return isinstance(value, instances_of(cls))
    from beartype.door import is_bearable  # noqa: PLC0415 (heavy: imported for generic hints only)

    try:
        return is_bearable(value, hint, conf=check_conf())  # type: ignore[arg-type]  # a runtime hint
    except Exception:  # a hint beartype cannot check: leave it to the first step
        return True


def _complete(planned: PlannedStep, concurrent: list[str], expected: float | None) -> PlannedStep:
    if not concurrent and expected is None:
        return planned  # most steps: `evolve` would cost a quarter of the plan
    return evolve(planned, concurrent_with=tuple(concurrent), expected_seconds=expected)
