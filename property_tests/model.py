"""A tiny model interpreter: what a generated program should do, in plain Python.

It knows nothing of lolpop's classes: it reads the `Tree` a program was built from and
says what its leaves' paths are (and what a dry run's plan should say of them), which
leaves are called in what order and in which attempt, and what the run gives (an
output, or the failing leaf, the type of its input and the attempts). The property
tests hold lolpop to it, as pyrsistent holds `pvector` to `list`.

The rules it follows are the documented ones, for a sequential run:

- `identity(int) >> a` and `a >> identity(int)` are `a` itself; a name given to a step
  replaces the name it had; so naming a chain that is a single leaf renames the leaf;
- a leaf's path is its named ancestors' names and its own, joined by `/`; the n-th
  child of a scope with a name already seen there gets `name#n`;
- a chain runs its parts in order; fanout, `both` and `branch` run left before right;
  `map_each` runs its step on every item in order; the first failure stops the run;
- `retry(s, attempts=n)` runs `s` again on failure; a failure reports how often it
  was tried in all (`n`, times the tries of each failed attempt when retries nest);
  each call is recorded with the attempt of its innermost retry, and a plan gives each
  leaf the product of its retries' attempts;
- `on_failure(s, handler)` adds no path segment: the handler's leaves follow `s`'s in
  the same scope (a plan marks them conditional). When `s` fails, the handler runs on
  (the input, the failure), in the same attempt, then the same failure goes on, even
  if the handler fails too; when `s` succeeds, the handler does not run.

A flow (`FlowT`) is a list of bindings, each making a value from earlier ones:

- its steps run one at a time in the order they are bound (a sub-program's leaves as
  above, a `Merge`/`Merge3` as one leaf on the tuple of its values), and their paths
  are made in that order, in the flow's scope (a segment if the flow is named); a
  named block adds a segment; a guard adds none, and its handler's path follows the
  paths of the steps it guards;
- glue (`apply`) and constants run inline: no call, no path, no plan entry;
- `call_if` whose condition is false, and `call_some` with an argument that is None,
  call nothing and make None; a plan lists their steps all the same, conditional
  (so are a guard's handler and everything under a conditional step);
- the first failure stops the flow; a guard meeting a failure inside it runs its
  handler on (the subject's value, the failure), in the same attempt, then the same
  failure goes on (an enclosing guard's handler runs next, innermost first).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass, replace
from typing import assert_never

from property_tests.strategies import (
    BOOL_GLUE,
    ApplyB,
    Binding,
    BlockB,
    Boom,
    BothT,
    BranchT,
    CallB,
    ConstB,
    FanoutT,
    FlowT,
    GuardB,
    IdT,
    IntLeaf,
    MapT,
    Merge,
    Merge3,
    NamedT,
    OnFailureT,
    Pred,
    RetryT,
    SeqT,
    Tree,
)


class ModelHalt(Exception):
    """The model's failed run: the failing leaf, its input's type, the attempts."""

    def __init__(self, uid: int, input_type: str, attempts: int = 1) -> None:
        super().__init__(uid, input_type, attempts)
        self.uid = uid
        self.input_type = input_type
        self.attempts = attempts


def collapse(tree: Tree) -> Tree:
    """The tree as lolpop builds it: units dropped from chains, names replaced.

    Only names change; what runs, and in what order, does not.
    """
    match tree:
        case IntLeaf() | IdT():
            return tree
        case SeqT(parts):
            kept = [c for c in map(collapse, parts) if not (isinstance(c, IdT) and c.name is None)]
            if not kept:
                return IdT()
            return kept[0] if len(kept) == 1 else SeqT(tuple(kept))
        case FanoutT(left, right, merge):
            return FanoutT(collapse(left), collapse(right), merge)
        case BothT(split, left, right, merge):
            return BothT(split, collapse(left), collapse(right), merge)
        case MapT(spread, inner, fold):
            return MapT(spread, collapse(inner), fold)
        case BranchT(pred, if_true, if_false):
            return BranchT(pred, collapse(if_true), collapse(if_false))
        case RetryT(inner, attempts):
            return RetryT(collapse(inner), attempts)
        case OnFailureT(inner, handler):
            return OnFailureT(collapse(inner), handler)
        case NamedT(name, inner):
            core = collapse(inner)
            if isinstance(core, NamedT):
                core = core.inner
            if isinstance(core, IntLeaf | FlowT):  # a flow's name is its step's name
                return replace(core, name=name)
            if isinstance(core, IdT):
                return IdT(name)
            return NamedT(name, core)
        case FlowT(name, body, output):
            return FlowT(name, tuple(_collapse_binding(item) for item in body), output)
        case _:
            assert_never(tree)


def _collapse_binding(item: Binding) -> Binding:
    match item:
        case CallB(body=Merge() | Merge3() | Pred()) | ApplyB() | ConstB():
            return item
        case CallB(body=body):
            assert not isinstance(body, Merge | Merge3 | Pred)  # the case above
            return replace(item, body=collapse(body))
        case BlockB(name, body):
            return BlockB(name, tuple(_collapse_binding(inner) for inner in body))
        case GuardB(handler, subject, body):
            return GuardB(handler, subject, tuple(_collapse_binding(inner) for inner in body))
        case _:
            assert_never(item)


class _Scope:
    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.seen: Counter[str] = Counter()

    def path_for(self, name: str) -> str:
        self.seen[name] += 1
        count = self.seen[name]
        segment = name if count == 1 else f"{name}#{count}"
        return f"{self.prefix}/{segment}" if self.prefix else segment


@dataclass(frozen=True)
class LeafInfo:
    """What a plan should say of a leaf: its path, most attempts, whether it repeats
    (under `map_each`) and whether it runs only on one arm of a branch."""

    path: str
    attempts: int = 1
    repeated: bool = False
    conditional: bool = False


def model_plan(tree: Tree) -> dict[int, LeafInfo]:
    """Each leaf's `LeafInfo`, by uid."""
    out: dict[int, LeafInfo] = {}

    def go(t: Tree, scope: _Scope, context: LeafInfo) -> None:
        def leaf(uid: int, name: str, where: LeafInfo = context) -> None:
            out[uid] = replace(where, path=scope.path_for(name))

        match t:
            case IntLeaf(_, name, uid):
                leaf(uid, name)
            case IdT():
                pass
            case SeqT(parts):
                for part in parts:
                    go(part, scope, context)
            case FanoutT(left, right, merge):
                go(left, scope, context)
                go(right, scope, context)
                leaf(merge.uid, merge.name)
            case BothT(split, left, right, merge):
                leaf(split.uid, split.name)
                go(left, scope, context)
                go(right, scope, context)
                leaf(merge.uid, merge.name)
            case MapT(spread, inner, fold):
                leaf(spread.uid, spread.name)
                go(inner, scope, replace(context, repeated=True))
                leaf(fold.uid, fold.name)
            case BranchT(pred, if_true, if_false):
                leaf(pred.uid, pred.name)
                go(if_true, scope, replace(context, conditional=True))
                go(if_false, scope, replace(context, conditional=True))
            case RetryT(inner, attempts):
                go(inner, scope, replace(context, attempts=context.attempts * attempts))
            case OnFailureT(inner, handler):
                go(inner, scope, context)
                leaf(handler.uid, handler.name, replace(context, conditional=True))
            case NamedT(name, inner):
                go(inner, _Scope(scope.path_for(name)), context)
            case FlowT(name, body, _):
                flow_scope = _Scope(scope.path_for(name)) if name else scope
                _plan_bindings(body, flow_scope, context, go, out)
            case _:
                assert_never(t)

    go(collapse(tree), _Scope(), LeafInfo(""))
    return out


def _plan_bindings(
    items: tuple[Binding, ...],
    scope: _Scope,
    context: LeafInfo,
    plan: Callable[[Tree, _Scope, LeafInfo], None],
    out: dict[int, LeafInfo],
) -> None:
    """Plan a flow's bindings (`plan` plans a sub-program)."""
    for item in items:
        match item:
            case CallB(_, _, body, when, some):
                optional = when is not None or some
                where = replace(context, conditional=True) if optional else context
                if isinstance(body, Merge | Merge3 | Pred):
                    out[body.uid] = replace(where, path=scope.path_for(body.name))
                else:
                    plan(body, scope, where)
            case ApplyB() | ConstB():
                pass  # glue: no path, no plan entry
            case BlockB(name, body):
                _plan_bindings(body, _Scope(scope.path_for(name)), context, plan, out)
            case GuardB(handler, _, body):
                _plan_bindings(body, scope, context, plan, out)
                handled = replace(context, conditional=True)
                out[handler.uid] = replace(handled, path=scope.path_for(handler.name))
            case _:
                assert_never(item)


def model_guards(tree: Tree) -> dict[int, frozenset[str]]:
    """For each failure handler (by uid), the paths of the leaves it guards: the only
    failures it may be given, on any backend (its own step's, or its block's)."""
    paths = model_paths(tree)
    out: dict[int, frozenset[str]] = {}
    stack: list[object] = [tree]
    while stack:
        node = stack.pop()
        match node:
            case OnFailureT(inner, handler):
                out[handler.uid] = frozenset(paths[uid] for uid in _uids(inner))
            case GuardB(handler, _, body):
                out[handler.uid] = frozenset(paths[uid] for uid in _uids(body))
        stack.extend(_parts(node))
    return out


def _parts(node: object) -> list[object]:
    """The records and tuples a tree's record (or tuple) holds."""
    if isinstance(node, tuple):
        return list(node)
    if is_dataclass(node):
        return [getattr(node, f.name) for f in fields(node)]
    return []


def _uids(node: object) -> list[int]:
    """The uids of every leaf in a tree, a binding or a tuple of them."""
    found: list[int] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if is_dataclass(current) and hasattr(current, "uid"):
            found.append(current.uid)
        stack.extend(_parts(current))
    return found


def model_flow_edges(flow: FlowT) -> list[tuple[str, str, str]]:
    """The data edges a plan draws in a flow whose steps are leaves or identities, as
    (source, target, label): into each step, from the steps that made the values it
    reads (its condition's with the label `when`), where glue and identities pass on the
    makers of the values they read and constants have none; into a guard's handler, from
    every step of its block (`on failure`)."""
    paths = model_paths(flow)
    makers: dict[int, list[int]] = {0: []}
    edges: list[tuple[int, int, str]] = []

    def sources(indices: list[int]) -> list[int]:
        return list(dict.fromkeys(uid for index in indices for uid in makers[index]))

    def bound(items: tuple[Binding, ...]) -> list[int]:
        made: list[int] = []  # the steps bound here, handlers included
        for item in items:
            match item:
                case CallB(target, args, IdT(), None, _):
                    makers[target] = sources(list(args))
                case CallB(target, args, body, when, _):
                    assert isinstance(body, IntLeaf | Merge | Merge3 | Pred), "a flow of leaves"
                    label = "" if when is None else "when"
                    reads = [*args, *(() if when is None else (when,))]
                    edges.extend((source, body.uid, label) for source in sources(reads))
                    makers[target] = [body.uid]
                    made.append(body.uid)
                case ApplyB(target, _, args):
                    makers[target] = sources(list(args))
                case ConstB(target):
                    makers[target] = []
                case BlockB(_, body):
                    made += bound(body)
                case GuardB(handler, _, body):
                    guarded = bound(body)
                    edges.extend((uid, handler.uid, "on failure") for uid in guarded)
                    made += [*guarded, handler.uid]
                case _:
                    assert_never(item)
        return made

    bound(flow.body)
    return [(paths[source], paths[target], label) for source, target, label in edges]


def model_paths(tree: Tree) -> dict[int, str]:
    """Each leaf's path, by uid."""
    return {uid: info.path for uid, info in model_plan(tree).items()}


@dataclass(frozen=True)
class ModelFailure:
    """What a failure handler is given: the input, and the failure (the failing leaf's
    uid, the attempts)."""

    value: int
    uid: int
    attempts: int


@dataclass(frozen=True)
class ModelCall:
    """One leaf call: which leaf, in which attempt of its innermost retry, whether it
    raised and, for a failure handler, what it was given."""

    uid: int
    attempt: int
    failed: bool = False
    handled: ModelFailure | None = None


def evaluate(tree: Tree, x: int, calls: list[ModelCall]) -> int:
    """The program's output for `x`, noting each leaf call in `calls`; or `ModelHalt`."""

    def called(uid: int, attempt: int) -> int:
        before = sum(1 for call in calls if call.uid == uid)
        calls.append(ModelCall(uid, attempt))
        return before

    def go(t: Tree, value: int, attempt: int) -> int:
        match t:
            case IntLeaf(op, _, uid):
                before = called(uid, attempt)
                try:
                    return op.apply(value, before)
                except Boom:
                    calls[-1] = ModelCall(uid, attempt, failed=True)
                    raise ModelHalt(uid, "int") from None
            case IdT():
                return value
            case SeqT(parts):
                for part in parts:
                    value = go(part, value, attempt)
                return value
            case FanoutT(left, right, merge):
                pair = (go(left, value, attempt), go(right, value, attempt))
                called(merge.uid, attempt)
                return merge.apply(pair)
            case BothT(split, left, right, merge):
                called(split.uid, attempt)
                first, second = split.apply(value)
                pair = (go(left, first, attempt), go(right, second, attempt))
                called(merge.uid, attempt)
                return merge.apply(pair)
            case MapT(spread, inner, fold):
                called(spread.uid, attempt)
                items = [go(inner, item, attempt) for item in spread.apply(value)]
                called(fold.uid, attempt)
                return fold.apply(items)
            case BranchT(pred, if_true, if_false):
                called(pred.uid, attempt)
                return go(if_true if pred.apply(value) else if_false, value, attempt)
            case RetryT(inner, attempts):
                tries = 0
                for current in range(1, attempts + 1):
                    try:
                        return go(inner, value, current)
                    except ModelHalt as halt:
                        tries += halt.attempts  # an inner retry's tries count too
                        if current == attempts:
                            raise ModelHalt(halt.uid, halt.input_type, tries) from None
                raise AssertionError("unreachable: the last attempt returns or raises")
            case OnFailureT(inner, handler):
                try:
                    return go(inner, value, attempt)
                except ModelHalt as halt:
                    given = ModelFailure(value, halt.uid, halt.attempts)
                    calls.append(ModelCall(handler.uid, attempt, handler.fails, given))
                    raise  # the same failure, whether or not the handler failed
            case NamedT(_, inner):
                return go(inner, value, attempt)
            case FlowT(_, body, output):
                values: dict[int, int | None] = {0: value}
                _run_bindings(body, values, attempt, run=go, called=called, calls=calls)
                return _surely(values[output], "a flow's output")
            case _:
                assert_never(t)

    return go(tree, x, 1)


def _run_bindings(
    items: tuple[Binding, ...],
    values: dict[int, int | None],
    attempt: int,
    *,
    run: Callable[[Tree, int, int], int],
    called: Callable[[int, int], int],
    calls: list[ModelCall],
) -> None:
    """Run a flow's bindings, filling in the values they make (`run` runs a
    sub-program, `called` notes a leaf's call)."""
    for item in items:
        match item:
            case CallB(target, args, body, when, some):
                given = [values[index] for index in args]
                if (when is not None and not values[when]) or (
                    some and any(v is None for v in given)
                ):
                    values[target] = None  # skipped: nothing is called
                    continue
                numbers = [v for v in given if v is not None]
                assert len(numbers) == len(given), "a step is given None only by call_some"
                match body:
                    case Merge():
                        called(body.uid, attempt)
                        values[target] = body.apply((numbers[0], numbers[1]))
                    case Merge3():
                        called(body.uid, attempt)
                        values[target] = body.apply((numbers[0], numbers[1], numbers[2]))
                    case Pred():  # a decision
                        called(body.uid, attempt)
                        values[target] = body.apply(numbers[0])
                    case _:
                        values[target] = run(body, numbers[0], attempt)
            case ApplyB(target, kind, args):
                given = [values[index] for index in args]
                glue = item.truth if kind in BOOL_GLUE else item.number
                values[target] = glue(given)  # inline: no call
            case ConstB(target, constant):
                values[target] = constant
            case BlockB(_, body):
                _run_bindings(body, values, attempt, run=run, called=called, calls=calls)
            case GuardB(handler, subject, body):
                try:
                    _run_bindings(body, values, attempt, run=run, called=called, calls=calls)
                except ModelHalt as halt:
                    seen = _surely(values[subject], "a guard's subject")
                    given_failure = ModelFailure(seen, halt.uid, halt.attempts)
                    calls.append(ModelCall(handler.uid, attempt, handler.fails, given_failure))
                    raise  # the same failure, whether or not the handler failed
            case _:
                assert_never(item)


def _surely(value: int | None, what: str) -> int:
    assert value is not None, f"{what} is surely an int"
    return value
