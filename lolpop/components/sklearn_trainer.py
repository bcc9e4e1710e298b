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
- Data is checked before scikit-learn sees it, so a data mistake is a `DataError` that
  names the column, the count and some rows, never scikit-learn's unnamed message:
  repeated column names; text in a numeric column (numbers in 90% of its rows), or any
  text for an estimator whose tags take numbers only; missing values for one whose tags
  take none; infinite values; and a target that is missing or infinite in some rows,
  text for a regressor, or of one class (or fractional numbers) for a classifier. A
  scikit-learn `Pipeline` (a bundle of encoder and model) reads raw values with its first
  step, so its features' values are left to that step (the column encoder's own checks).
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
    cast,
    overload,
    runtime_checkable,
)

import attrs
from attrs import Factory, field, frozen

from lolpop._lazy import np, pd
from lolpop.components import _facts, _sklearn_api
from lolpop.components._errors import (
    DataError,
    count_rows,
    in_rows,
    not_numbers,
    show_values,
    typos_among_numbers,
)
from lolpop.components._fitting import fitting
from lolpop.components._kinds import make_kind, setting
from lolpop.components.records import (
    TASKS,
    Classification,
    Fits,
    FittedModel,
    Labelled,
    ModelTrainer,
    Predictions,
    Regression,
    Task,
    TaskKind,
    is_encoded,
)
from lolpop.config.registry import ComponentKind, resolve_class
from lolpop.core.decorator import make_step
from lolpop.errors import DefinitionError, SettingError

if TYPE_CHECKING:
    import numpy.typing as npt
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
    #: The estimator's parameters, e.g. `{max_depth: 5}`.
    params: Mapping[str, ParamValue] = Factory(dict)
    #: `auto`: a classifier or a regressor as scikit-learn tells (`is_classifier`).
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
    #: Whether its models give class probabilities (`predict_proba`), which roc_auc,
    #: pr_auc and log_loss need; None when it cannot be told without fitting one.
    probabilities: bool | None = field(default=None, kw_only=True)

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
        # About `task`, not the parameters a config's check of them is made within.
        raise SettingError("task", f"{name} is a {found} estimator, but the task is set to {task}.")
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
    checked = _checked_task(found, task, label)
    proba = _class_probabilities(cls, resolved)
    return ModelSpec(cls, resolved, checked, label, probabilities=proba)


def _class_probabilities(cls: type, params: Mapping[str, ParamValue]) -> bool:
    """Whether a scikit-learn class with `params` gives class probabilities. Only a class
    whose `predict_proba` its parameters make available (`SVC(probability=...)`) is made
    to be asked: scikit-learn's constructors only keep their parameters."""
    found = _sklearn_api.probabilities_of(cls)
    if found != "depends":
        return found == "always"
    return hasattr(cls(**params), "predict_proba")


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
    return ModelSpec(
        estimator,
        resolved,
        _task_of(probe, task, label),
        label,
        probabilities=hasattr(probe, "predict_proba"),
    )


def _feature_names(frame: pd.DataFrame) -> tuple[str, ...]:
    names: list[object] = list(frame.columns)
    odd = [c for c in names if not isinstance(c, str)]
    if odd:
        raise DataError(
            f"the features need text column names; these are not: {', '.join(map(repr, odd))}."
        )
    _check_unique(frame, "the training features")
    return tuple(str(c) for c in frame.columns)


def _check_unique(frame: pd.DataFrame, where: str) -> None:
    if frame.columns.has_duplicates:
        twice = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
        raise DataError(
            f"more than one column of {where} is named {', '.join(map(repr, twice))}; give "
            "each column its own name (a model cannot tell which one it was fitted on).",
            column=twice[0],
        )


def _is_raw_pipeline(estimator: object) -> bool:
    """A scikit-learn `Pipeline` (a bundle of encoder and model): its first step reads
    the raw values, so the values are its business, not the trainer's."""
    from sklearn.pipeline import Pipeline  # noqa: PLC0415 (heavy: imported on use)

    return isinstance(estimator, Pipeline)


def _input_tags(estimator: object) -> tuple[bool, bool]:
    """Whether `estimator` takes missing values, and text (its scikit-learn tags; an
    estimator without tags is taken at its word: both)."""
    tags = getattr(estimator, "__sklearn_tags__", None)
    if not callable(tags):
        return True, True
    inputs = getattr(tags(), "input_tags", None)
    return (
        bool(getattr(inputs, "allow_nan", True)),
        bool(getattr(inputs, "string", True) or getattr(inputs, "categorical", True)),
    )


def _rows_of(frame: pd.DataFrame | pd.Series, mask: pd.Series | npt.NDArray[np.bool_]) -> str:
    """Some index labels of the rows `mask` picks, for a message."""
    return show_values(frame.index[np.asarray(mask, dtype=bool)].tolist())


def _check_features(name: str, estimator: object, frame: pd.DataFrame, where: str) -> None:
    """Refuse values scikit-learn would refuse without naming a column: text where the
    estimator takes numbers, missing values it cannot take, infinite values."""
    if _is_raw_pipeline(estimator):
        return
    allow_nan, takes_text = _input_tags(estimator)
    for column_name in frame.columns:
        column, label = frame[column_name], str(column_name)
        dtype = column.dtype
        if pd.api.types.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
            continue
        if not pd.api.types.is_numeric_dtype(dtype):
            _check_text(name, column, label, where, takes_text)
            continue
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
        missing = np.isnan(values)
        if missing.any() and not allow_nan:
            count = int(missing.sum())
            raise DataError(
                f"the column {label!r} of {where} is missing in "
                f"{in_rows(missing, frame.index)}, and {name} takes no "
                "missing values: impute them first (the column_encoder does, in a "
                "workflow), drop those rows, or use an estimator that takes them.",
                column=label,
                rows=count,
            )
        infinite = np.isinf(values)
        if infinite.any():
            count = int(infinite.sum())
            raise DataError(
                f"the column {label!r} of {where} is infinite in "
                f"{in_rows(infinite, frame.index)}; no estimator learns from "
                "or predicts on an infinite value. Replace or drop those rows.",
                column=label,
                rows=count,
            )


#: The largest float32 (scikit-learn's trees compute in it) and the largest number whose
#: square is a float64 (linear models' solvers square their features): past them,
#: scikit-learn refuses the data in its own words, or its solver overflows.
_FLOAT32_LARGEST = 3.4028234663852886e38  # float(np.finfo(np.float32).max), without NumPy
_SQUARE_LARGEST = 1e154


def _refuse_too_large(name: str, frame: pd.DataFrame, where: str, error: ValueError) -> None:
    """After scikit-learn refused `frame` (`error`): a `DataError` naming a numeric column
    that holds numbers too large for `name` (beyond float32 when the error says the
    estimator computes in it, else beyond what squares in float64), if one does; nothing
    otherwise (the refusal was not the numbers' size)."""
    in_float32 = "float32" in str(error)
    limit = _FLOAT32_LARGEST if in_float32 else _SQUARE_LARGEST
    for column_name in frame.columns:
        dtype = frame[column_name].dtype
        if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
            continue
        values = frame[column_name].to_numpy(dtype=np.float64, na_value=np.nan)
        large = np.abs(values) > limit
        if large.any():
            why = (
                f"it computes in float32, whose largest number is {limit:.3g}"
                if in_float32
                else f"its arithmetic squares them, which overflows above {limit:g}"
            )
            raise DataError(
                f"the column {str(column_name)!r} of {where} holds numbers too large for "
                f"{name} in {in_rows(large, frame.index)}, e.g. {values[large][0]:g}: {why}. "
                "Rescale the column (other units, or a log) or drop those rows.",
                column=str(column_name),
                rows=int(large.sum()),
            ) from error


def _check_text(name: str, column: pd.Series, label: str, where: str, takes_text: bool) -> None:
    """Refuse text among numbers (a typo), and any text for an estimator of numbers."""
    typos = typos_among_numbers(column)
    if typos.any():
        count = int(typos.sum())
        raise DataError(
            f"the numeric column {label!r} of {where} holds text in {count_rows(count)} of "
            f"{len(column)} ({show_values(column[typos].tolist())}; index "
            f"{_rows_of(column, typos)}). Fix or drop those rows; leave a value empty to mark "
            "it missing.",
            column=label,
            rows=count,
        )
    text = not_numbers(column)
    if text.any() and not takes_text:
        count = int(text.sum())
        raise DataError(
            f"the column {label!r} of {where} holds text in {count_rows(count)} of "
            f"{len(column)} ({show_values(column[text].tolist())}), and {name} takes numbers "
            "only: encode it first (the column_encoder does, in a workflow), or leave it out "
            "of the features.",
            column=label,
            rows=count,
        )


def _check_target(spec: ModelSpec, kind: type[TaskKind], target: pd.Series) -> None:
    """Refuse a target scikit-learn would refuse without naming it: missing or infinite
    values, text for a regressor, one class (or fractional numbers) for a classifier."""
    label = "the target" if target.name is None else f"the target {str(target.name)!r}"
    column = None if target.name is None else str(target.name)
    missing = target.isna().to_numpy()
    if missing.any():
        count = int(missing.sum())
        raise DataError(
            f"{label} is missing in {in_rows(missing, target.index)}; {spec.name} learns "
            "from rows with a target only. Drop or fill those rows before fitting.",
            column=column,
            rows=count,
        )
    numeric = pd.api.types.is_numeric_dtype(target.dtype) and not pd.api.types.is_bool_dtype(
        target.dtype
    )
    if kind is Regression and not numeric:
        text = not_numbers(target)
        if text.any():
            count = int(text.sum())
            raise DataError(
                f"{label} holds text in {count_rows(count)} of {len(target)} "
                f"({show_values(target[text].tolist())}); the regressor {spec.name} "
                "predicts numbers. Fix those rows, or use a classifier for labels.",
                column=column,
                rows=count,
            )
    values = target.to_numpy(dtype=np.float64) if numeric else np.zeros(len(target))
    infinite = np.isinf(values)
    if infinite.any():
        count = int(infinite.sum())
        raise DataError(
            f"{label} is infinite in {in_rows(infinite, target.index)}; no model learns from "
            "an infinite value. Fix or drop those rows.",
            column=column,
            rows=count,
        )
    if kind is Classification:
        classes = target.drop_duplicates().tolist()
        if len(classes) < 2:
            raise DataError(
                f"{label} holds one class only ({show_values(classes)} in all {len(target)} "
                f"rows); the classifier {spec.name} needs at least two classes to tell apart.",
                column=column,
                rows=len(target),
            )
        fractions = values != np.round(values)
        if fractions.any():
            count = int(fractions.sum())
            raise DataError(
                f"{label} holds fractional numbers in {count_rows(count)} of {len(target)} "
                f"({show_values(target[fractions].tolist())}), which are not class labels; "
                f"the classifier {spec.name} needs labels: use a regressor for quantities.",
                column=column,
                rows=count,
            )


def fit_model(spec: ModelSpec, kind: type[_K], data: Labelled) -> FittedModel[_K]:
    """A fresh estimator of `spec` (a model of the task `kind`) fitted on `data`.

    The data is checked first (`DataError` naming the column and the rows), so a data
    mistake never reaches scikit-learn to be refused in its own words."""
    features = _feature_names(data.features)
    if len(data) == 0:
        raise DataError(f"cannot fit {spec.name} on training data with no rows.", rows=0)
    if not features:
        raise DataError(f"cannot fit {spec.name} on training features with no columns.")
    estimator = spec.make()
    _check_features(spec.name, estimator, data.features, "the training features")
    _check_target(spec, kind, data.target)
    given = ", ".join(f"{key}={value!r}" for key, value in sorted(spec.params.items()))
    try:
        with fitting(f"fitting {spec.name} with {given or 'its default parameters'}"):
            estimator.fit(data.features, data.target)
    except ValueError as error:
        # The data passed lolpop's checks above, and each parameter scikit-learn's own
        # when the trainer was built: what is left is numbers too large for the
        # estimator's arithmetic, or how the parameters go together.
        _refuse_too_large(spec.name, data.features, "the training features", error)
        raise DefinitionError(
            f"{spec.name} refused to fit with {given or 'its default parameters'}: {error} "
            "(scikit-learn checks how parameters go together, and with the data's size, "
            "only when fitting; change them in `params`, or the search's `space`)."
        ) from error
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
        takes="encoded" if is_encoded(data.features) else "raw",
    )


def _check_encoding(model: FittedModel[TaskKind], frame: pd.DataFrame) -> None:
    """Refuse a raw frame to a model fitted on encoded features, and an encoded frame to
    a bundle that encodes its features itself: with numeric features only, both frames
    have the same column names, and the other one would be predicted on silently."""
    if model.takes == "encoded" and not is_encoded(frame):
        raise DataError(
            "the model was fitted on encoded features (an encoder's output), and the frame "
            "to predict on is not encoded: encode it with the same fitted encoder first, or "
            "predict with the bundle of the encoder and the model (`bundle_model`), which "
            "takes raw features."
        )
    if model.takes == "bundled" and is_encoded(frame):
        raise DataError(
            "the model encodes its features itself (a bundle of an encoder and a model), "
            "and the frame to predict on is already encoded: give it the raw features, or "
            "it would encode them twice."
        )


def _features_of(model: FittedModel[TaskKind], frame: pd.DataFrame) -> pd.DataFrame:
    _check_encoding(model, frame)
    wanted = set(model.features)
    _check_unique(
        frame.loc[:, [str(c) in wanted for c in frame.columns]], "the frame to predict on"
    )
    missing = [c for c in model.features if c not in frame.columns]
    if missing:
        raise DataError(
            f"the frame to predict on lacks the feature column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(map(repr, missing))}, which the model was fitted on "
            f"(features: {_some(model.features)}).",
            column=missing[0],
        )
    features = frame[list(model.features)]
    name = type(model.estimator).__name__
    _check_features(name, model.estimator, features, "the frame to predict on")
    return features


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


def predict_model(model: FittedModel[_K], frame: pd.DataFrame) -> Predictions[_K]:
    """The model's predictions on `frame` (with probabilities for a classifier that has them)."""
    features = _features_of(model, frame)
    try:
        values = np.asarray(model.estimator.predict(features))
    except ValueError as error:
        name = type(model.estimator).__name__
        _refuse_too_large(name, features, "the frame to predict on", error)
        raise
    predicted = pd.Series(values, index=frame.index, name=model.target)
    probabilities = None
    if model.task is Classification and isinstance(model.estimator, _Probabilistic):
        probabilities = _probabilities(model, model.estimator, features)
    return Predictions(predicted, probabilities, task=model.task)


def predict_probabilities(model: FittedModel[TaskKind], frame: pd.DataFrame) -> pd.DataFrame:
    """One column per class (named `str(label)`), each row summing to 1."""
    if model.task is not Classification:
        raise DataError(
            f"the model is a {model.task.name} model ({type(model.estimator).__name__}): it "
            "predicts "
            "values, not class probabilities; use predict."
        )
    return _probabilities(model, model.estimator, _features_of(model, frame))


def of_kind(model: FittedModel[TaskKind], kind: type[_K]) -> FittedModel[_K]:
    """`model`, refused unless it is a model of the task `kind`: a trainer predicts with
    models of its own task (mypy says so of typed steps; this, of steps wired where it
    did not look, which would hand on a regressor's values as class labels)."""
    if model.task is not kind:
        raise DataError(
            f"the model is a {model.task.name} model ({type(model.estimator).__name__}); "
            f"this trainer predicts with {kind.name} models. Give it the model its own fit "
            "step made, or use the trainer of that model's task."
        )
    return cast("FittedModel[_K]", model)


def spec_trainer(spec: ModelSpec, kind: type[_K]) -> ModelTrainer[_K]:
    """The trainer of a checked spec, for the task `kind` (the spec's own task)."""
    if spec.task != kind.name:
        raise DefinitionError(f"{spec.name} is a {spec.task} estimator, not a {kind.name} one.")

    def fit(data: Labelled) -> FittedModel[_K]:
        return fit_model(spec, kind, data)

    def predict(pair: tuple[FittedModel[_K], pd.DataFrame]) -> Predictions[_K]:
        return predict_model(of_kind(pair[0], kind), pair[1])

    def predict_proba(pair: tuple[FittedModel[_K], pd.DataFrame]) -> pd.DataFrame:
        return predict_probabilities(of_kind(pair[0], kind), pair[1])

    return ModelTrainer(
        fit=make_step(fit, name="fit", description=f"fit {spec.name}"),
        predict=make_step(predict, name="predict", description=f"predict with {spec.name}"),
        predict_proba=make_step(
            predict_proba, name="predict_proba", description="class probabilities"
        ),
        task=kind,
        fits=Fits(spec.name, dict(spec.params), probabilities=spec.probabilities),
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
    choice: TaskChoice = "auto"
    if task is not None:
        if task.name == "forecasting":
            raise DefinitionError(
                "a scikit-learn estimator is a classifier or a regressor; a forecast is made "
                "by a regressor over features of the past (the forecasting runner's trainer)."
            )
        choice = task.name
    spec = make_spec(estimator, params, task=choice, seed=seed, name=name)
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


@frozen
class _Named:
    """The estimator class a config's reference names, imported when a run first makes
    one (the factory of a spec built from a kept check, `config_spec`)."""

    reference: str
    allow: tuple[str, ...]

    def __call__(self) -> object:
        return estimator_class(self.reference, self.allow)()


def _is_sklearn(reference: str) -> bool:
    module = reference.partition(":")[0]
    return module == "sklearn" or module.startswith("sklearn.")


def _kept_spec(
    reference: str,
    allow: tuple[str, ...],
    params: Mapping[str, ParamValue],
    seed: int | None,
    question: Mapping[str, object],
) -> ModelSpec | None:
    """The spec a kept check of `reference` gives for `question`, if one was kept."""
    answer = _facts.recall(reference, question)
    if not isinstance(answer, dict):
        return None
    known, task, proba = answer.get("known"), answer.get("task"), answer.get("proba")
    if not isinstance(known, list) or not all(isinstance(k, str) for k in known):
        return None
    if task not in ("classification", "regression") or not isinstance(proba, bool):
        return None
    checked: Task = "classification" if task == "classification" else "regression"
    name = reference.replace(":", ".")
    _check_known(name, params, known)
    resolved = _seeded(params, known, seed)
    return ModelSpec(_Named(reference, allow), resolved, checked, name, probabilities=proba)


def _listed_spec(
    reference: str,
    allow: tuple[str, ...],
    params: Mapping[str, ParamValue],
    task: TaskChoice,
    seed: int | None,
) -> ModelSpec | None:
    """The spec the table of scikit-learn's estimators (`_sklearn_api`) gives, when it
    lists `reference`, lets every parameter pass and tells whether its models give
    probabilities whatever the parameters; None leaves the check to scikit-learn (which
    refuses in its own words what the table would not pass)."""
    entry = _sklearn_api.listed(reference)
    if entry is None:
        return None
    resolved = _seeded(params, entry.params, seed)
    if not entry.accepts(resolved):
        return None
    found: Task | None = (
        "classification"
        if entry.task == "classification"
        else "regression"
        if entry.task == "regression"
        else None
    )
    if found is None or task not in ("auto", found) or entry.probabilities == "depends":
        return None
    name = reference.replace(":", ".")
    proba = entry.probabilities == "always"
    return ModelSpec(_Named(reference, allow), resolved, found, name, probabilities=proba)


def config_spec(
    reference: str,
    allow: tuple[str, ...],
    params: Mapping[str, ParamValue],
    *,
    task: TaskChoice,
    seed: int | None,
    within: str = "params",
) -> ModelSpec:
    """The checked spec of the estimator a config names (`module:Class`) with `params`;
    an error in the reference is about the `estimator` setting, one in the parameters
    about `within`.

    A check of one of scikit-learn's own estimators is answered without importing
    scikit-learn (~0.6 s of a `lolpop check`) from the table of its estimators lolpop
    ships (`_sklearn_api`, for the installed release), else from a check of it that
    passed before and was kept (`_facts`, in the same environment); the class is imported
    when a run makes the estimator.
    """
    question: dict[str, object] = {"params": dict(params), "task": task, "seed": seed}
    if _is_sklearn(reference):
        known = _listed_spec(reference, allow, params, task, seed) or _kept_spec(
            reference, allow, params, seed, question
        )
        if known is not None:
            return known
    with setting("estimator"):
        factory = estimator_class(reference, allow)
    name = reference.replace(":", ".")
    with setting(within):
        spec = make_spec(factory, params, task=task, seed=seed, name=name)
    if _is_sklearn(reference):
        modules = (reference.partition(":")[0], factory.__module__, "sklearn", __name__)
        answer = {
            "known": list(_parameters_of(factory, name)),
            "task": spec.task,
            "proba": spec.probabilities,
        }
        _facts.remember(reference, question, answer, modules)
    # Named as a kept check names it, so a step holding the spec is the same step (the
    # same cache key, for `--resume`) whether its check was kept or not.
    return attrs.evolve(spec, factory=_Named(reference, allow))


def sklearn_model(settings: TrainerSettings) -> ModelTrainer[TaskKind]:
    """Fit a scikit-learn estimator named by its import path; predict with it (its task,
    known when it is built, is its `task`)."""
    spec = config_spec(
        settings.estimator,
        settings.allow,
        settings.params,
        task=settings.task,
        seed=settings.seed,
    )
    # Typed for any task: the runner narrows it to its own after checking `task`.
    kind: type[TaskKind] = TASKS[spec.task]
    return spec_trainer(spec, kind)


KINDS: tuple[ComponentKind, ...] = (make_kind("sklearn_model", TrainerSettings, sklearn_model),)
