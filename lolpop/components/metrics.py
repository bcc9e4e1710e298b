"""Metrics of predictions against the truth: `classification_metrics`, `regression_metrics`.

Design notes:

- Every metric is scikit-learn's own function; lolpop only chooses its arguments, so a
  value here equals the one a user computes with scikit-learn by hand (a property test
  checks it). `compute_metrics`, `GREATER_IS_BETTER` and `is_better` are public: the
  tuner, the model checker and the runners score and compare with the same code.
- One workflow, one kind of number: a `Scorer` is how a workflow scores (its task, the
  metrics it reports, `average` and `pos_label`). The metrics components built here are
  `SklearnMetrics`, which carry theirs (`scorer_of`); the tuner and the baseline checker
  are `Rescorable`, and the train pipeline makes them score by its metrics component's
  scorer (`scored_alike`). So the tuner's trials, the baseline, the test metrics and the
  approval rule (which compares the test metrics) are all, say, weighted f1, set once
  under `metrics:`.
- Classification labels are compared as text (`str(label)`): the probability columns of
  `Predictions` are named by `str(label)`, and this makes the truth, the predicted
  values and those columns one vocabulary.
- Binary problems (two classes) score f1, precision and recall of the positive class,
  the second class in the model's order (its probability columns; the natural order of
  the labels when there are no probabilities), as scikit-learn's `pos_label` does for
  `[0, 1]` or `[False, True]`; `pos_label` names another (compared as text, so `1`
  matches the label `1`), and a `pos_label` that is not one of the two classes is a
  `DataError`. Problems of three or more classes use the configured `average` (macro by
  default; `pos_label` does not apply), and roc_auc is one-vs-rest.
- A metric that is undefined on the data is NaN, never an error, so one odd split does
  not fail a run: roc_auc and pr_auc when a class is missing from the truth; the
  probability metrics when the truth holds a label the model has no column for, or the
  model knows a single class; r2 on fewer than two rows; and msle (a log of `1 + value`)
  unless every truth and predicted value is >= 0. The key is always there, so the set of
  names does not depend on the data.
- roc_auc, pr_auc and log_loss need probabilities. With every metric asked for (the
  default), they are left out for predictions without probabilities; naming one of them
  explicitly for such predictions is a `DataError`.
- Truth and predictions are matched by position: they must have the same length.
- A value no metric can use is a `DataError` naming the column (the series' name), the
  count and some rows, never scikit-learn's unnamed message: a missing label, and a
  missing, infinite or text value in a regression's truth or predictions.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import (
    TYPE_CHECKING,
    Generic,
    Literal,
    Protocol,
    Self,
    TypeAlias,
    TypeVar,
    cast,
    runtime_checkable,
)

from attrs import evolve, frozen

from lolpop._lazy import np, pd
from lolpop.components._errors import DataError, count_rows, in_rows, not_numbers, show_values
from lolpop.components._kinds import make_kind, setting
from lolpop.components.records import (
    TASKS,
    Classification,
    ClassificationMetric,
    Metrics,
    MetricsEvaluator,
    Predictions,
    Regression,
    RegressionMetric,
    Task,
    TaskKind,
)
from lolpop.config.registry import ComponentKind
from lolpop.core.decorator import make_step
from lolpop.errors import DefinitionError

_K = TypeVar("_K", bound=TaskKind)
_K_co = TypeVar("_K_co", bound=TaskKind, covariant=True)
_T = TypeVar("_T")

#: How per-class scores of three or more classes are combined.
Average: TypeAlias = Literal["macro", "micro", "weighted"]
#: A class label as a config or a caller names it (compared with the labels as text).
Label: TypeAlias = str | int | bool

#: Each metric's direction: True when a larger value is better.
GREATER_IS_BETTER: Mapping[str, bool] = MappingProxyType(
    {
        "accuracy": True,
        "f1": True,
        "precision": True,
        "recall": True,
        "roc_auc": True,
        "pr_auc": True,
        "log_loss": False,
        "mse": False,
        "rmse": False,
        "mae": False,
        "mape": False,
        "r2": True,
        "msle": False,
        "mase": False,
        "smape": False,
    }
)

#: The metrics of each task, in the order they are reported.
METRICS: Mapping[Task, tuple[str, ...]] = MappingProxyType(
    {name: kind.metrics for name, kind in TASKS.items()}
)

#: The classification metrics computed from probabilities rather than labels.
PROBABILITY_METRICS: frozenset[str] = frozenset({"roc_auc", "pr_auc", "log_loss"})

_Floats: TypeAlias = "npt.NDArray[np.float64]"
_Labels: TypeAlias = "npt.NDArray[np.str_]"


def task_of_metric(name: str) -> Task:
    """The task a metric belongs to (`DefinitionError` for an unknown name)."""
    for task, names in METRICS.items():
        if name in names:
            return task
    close = difflib.get_close_matches(name, list(GREATER_IS_BETTER), n=2, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise DefinitionError(
        f"unknown metric {name!r}{hint or '.'} Known metrics: classification "
        f"({', '.join(METRICS['classification'])}); regression "
        f"({', '.join(METRICS['regression'])})."
    )


def check_metric(name: str, task: Task | None = None) -> Task:
    """`name`'s task, after checking that it is a metric (of `task`, when given)."""
    found = task_of_metric(name)
    if task is not None and found != task:
        raise DefinitionError(
            f"the metric {name!r} is a {found} metric; a {task} model is scored with one of "
            f"{', '.join(METRICS[task])}."
        )
    return found


def is_better(metric: str, a: float, b: float) -> bool:
    """Whether score `a` is strictly better than `b` by `metric`'s direction.

    NaN (an undefined score) is never better, and any number is better than NaN.

    >>> is_better("accuracy", 0.9, 0.8), is_better("mse", 0.9, 0.8)
    (True, False)
    """
    check_metric(metric)
    if math.isnan(a):
        return False
    if math.isnan(b):
        return True
    return a > b if GREATER_IS_BETTER[metric] else a < b


def compute_metrics(
    task: Task,
    names: Iterable[str],
    truth: pd.Series,
    predictions: Predictions[TaskKind],
    *,
    average: Average = "macro",
    pos_label: Label | None = None,
) -> dict[str, float]:
    """The metrics `names` (every metric of `task` when empty) of `predictions` on `truth`
    (`average` and `pos_label`: see the module notes).

    >>> truth = pd.Series([1.0, 2.0, 3.0])
    >>> predicted = Predictions(truth + 1, task=Regression)
    >>> compute_metrics("regression", ("mae", "r2"), truth, predicted)
    {'mae': 1.0, 'r2': -0.5}
    """
    asked = tuple(names)
    for name in asked:
        check_metric(name, task)
    if len(truth) != len(predictions.values):
        raise DataError(
            f"the truth has {len(truth)} rows but the predictions have "
            f"{len(predictions.values)}: metrics compare them row by row."
        )
    probabilities = predictions.probabilities
    if probabilities is not None and len(probabilities) != len(truth):
        raise DataError(
            f"the truth has {len(truth)} rows but the predicted probabilities have "
            f"{len(probabilities)}: metrics compare them row by row."
        )
    predictions = _lined_up(truth, predictions)
    if task == "regression":
        return _regression(asked or METRICS["regression"], truth, predictions.values)
    if not asked:
        has_probabilities = predictions.probabilities is not None
        asked = tuple(
            n
            for n in METRICS["classification"]
            if has_probabilities or n not in PROBABILITY_METRICS
        )
    return _classification(asked, truth, predictions, average, pos_label)


def _lined_up(truth: pd.Series, predictions: Predictions[_K]) -> Predictions[_K]:
    """`predictions` in the order of `truth`'s rows (by index label), or a `DataError`
    when they are of other rows: scored by position, another part's truth (the valid
    part's, of the same length as the test part) would give metrics that mean nothing."""
    index = predictions.values.index
    if index.equals(truth.index):
        return predictions
    same_rows = (
        index.is_unique
        and truth.index.is_unique
        and len(index) == len(truth.index)
        and bool(index.isin(truth.index).all())
    )
    if not same_rows:
        raise DataError(
            "the truth and the predictions are not of the same rows (the truth's index "
            f"{show_values(truth.index.tolist())}; the predictions' "
            f"{show_values(index.tolist())}): metrics compare a row's prediction with its "
            "own truth. Predict the rows whose truth is given (e.g. the test part's "
            "features for the test part's target)."
        )
    probabilities = predictions.probabilities
    return evolve(
        predictions,
        values=predictions.values.reindex(truth.index),
        probabilities=None if probabilities is None else probabilities.reindex(truth.index),
    )


# --- regression --------------------------------------------------------------------


def _named(series: pd.Series, what: str) -> str:
    """`the truth values ('price')`: what the series is, and its column when it has one."""
    return f"the {what}" + ("" if series.name is None else f" ({str(series.name)!r})")


def _floats(series: pd.Series, what: str) -> _Floats:
    column = None if series.name is None else str(series.name)
    text = not_numbers(series) if not pd.api.types.is_numeric_dtype(series.dtype) else None
    if text is not None and text.any():
        count = int(text.sum())
        raise DataError(
            f"{_named(series, what)} hold text in {count_rows(count)} of {len(series)} "
            f"({show_values(series[text].tolist())}); regression metrics need numbers.",
            column=column,
            rows=count,
        )
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    for problem, found in (("missing", np.isnan(values)), ("infinite", np.isinf(values))):
        if found.any():
            count = int(found.sum())
            raise DataError(
                f"{_named(series, what)} hold {problem} values in "
                f"{in_rows(found, series.index)}; metrics "
                "need a finite value in every row.",
                column=column,
                rows=count,
            )
    return values


def _regression(names: Sequence[str], truth: pd.Series, predicted: pd.Series) -> dict[str, float]:
    from sklearn.metrics import (  # noqa: PLC0415 (heavy: imported on use)
        mean_absolute_error,
        mean_absolute_percentage_error,
        mean_squared_error,
        mean_squared_log_error,
        r2_score,
        root_mean_squared_error,
    )

    y_true, y_pred = _floats(truth, "truth values"), _floats(predicted, "predicted values")
    nonnegative = bool((y_true >= 0).all() and (y_pred >= 0).all())
    scorers: Mapping[str, Callable[[], float]] = {
        "mse": lambda: mean_squared_error(y_true, y_pred),
        "rmse": lambda: root_mean_squared_error(y_true, y_pred),
        "mae": lambda: mean_absolute_error(y_true, y_pred),
        "mape": lambda: mean_absolute_percentage_error(y_true, y_pred),
        "r2": lambda: r2_score(y_true, y_pred) if len(y_true) >= 2 else math.nan,
        "msle": lambda: mean_squared_log_error(y_true, y_pred) if nonnegative else math.nan,
    }
    return {name: float(scorers[name]()) for name in names}


# --- classification ----------------------------------------------------------------


def _natural_order(values: Iterable[object]) -> list[object]:
    unique = list(dict.fromkeys(values))
    try:
        return sorted(unique)  # type: ignore[type-var]  # labels of one target compare; mixed ones fall back below
    except TypeError:
        return sorted(unique, key=str)


def _labels(series: pd.Series, what: str) -> _Labels:
    missing = series.isna().to_numpy()
    if missing.any():
        count = int(missing.sum())
        raise DataError(
            f"{_named(series, what)} hold missing values in {in_rows(missing, series.index)}; "
            "metrics need a label in every row.",
            column=None if series.name is None else str(series.name),
            rows=count,
        )
    return np.array([str(v) for v in series.tolist()], dtype=np.str_)


def _classes(truth: pd.Series, predictions: Predictions[TaskKind]) -> list[str]:
    """The class labels (as text) in the model's order, then any other label seen."""
    known = [] if predictions.probabilities is None else list(predictions.probabilities.columns)
    seen = _natural_order([*truth.tolist(), *predictions.values.tolist()])
    return list(dict.fromkeys([*(str(c) for c in known), *(str(v) for v in seen)]))


def _positive(classes: Sequence[str], pos_label: Label | None) -> str:
    """The positive class of a two-class problem: `pos_label`, else the second class."""
    if pos_label is None:
        return classes[1]
    positive = str(pos_label)
    if positive not in classes:
        raise DataError(
            f"pos_label is {pos_label!r}, but the two classes here are "
            f"{' and '.join(map(repr, classes))} (labels compared as text): set `pos_label` "
            "under `metrics:` to one of them."
        )
    return positive


def _classification(
    names: Sequence[str],
    truth: pd.Series,
    predictions: Predictions[TaskKind],
    average: Average,
    pos_label: Label | None = None,
) -> dict[str, float]:
    from sklearn.metrics import (  # noqa: PLC0415 (heavy: imported on use)
        accuracy_score,
        f1_score,
        precision_score,
        recall_score,
    )

    y_true = _labels(truth, "truth values")
    y_pred = _labels(predictions.values, "predicted values")
    classes = _classes(truth, predictions)
    positive = _positive(classes, pos_label) if len(classes) == 2 else None
    # pos_label only for two classes: scikit-learn warns that it ignores it otherwise.
    options: dict[str, object] = (
        {"average": "binary", "pos_label": positive}
        if positive is not None
        else {"average": average}
    )

    def by_label(score: Callable[..., float]) -> Callable[[], float]:
        return lambda: score(y_true, y_pred, zero_division=0.0, **options)

    scorers: dict[str, Callable[[], float]] = {
        "accuracy": lambda: accuracy_score(y_true, y_pred),
        "f1": by_label(f1_score),
        "precision": by_label(precision_score),
        "recall": by_label(recall_score),
    }
    result: dict[str, float] = {}
    for name in names:
        if name in PROBABILITY_METRICS:
            result[name] = _by_probability(name, y_true, predictions, average, positive)
        else:
            result[name] = float(scorers[name]())
    return result


def _by_probability(
    name: str,
    y_true: _Labels,
    predictions: Predictions[TaskKind],
    average: Average,
    positive: str | None = None,
) -> float:
    from sklearn.metrics import (  # noqa: PLC0415 (heavy: imported on use)
        average_precision_score,
        log_loss,
        roc_auc_score,
    )
    from sklearn.preprocessing import label_binarize  # noqa: PLC0415 (heavy: imported on use)

    frame = predictions.probabilities
    if frame is None:
        raise DataError(
            f"the metric {name!r} needs predicted probabilities, and these predictions have "
            "none (the model has no predict_proba); leave it out of `metrics`."
        )
    columns = [str(c) for c in frame.columns]
    if len(columns) < 2 or not set(y_true.tolist()) <= set(columns):
        return math.nan
    # scikit-learn expects the columns in the sorted order of the labels.
    labels = sorted(columns)
    matrix = frame.set_axis(columns, axis=1)[labels].to_numpy(dtype=np.float64)
    if name == "log_loss":
        return float(log_loss(y_true, matrix, labels=labels))
    if set(y_true.tolist()) != set(labels):
        return math.nan
    if len(labels) == 2:
        # The positive class of the labels (`positive`) when it has a column, else the
        # second column's.
        chosen = positive if positive in labels else columns[1]
        scores = matrix[:, labels.index(chosen)]
        hits = y_true == chosen
        if name == "roc_auc":
            return float(roc_auc_score(hits, scores))
        return float(average_precision_score(hits, scores))
    if name == "roc_auc":
        return float(
            roc_auc_score(y_true, matrix, multi_class="ovr", average=average, labels=labels)
        )
    indicator = label_binarize(y_true, classes=labels)
    return float(average_precision_score(indicator, matrix, average=average))


# --- components --------------------------------------------------------------------

# The names of the metrics settings: mypy checks a Python workflow's against the task's
# `Literal`. A config's are decoded as text and checked when the component is built
# (`_evaluator`), whose refusal says which task a wrong name is a metric of and shows a
# misspelt one (a refused `Literal` only lists the task's, and hides `f_1` as text that
# may be a secret).
if TYPE_CHECKING:
    import numpy.typing as npt

    _ClassificationNames: TypeAlias = ClassificationMetric
    _RegressionNames: TypeAlias = RegressionMetric
else:
    _ClassificationNames = _RegressionNames = str


@frozen
class ClassificationMetricsSettings:
    """`type: classification_metrics`: which metrics, and how classes are averaged."""

    #: Names from accuracy, f1, precision, recall, roc_auc, pr_auc, log_loss (empty: all).
    metrics: tuple[_ClassificationNames, ...] = ()
    #: For three or more classes; two classes score the positive class.
    average: Average = "macro"
    #: The positive class of a two-class problem, compared as text (None: the second class
    #: in the model's order, as scikit-learn's `pos_label=1` for 0/1 labels).
    pos_label: Label | None = None


@frozen
class RegressionMetricsSettings:
    """`type: regression_metrics`: which metrics."""

    #: Names from mse, rmse, mae, mape, r2, msle (empty: all).
    metrics: tuple[_RegressionNames, ...] = ()


#: The classification metrics that score classes one against the rest: the positive
#: class (two classes) or the average (three or more) changes them.
PER_CLASS_METRICS: frozenset[str] = frozenset({"f1", "precision", "recall", "roc_auc", "pr_auc"})


@frozen
class Scorer(Generic[_K_co]):
    """How a workflow scores models: its task, the metrics it reports, how classes are
    averaged and which one is positive (see the module notes). What one workflow scores
    (the tuner's trials, the baseline, the test metrics that the approval rule compares)
    is scored by one scorer, so that its summary holds one kind of number.

    >>> scorer = Scorer(Classification, average="weighted")
    >>> scorer.describe("f1", ("a", "b", "c")), scorer.describe("f1", (0, 1))
    ('f1 (weighted)', "f1 (positive class '1')")
    """

    task: type[_K_co]
    #: The metrics reported (empty: every metric of the task).
    metrics: tuple[str, ...] = ()
    average: Average = "macro"
    pos_label: Label | None = None

    def compute(
        self,
        truth: pd.Series,
        predictions: Predictions[TaskKind],
        names: Iterable[str] | None = None,
    ) -> dict[str, float]:
        """The metrics `names` (None: the reported ones) of `predictions` on `truth`."""
        return compute_metrics(
            self.task.name,
            self.metrics if names is None else names,
            truth,
            predictions,
            average=self.average,
            pos_label=self.pos_label,
        )

    def score(self, metric: str, truth: pd.Series, predictions: Predictions[TaskKind]) -> float:
        """One metric of `predictions` on `truth`."""
        return self.compute(truth, predictions, (metric,))[metric]

    def setting(self, classes: Sequence[object] = ()) -> str | None:
        """What shapes the per-class metrics (`PER_CLASS_METRICS`) of a model of
        `classes`: the average for three or more classes, the positive class for two
        (None for another task)."""
        if self.task.name != "classification":
            return None
        if len(classes) == 2:
            positive = classes[1] if self.pos_label is None else self.pos_label
            return f"positive class {str(positive)!r}"
        return self.average

    def describe(self, metric: str, classes: Sequence[object] = ()) -> str:
        """`metric` with the setting that shapes it, for a model of `classes`: `f1
        (weighted)` for three or more classes, `f1 (positive class 'yes')` for two; the
        name alone where no setting applies (accuracy, log_loss, regression metrics)."""
        shaped = self.setting(classes) if metric in PER_CLASS_METRICS else None
        return metric if shaped is None else f"{metric} ({shaped})"


def scorer_for(kind: type[_K], scorer: Scorer[TaskKind]) -> Scorer[_K]:
    """`scorer` for models of the task `kind`, after checking that it scores that task."""
    if scorer.task is not kind:
        raise DefinitionError(
            f"a {kind.name} component cannot score by {scorer.task.name} metrics: a "
            "workflow's components are all of one task."
        )
    return Scorer(kind, scorer.metrics, scorer.average, scorer.pos_label)


@frozen
class SklearnMetrics(MetricsEvaluator[_K]):
    """A metrics component of scikit-learn's metrics that says how it scores (`scorer`),
    so that the tuner and the baseline of its workflow score alike."""

    scorer: Scorer[_K]


def scorer_of(evaluator: MetricsEvaluator[_K]) -> Scorer[_K] | None:
    """How `evaluator` scores, when it says (lolpop's metrics components do; None for
    another one)."""
    return evaluator.scorer if isinstance(evaluator, SklearnMetrics) else None


@runtime_checkable
class Rescorable(Protocol):
    """A component that scores models by a metric, and can be made to score them as a
    workflow's metrics component does (lolpop's tuners and baseline checker)."""

    def scored_by(self, scorer: Scorer[TaskKind]) -> Self:
        """The same component, scoring by `scorer` (of its task: else `DefinitionError`)."""
        ...


def scored_alike(component: _T, scorer: Scorer[TaskKind] | None) -> _T:
    """`component` scoring by `scorer` when it is `Rescorable`; as it is otherwise, or
    when there is no scorer (a metrics component that does not say how it scores)."""
    if scorer is not None and isinstance(component, Rescorable):
        return component.scored_by(scorer)
    return component


def of_task(predictions: Predictions[TaskKind], kind: type[_K]) -> Predictions[_K]:
    """`predictions`, refused unless a model of the task `kind` made them: a regressor's
    values scored as class labels give zeros, not an error (mypy refuses the typed
    wiring; this, steps wired where it did not look)."""
    if predictions.task is not kind:
        raise DataError(
            f"these are a {predictions.task.name} model's predictions; {kind.name} metrics "
            f"score a {kind.name} model's. Score them with the metrics of their task, or "
            "predict with a model of this one."
        )
    return cast("Predictions[_K]", predictions)


def _evaluator(scorer: Scorer[_K]) -> SklearnMetrics[_K]:
    task = scorer.task.name
    with setting("metrics"):
        for name in scorer.metrics:
            check_metric(name, task)

    def evaluate(pair: tuple[pd.Series, Predictions[_K]]) -> Metrics:
        truth, predictions = pair
        return scorer.compute(truth, of_task(predictions, scorer.task))

    return SklearnMetrics(
        make_step(evaluate, name="evaluate", description=f"{task} metrics of predictions"),
        task=scorer.task,
        scorer=scorer,
    )


def task_metrics(kind: type[_K]) -> MetricsEvaluator[_K]:
    """Every metric of the task `kind` (macro averages for three or more classes)."""
    return _evaluator(Scorer(kind))


def classification_metrics(
    settings: ClassificationMetricsSettings = ClassificationMetricsSettings(),
) -> MetricsEvaluator[Classification]:
    """Accuracy, f1, precision, recall, roc_auc, pr_auc and log_loss of a classifier."""
    return _evaluator(
        Scorer(Classification, settings.metrics, settings.average, settings.pos_label)
    )


def regression_metrics(
    settings: RegressionMetricsSettings = RegressionMetricsSettings(),
) -> MetricsEvaluator[Regression]:
    """MSE, RMSE, MAE, MAPE, R² and MSLE of a regressor."""
    return _evaluator(Scorer(Regression, settings.metrics))


KINDS: tuple[ComponentKind, ...] = (
    make_kind("classification_metrics", ClassificationMetricsSettings, classification_metrics),
    make_kind("regression_metrics", RegressionMetricsSettings, regression_metrics),
)
