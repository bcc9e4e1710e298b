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
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import assert_never

from property_tests.strategies import (
    Boom,
    BothT,
    BranchT,
    FanoutT,
    IdT,
    IntLeaf,
    MapT,
    NamedT,
    OnFailureT,
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
            if isinstance(core, IntLeaf):
                return replace(core, name=name)
            if isinstance(core, IdT):
                return IdT(name)
            return NamedT(name, core)
        case _:
            assert_never(tree)


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
            case _:
                assert_never(t)

    go(collapse(tree), _Scope(), LeafInfo(""))
    return out


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
            case _:
                assert_never(t)

    return go(tree, x, 1)
