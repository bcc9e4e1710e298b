"""The table of scikit-learn's estimators (`lolpop.components._sklearn_api`) decides a
parameter's value as scikit-learn's own `validate_parameter_constraints` does, for every
value a config can give: a check answered from the table passes exactly what a check by
scikit-learn passes."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.utils._param_validation import InvalidParameterError, validate_parameter_constraints

from lolpop.components import _sklearn_api
from lolpop.components.sklearn_trainer import estimator_class
from lolpop.testing.profiles import scaled

_TABLE = _sklearn_api._table()
if _TABLE is None:  # another scikit-learn release than the table's
    pytest.skip("the table is not for the installed scikit-learn", allow_module_level=True)
#: Every estimator the table lists, with what it says of it.
_LISTED = {
    reference: listed
    for reference in sorted(_TABLE or {})
    for listed in [_sklearn_api.listed(reference)]
    if listed is not None
}

#: Every described parameter of every listed estimator.
_PARAMETERS = sorted(
    (reference, name)
    for reference, listed in _LISTED.items()
    for name, constraints in listed.constraints.items()
    if constraints is not None
)


def _near(constraints: object) -> st.SearchStrategy[object]:
    """Values at and beside the bounds and options the constraints name."""
    edges: list[object] = [math.nan, math.inf, -math.inf, 0, 0.0, 1, -1, True, False, None]
    for constraint in constraints if isinstance(constraints, list) else []:
        for bound in constraint.get("interval") or []:
            if isinstance(bound, int | float) and not isinstance(bound, bool):
                edges += [bound, bound - 1, bound + 1, float(bound)]
                edges += [math.nextafter(bound, -math.inf), math.nextafter(bound, math.inf)]
        edges += list(constraint.get("options") or [])
    return st.sampled_from(edges)


def _values(constraints: object) -> st.SearchStrategy[object]:
    return st.one_of(
        _near(constraints),
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**40), max_value=2**40),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from(["auto", "balanced", "l2", "sqrt", "", "None", "nan"]),
        st.text(max_size=8),
    )


def _scikit_learn_passes(reference: str, name: str, value: object) -> bool:
    cls = estimator_class(reference)
    try:
        validate_parameter_constraints(cls._parameter_constraints, {name: value}, cls.__name__)  # type: ignore[attr-defined]  # every listed class has them
    except InvalidParameterError:
        return False
    return True


@settings(max_examples=scaled(1.0, at_least=200))
@given(data=st.data(), parameter=st.sampled_from(_PARAMETERS))
def test_the_table_passes_what_scikit_learn_passes(
    data: st.DataObject, parameter: tuple[str, str]
) -> None:
    reference, name = parameter
    listed = _LISTED[reference]
    value = data.draw(_values(listed.constraints[name]), label="value")
    assert listed.accepts({name: value}) == _scikit_learn_passes(reference, name, value)


def test_nearly_every_parameter_is_described() -> None:
    every = [name for listed in _LISTED.values() for name in listed.constraints]
    assert len(_LISTED) >= 150
    assert len(_PARAMETERS) >= 0.99 * len(every)
