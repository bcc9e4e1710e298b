"""Generated programs: a small tree language, its lolpop build, and hypothesis strategies.

A `Tree` describes an `int -> int` program made of every combinator: chains, fanout,
`both`, `map_each`, `branch`, `retry`, `on_failure`, `identity` and named sub-programs.
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
from collections.abc import Sequence
from dataclasses import dataclass, replace
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


Tree: TypeAlias = (
    IntLeaf | SeqT | FanoutT | BothT | MapT | BranchT | RetryT | OnFailureT | NamedT | IdT
)


# --- numbering -------------------------------------------------------------------------


def number(tree: Tree, start: int = 0) -> tuple[Tree, int]:
    """The tree with its leaves' uids set in execution order from `start`; the next uid.

    Execution order is the order of `lolpop.core.paths.leaves`: chain parts in order,
    left before right, a helper leaf where it runs (`split` first, `merge` last...), a
    failure handler after the leaves of the step it guards.
    """
    uids = itertools.count(start)

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
        case _:
            assert_never(tree)


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
    "leaf", "seq", "fanout", "both", "map", "branch", "retry", "on_failure", "named", "identity"
]
NODE_KINDS: tuple[NodeKind, ...] = (
    "leaf", "seq", "fanout", "both", "map", "branch", "retry", "on_failure", "named", "identity",
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
        case _:
            assert_never(kind)


@st.composite
def merges(draw: st.DrawFn) -> Merge:
    return Merge(draw(st.sampled_from(MERGE_KINDS)), draw(names))


def programs(depth: int = 3, *, failures: Failures = "any") -> st.SearchStrategy[Tree]:
    """Numbered trees (uids from 0), ready to build and to evaluate."""
    return trees(depth, failures=failures).map(lambda t: number(t)[0])


#: How `failing_guards` wraps its guarded step, from the inside out.
Wrapper: TypeAlias = Literal["chain", "retry", "named", "on_failure", "map"]
WRAPPERS: tuple[Wrapper, ...] = ("chain", "retry", "named", "on_failure", "map")


@st.composite
def failing_guards(draw: st.DrawFn, depth: int = 2, *, failures: Failures = "pure") -> Tree:
    """A numbered program in which an `on_failure` guards a step that surely fails:
    `on_failure(t >> fail, handler)`, wrapped in up to three chains, retries, names,
    other `on_failure`s or `map_each`s, so that handlers do run (in a random program
    few steps fail)."""
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
