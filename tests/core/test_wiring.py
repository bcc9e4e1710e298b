"""The build-time wiring check: types that do not fit are refused when composing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import pytest

from lolpop import Step, WiringError, branch, fanout, identity, make_step, map_each, step, then
from lolpop.core._hints import fits
from tests.steps import inc, is_even, to_text

_T = TypeVar("_T")


@step
def length(s: str) -> int:
    return len(s)


@step
def half(x: float) -> float:
    return x / 2


@step
def to_int(x: float) -> int:
    return int(x)


def test_mismatch_names_both_steps_and_both_types() -> None:
    with pytest.raises(WiringError) as raised:
        to_text >> inc  # type: ignore[operator]  # the mis-wiring under test
    error = raised.value
    assert str(error).startswith(
        "cannot connect 'to_text' to 'inc' with >>: 'to_text' outputs str, but 'inc' expects int."
    )
    assert (error.left, error.right, error.provided, error.expected) == (
        "to_text",
        "inc",
        "str",
        "int",
    )
    assert error.combinator == ">>"


def test_mismatch_inside_longer_chains_names_the_adjacent_steps() -> None:
    with pytest.raises(WiringError, match="cannot connect 'to_text' to 'inc'"):
        then(inc >> to_text, inc >> inc)  # type: ignore[misc]  # the mis-wiring under test


def test_named_chains_are_named_in_the_error() -> None:
    prepare = (inc >> to_text).named("prepare")
    with pytest.raises(WiringError, match="cannot connect 'prepare' to 'inc'"):
        prepare >> inc  # type: ignore[operator]  # the mis-wiring under test


def test_subtype_output_fits_supertype_input() -> None:
    assert (is_even >> inc)(3) == 1  # bool is an int


def test_numeric_tower_int_fits_float_as_in_mypy() -> None:
    # mypy accepts an int where a float is expected; the runtime check agrees, and the
    # call-time check of `half` accepts the int too.
    assert (inc >> half)(3) == 2.0


def test_float_does_not_fit_int() -> None:
    with pytest.raises(WiringError, match="'half' outputs float, but 'inc' expects int"):
        half >> inc  # type: ignore[operator]  # the mis-wiring under test


def test_generic_and_any_steps_fit_anything() -> None:
    def passthrough(x: _T) -> _T:
        return x

    def anything(x: Any) -> Any:
        return x

    assert (inc >> make_step(passthrough) >> inc)(1) == 3
    assert (to_text >> make_step(anything) >> length)(100) == 3
    unknown: Step[int, int] = identity()
    assert unknown.in_type is Any
    assert (unknown >> inc)(1) == 2


def test_fanout_refuses_unrelated_inputs() -> None:
    with pytest.raises(WiringError, match="cannot give one input to both 'inc' and 'length'"):
        fanout(inc, length)


def test_fanout_takes_the_narrower_input() -> None:
    @step
    def describe(x: object) -> str:
        return type(x).__name__

    assert fanout(describe, inc).in_type is int
    assert fanout(inc, describe).in_type is int


def test_branch_refuses_arms_of_different_outputs() -> None:
    with pytest.raises(
        WiringError,
        match="arms of a branch must output the same type: 'inc' outputs int, 'to_text' outputs str",
    ):
        branch(is_even, inc, to_text)  # type: ignore[misc]  # the mis-wiring under test


def test_branch_refuses_a_predicate_that_is_not_bool() -> None:
    with pytest.raises(
        WiringError, match="predicate 'to_text' of a branch must output bool, not str"
    ):
        branch(to_text, inc, inc)  # type: ignore[arg-type]  # the mis-wiring under test


def test_map_each_lifts_the_types() -> None:
    mapped = map_each(to_text)
    assert mapped.in_type == Sequence[int]
    assert mapped.out_type == list[str]
    with pytest.raises(
        WiringError,
        match="outputs list\\[str\\], but 'map_each\\(inc\\)' expects Sequence\\[int\\]",
    ):
        mapped >> map_each(inc)  # type: ignore[arg-type]  # the mis-wiring under test


@pytest.mark.parametrize(
    ("provided", "expected", "result"),
    [
        (int, int, True),
        (bool, int, True),
        (int, float, True),
        (float, complex, True),
        (float, int, False),
        (list[int], Sequence[int], True),
        (list[int], Sequence[float], True),
        (Sequence[int], list[int], False),
        (tuple[int, str], tuple[int, str], True),
        (tuple[int, str], tuple[str, int], False),
        (int, int | None, True),
        (int | None, int, False),
        (Any, str, True),
        (str, object, True),
    ],
)
def test_fits(provided: object, expected: object, result: bool) -> None:
    assert fits(provided, expected) is result
