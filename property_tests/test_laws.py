"""The algebraic laws of the combinators, on generated steps, programs and inputs.

Each law is checked twice: on a pool of pure `int -> int` leaves with unique names (the
law as the issue states it, with the expected value computed in plain Python too), and
on whole generated programs that may fail (`strategies.trees`), where the law must hold
for the run's full `Result`: the same output, or the same failure (path, input type,
attempts), and the same calls of the same leaves in the same order (in a sequential
run; `test_backends` checks that concurrent runs agree with sequential ones). The pool
laws use `run`'s default backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from hypothesis import given
from hypothesis import strategies as st
from returns.pipeline import is_successful
from returns.result import Result, Success

from lolpop import RunFailure, Step, both, branch, identity, map_each, run, step
from lolpop.backends import Local
from lolpop.testing.laws import check_laws
from lolpop.testing.laws.algebra import ALGEBRA_LAWS, backends_agree
from property_tests.strategies import (
    RECORDER,
    SEQUENTIAL,
    IntLeaf,
    Pred,
    Tree,
    build,
    failure_of,
    inputs,
    int_leaf_step,
    ops,
    pred_step,
    program_lists,
)

A = TypeVar("A")
B = TypeVar("B")


@step
def first(pair: tuple[int, int]) -> int:
    return pair[0]


def pool(count: int) -> st.SearchStrategy[tuple[IntLeaf, ...]]:
    """`count` pure leaves with unique names (`add_0`, `mul_1`...)."""
    return st.lists(ops(), min_size=count, max_size=count).map(
        lambda drawn: tuple(IntLeaf(op, f"{op.kind}_{i}", i) for i, op in enumerate(drawn))
    )


def apply_all(leaves: Sequence[IntLeaf], x: int) -> int:
    for leaf in leaves:
        x = leaf.op.apply(x)
    return x


def traced(program: Step[A, B], value: A) -> tuple[Result[B, RunFailure], list[int]]:
    """Run `program` on `value` in order (the reference semantics, so that the order of
    calls is defined) with a fresh record of leaf calls: the result and the calls."""
    RECORDER.reset()
    result = run(program, value, backend=SEQUENTIAL)
    return result, RECORDER.calls


def builds(trees: Sequence[Tree]) -> list[Step[int, int]]:
    return [build(tree) for tree in trees]


# --- 1. `>>` is associative ------------------------------------------------------------


@given(pool(3), inputs)
def test_then_is_associative(leaves: tuple[IntLeaf, ...], x: int) -> None:
    a, b, c = map(int_leaf_step, leaves)
    expected = Success(apply_all(leaves, x))
    assert run((a >> b) >> c, x) == run(a >> (b >> c), x) == expected


@given(program_lists(3), inputs)
def test_then_is_associative_on_programs(trees: tuple[Tree, ...], x: int) -> None:
    a, b, c = builds(trees)
    left, right = (a >> b) >> c, a >> (b >> c)
    # Chains are kept flat, so the two groupings are one and the same program.
    assert left == right
    assert hash(left) == hash(right)
    assert traced(left, x) == traced(right, x)


# --- 2. identity is the unit of `>>` ---------------------------------------------------


@given(pool(1), inputs)
def test_identity_is_a_unit(leaves: tuple[IntLeaf, ...], x: int) -> None:
    (a,) = map(int_leaf_step, leaves)
    expected = Success(apply_all(leaves, x))
    assert run(identity(int) >> a, x) == run(a >> identity(int), x) == run(a, x) == expected


@given(program_lists(1), inputs, st.sampled_from(("id", "a", "nothing")))
def test_identity_is_a_unit_on_programs(trees: tuple[Tree, ...], x: int, name: str) -> None:
    (a,) = builds(trees)
    assert identity(int) >> a == a
    assert a >> identity(int) == a
    expected = traced(a, x)
    # A named identity stays in the chain, adds no leaf and changes no path.
    unit = identity(int).named(name)
    assert traced(unit >> a, x) == expected
    assert traced(a >> unit, x) == expected
    assert traced(unit >> a >> unit, x) == expected


# --- 3. `(a & b) >> first == a` --------------------------------------------------------


@given(pool(2), inputs)
def test_fanout_then_first_is_the_left_step(leaves: tuple[IntLeaf, ...], x: int) -> None:
    a, b = map(int_leaf_step, leaves)
    assert run((a & b) >> first, x) == run(a, x) == Success(apply_all(leaves[:1], x))
    assert run(a & b, x) == Success((leaves[0].op.apply(x), leaves[1].op.apply(x)))


@given(program_lists(2), inputs)
def test_fanout_then_first_on_programs(trees: tuple[Tree, ...], x: int) -> None:
    a, b = builds(trees)
    paired, paired_calls = traced((a & b) >> first, x)
    alone, alone_calls = traced(a, x)
    other, other_calls = traced(b, x)
    if not is_successful(alone):
        # `a` fails first, under the same path: `b` never runs.
        assert (paired, paired_calls) == (alone, alone_calls)
    elif is_successful(other):
        assert paired == alone
        assert paired_calls == alone_calls + other_calls
    else:
        # `b` fails after `a` succeeded: the pair fails, on one of `b`'s leaves.
        assert failure_of(paired).attempts == failure_of(other).attempts
        assert paired_calls == alone_calls + other_calls


# --- 4. `map_each(a) >> map_each(b) == map_each(a >> b)` -------------------------------


@given(pool(2), st.lists(inputs, max_size=8))
def test_map_each_distributes_over_then(leaves: tuple[IntLeaf, ...], xs: list[int]) -> None:
    a, b = map(int_leaf_step, leaves)
    expected = Success([apply_all(leaves, x) for x in xs])
    assert run(map_each(a) >> map_each(b), xs) == run(map_each(a >> b), xs) == expected


@given(program_lists(2), st.lists(inputs, max_size=5))
def test_map_each_distributes_over_then_on_programs(trees: tuple[Tree, ...], xs: list[int]) -> None:
    a, b = builds(trees)
    split, split_calls = traced(map_each(a) >> map_each(b), xs)
    fused, fused_calls = traced(map_each(a >> b), xs)
    # Both fail, or both give the same list: the same calls happen, in another order.
    assert is_successful(split) == is_successful(fused)
    if is_successful(split):
        assert split == fused
        assert sorted(split_calls) == sorted(fused_calls)


# --- more laws: `both` and `branch` ----------------------------------------------------


@given(pool(4), inputs, inputs)
def test_both_interchanges_with_then(leaves: tuple[IntLeaf, ...], x: int, y: int) -> None:
    a, b, c, d = map(int_leaf_step, leaves)
    expected = Success(
        (leaves[2].op.apply(leaves[0].op.apply(x)), leaves[3].op.apply(leaves[1].op.apply(y)))
    )
    assert run(both(a, b) >> both(c, d), (x, y)) == run(both(a >> c, b >> d), (x, y)) == expected


@given(program_lists(4), inputs, inputs)
def test_both_interchanges_with_then_on_programs(trees: tuple[Tree, ...], x: int, y: int) -> None:
    a, b, c, d = builds(trees)
    split, _ = traced(both(a, b) >> both(c, d), (x, y))
    fused, _ = traced(both(a >> c, b >> d), (x, y))
    # `both(a, b) >> both(c, d)` runs b before c, the fused form c before b: when both
    # sides fail the first failure may differ, but success and output may not.
    assert is_successful(split) == is_successful(fused)
    if is_successful(split):
        assert split == fused


@given(pool(1), st.integers(2, 4), st.integers(0, 3), inputs)
def test_branch_with_equal_arms_is_the_arm(
    leaves: tuple[IntLeaf, ...], modulus: int, residue: int, x: int
) -> None:
    (a,) = map(int_leaf_step, leaves)
    predicate = pred_step(Pred(modulus, residue % modulus, "pick", 99))
    assert run(branch(predicate, a, a), x) == run(a, x)
    assert run(branch(predicate, a, identity(int)), x) == (
        run(a, x) if x % modulus == residue % modulus else Success(x)
    )


# --- the same laws, as a user states them of one step (lolpop.testing.laws.algebra) ------


@step
def collatz(x: int) -> int:
    """A step that fails on zero, so the laws meet failures too."""
    if x == 0:
        raise ValueError("zero has no Collatz successor here")
    return x // 2 if x % 2 == 0 else 3 * x + 1


check_laws(
    collatz,
    inputs,
    laws=(*ALGEBRA_LAWS, backends_agree([Local(max_workers=1), Local(max_workers=4)])),
)
