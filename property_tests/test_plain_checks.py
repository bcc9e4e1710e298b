"""A step whose types are plain classes is checked with `isinstance`, not beartype: the two
decide the same for every value, and the wiring check's `issubclass` path agrees with
beartype's `is_subhint` (with PEP 484's numeric tower) for every pair of classes."""

from __future__ import annotations

import enum
from collections.abc import Callable

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
