"""`sklearn_model`: fits any scikit-learn estimator, and predicts with it.

Design notes:

- The estimator is named by an import path in a config
  (`sklearn.ensemble:RandomForestClassifier`, resolved under the allowed module prefixes
  only), or passed as a class or factory in Python
  (`sklearn_trainer(RandomForestClassifier, {"max_depth": 3})`).
- Settings are checked when the trainer is built, before any data is read: a parameter
  the estimator does not have is a `DefinitionError` naming it and the estimator, and a
  value scikit-learn's own parameter validation refuses is one too.
- Parameters are applied with `set_params`, so pipelines take nested names
  (`classifier__C`). The seed becomes every `random_state` the estimator has (its own
  and its steps'), unless the parameters set one explicitly.
- `fit` makes a fresh estimator for every call: fitting never changes a fitted model,
  and the same data and settings give the same model.
- A `FittedModel` keeps the feature columns it was fitted on; `predict` selects them
  from the frame it is given (extra columns, such as ids or the target, are ignored)
  and refuses a frame that lacks one, naming it. Probability columns are named by
  `str(label)` in the order of the estimator's `classes_`.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import (
    TYPE_CHECKING,
    Any,
    Literal,
    Protocol,
    TypeAlias,
    TypeVar,
    overload,
    runtime_checkable,
)

import numpy as np
import pandas as pd
from attrs import Factory, frozen

from lolpop.components._errors import DataError
from lolpop.components._kinds import make_kind, setting
from lolpop.components.records import (
    TASKS,
    Classification,
    FittedModel,
    Labelled,
    ModelTrainer,
    Predictions,
    Regression,
    Task,
    TaskKind,
)
from lolpop.config.registry import ComponentKind, resolve_class
from lolpop.core.decorator import make_step
from lolpop.errors import DefinitionError

if TYPE_CHECKING:
    from sklearn.base import ClassifierMixin, RegressorMixin
    from sklearn.pipeline import Pipeline

_K = TypeVar("_K", bound=TaskKind)

#: A value a config can give an estimator parameter.
ParamValue: TypeAlias = int | float | str | bool | None

#: `auto`: a classifier or a regressor as scikit-learn tells (`is_classifier`).
TaskChoice: TypeAlias = Literal["auto", "classification", "regression"]


@frozen
class TrainerSettings:
    """`type: sklearn_model`: the estimator, its parameters, the task and the seed."""

    #: An import path, `module:Class` (e.g. `sklearn.ensemble:RandomForestClassifier`).
    estimator: str
    params: Mapping[str, ParamValue] = Factory(dict)
    task: TaskChoice = "auto"
    #: Given to every `random_state` parameter of the estimator (None: leave them).
    seed: int | None = 0
    #: Module prefixes besides `lolpop` and `sklearn` that `estimator` may name.
    allow: tuple[str, ...] = ()


@runtime_checkable
class _Sklearn(Protocol):
    """A scikit-learn-compatible estimator, as far as lolpop uses one."""

    def get_params(self, deep: bool = True) -> Mapping[str, object]: ...

    def set_params(self, **params: object) -> object: ...

    def fit(self, X: pd.DataFrame, y: pd.Series, /) -> object: ...

    def predict(self, X: pd.DataFrame, /) -> object: ...


@runtime_checkable
class _Probabilistic(Protocol):
    def predict_proba(self, X: pd.DataFrame, /) -> object: ...


@frozen
class ModelSpec:
    """How to make one estimator: its factory, checked parameters, task and name."""

    factory: Callable[[], object]
    params: Mapping[str, ParamValue]
    task: Task
    name: str

    def make(self) -> _Sklearn:
        """A fresh, unfitted estimator with the parameters set."""
        estimator = self.factory()
        assert isinstance(estimator, _Sklearn)  # checked by make_spec
        estimator.set_params(**self.params)
        return estimator


def _some(names: Sequence[str], limit: int = 8) -> str:
    """`names` for a message: the first `limit` of them, and how many there are in all."""
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown}, ... ({len(names)} in all)"


def _describe(factory: Callable[..., object]) -> str:
    module = getattr(factory, "__module__", "")
    name = getattr(factory, "__qualname__", type(factory).__qualname__)
    return f"{module}.{name}" if module else str(name)


def _probe(factory: Callable[[], object], name: str) -> _Sklearn:
    try:
        estimator = factory()
    except TypeError as error:
        raise DefinitionError(
            f"cannot make the estimator {name} without arguments ({error}); pass a class or a "
            "function that takes none, and give parameters under `params`."
        ) from error
    if not isinstance(estimator, _Sklearn):
        raise DefinitionError(
            f"{name} makes a {type(estimator).__name__}, which is not a scikit-learn "
            "estimator (it needs get_params, set_params, fit and predict)."
        )
    return estimator


def _task_of(estimator: _Sklearn, task: TaskChoice, name: str) -> Task:
    from sklearn.base import is_classifier, is_regressor  # noqa: PLC0415 (heavy: imported on use)

    found: Task | None = (
        "classification"
        if is_classifier(estimator)
        else "regression"
        if is_regressor(estimator)
        else None
    )
    return _checked_task(found, task, name)


def _checked_task(found: Task | None, task: TaskChoice, name: str) -> Task:
    """The task of an estimator that is a `found` one, asked to do `task`."""
    if task == "auto":
        if found is None:
            raise DefinitionError(
                f"cannot tell whether {name} is a classifier or a regressor; set `task`."
            )
        return found
    if found is not None and found != task:
        raise DefinitionError(f"{name} is a {found} estimator, but the task is set to {task}.")
    return task


def _parameters_of(cls: type, name: str) -> tuple[str, ...]:
    """The constructor parameters of an estimator class, read from its signature (as
    scikit-learn's `get_params` does), without making one."""
    try:
        signature = inspect.signature(cls)
    except (TypeError, ValueError) as error:
        raise DefinitionError(f"cannot read the parameters of {name}: {error}.") from error
    found = []
    for parameter in signature.parameters.values():
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            raise DefinitionError(
                f"{name} takes *args; scikit-learn estimators name every parameter."
            )
        if parameter.kind is not inspect.Parameter.VAR_KEYWORD:
            found.append(parameter.name)
    return tuple(sorted(found))


def _check_known(label: str, given: Mapping[str, ParamValue], known: Sequence[str]) -> None:
    unknown = [p for p in given if p not in known]
    if unknown:
        hints = [
            f"{p!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
            for p in unknown
            for close in [difflib.get_close_matches(p, list(known), n=1, cutoff=0.6)]
        ]
        raise DefinitionError(
            f"{label} has no parameter{'s' if len(unknown) > 1 else ''} {', '.join(hints)}; "
            f"its parameters are: {', '.join(sorted(known))}."
        )


def _seeded(
    given: Mapping[str, ParamValue], known: Sequence[str], seed: int | None
) -> dict[str, ParamValue]:
    resolved: dict[str, ParamValue] = dict(given)
    if seed is not None:
        for key in known:
            if (key == "random_state" or key.endswith("__random_state")) and key not in given:
                resolved[key] = seed
    return resolved


def _class_spec(
    cls: type, params: Mapping[str, ParamValue], task: TaskChoice, seed: int | None, label: str
) -> ModelSpec:
    """A spec of a scikit-learn estimator class, checked as a class: its parameters from
    its signature, their values by its own `_parameter_constraints`, its task by its
    mixins. The class is not called, so `lolpop check` and dry runs run no estimator code."""
    from sklearn.base import ClassifierMixin, RegressorMixin  # noqa: PLC0415 (heavy: on use)
    from sklearn.utils._param_validation import (  # noqa: PLC0415
        InvalidParameterError,
        validate_parameter_constraints,
    )

    known = _parameters_of(cls, label)
    _check_known(label, params, known)
    resolved = _seeded(params, known, seed)
    constraints = getattr(cls, "_parameter_constraints", None)
    if isinstance(constraints, dict):
        try:
            validate_parameter_constraints(constraints, resolved, caller_name=cls.__name__)
        except InvalidParameterError as error:
            raise DefinitionError(f"bad parameters for {label}: {error}") from error
    found: Task | None = (
        "classification"
        if issubclass(cls, ClassifierMixin)
        else "regression"
        if issubclass(cls, RegressorMixin)
        else None
    )
    return ModelSpec(cls, resolved, _checked_task(found, task, label), label)


def make_spec(
    estimator: Callable[..., object],
    params: Mapping[str, ParamValue] | None = None,
    *,
    task: TaskChoice = "auto",
    seed: int | None = 0,
    name: str | None = None,
) -> ModelSpec:
    """A checked `ModelSpec`: `DefinitionError` for unknown parameters or refused values.

    A scikit-learn estimator class is checked as a class (never called); any other
    factory (a function making a `Pipeline`, in Python) is called once to be checked.
    """
    from sklearn.base import BaseEstimator  # noqa: PLC0415 (heavy: imported on use)

    label = name or _describe(estimator)
    given = dict(params or {})
    if isinstance(estimator, type) and issubclass(estimator, BaseEstimator):
        return _class_spec(estimator, given, task, seed, label)
    probe = _probe(estimator, label)
    known = probe.get_params(deep=True)
    _check_known(label, given, list(known))
    resolved = _seeded(given, list(known), seed)
    try:
        probe.set_params(**resolved)
        # scikit-learn checks values only when fitting; its own check, run now, reports a
        # bad value (`max_depth: 'deep'`) when the trainer is built instead.
        validate = getattr(probe, "_validate_params", None)
        if callable(validate):
            validate()
    except (TypeError, ValueError) as error:
        raise DefinitionError(f"bad parameters for {label}: {error}") from error
    return ModelSpec(estimator, resolved, _task_of(probe, task, label), label)


def _feature_names(frame: pd.DataFrame) -> tuple[str, ...]:
    names: list[object] = list(frame.columns)
    odd = [c for c in names if not isinstance(c, str)]
    if odd:
        raise DataError(
            f"the features need text column names; these are not: {', '.join(map(repr, odd))}."
        )
    return tuple(str(c) for c in frame.columns)


def fit_model(spec: ModelSpec, kind: type[_K], data: Labelled) -> FittedModel[_K]:
    """A fresh estimator of `spec` (a model of the task `kind`) fitted on `data`."""
    features = _feature_names(data.features)
    if len(data) == 0:
        raise DataError(f"cannot fit {spec.name} on training data with no rows.")
    estimator = spec.make()
    estimator.fit(data.features, data.target)
    classes: tuple[object, ...] = ()
    if kind is Classification:
        classes = tuple(np.asarray(getattr(estimator, "classes_", ())).tolist())
    target = data.target.name
    return FittedModel(
        estimator=estimator,
        task=kind,
        features=features,
        target=None if target is None else str(target),
        classes=classes,
        params=dict(spec.params),
    )


def _features_of(model: FittedModel[TaskKind], frame: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in model.features if c not in frame.columns]
    if missing:
        raise DataError(
            f"the frame to predict on lacks the feature column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(map(repr, missing))}, which the model was fitted on "
            f"(features: {_some(model.features)})."
        )
    return frame[list(model.features)]


def _probabilities(
    model: FittedModel[TaskKind], estimator: object, features: pd.DataFrame
) -> pd.DataFrame:
    if not isinstance(estimator, _Probabilistic):
        raise DataError(
            f"the model's {type(estimator).__name__} has no predict_proba, so it gives no "
            "class probabilities (some estimators need `probability: true`)."
        )
    matrix = np.asarray(estimator.predict_proba(features), dtype=np.float64)
    classes = model.classes or tuple(np.asarray(getattr(estimator, "classes_", ())).tolist())
    columns = [str(c) for c in classes] if len(classes) == matrix.shape[1] else None
    return pd.DataFrame(matrix, index=features.index, columns=columns)


def predict_model(model: FittedModel[TaskKind], frame: pd.DataFrame) -> Predictions:
    """The model's predictions on `frame` (with probabilities for a classifier that has them)."""
    features = _features_of(model, frame)
    values = np.asarray(model.estimator.predict(features))
    predicted = pd.Series(values, index=frame.index, name=model.target)
    probabilities = None
    if model.task is Classification and isinstance(model.estimator, _Probabilistic):
        probabilities = _probabilities(model, model.estimator, features)
    return Predictions(predicted, probabilities)


def predict_probabilities(model: FittedModel[TaskKind], frame: pd.DataFrame) -> pd.DataFrame:
    """One column per class (named `str(label)`), each row summing to 1."""
    if model.task is not Classification:
        raise DataError(
            f"the model is a {model.task.name} model ({type(model.estimator).__name__}): it "
            "predicts "
            "values, not class probabilities; use predict."
        )
    return _probabilities(model, model.estimator, _features_of(model, frame))


def spec_trainer(spec: ModelSpec, kind: type[_K]) -> ModelTrainer[_K]:
    """The trainer of a checked spec, for the task `kind` (the spec's own task)."""
    if spec.task != kind.name:
        raise DefinitionError(f"{spec.name} is a {spec.task} estimator, not a {kind.name} one.")

    def fit(data: Labelled) -> FittedModel[_K]:
        return fit_model(spec, kind, data)

    def predict(pair: tuple[FittedModel[_K], pd.DataFrame]) -> Predictions:
        return predict_model(*pair)

    def predict_proba(pair: tuple[FittedModel[_K], pd.DataFrame]) -> pd.DataFrame:
        return predict_probabilities(*pair)

    return ModelTrainer(
        fit=make_step(fit, name="fit", description=f"fit {spec.name}"),
        predict=make_step(predict, name="predict", description=f"predict with {spec.name}"),
        predict_proba=make_step(
            predict_proba, name="predict_proba", description="class probabilities"
        ),
        task=kind,
    )


@overload
def sklearn_trainer(
    estimator: Callable[[], ClassifierMixin],
    params: Mapping[str, ParamValue] | None = None,
    *,
    seed: int | None = 0,
    name: str | None = None,
) -> ModelTrainer[Classification]: ...
@overload
def sklearn_trainer(
    estimator: Callable[[], RegressorMixin],
    params: Mapping[str, ParamValue] | None = None,
    *,
    seed: int | None = 0,
    name: str | None = None,
) -> ModelTrainer[Regression]: ...
@overload
def sklearn_trainer(
    estimator: Callable[[], Pipeline],
    params: Mapping[str, ParamValue] | None = None,
    *,
    task: type[_K],
    seed: int | None = 0,
    name: str | None = None,
) -> ModelTrainer[_K]: ...
def sklearn_trainer(
    estimator: Callable[[], object],
    params: Mapping[str, ParamValue] | None = None,
    *,
    task: type[TaskKind] | None = None,
    seed: int | None = 0,
    name: str | None = None,
) -> ModelTrainer[Any]:
    """A trainer of `estimator` (a class, or a function of no arguments) with `params`.

    Its task is the estimator's (a scikit-learn classifier makes a
    `ModelTrainer[Classification]`, a regressor a `ModelTrainer[Regression]`, and mypy
    takes no other `task=` for them); a factory of a `Pipeline` says its task
    (`task=Classification`).
    """
    spec = make_spec(estimator, params, task=task.name if task else "auto", seed=seed, name=name)
    return spec_trainer(spec, TASKS[spec.task])


def estimator_class(reference: str, allow: tuple[str, ...] = ()) -> type:
    """The scikit-learn estimator class a config's `module:Class` names (checked as a
    class, under the allowed modules; never called here)."""
    from sklearn.base import BaseEstimator  # noqa: PLC0415 (heavy: imported on use)

    return resolve_class(
        reference,
        BaseEstimator,
        allow,
        what="scikit-learn estimator class (a subclass of sklearn.base.BaseEstimator)",
    )


def sklearn_model(settings: TrainerSettings) -> ModelTrainer[TaskKind]:
    """Fit a scikit-learn estimator named by its import path; predict with it (its task,
    known when it is built, is its `task`)."""
    with setting("estimator"):
        factory = estimator_class(settings.estimator, settings.allow)
    with setting("params"):
        spec = make_spec(
            factory,
            settings.params,
            task=settings.task,
            seed=settings.seed,
            name=settings.estimator.replace(":", "."),
        )
    # Typed for any task: the runner narrows it to its own after checking `task`.
    kind: type[TaskKind] = TASKS[spec.task]
    return spec_trainer(spec, kind)


KINDS: tuple[ComponentKind, ...] = (make_kind("sklearn_model", TrainerSettings, sklearn_model),)
