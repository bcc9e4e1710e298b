"""Generated programs: a small tree language, its lolpop build, and hypothesis strategies.

A `Tree` describes an `int -> int` program made of every combinator: chains, fanout,
`both`, `map_each`, `branch`, `retry`, `on_failure`, `identity`, named sub-programs and
flows (`FlowT`: a small dataflow of `call`, `call_if`, `call_some`, glue, constants,
named blocks and guards, see `flows`).
`build` turns
it into a lolpop `Step`; `property_tests.model` evaluates the same tree in plain
Python, so the two can be compared.

Every leaf carries a `uid`, its index in execution order (`number` assigns them), and
records each call in `RECORDER`: the tests compare the calls lolpop made with the ones
the model predicts (a failure handler also records what it was given). Leaf steps are cached by their description, because building a
checked step costs about a millisecond (beartype compiles its wrapper) and hypothesis
draws the same small leaves again and again; a leaf's behaviour depends only on its
description and `RECORDER`, so a cached step is as good as a new one.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, TypeAlias, TypeVar, assert_never

from hypothesis import strategies as st
from returns.pipeline import is_successful
from returns.result import Result

from lolpop import (
    Backoff,
    RunFailure,
    Step,
    both,
    branch,
    identity,
    make_step,
    map_each,
    on_failure,
    retry,
)
from lolpop.backends import Local
from lolpop.core.flow import Flow, Var

_T = TypeVar("_T")

#: No waiting between attempts: the tests retry a lot.
NO_WAIT = Backoff(initial=0.0)

#: The reference semantics: everything in order in one thread, nothing recorded.
SEQUENTIAL = Local(max_workers=1, ledger=None, progress=False)

#: Few names, so that generated programs repeat them (and paths get `#2`, `#3`...).
NAMES = ("a", "b", "c")


class Boom(Exception):
    """What a generated step raises when it fails."""


@dataclass(frozen=True)
class Handled:
    """What a failure handler (leaf `uid`) was given: the input of the step it guards
    and the failure's path, input type and attempts."""

    uid: int
    value: int
    path: str
    input_type: str
    attempts: int


class Recorder:
    """The calls made to generated leaves, by `uid`, in order; and what each call of a
    failure handler was given."""

    def __init__(self) -> None:
        self.calls: list[int] = []
        self.handled: list[Handled] = []

    def reset(self) -> None:
        """Forget every call: do this before each run that is checked."""
        self.calls = []
        self.handled = []

    def record(self, uid: int) -> int:
        """Note a call of leaf `uid`; return how many calls it had before this one."""
        before = self.calls.count(uid)
        self.calls.append(uid)
        return before

    def record_handled(self, uid: int, value: int, failure: RunFailure) -> None:
        """Note a call of the failure handler `uid` on `(value, failure)`."""
        self.record(uid)
        self.handled.append(Handled(uid, value, failure.path, failure.input_type, failure.attempts))


RECORDER = Recorder()


def failure_of(result: Result[_T, RunFailure]) -> RunFailure:
    """The failure of a run that must have failed.

    (Narrowing with `isinstance(result, Failure)` would type the failure as `Any`.)
    """
    assert not is_successful(result), f"expected a failure, got {result}"
    return result.failure()


OpKind: TypeAlias = Literal["add", "mul", "xor", "clamp", "floordiv", "fail_if", "flaky", "fail"]
TOTAL_KINDS: tuple[OpKind, ...] = ("add", "mul", "xor", "clamp", "floordiv")
PARTIAL_KINDS: tuple[OpKind, ...] = ("fail_if", "flaky")


@dataclass(frozen=True)
class Op:
    """What an `int -> int` leaf computes.

    `fail_if` raises `Boom` when `x % a == b`; `flaky` raises on its first `a` calls,
    then adds `b`; `fail` always raises. The others are total.
    """

    kind: OpKind
    a: int = 0
    b: int = 0

    def apply(self, x: int, calls_before: int = 0) -> int:
        """The output for `x`, for a leaf that was called `calls_before` times already."""
        match self.kind:
            case "add":
                return x + self.a
            case "mul":
                return x * self.a
            case "xor":
                return x ^ self.a
            case "clamp":
                return max(self.a, min(self.b, x))
            case "floordiv":
                return x // self.a
            case "fail_if":
                if x % self.a == self.b:
                    raise Boom(f"{x} % {self.a} == {self.b}")
                return x
            case "flaky":
                if calls_before < self.a:
                    raise Boom(f"call {calls_before + 1} of {self.a} failing ones")
                return x + self.b
            case "fail":
                raise Boom(f"always fails (given {x})")
            case _:
                assert_never(self.kind)


@dataclass(frozen=True)
class IntLeaf:
    """A leaf `int -> int` doing `op`."""

    op: Op
    name: str
    uid: int = -1


@dataclass(frozen=True)
class Pred:
    """A leaf `int -> bool`: `x % modulus == residue`."""

    modulus: int
    residue: int
    name: str
    uid: int = -1

    def apply(self, x: int) -> bool:
        return x % self.modulus == self.residue


@dataclass(frozen=True)
class Split:
    """A leaf `int -> tuple[int, int]`: `(x, x + k)`."""

    k: int
    name: str
    uid: int = -1

    def apply(self, x: int) -> tuple[int, int]:
        return (x, x + self.k)


@dataclass(frozen=True)
class Handler:
    """A failure handler `tuple[int, RunFailure] -> None`: records what it was given,
    then raises `Boom` if `fails` (which must not change the failure reported)."""

    fails: bool
    name: str
    uid: int = -1


MergeKind: TypeAlias = Literal["sum", "first", "second", "diff"]
MERGE_KINDS: tuple[MergeKind, ...] = ("sum", "first", "second", "diff")


@dataclass(frozen=True)
class Merge:
    """A leaf `tuple[int, int] -> int`."""

    kind: MergeKind
    name: str
    uid: int = -1

    def apply(self, pair: tuple[int, int]) -> int:
        left, right = pair
        match self.kind:
            case "sum":
                return left + right
            case "first":
                return left
            case "second":
                return right
            case "diff":
                return left - right
            case _:
                assert_never(self.kind)


@dataclass(frozen=True)
class Spread:
    """A leaf `int -> list[int]`: `count` items from `x`, `step` apart."""

    count: int
    step: int
    name: str
    uid: int = -1

    def apply(self, x: int) -> list[int]:
        return [x + i * self.step for i in range(self.count)]


FoldKind: TypeAlias = Literal["sum", "alternating", "last"]
FOLD_KINDS: tuple[FoldKind, ...] = ("sum", "alternating", "last")


@dataclass(frozen=True)
class Fold:
    """A leaf `Sequence[int] -> int`."""

    kind: FoldKind
    name: str
    uid: int = -1

    def apply(self, items: Sequence[int]) -> int:
        match self.kind:
            case "sum":
                return sum(items)
            case "alternating":
                return sum(item if i % 2 == 0 else -item for i, item in enumerate(items))
            case "last":
                return items[-1] if items else 0
            case _:
                assert_never(self.kind)


Merge3Kind: TypeAlias = Literal["sum", "median", "last"]
MERGE3_KINDS: tuple[Merge3Kind, ...] = ("sum", "median", "last")


@dataclass(frozen=True)
class Merge3:
    """A leaf `tuple[int, int, int] -> int` (a flow's step on three values)."""

    kind: Merge3Kind
    name: str
    uid: int = -1

    def apply(self, triple: tuple[int, int, int]) -> int:
        match self.kind:
            case "sum":
                return sum(triple)
            case "median":
                return sorted(triple)[1]
            case "last":
                return triple[2]
            case _:
                assert_never(self.kind)


@dataclass(frozen=True)
class SeqT:
    """`parts[0] >> parts[1] >> ...` (one part: the part itself)."""

    parts: tuple[Tree, ...]


@dataclass(frozen=True)
class FanoutT:
    """`(left & right) >> merge`."""

    left: Tree
    right: Tree
    merge: Merge


@dataclass(frozen=True)
class BothT:
    """`split >> both(left, right) >> merge`."""

    split: Split
    left: Tree
    right: Tree
    merge: Merge


@dataclass(frozen=True)
class MapT:
    """`spread >> map_each(inner) >> fold`."""

    spread: Spread
    inner: Tree
    fold: Fold


@dataclass(frozen=True)
class BranchT:
    """`branch(pred, if_true, if_false)`."""

    pred: Pred
    if_true: Tree
    if_false: Tree


@dataclass(frozen=True)
class RetryT:
    """`retry(inner, attempts, backoff=NO_WAIT)`."""

    inner: Tree
    attempts: int


@dataclass(frozen=True)
class OnFailureT:
    """`on_failure(inner, handler)`."""

    inner: Tree
    handler: Handler


@dataclass(frozen=True)
class NamedT:
    """`inner.named(name)`."""

    name: str
    inner: Tree


@dataclass(frozen=True)
class IdT:
    """`identity(int)`, or `identity(int).named(name)`."""

    name: str | None = None


# --- flows ---------------------------------------------------------------------------
#
# A flow's values are numbered as `lolpop.core.flow.Flow` numbers them: 0 is the input,
# then one per binding (blocks make none), in the order they are written, nested blocks
# included. Each value is an `int`, an `int | None` (made by `call_if`/`call_some`, None
# when skipped), or a `bool` (made by glue, a decision or `const`; read as a condition).

#: What a flow's value is: surely an int, an int or None, or a condition.
ValueKind: TypeAlias = Literal["int", "maybe", "bool"]


@dataclass(frozen=True)
class CallB:
    """A step bound to `target`: `f.call(step, *args)`; with `when`,
    `f.call_if(values[when], step, *args)`; with `some`, `f.call_some(step, *args)`.

    One argument: the sub-program `body` (a `Tree`); two: a `Merge`; three: a `Merge3`.
    A `Pred` body is a decision (`f.decide(name, fn, value)`) making a condition.
    """

    target: int
    args: tuple[int, ...]
    body: Tree | Merge | Merge3 | Pred
    when: int | None = None
    some: bool = False


GlueKind: TypeAlias = Literal["sum", "coalesce", "pred", "is_some"]
GLUE_KINDS: tuple[GlueKind, ...] = ("sum", "coalesce", "pred", "is_some")
#: The glue that makes a condition (a `bool`); the others make an `int`.
BOOL_GLUE: tuple[GlueKind, ...] = ("pred", "is_some")


@dataclass(frozen=True)
class ApplyB:
    """Glue bound to `target`: `f.apply(fn, *args)`, run inline (no step, no path).

    `sum`: the (one to three) values plus `k`; `coalesce`: the value, or `k` if it is
    None; `pred`: `value % m == k`; `is_some`: whether the value is not None.
    """

    target: int
    kind: GlueKind
    args: tuple[int, ...]
    k: int = 0
    m: int = 2

    def number(self, values: Sequence[int | None]) -> int:
        """What `sum` and `coalesce` make."""
        match self.kind:
            case "sum":
                return sum(_surely(value) for value in values) + self.k
            case "coalesce":
                return self.k if values[0] is None else values[0]
            case _:
                raise AssertionError(f"{self.kind} makes a condition, not a number")

    def truth(self, values: Sequence[int | None]) -> bool:
        """What `pred` and `is_some` make."""
        match self.kind:
            case "pred":
                return _surely(values[0]) % self.m == self.k
            case "is_some":
                return values[0] is not None
            case _:
                raise AssertionError(f"{self.kind} makes a number, not a condition")


def _surely(value: int | None) -> int:
    assert value is not None, "a generated flow reads None only where it may"
    return value


@dataclass(frozen=True)
class ConstB:
    """`f.const(value)` bound to `target` (an `int`, or a `bool` condition)."""

    target: int
    value: int | bool


@dataclass(frozen=True)
class BlockB:
    """`with f.block(name):` around `body` (a path segment)."""

    name: str
    body: tuple[Binding, ...]


@dataclass(frozen=True)
class GuardB:
    """`with f.guard(handler, values[subject]):` around `body`."""

    handler: Handler
    subject: int
    body: tuple[Binding, ...]


Binding: TypeAlias = CallB | ApplyB | ConstB | BlockB | GuardB


@dataclass(frozen=True)
class FlowT:
    """`Flow(int, name or "")` with `body` bound, built with `values[output]` (an int)."""

    name: str | None
    body: tuple[Binding, ...]
    output: int


Tree: TypeAlias = (
    IntLeaf | SeqT | FanoutT | BothT | MapT | BranchT | RetryT | OnFailureT | NamedT | IdT | FlowT
)


# --- numbering -------------------------------------------------------------------------


def number(tree: Tree, start: int = 0) -> tuple[Tree, int]:
    """The tree with its leaves' uids set in execution order from `start`; the next uid.

    Execution order is the order of `lolpop.core.paths.leaves`: chain parts in order,
    left before right, a helper leaf where it runs (`split` first, `merge` last...), a
    failure handler after the leaves of the step it guards; a flow's steps in the order
    they are bound, a guard's handler after its block's steps.
    """
    uids = itertools.count(start)

    def bound(item: Binding) -> Binding:
        match item:
            case CallB(body=Merge() | Merge3() | Pred() as helper):
                return replace(item, body=replace(helper, uid=next(uids)))
            case CallB(body=body):
                assert not isinstance(body, Merge | Merge3 | Pred)  # the case above
                return replace(item, body=go(body))
            case ApplyB() | ConstB():
                return item
            case BlockB(name, body):
                return BlockB(name, tuple(bound(inner) for inner in body))
            case GuardB(handler, subject, body):
                guarded = tuple(bound(inner) for inner in body)
                return GuardB(replace(handler, uid=next(uids)), subject, guarded)
            case _:
                assert_never(item)

    def go(t: Tree) -> Tree:
        match t:
            case IntLeaf():
                return replace(t, uid=next(uids))
            case SeqT(parts):
                return SeqT(tuple(go(part) for part in parts))
            case FanoutT(left, right, merge):
                left, right = go(left), go(right)
                return FanoutT(left, right, replace(merge, uid=next(uids)))
            case BothT(split, left, right, merge):
                split = replace(split, uid=next(uids))
                left, right = go(left), go(right)
                return BothT(split, left, right, replace(merge, uid=next(uids)))
            case MapT(spread, inner, fold):
                spread = replace(spread, uid=next(uids))
                inner = go(inner)
                return MapT(spread, inner, replace(fold, uid=next(uids)))
            case BranchT(pred, if_true, if_false):
                pred = replace(pred, uid=next(uids))
                return BranchT(pred, go(if_true), go(if_false))
            case RetryT(inner, attempts):
                return RetryT(go(inner), attempts)
            case OnFailureT(inner, handler):
                inner = go(inner)
                return OnFailureT(inner, replace(handler, uid=next(uids)))
            case NamedT(name, inner):
                return NamedT(name, go(inner))
            case IdT():
                return t
            case FlowT(name, body, output):
                return FlowT(name, tuple(bound(item) for item in body), output)
            case _:
                assert_never(t)

    numbered = go(tree)
    return numbered, next(uids)


def leaf_count(tree: Tree) -> int:
    """How many leaves (helpers included) the tree has."""
    return number(tree)[1]


# --- building lolpop steps -------------------------------------------------------------


@functools.lru_cache(maxsize=8192)
def int_leaf_step(leaf: IntLeaf) -> Step[int, int]:
    op, uid = leaf.op, leaf.uid

    def int_leaf(x: int) -> int:
        return op.apply(x, RECORDER.record(uid))

    return make_step(int_leaf, name=leaf.name)


@functools.lru_cache(maxsize=2048)
def pred_step(leaf: Pred) -> Step[int, bool]:
    def pred(x: int) -> bool:
        RECORDER.record(leaf.uid)
        return leaf.apply(x)

    return make_step(pred, name=leaf.name)


@functools.lru_cache(maxsize=2048)
def split_step(leaf: Split) -> Step[int, tuple[int, int]]:
    def split(x: int) -> tuple[int, int]:
        RECORDER.record(leaf.uid)
        return leaf.apply(x)

    return make_step(split, name=leaf.name)


@functools.lru_cache(maxsize=2048)
def merge_step(leaf: Merge) -> Step[tuple[int, int], int]:
    def merge(pair: tuple[int, int]) -> int:
        RECORDER.record(leaf.uid)
        return leaf.apply(pair)

    return make_step(merge, name=leaf.name)


@functools.lru_cache(maxsize=2048)
def merge3_step(leaf: Merge3) -> Step[tuple[int, int, int], int]:
    def merge3(triple: tuple[int, int, int]) -> int:
        RECORDER.record(leaf.uid)
        return leaf.apply(triple)

    return make_step(merge3, name=leaf.name)


@functools.lru_cache(maxsize=2048)
def spread_step(leaf: Spread) -> Step[int, list[int]]:
    def spread(x: int) -> list[int]:
        RECORDER.record(leaf.uid)
        return leaf.apply(x)

    return make_step(spread, name=leaf.name)


@functools.lru_cache(maxsize=2048)
def fold_step(leaf: Fold) -> Step[Sequence[int], int]:
    def fold(items: Sequence[int]) -> int:
        RECORDER.record(leaf.uid)
        return leaf.apply(items)

    return make_step(fold, name=leaf.name)


@functools.lru_cache(maxsize=2048)
def handler_step(leaf: Handler) -> Step[tuple[int, RunFailure], None]:
    def handler(given: tuple[int, RunFailure]) -> None:
        value, failure = given
        RECORDER.record_handled(leaf.uid, value, failure)
        if leaf.fails:
            raise Boom(f"the handler of {failure.path!r} fails too")

    return make_step(handler, name=leaf.name)


def build(tree: Tree) -> Step[int, int]:
    """The lolpop program that `tree` describes."""
    match tree:
        case IntLeaf():
            return int_leaf_step(tree)
        case SeqT(parts):
            program = build(parts[0])
            for part in parts[1:]:
                program = program >> build(part)
            return program
        case FanoutT(left, right, merge):
            return (build(left) & build(right)) >> merge_step(merge)
        case BothT(split, left, right, merge):
            return split_step(split) >> both(build(left), build(right)) >> merge_step(merge)
        case MapT(spread, inner, fold):
            return spread_step(spread) >> map_each(build(inner)) >> fold_step(fold)
        case BranchT(pred, if_true, if_false):
            return branch(pred_step(pred), build(if_true), build(if_false))
        case RetryT(inner, attempts):
            return retry(build(inner), attempts=attempts, backoff=NO_WAIT)
        case OnFailureT(inner, handler):
            return on_failure(build(inner), handler_step(handler))
        case NamedT(name, inner):
            return build(inner).named(name)
        case IdT(name):
            unit = identity(int)
            return unit if name is None else unit.named(name)
        case FlowT(name, body, output):
            f = Flow(int, name or "")
            values = _Values({0: f.input}, {}, {})
            for item in body:
                _bind(f, item, values)
            return f.build(values.ints[output])
        case _:
            assert_never(tree)


@dataclass
class _Values:
    """A flow's values as its build made them, by index and kind."""

    ints: dict[int, Var[int]]
    maybes: dict[int, Var[int | None]]
    bools: dict[int, Var[bool]]

    def maybe(self, index: int) -> Var[int | None]:
        """The value `index`, which may be None."""
        return self.maybes[index] if index in self.maybes else self.ints[index]


def _bind(f: Flow[int], item: Binding, values: _Values) -> None:
    """Bind `item` in `f`, noting the value it makes in `values`."""
    match item:
        case CallB(target, (read,), Pred() as pred):
            values.bools[target] = f.decide(pred.name, _decision(pred), values.ints[read])
        case CallB(target, args, body, when, some):
            assert not isinstance(body, Pred), "a decision reads one value, unconditionally"
            if when is not None:
                values.maybes[target] = _call_if(f, values.bools[when], body, args, values)
            elif some:
                values.maybes[target] = _call_some(f, body, args, values)
            else:
                values.ints[target] = _call(f, body, args, values)
        case ApplyB(target, kind, args):
            if kind in BOOL_GLUE:
                (only,) = args
                values.bools[target] = f.apply(lambda x: item.truth((x,)), values.maybe(only))
            else:
                values.ints[target] = _apply(f, item, values)
        case ConstB(target, value):
            if isinstance(value, bool):
                values.bools[target] = f.const(value)
            else:
                values.ints[target] = f.const(value)
        case BlockB(name, body):
            with f.block(name):
                for inner in body:
                    _bind(f, inner, values)
        case GuardB(handler, subject, body):
            with f.guard(handler_step(handler), values.ints[subject]):
                for inner in body:
                    _bind(f, inner, values)
        case _:
            assert_never(item)


def _decision(pred: Pred) -> Callable[[int], bool]:
    def decision(x: int) -> bool:
        RECORDER.record(pred.uid)
        return pred.apply(x)

    return decision


def _call(
    f: Flow[int], body: Tree | Merge | Merge3, args: tuple[int, ...], values: _Values
) -> Var[int]:
    given = [values.ints[index] for index in args]
    if isinstance(body, Merge):
        a, b = given
        return f.call(merge_step(body), a, b)
    if isinstance(body, Merge3):
        a, b, c = given
        return f.call(merge3_step(body), a, b, c)
    (a,) = given
    return f.call(build(body), a)


def _call_if(
    f: Flow[int],
    when: Var[bool],
    body: Tree | Merge | Merge3,
    args: tuple[int, ...],
    values: _Values,
) -> Var[int | None]:
    given = [values.ints[index] for index in args]
    if isinstance(body, Merge):
        a, b = given
        return f.call_if(when, merge_step(body), a, b)
    assert not isinstance(body, Merge3), "call_if takes one or two values"
    (a,) = given
    return f.call_if(when, build(body), a)


def _call_some(
    f: Flow[int], body: Tree | Merge | Merge3, args: tuple[int, ...], values: _Values
) -> Var[int | None]:
    given = [values.maybe(index) for index in args]
    if isinstance(body, Merge):
        a, b = given
        return f.call_some(merge_step(body), a, b)
    assert not isinstance(body, Merge3), "call_some takes one or two values"
    (a,) = given
    return f.call_some(build(body), a)


def _apply(f: Flow[int], glue: ApplyB, values: _Values) -> Var[int]:
    given = [values.maybe(index) for index in glue.args]
    match given:
        case [a]:
            return f.apply(lambda x: glue.number((x,)), a)
        case [a, b]:
            return f.apply(lambda x, y: glue.number((x, y)), a, b)
        case [a, b, c]:
            return f.apply(lambda x, y, z: glue.number((x, y, z)), a, b, c)
    raise AssertionError(f"glue on {len(given)} values")


# --- strategies ------------------------------------------------------------------------

names = st.sampled_from(NAMES)

#: Which leaves may fail: none; only some inputs (`fail_if`, a pure function); or also
#: the first calls (`flaky`, which depends on earlier calls: a concurrent run, which
#: calls branches a sequential run skips, may then rightly give another result).
Failures: TypeAlias = Literal["never", "pure", "any"]
_KINDS: dict[Failures, tuple[OpKind, ...]] = {
    "never": TOTAL_KINDS,
    "pure": (*TOTAL_KINDS, "fail_if"),
    "any": TOTAL_KINDS + PARTIAL_KINDS,
}


@st.composite
def ops(draw: st.DrawFn, *, failures: Failures = "never") -> Op:
    """An `Op`: total, or one that may fail as `failures` allows."""
    kind = draw(st.sampled_from(_KINDS[failures]))
    match kind:
        case "add":
            return Op(kind, draw(st.integers(-50, 50)))
        case "mul":
            return Op(kind, draw(st.integers(-4, 4)))
        case "xor":
            return Op(kind, draw(st.integers(0, 255)))
        case "clamp":
            low, high = sorted(draw(st.lists(st.integers(-100, 100), min_size=2, max_size=2)))
            return Op(kind, low, high)
        case "floordiv":
            return Op(kind, draw(st.integers(1, 7) | st.integers(-7, -1)))
        case "fail_if":
            modulus = draw(st.integers(2, 9))
            return Op(kind, modulus, draw(st.integers(0, modulus - 1)))
        case "flaky":
            return Op(kind, draw(st.integers(0, 3)), draw(st.integers(-5, 5)))
        case _:
            raise AssertionError(f"unexpected kind {kind!r}")


NodeKind: TypeAlias = Literal[
    "leaf", "seq", "fanout", "both", "map", "branch", "retry", "on_failure", "named", "identity",
    "flow",
]  # fmt: skip
NODE_KINDS: tuple[NodeKind, ...] = (
    "leaf", "seq", "fanout", "both", "map", "branch", "retry", "on_failure", "named", "identity",
    "flow",
)  # fmt: skip


@st.composite
def trees(draw: st.DrawFn, depth: int = 3, *, failures: Failures = "any") -> Tree:
    """A random `int -> int` program of at most `depth` levels of combinators."""
    kind = draw(st.sampled_from(NODE_KINDS if depth > 0 else ("leaf",)))

    def sub() -> Tree:
        return draw(trees(depth - 1, failures=failures))

    match kind:
        case "leaf":
            return IntLeaf(draw(ops(failures=failures)), draw(names))
        case "seq":
            count = draw(st.integers(2, 4))
            return SeqT(tuple(sub() for _ in range(count)))
        case "fanout":
            return FanoutT(sub(), sub(), draw(merges()))
        case "both":
            split = Split(draw(st.integers(-3, 3)), draw(names))
            return BothT(split, sub(), sub(), draw(merges()))
        case "map":
            spread = Spread(draw(st.integers(0, 3)), draw(st.integers(-2, 2)), draw(names))
            inner = sub()
            fold = Fold(draw(st.sampled_from(FOLD_KINDS)), draw(names))
            return MapT(spread, inner, fold)
        case "branch":
            modulus = draw(st.integers(2, 4))
            pred = Pred(modulus, draw(st.integers(0, modulus - 1)), draw(names))
            return BranchT(pred, sub(), sub())
        case "retry":
            return RetryT(sub(), draw(st.integers(1, 4)))
        case "on_failure":
            # A handler fails only where leaves may (it runs only when its step fails).
            fails = failures != "never" and draw(st.booleans())
            return OnFailureT(sub(), Handler(fails, draw(names)))
        case "named":
            return NamedT(draw(names), sub())
        case "identity":
            return IdT(draw(st.none() | names))
        case "flow":
            return draw(flows(depth, failures=failures))
        case _:
            assert_never(kind)


#: What a flow binds; a block's body binds no further blocks below `_BLOCK_DEPTH`.
BindingKind: TypeAlias = Literal["call", "call_if", "call_some", "apply", "const", "block", "guard"]
BINDING_KINDS: tuple[BindingKind, ...] = (
    "call", "call", "call_if", "call_some", "apply", "const", "block", "guard",
)  # fmt: skip
_BLOCK_DEPTH = 2


#: Where a generated flow surely fails: nowhere; in a guard (whose handler then runs);
#: or early, before a retried or guarded part (which a sequential run never reaches).
FlowFailure: TypeAlias = Literal["nowhere", "in_guard", "early"]


@st.composite
def flows(
    draw: st.DrawFn,
    depth: int = 2,
    *,
    failures: Failures = "any",
    failing: FlowFailure = "nowhere",
    chained: bool = False,
) -> FlowT:
    """A random flow whose steps are `trees(depth - 1)` (one value), `Merge` (two) and
    `Merge3` (three), failing as `failing` says (besides its steps' own failures); with
    `chained`, a binding reads the value made just before it half the time."""
    drawing = _FlowDrawing(draw, depth, failures, chained)
    body = list(drawing.bindings(0, 3))
    match failing:
        case "nowhere":
            pass
        case "in_guard":
            subject, handler = drawing.pick("int"), drawing.handler()
            before = list(drawing.bindings(1, 2)) if draw(st.booleans()) else []
            body.append(GuardB(handler, subject, (*before, drawing.surely_failing())))
            if draw(st.booleans()):
                body += drawing.bindings(0, 2)  # bound after the failure: never run
        case "early":
            failed = drawing.surely_failing()
            body.append(failed)
            body.append(drawing.guarded_part(failed.target))
            if draw(st.booleans()):
                body += drawing.bindings(0, 2)
        case _:
            assert_never(failing)
    return FlowT(draw(st.none() | names), tuple(body), drawing.pick("int"))


@dataclass
class _FlowDrawing:
    """One flow being drawn: what each value made so far is (value 0: the input)."""

    draw: st.DrawFn
    depth: int
    failures: Failures
    chained: bool = False
    kinds: list[ValueKind] = field(default_factory=lambda: ["int"])

    def pick(self, *wanted: ValueKind) -> int:
        """An earlier value of one of the `wanted` kinds (there must be one)."""
        found = [i for i in reversed(range(len(self.kinds))) if self.kinds[i] in wanted]
        if self.chained and self.draw(st.booleans()):
            return found[0]
        return self.draw(st.sampled_from(found))  # the latest first: shrinks to a chain

    def new(self, kind: ValueKind) -> int:
        """The index of the next value, of `kind`."""
        self.kinds.append(kind)
        return len(self.kinds) - 1

    def handler(self) -> Handler:
        # A handler fails only where leaves may (it runs only when a step fails).
        return Handler(self.failures != "never" and self.draw(st.booleans()), self.draw(names))

    def step(self, arity: int) -> Tree | Merge | Merge3:
        if arity == 2:
            return self.draw(merges())
        if arity == 3:
            return Merge3(self.draw(st.sampled_from(MERGE3_KINDS)), self.draw(names))
        return self.draw(trees(self.depth - 1, failures=self.failures))

    def condition(self, out: list[Binding]) -> int:
        """A condition for `call_if`: one made before, or a new one made by glue, by a
        decision (a step: on Prefect, a future to wait for) or a constant."""
        if "bool" in self.kinds and self.draw(st.booleans()):
            return self.pick("bool")
        match self.draw(st.sampled_from(("decide", "glue", "decide", "const"))):
            case "glue":
                out.append(self.glue("pred"))
            case "decide":
                out.append(self.decision())
            case _:
                out.append(ConstB(self.new("bool"), self.draw(st.booleans())))
        return len(self.kinds) - 1

    def decision(self) -> CallB:
        """A decision step making a condition of an earlier int."""
        modulus = self.draw(st.integers(2, 3))
        read = self.pick("int")
        pred = Pred(modulus, self.draw(st.integers(0, modulus - 1)), self.draw(names))
        return CallB(self.new("bool"), (read,), pred)

    def glue(self, kind: GlueKind) -> ApplyB:
        if kind in ("coalesce", "is_some") and "maybe" not in self.kinds:
            kind = "sum" if kind == "coalesce" else "pred"
        match kind:
            case "sum":
                args = tuple(self.pick("int") for _ in range(self.draw(st.integers(1, 3))))
                return ApplyB(self.new("int"), kind, args, self.draw(st.integers(-9, 9)))
            case "coalesce":
                args = (self.pick("maybe"),)
                return ApplyB(self.new("int"), kind, args, self.draw(st.integers(-9, 9)))
            case "pred":
                modulus = self.draw(st.integers(2, 3))
                args = (self.pick("int"),)
                residue = self.draw(st.integers(0, modulus - 1))
                return ApplyB(self.new("bool"), kind, args, residue, modulus)
            case "is_some":
                return ApplyB(self.new("bool"), kind, (self.pick("maybe"),))
            case _:
                assert_never(kind)

    def call(self, kind: Literal["call", "call_if", "call_some"], out: list[Binding]) -> CallB:
        when = self.condition(out) if kind == "call_if" else None
        arity = self.draw(st.sampled_from((1, 1, 1, 2, 3) if kind == "call" else (1, 1, 2)))
        readable: tuple[ValueKind, ...] = ("int", "maybe") if kind == "call_some" else ("int",)
        args = tuple(self.pick(*readable) for _ in range(arity))
        body = self.step(arity)
        made = self.new("int" if kind == "call" else "maybe")
        return CallB(made, args, body, when=when, some=kind == "call_some")

    def surely_failing(self) -> CallB:
        """A step that always fails, on an earlier value."""
        read = self.pick("int")
        return CallB(self.new("int"), (read,), IntLeaf(Op("fail"), self.draw(names)))

    def guarded_part(self, failed: int) -> Binding:
        """A retried or handled sub-program, or a guard, bound after the value `failed`
        (which a sequential run never makes): reading it (so failing as its consequence
        where it runs concurrently) or another value."""
        read = failed if self.draw(st.integers(0, 3)) > 0 else self.pick("int")
        inner = self.draw(trees(self.depth - 1, failures=self.failures))
        match self.draw(st.sampled_from(("retry", "on_failure", "guard"))):
            case "retry":
                part: Tree = RetryT(inner, self.draw(st.integers(2, 3)))
            case "on_failure":
                part = OnFailureT(inner, self.handler())
            case _:
                handler = self.handler()
                return GuardB(handler, self.pick("int"), (CallB(self.new("int"), (read,), inner),))
        return CallB(self.new("int"), (read,), part)

    def bindings(self, level: int, most: int) -> tuple[Binding, ...]:
        """One to `most` bindings; blocks nest at most `_BLOCK_DEPTH` deep."""
        out: list[Binding] = []
        allowed = BINDING_KINDS if level < _BLOCK_DEPTH else BINDING_KINDS[:-2]
        for _ in range(self.draw(st.integers(1, most))):
            kind = self.draw(st.sampled_from(allowed))
            match kind:
                case "call" | "call_if" | "call_some":
                    out.append(self.call(kind, out))
                case "apply":
                    out.append(self.glue(self.draw(st.sampled_from(GLUE_KINDS))))
                case "const":
                    if self.draw(st.integers(0, 3)) == 0:
                        out.append(ConstB(self.new("bool"), self.draw(st.booleans())))
                    else:
                        out.append(ConstB(self.new("int"), self.draw(st.integers(-20, 20))))
                case "block":
                    out.append(BlockB(self.draw(names), self.bindings(level + 1, 2)))
                case "guard":
                    subject, handler = self.pick("int"), self.handler()
                    out.append(GuardB(handler, subject, self.bindings(level + 1, 2)))
                case _:
                    assert_never(kind)
        return tuple(out)


@st.composite
def merges(draw: st.DrawFn) -> Merge:
    return Merge(draw(st.sampled_from(MERGE_KINDS)), draw(names))


def programs(depth: int = 3, *, failures: Failures = "any") -> st.SearchStrategy[Tree]:
    """Numbered trees (uids from 0), ready to build and to evaluate."""
    return trees(depth, failures=failures).map(lambda t: number(t)[0])


def flow_programs(depth: int = 2, *, failures: Failures = "any") -> st.SearchStrategy[Tree]:
    """Numbered flows (uids from 0) of sub-programs of `depth - 1` levels."""
    return flows(depth, failures=failures).map(lambda t: number(t)[0])


def failing_flows(depth: int = 2, *, failures: Failures = "pure") -> st.SearchStrategy[Tree]:
    """Numbered flows in which a guard surely meets a failing step (its handler runs)."""
    return flows(depth, failures=failures, failing="in_guard").map(lambda t: number(t)[0])


def early_failing_flows(depth: int = 2, *, failures: Failures = "pure") -> st.SearchStrategy[Tree]:
    """Numbered flows in which a step surely fails before a retried or guarded part that
    a sequential run never reaches (a concurrent one may start it)."""
    return flows(depth, failures=failures, failing="early").map(lambda t: number(t)[0])


#: How `failing_guards` wraps its guarded step, from the inside out.
Wrapper: TypeAlias = Literal["chain", "retry", "named", "on_failure", "map", "flow"]
WRAPPERS: tuple[Wrapper, ...] = ("chain", "retry", "named", "on_failure", "map", "flow")


@st.composite
def failing_guards(draw: st.DrawFn, depth: int = 2, *, failures: Failures = "pure") -> Tree:
    """A numbered program in which an `on_failure` guards a step that surely fails:
    `on_failure(t >> fail, handler)`, wrapped in up to three chains, retries, names,
    other `on_failure`s, `map_each`s or flows (a step of a flow, in a guard or a named
    block), so that handlers do run (in a random program few steps fail)."""
    body = SeqT((draw(trees(depth, failures=failures)), IntLeaf(Op("fail"), draw(names))))
    tree: Tree = OnFailureT(body, Handler(draw(st.booleans()), draw(names)))
    for wrapper in draw(st.lists(st.sampled_from(WRAPPERS), max_size=3)):
        match wrapper:
            case "chain":
                before = draw(trees(depth - 1, failures=failures))
                after = draw(trees(depth - 1, failures=failures))
                tree = SeqT((before, tree, after))
            case "retry":
                tree = RetryT(tree, draw(st.integers(1, 3)))
            case "named":
                tree = NamedT(draw(names), tree)
            case "on_failure":
                tree = OnFailureT(tree, Handler(draw(st.booleans()), draw(names)))
            case "map":
                spread = Spread(draw(st.integers(0, 3)), draw(st.integers(-2, 2)), draw(names))
                tree = MapT(spread, tree, Fold(draw(st.sampled_from(FOLD_KINDS)), draw(names)))
            case "flow":
                call = CallB(1, (0,), tree)
                if draw(st.booleans()):
                    wrapped: Binding = GuardB(Handler(draw(st.booleans()), draw(names)), 0, (call,))
                else:
                    wrapped = BlockB(draw(names), (call,))
                tree = FlowT(draw(st.none() | names), (wrapped,), 1)
            case _:
                assert_never(wrapper)
    return number(tree)[0]


@st.composite
def program_lists(
    draw: st.DrawFn, count: int, depth: int = 2, *, failures: Failures = "any"
) -> tuple[Tree, ...]:
    """`count` trees numbered one after the other, so no two leaves share a uid."""
    out: list[Tree] = []
    start = 0
    for _ in range(count):
        tree, start = number(draw(trees(depth, failures=failures)), start)
        out.append(tree)
    return tuple(out)


#: Inputs: small enough to keep products readable in a failure report.
inputs = st.integers(-1_000, 1_000)
