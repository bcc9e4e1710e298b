"""A fanout nested any way (`(a & b) & c`, `a & (b & c)`, named groups inside) gives
its outputs nested as its `&`s are: the Local backend runs it as one flat list of
branches (`FanoutShape`) and must put them back in the very shape the steps were
written in, and label it so."""

from __future__ import annotations

import itertools

from attrs import frozen
from hypothesis import given
from hypothesis import strategies as st

from lolpop import Step, make_step, run
from lolpop.backends import Local
from lolpop.core.step import FanoutShape


@frozen
class Add:
    """A branch: its input plus `number`."""

    number: int


@frozen
class Pair:
    """`left & right`; `named`: a group of its own (`(left & right).named(...)`)."""

    left: Add | Pair
    right: Add | Pair
    named: bool


def _trees() -> st.SearchStrategy[Add | Pair]:
    def extend(inner: st.SearchStrategy[Add | Pair]) -> st.SearchStrategy[Add | Pair]:
        return st.builds(Pair, inner, inner, st.booleans())

    return st.recursive(st.builds(Add, st.integers(0, 9)), extend, max_leaves=12)


def _built(tree: Add | Pair, names: itertools.count[int]) -> tuple[Step[int, object], str]:
    """The program of `tree`, and its label as `Step.label` writes it."""
    if isinstance(tree, Add):
        number = tree.number

        def add(x: int) -> int:
            return x + number

        name = f"s{next(names)}"
        return make_step(add, name=name), name
    (left, left_label), (right, right_label) = _built(tree.left, names), _built(tree.right, names)
    program: Step[int, object] = left & right
    if tree.named:
        name = f"g{next(names)}"
        return program.named(name), name
    return program, f"({left_label} & {right_label})"


def _expected(tree: Add | Pair, x: int) -> object:
    if isinstance(tree, Add):
        return x + tree.number
    return (_expected(tree.left, x), _expected(tree.right, x))


@given(st.builds(Pair, _trees(), _trees(), st.just(False)), st.integers(-5, 5))
def test_outputs_nest_as_written_on_every_local_flavour(tree: Pair, x: int) -> None:
    program, label = _built(tree, itertools.count())
    expected = _expected(tree, x)
    for backend in (Local(), Local(ledger=None, max_workers=1)):
        assert run(program, x, backend=backend).unwrap() == expected
    if len(FanoutShape.of(program).branches) <= 4:
        assert program.label == label
