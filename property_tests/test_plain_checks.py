"""A step whose types are plain classes is checked with `isinstance`, not beartype: the two
decide the same for every value, and the wiring check's `issubclass` path agrees with
beartype's `is_subhint` (with PEP 484's numeric tower) for every pair of classes."""

from __future__ import annotations

import enum
import operator
import types
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import attrs
import numpy as np
import pandas as pd
from beartype.door import is_bearable, is_subhint
from hypothesis import given
from hypothesis import strategies as st

from lolpop import StepFailure, make_step
from lolpop.core import _hints


class _Colour(enum.Enum):
    RED = 1


@attrs.frozen
class _Base:
    value: int


@attrs.frozen
class _Derived(_Base):
    extra: str


#: Plain classes a step might declare: builtins (with the tower's), a subclass pair,
#: an enum, pandas and numpy types, `object` and `NoneType`.
_CLASSES: tuple[type, ...] = (
    int,
    float,
    complex,
    bool,
    str,
    bytes,
    list,
    dict,
    tuple,
    _Base,
    _Derived,
    _Colour,
    pd.DataFrame,
    pd.Series,
    np.ndarray,
    object,
    type(None),
)

_VALUES = st.one_of(
    st.integers(),
    st.booleans(),
    st.floats(allow_nan=True),
    st.complex_numbers(allow_nan=True),
    st.text(max_size=3),
    st.binary(max_size=3),
    st.none(),
    st.lists(st.integers(), max_size=2),
    st.tuples(st.integers()),
    st.dictionaries(st.text(max_size=1), st.integers(), max_size=1),
    st.builds(_Base, st.integers()),
    st.builds(_Derived, st.integers(), st.text(max_size=2)),
    st.just(_Colour.RED),
    st.just(pd.DataFrame({"a": [1]})),
    st.just(pd.Series([1.0])),
    st.just(np.zeros(2)),
)


def _checked(cls: type) -> Callable[[object], object]:
    def echo(x: object) -> object:
        return x

    echo.__annotations__ = {"x": cls, "return": cls}
    return make_step(echo)


def _passes(call: Callable[[object], object], value: object) -> bool:
    try:
        call(value)
    except StepFailure:
        return False
    return True


@given(st.sampled_from(_CLASSES), _VALUES)
def test_a_plain_class_check_decides_as_beartype_does(cls: type, value: object) -> None:
    assert _hints.plain_class(cls) is cls
    expected = is_bearable(value, cls, conf=_hints.check_conf())  # type: ignore[arg-type]  # any class, drawn at run time
    assert _passes(_checked(cls), value) == expected


def test_plain_classes_fit_where_beartype_says_they_do() -> None:
    # Every pair (17 x 17): few enough to try them all rather than draw some.
    for provided in _CLASSES:
        for wanted in _CLASSES:
            beartype_says = is_subhint(provided, wanted) or is_subhint(
                provided, _hints._widen(wanted)
            )
            # (`fits` lets `object` fit anything, as mypy's `Any`: its class path is compared)
            ours = _hints._fits_cached.__wrapped__(provided, wanted)
            assert ours == beartype_says, (provided, wanted)


_T = TypeVar("_T")


@attrs.frozen
class _Box(Generic[_T]):
    inside: _T


#: `_Box`, subscripted at run time with drawn hints.
_BOX: Any = _Box

#: Hints built of the plain classes, `Any`, tuples, lists, generic records and unions.
_HINTS = st.recursive(
    st.sampled_from((*_CLASSES, Any)),
    lambda inner: st.one_of(
        st.builds(lambda a, b: types.GenericAlias(tuple, (a, b)), inner, inner),
        st.builds(lambda a: types.GenericAlias(tuple, (a, ...)), inner),
        st.builds(lambda a: types.GenericAlias(list, (a,)), inner),
        st.builds(lambda a: _BOX[a], inner),
        st.builds(operator.or_, inner, inner).filter(lambda h: h is not Any),
    ),
    max_leaves=4,
)


@given(_HINTS, _HINTS)
def test_hints_alike_but_for_any_fit_as_beartype_finds(provided: object, wanted: object) -> None:
    # `_alike` answers without beartype (not imported by `lolpop check`); it may only say
    # "fits" where beartype does.
    if _hints._alike(provided, wanted):
        assert is_subhint(provided, wanted) or is_subhint(provided, _hints._widen(wanted))


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=3),
        st.lists(st.integers() | st.text(max_size=2) | st.none(), min_size=1, max_size=3),
        max_size=3,
    )
)
def test_a_grid_is_scikit_learns_parameter_grid(space: dict[str, list[object]]) -> None:
    from sklearn.model_selection import ParameterGrid  # noqa: PLC0415

    from lolpop.components.tuner import _grid  # noqa: PLC0415

    assert [dict(point) for point in _grid(space)] == list(ParameterGrid(space))  # type: ignore[arg-type]  # drawn values are ParamValues
