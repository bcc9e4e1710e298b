"""scikit-learn's estimators as data, so a check of a config need not import scikit-learn.

Checking `estimator: sklearn.linear_model:LogisticRegression` with its `params` asks four
things of scikit-learn: the constructor's parameter names, whether the class is a
classifier or a regressor, whether each value meets the class's own
`_parameter_constraints`, and whether its models give class probabilities (roc_auc,
pr_auc and log_loss need them). Importing scikit-learn (and SciPy with it) to ask them is
~0.6 s of a `lolpop check` that otherwise takes ~0.45 s (issue 16). So lolpop ships the
answers for one scikit-learn release as a table (`sklearn_api.json`), written from that
release by `python -m lolpop.components._sklearn_api`.

- The table is read only when the installed scikit-learn is the release it was written
  from (its version, read from the installed distribution's metadata, not by importing).
- It answers only what it holds exactly: a reference to one of scikit-learn's public
  estimators (`module:Class`, as lolpop's own resolution finds it), parameters the class
  has, values each of its constraints can be decided for from the value alone (numbers
  in an interval, one of some options, an instance of a type, None, NaN). Anything else
  (another release, another reference, a parameter the class lacks, a value refused, a
  constraint the table could not describe, a class whose `predict_proba` depends on its
  parameters, as `SVC`'s on `probability`) goes to scikit-learn's own check, which
  refuses with its own words: the table never refuses, it only lets a check pass.
- A value a config gives is `None`, a bool, an int, a float or a string; each constraint
  is written as the kinds of value it takes, with the interval or options it bounds them
  to. `property_tests/test_sklearn_api.py` checks the table's verdicts against
  scikit-learn's on drawn values; `tests/components/test_sklearn_api.py` that the
  table is the installed release's, when it is that release.
"""

from __future__ import annotations

import functools
import inspect
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from attrs import frozen

if TYPE_CHECKING:
    from sklearn.utils._param_validation import _Constraint

#: The table lolpop ships, for the scikit-learn release it names.
TABLE = Path(__file__).with_name("sklearn_api.json")
#: Bumped when the table's layout changes (a table of another layout is not read).
_LAYOUT = 2
#: Whether a class's models give class probabilities: it has `predict_proba` (`always`),
#: has none (`never`), or has one that its parameters make available or not (`depends`:
#: scikit-learn's `available_if`, e.g. `SVC(probability=...)`).
Probabilities = Literal["always", "never", "depends"]
#: The kinds of value a config can give a parameter, with a value of each (a constraint
#: that depends on a value's type alone is written as the kinds whose value meets it).
SAMPLES: Mapping[str, object] = {
    "none": None,
    "bool": True,
    "int": 1,
    "float": 0.5,
    "str": "x",
}


def kind_of(value: object) -> str | None:
    """The kind of a parameter's value (`SAMPLES`), or None for any other value."""
    if value is None:
        return "none"
    for kind in ("bool", "int", "float", "str"):
        if type(value) is type(SAMPLES[kind]):
            return kind
    return None


@frozen
class Listed:
    """What the table says of one estimator class."""

    #: The constructor's parameters, sorted.
    params: tuple[str, ...]
    #: "classification", "regression", or None when the class is neither.
    task: str | None
    #: Whether its models give class probabilities (`Probabilities`).
    probabilities: Probabilities
    #: Each constrained parameter's constraints (any one met is enough), as written; a
    #: parameter the table could not describe is None.
    constraints: Mapping[str, Sequence[Mapping[str, object]] | None]

    def accepts(self, params: Mapping[str, object]) -> bool:
        """Whether scikit-learn's own check passes `params`, as far as the table can
        tell: False when it refuses them or the table cannot decide."""
        for name, value in params.items():
            if name not in self.params:
                return False
            if name not in self.constraints:
                continue  # not constrained: scikit-learn lets any value pass
            constraints = self.constraints[name]
            kind = kind_of(value)
            if constraints is None or kind is None:
                return False
            if not any(meets(value, kind, c) for c in constraints):
                return False
        return True


def meets(value: object, kind: str, constraint: Mapping[str, object]) -> bool:
    """Whether `value` (of `kind`) meets one constraint as the table writes it."""
    kinds = constraint.get("kinds")
    if not isinstance(kinds, list) or kind not in kinds:
        return False
    if "interval" in constraint:
        return _within(value, constraint)
    if "options" in constraint:
        options = constraint["options"]
        return isinstance(options, list) and value in options
    if constraint.get("nan") is True:
        return isinstance(value, float) and math.isnan(value)
    return True


def _within(value: object, constraint: Mapping[str, object]) -> bool:
    """scikit-learn's `Interval.__contains__` on a number of a kind the interval takes."""
    bounds, closed = constraint["interval"], constraint.get("closed")
    if not isinstance(value, int | float) or not isinstance(bounds, list) or len(bounds) != 2:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    left = -math.inf if bounds[0] is None else bounds[0]
    right = math.inf if bounds[1] is None else bounds[1]
    if not isinstance(left, int | float) or not isinstance(right, int | float):
        return False
    below = value < left if closed in ("left", "both") else value <= left
    above = value > right if closed in ("right", "both") else value >= right
    return not below and not above


def _installed() -> str | None:
    try:
        return metadata.version("scikit-learn")
    except metadata.PackageNotFoundError:
        return None


@functools.cache
def _table() -> Mapping[str, object] | None:
    """The shipped table's estimators, when it is whole and for the installed release."""
    try:
        table: object = json.loads(TABLE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(table, dict) or table.get("layout") != _LAYOUT:
        return None
    estimators = table.get("estimators")
    if table.get("sklearn") != _installed() or not isinstance(estimators, dict):
        return None
    return estimators


def listed(reference: str) -> Listed | None:
    """What the table says of the estimator class `reference` names (`module:Class`),
    or None when the table is not for the installed release or does not list it."""
    estimators = _table()
    entry = estimators.get(reference) if estimators is not None else None
    if not isinstance(entry, dict):
        return None
    params, task, constraints = entry.get("params"), entry.get("task"), entry.get("constraints")
    if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
        return None
    if task not in ("classification", "regression", None) or not isinstance(constraints, dict):
        return None
    proba = entry.get("proba")
    if proba not in ("always", "never", "depends"):
        return None
    return Listed(tuple(params), task, proba, constraints)


# --- writing the table (imports scikit-learn) ---------------------------------------------


#: The kinds an interval may take.
_NUMBERS = ("bool", "int", "float")


class _Undescribed(Exception):
    """A constraint the table cannot describe exactly."""


def _kinds_meeting(constraint: _Constraint) -> list[str]:
    return [kind for kind, sample in SAMPLES.items() if constraint.is_satisfied_by(sample)]


def _scalar(value: object) -> object:
    """A bound or an option as JSON holds it exactly, else `_Undescribed`."""
    if value is None or type(value) in (bool, int, float, str):
        return value
    raise _Undescribed(repr(value))


def _leaves(constraint: _Constraint) -> Iterator[dict[str, object]]:
    """One scikit-learn constraint (made by its `make_constraint`) as the table writes it."""
    from sklearn.utils import _param_validation as pv  # noqa: PLC0415 (writing only)

    # Constraints made of others (random_state, boolean, verbose, cv, missing values).
    composite = (
        pv._RandomStates,
        pv._Booleans,
        pv._VerboseHelper,
        pv._CVObjects,
        pv.MissingValues,
    )
    # Constraints that depend on a value's type alone.
    by_type = (
        pv._InstancesOf,
        pv._ArrayLikes,
        pv._SparseMatrices,
        pv._Callables,
        pv.HasMethods,
        pv._IterablesNotString,
        pv._PandasNAConstraint,
        pv._NoneConstraint,
    )
    if isinstance(constraint, composite):
        for part in constraint._constraints:
            yield from _leaves(part)
    elif isinstance(constraint, pv.Interval):
        yield {
            "kinds": [
                k for k in ("bool", "int", "float") if isinstance(SAMPLES[k], constraint.type)
            ],
            "interval": [_scalar(constraint.left), _scalar(constraint.right)],
            "closed": constraint.closed,
        }
    elif isinstance(constraint, pv.Options):
        options = sorted(constraint.options, key=repr)
        kinds = [k for k, v in SAMPLES.items() if isinstance(v, constraint.type)]
        yield {"kinds": kinds, "options": [_scalar(option) for option in options]}
    elif isinstance(constraint, pv._NanConstraint):
        yield {"kinds": ["float"], "nan": True}
    elif type(constraint) in by_type:
        yield {"kinds": _kinds_meeting(constraint)}
    else:
        raise _Undescribed(type(constraint).__name__)


def _constraints_of(cls: type) -> dict[str, list[dict[str, object]] | None]:
    from sklearn.utils._param_validation import make_constraint  # noqa: PLC0415

    written: dict[str, list[dict[str, object]] | None] = {}
    for name, constraints in getattr(cls, "_parameter_constraints", {}).items():
        if isinstance(constraints, str) and constraints == "no_validation":
            continue
        try:
            leaves = (leaf for c in constraints for leaf in _leaves(make_constraint(c)))
            # A constraint no value of a config's kinds meets is left out.
            written[name] = [leaf for leaf in leaves if leaf["kinds"]]
        except _Undescribed:
            written[name] = None
    return written


def _public_references() -> Iterator[tuple[str, type]]:
    """Every `module:Class` of a public scikit-learn module naming one of its estimators."""
    import importlib  # noqa: PLC0415
    import pkgutil  # noqa: PLC0415

    import sklearn  # noqa: PLC0415
    from sklearn.utils import all_estimators  # noqa: PLC0415

    estimators = {cls for _, cls in all_estimators()}
    for found in pkgutil.walk_packages(sklearn.__path__, "sklearn."):
        parts = found.name.split(".")
        if any(p.startswith("_") or p in ("tests", "externals", "experimental") for p in parts):
            continue
        module = importlib.import_module(found.name)
        for name in sorted(getattr(module, "__all__", ())):
            try:
                value = getattr(module, name, None)
            except ImportError:  # an experimental estimator, not enabled
                continue
            if isinstance(value, type) and value in estimators:
                yield f"{found.name}:{name}", value


def probabilities_of(cls: type) -> Probabilities:
    """Whether an estimator class's models give class probabilities, read from the class
    (none is made)."""
    from sklearn.utils._available_if import _AvailableIfDescriptor  # noqa: PLC0415

    found = inspect.getattr_static(cls, "predict_proba", None)
    if found is None:
        return "never"
    return "depends" if isinstance(found, _AvailableIfDescriptor) else "always"


def describe() -> dict[str, object]:
    """The table of the installed scikit-learn (imports it, and every public module)."""
    from sklearn.base import ClassifierMixin, RegressorMixin  # noqa: PLC0415

    from lolpop.components.sklearn_trainer import (  # noqa: PLC0415 (a cycle otherwise)
        _parameters_of,
        estimator_class,
    )
    from lolpop.errors import DefinitionError  # noqa: PLC0415

    estimators: dict[str, object] = {}
    for reference, cls in _public_references():
        try:
            if estimator_class(reference) is not cls:
                continue
            params = _parameters_of(cls, reference)
        except DefinitionError:
            continue
        task = (
            "classification"
            if issubclass(cls, ClassifierMixin)
            else "regression"
            if issubclass(cls, RegressorMixin)
            else None
        )
        estimators[reference] = {
            "params": list(params),
            "task": task,
            "proba": probabilities_of(cls),
            "constraints": _constraints_of(cls),
        }
    return {"layout": _LAYOUT, "sklearn": _installed(), "estimators": estimators}


def main() -> None:
    """Write the table of the installed scikit-learn over the shipped one."""
    TABLE.write_text(json.dumps(describe(), sort_keys=True, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {TABLE} for scikit-learn {_installed()}")


if __name__ == "__main__":
    main()
