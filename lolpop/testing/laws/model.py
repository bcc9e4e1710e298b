"""Kits of the model family: `ModelTrainer` and `MetricsEvaluator`.

Design notes:

- A trainer is exercised the way a workflow uses it: fitted on an example (`Labelled`
  data of its own task, `trainer.task`) and asked to predict on the same features.
  `exercise` answers the model and the predictions, so the every-step laws see both (a
  fitted model is compared by its bytes, once pickled and read back: see `_as_received`).
- Its default examples are small (6 to 30 rows of two numeric columns): fitting is what
  a trainer's laws cost. Classification targets hold two or three classes, each at
  least three times; regression targets are finite floats (`strategies.labelled`).
  Features lie in [-10, 10]: the laws are about shapes and distributions, and an
  iterative fit on unscaled features (lbfgs on values near 1e6) takes many times longer
  and warns that it did not converge.
- Row order is an opt-in law (`row_order_law()`): an estimator that samples rows by
  position (a random forest's bootstrap) or stops an iterative fit short of convergence
  (lbfgs on unscaled features) learns a slightly different model from the same rows in
  another order. The law holds for decision trees and, within rounding, for ridge
  regression; lolpop's property tests declare it for those.
- An evaluator's reference law recomputes each metric it reports with scikit-learn's own
  function, choosing the arguments `lolpop.components.metrics` documents: labels
  compared as text, the positive class of two the second in the model's order (its
  probability columns), one-vs-rest roc_auc. The kit cannot read an evaluator's
  settings, so for three or more classes a value agrees when it equals the reference
  under one of the averages scikit-learn offers (macro, micro, weighted). Where the
  reference is undefined (scikit-learn refuses the data, or the data is outside the
  domain metrics.py documents) the value must be NaN. A metric the kit does not know is
  left to the user's own laws.
- An evaluator's examples always miss the truth in at least one row: the direction law
  compares the example's scores with those of perfect predictions, which must be at
  least as good in the direction `GREATER_IS_BETTER` declares, and a perfect example
  would compare a thing with itself. The examples always carry probabilities (one
  column per class, the predicted class the likeliest), since an evaluator set to a
  probability metric refuses predictions without them.
"""

from __future__ import annotations

import math
import pickle
import warnings
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import TypeAlias, TypeVar, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
from attrs import evolve
from hypothesis import strategies as st

from lolpop.components.metrics import GREATER_IS_BETTER, Average
from lolpop.components.records import (
    FittedModel,
    Labelled,
    Metrics,
    MetricsEvaluator,
    ModelTrainer,
    Predictions,
    TaskKind,
)
from lolpop.testing.laws import Kit, Law, broken, call, declare, show
from lolpop.testing.strategies import labelled

#: How far a row of probabilities may sum from 1.
PROBABILITY_TOLERANCE = 1e-6
#: How far (relative) a metric may be from scikit-learn's value.
METRIC_TOLERANCE = 1e-9
#: The averages of per-class scores an evaluator may be set to (three or more classes).
AVERAGES: tuple[Average, ...] = ("macro", "micro", "weighted")

_Trainer: TypeAlias = ModelTrainer[TaskKind]
_Evaluator: TypeAlias = MetricsEvaluator[TaskKind]
_Model: TypeAlias = FittedModel[TaskKind]
#: An evaluator's input: the truth, and predictions of it.
_Scored: TypeAlias = tuple[pd.Series, Predictions[TaskKind]]
_Predicted: TypeAlias = Predictions[TaskKind]
_Floats: TypeAlias = npt.NDArray[np.float64]
_In = TypeVar("_In")


def _is_classifier(component: _Trainer | _Evaluator) -> bool:
    return component.task.name == "classification"


def _refuses(step: Callable[[_In], object], value: _In) -> bool:
    """Whether calling `step` on `value` fails (with any error: refusing is the point)."""
    try:
        call(step, value)
    except Exception:  # any refusal will do
        return True
    return False


# --- trainers ---------------------------------------------------------------------------


def _fit_and_predict(trainer: _Trainer, data: Labelled) -> tuple[_Model, _Predicted]:
    model = call(trainer.fit, data)
    return model, call(trainer.predict, (model, data.features))


def _exercise_trainer(trainer: _Trainer, data: Labelled) -> tuple[_Model, _Predicted]:
    """The model fitted on `data` as another process receives it, and its predictions on
    the same features."""
    model, predictions = _fit_and_predict(trainer, data)
    return _as_received(model), predictions


def _as_received(model: _Model) -> _Model:
    """`model` pickled and read back (as it is when it does not pickle: the pickling law
    says so).

    lolpop's digest of a fitted scikit-learn object reads its skops schema, which numbers
    the Python objects that the estimator's attributes share; pickling does not keep
    that sharing (it writes floats by value), so a model read back can differ in its
    digest, not in its contents. Once read back, a model digests the same at every
    further trip, so the every-step laws compare what models hold.
    """
    try:
        return cast("_Model", pickle.loads(pickle.dumps(model)))  # its own bytes, just made
    except Exception:  # any reason it fails is the pickling law's finding
        return model


def _moderate(data: Labelled) -> Labelled:
    """`data` with its features scaled from [-1e6, 1e6] into [-10, 10]."""
    return Labelled(data.features / 1e5, data.target)


def _trainer_examples(trainer: _Trainer) -> st.SearchStrategy[Labelled]:
    if _is_classifier(trainer):
        drawn = st.integers(2, 3).flatmap(
            lambda k: labelled("classification", classes=k, min_rows=6, max_rows=30)
        )
    else:
        drawn = labelled("regression", min_rows=6, max_rows=30)
    return drawn.map(_moderate)


def _trainer_examples_from(
    trainer: _Trainer, frames: st.SearchStrategy[pd.DataFrame], target: str
) -> st.SearchStrategy[Labelled]:
    """Labelled data from a workflow's frames: rows without a target are left out (a
    trainer is never given them), and a classifier gets two classes at least."""

    def split(frame: pd.DataFrame) -> Labelled:
        rows = frame[frame[target].notna()]
        return Labelled(rows.drop(columns=[target]), rows[target])

    examples = frames.map(split)
    if _is_classifier(trainer):
        return examples.filter(lambda data: data.target.nunique() >= 2)
    return examples


def _check_rows(what: str, rows: pd.DataFrame | pd.Series, features: pd.DataFrame) -> None:
    """`rows` has one row per row of `features`, under the same index."""
    if len(rows) != len(features):
        broken(
            f"{what}: {len(rows)} rows for {len(features)} rows of features\n"
            f"  features: {show(features)}\n  {what}: {show(rows)}"
        )
    if not rows.index.equals(features.index):
        broken(
            f"{what} is not indexed as the features are:\n"
            f"  features: {show(list(features.index))}\n  {what}: {show(list(rows.index))}"
        )


def _one_prediction_per_row(trainer: _Trainer, data: Labelled) -> None:
    model, predictions = _fit_and_predict(trainer, data)
    _check_rows("predict's values", predictions.values, data.features)
    if predictions.probabilities is not None:
        _check_rows("predict's probabilities", predictions.probabilities, data.features)
        frame = call(trainer.predict_proba, (model, data.features))
        _check_rows("predict_proba", frame, data.features)


def _check_distribution(what: str, frame: pd.DataFrame, model: _Model) -> None:
    """`frame` has one column per class in the model's order, values in [0, 1] and rows
    summing to 1."""
    classes = [str(c) for c in model.classes]
    columns = [str(c) for c in frame.columns]
    if columns != classes:
        broken(
            f"{what} has the columns {show(columns)}, not one per class in the order of the "
            f"model's `classes` {show(classes)}"
        )
    values = frame.to_numpy(dtype=np.float64)
    outside = ~((values >= 0.0) & (values <= 1.0))  # NaN is outside too
    if outside.any():
        rows = frame[outside.any(axis=1)]
        broken(f"{what} holds values outside [0, 1] in {len(rows)} rows: {show(rows)}")
    sums = values.sum(axis=1)
    off = np.abs(sums - 1.0) > PROBABILITY_TOLERANCE
    if off.any():
        rows = frame[off].assign(sum=sums[off])
        broken(
            f"{what} has {int(off.sum())} rows that do not sum to 1 (tolerance "
            f"{PROBABILITY_TOLERANCE:g}): {show(rows)}"
        )


def _probabilities_are_distributions(trainer: _Trainer, data: Labelled) -> None:
    model, predictions = _fit_and_predict(trainer, data)
    pair = (model, data.features)
    given = predictions.probabilities
    if not _is_classifier(trainer):
        if given is not None:
            broken(f"a {trainer.task.name} model's predictions carry probabilities: {show(given)}")
        if not _refuses(trainer.predict_proba, pair):
            broken(f"a {trainer.task.name} model's predict_proba answers instead of refusing")
        return
    if given is None:
        if not _refuses(trainer.predict_proba, pair):
            broken("predict gives no probabilities, yet predict_proba answers some")
        return
    _check_distribution("predict's probabilities", given, model)
    frame = call(trainer.predict_proba, pair)
    _check_distribution("predict_proba", frame, model)
    if not frame.equals(given):
        broken(
            "predict_proba differs from the probabilities predict gives:\n"
            f"  predict_proba: {show(frame)}\n  predict:       {show(given)}"
        )


def _differ(a: pd.Series, b: pd.Series, exact: bool, tolerance: float) -> npt.NDArray[np.bool_]:
    """Which rows of two aligned series differ (exactly, or beyond a relative tolerance)."""
    if exact:
        return np.array([x != y for x, y in zip(a.tolist(), b.tolist(), strict=True)], dtype=bool)
    x, y = a.to_numpy(dtype=np.float64), b.to_numpy(dtype=np.float64)
    scale = np.maximum(1.0, np.maximum(np.abs(x), np.abs(y)))
    same = (np.abs(x - y) <= tolerance * scale) | (np.isnan(x) & np.isnan(y))
    return cast("npt.NDArray[np.bool_]", ~same)


def _check_same(
    how: str, first: _Predicted, second: _Predicted, exact: bool, tolerance: float
) -> None:
    if len(first.values) != len(second.values):
        broken(
            f"{how} gives {len(second.values)} predictions where the first order gave "
            f"{len(first.values)}"
        )
    differ = _differ(first.values, second.values, exact, tolerance)
    if differ.any():
        rows = pd.DataFrame({"before": first.values[differ], "after": second.values[differ]})
        broken(f"{how} gives other predictions in {int(differ.sum())} rows: {show(rows)}")
    if first.probabilities is None or second.probabilities is None:
        return
    if list(first.probabilities.columns) != list(second.probabilities.columns):
        broken(
            f"{how} gives probabilities of other classes: {show(list(first.probabilities))} "
            f"became {show(list(second.probabilities))}"
        )
    for column in first.probabilities.columns:
        before, after = first.probabilities[column], second.probabilities[column]
        moved = _differ(before, after, False, tolerance)
        if moved.any():
            rows = pd.DataFrame({"before": before[moved], "after": after[moved]})
            broken(
                f"{how} gives other probabilities of class {column!r} in "
                f"{int(moved.sum())} rows: {show(rows)}"
            )


def _in_order(data: Labelled, order: npt.NDArray[np.intp]) -> Labelled:
    return Labelled(data.features.iloc[order], data.target.iloc[order])


def _restored(predictions: _Predicted, order: npt.NDArray[np.intp]) -> _Predicted:
    """Predictions of rows taken in `order`, put back in the original order (as they are
    when there is not one a row: the comparison says so)."""
    if len(predictions.values) != len(order):
        return predictions
    back = np.argsort(order)
    frame = predictions.probabilities
    return evolve(
        predictions,
        values=predictions.values.iloc[back],
        probabilities=None if frame is None else frame.iloc[back],
    )


def row_order_law(tolerance: float = 1e-9) -> Law[object, object]:
    """The opt-in law that a trainer's predictions do not depend on the order of rows.

    A model fitted on the example's rows in another order (a fixed shuffle) predicts the
    same, and predicting the rows in another order gives each row the same prediction:
    class labels exactly, numbers and probabilities within `tolerance` (relative to
    their size, at least 1). Pass it where it holds (`laws=(row_order_law(),)`): not
    for an estimator that samples rows by position or stops its fit early.

    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from lolpop.components.sklearn_trainer import sklearn_trainer
    >>> from lolpop.testing.laws import run_laws
    >>> tree = sklearn_trainer(DecisionTreeClassifier)
    >>> [r.law for r in run_laws(tree, laws=(row_order_law(),), max_examples=2) if not r.passed]
    []
    """

    def holds(trainer: _Trainer, data: Labelled) -> None:
        order = np.random.default_rng(0).permutation(len(data))
        model, predictions = _fit_and_predict(trainer, data)
        exact = _is_classifier(trainer)
        refitted = call(trainer.predict, (call(trainer.fit, _in_order(data, order)), data.features))
        _check_same(
            "a model fitted on the same rows in another order",
            predictions,
            refitted,
            exact,
            tolerance,
        )
        shuffled = call(trainer.predict, (model, data.features.iloc[order]))
        _check_same(
            "predicting the rows in another order",
            predictions,
            _restored(shuffled, order),
            exact,
            tolerance,
        )

    law = Law(
        "predictions ignore row order",
        "A model fitted on the rows in another order predicts the same, and each row is "
        "predicted the same in any order.",
        holds,
    )
    return cast("Law[object, object]", law)


TRAINER = declare(
    Kit(
        "trainer",
        ModelTrainer,
        _exercise_trainer,
        (
            Law(
                "one prediction per row",
                "predict gives one value per row of the frame, under the frame's index "
                "(and so do its probabilities and predict_proba).",
                _one_prediction_per_row,
            ),
            Law(
                "probabilities are distributions",
                "A classifier's probabilities lie in [0, 1], sum to 1 on each row (within "
                f"{PROBABILITY_TOLERANCE:g}) and have one column per class in the model's "
                "`classes` order; predict_proba gives the same. A regressor gives none.",
                _probabilities_are_distributions,
            ),
        ),
        _trainer_examples,
        _trainer_examples_from,
    )
)


# --- metrics evaluators -----------------------------------------------------------------

_NUMBERS = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@st.composite
def _classified(draw: st.DrawFn, task: type[TaskKind]) -> _Scored:
    """Labels `0 .. k-1` (each in the truth), predictions that miss at least one, and
    probabilities in which the predicted class is the likeliest."""
    classes = draw(st.integers(2, 3))
    rows = draw(st.integers(classes + 1, 30))
    rest = draw(
        st.lists(st.integers(0, classes - 1), min_size=rows - classes, max_size=rows - classes)
    )
    truth = draw(st.permutations([*range(classes), *rest]))
    predicted = list(draw(st.lists(st.integers(0, classes - 1), min_size=rows, max_size=rows)))
    if predicted == truth:
        predicted[0] = (truth[0] + 1) % classes
    # Weights of one to nine (the predicted class's raised above the rest): integers
    # shrink in a few steps, where floats would take hundreds of calls.
    row = st.lists(st.integers(1, 9), min_size=classes, max_size=classes)
    raw = np.array(draw(st.lists(row, min_size=rows, max_size=rows)), dtype=np.float64)
    raw[np.arange(rows), predicted] += 9.0
    index = pd.RangeIndex(rows)
    probabilities = pd.DataFrame(
        raw / raw.sum(axis=1, keepdims=True),
        index=index,
        columns=[str(c) for c in range(classes)],
    )
    return (
        pd.Series(truth, index=index, name="target", dtype="int64"),
        Predictions(
            pd.Series(predicted, index=index, name="target", dtype="int64"),
            probabilities,
            task=task,
        ),
    )


@st.composite
def _regressed(draw: st.DrawFn, task: type[TaskKind]) -> _Scored:
    """Finite numbers (sometimes all >= 0, msle's domain), and predictions that miss
    at least one."""
    rows = draw(st.integers(1, 30))
    numbers = _NUMBERS.map(abs) if draw(st.booleans()) else _NUMBERS
    truth = draw(st.lists(numbers, min_size=rows, max_size=rows))
    predicted = list(draw(st.lists(numbers, min_size=rows, max_size=rows)))
    if predicted == truth:
        predicted[0] = truth[0] + 1.0
    index = pd.RangeIndex(rows)
    return (
        pd.Series(truth, index=index, name="target", dtype="float64"),
        Predictions(pd.Series(predicted, index=index, name="target", dtype="float64"), task=task),
    )


def _evaluator_examples(evaluator: _Evaluator) -> st.SearchStrategy[_Scored]:
    task = evaluator.task
    return _classified(task) if _is_classifier(evaluator) else _regressed(task)


def _evaluate(evaluator: _Evaluator, scored: _Scored) -> Metrics:
    return call(evaluator.evaluate, scored)


def _texts(values: Iterable[object]) -> npt.NDArray[np.str_]:
    return np.array([str(v) for v in values], dtype=np.str_)


def _natural_order(values: Iterable[object]) -> list[str]:
    """Distinct labels in their own sorted order (by text when they do not compare)."""
    unique = list(dict.fromkeys(values))
    try:
        ordered = sorted(unique)  # type: ignore[type-var]  # labels of one target compare; else by text
    except TypeError:
        ordered = sorted(unique, key=str)
    return [str(v) for v in ordered]


def _scores(computations: Mapping[str, Callable[[], float]]) -> dict[str, float]:
    """Each computation's value, leaving out the ones scikit-learn refuses."""
    values = {}
    for how, compute in computations.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scikit-learn's warnings on undefined scores
            try:
                values[how] = float(compute())
            except ValueError:
                continue
    return values


def _by_labels(name: str, truth: pd.Series, predictions: _Predicted) -> dict[str, float]:
    from sklearn import metrics  # noqa: PLC0415 (heavy: imported on use)

    y_true, y_pred = _texts(truth.tolist()), _texts(predictions.values.tolist())
    frame = predictions.probabilities
    columns = [] if frame is None else [str(c) for c in frame.columns]
    seen = _natural_order([*truth.tolist(), *predictions.values.tolist()])
    classes = list(dict.fromkeys([*columns, *seen]))
    if name == "accuracy":
        return _scores({"accuracy_score": partial(metrics.accuracy_score, y_true, y_pred)})
    score = {
        "f1": metrics.f1_score,
        "precision": metrics.precision_score,
        "recall": metrics.recall_score,
    }[name]
    if len(classes) == 2:
        positive = classes[1]
        return _scores(
            {
                f"{score.__name__}(pos_label={positive!r})": partial(
                    score, y_true, y_pred, average="binary", pos_label=positive, zero_division=0.0
                )
            }
        )
    return _scores(
        {
            f"{score.__name__}(average={average!r})": partial(
                score, y_true, y_pred, average=average, zero_division=0.0
            )
            for average in AVERAGES
        }
    )


def _by_probabilities(name: str, truth: pd.Series, predictions: _Predicted) -> dict[str, float]:
    from sklearn import metrics  # noqa: PLC0415 (heavy: imported on use)
    from sklearn.preprocessing import label_binarize  # noqa: PLC0415

    frame = predictions.probabilities
    y_true = _texts(truth.tolist())
    if frame is None:
        return {}
    columns = [str(c) for c in frame.columns]
    if len(columns) < 2 or not set(y_true.tolist()) <= set(columns):
        return {}  # a label without a column: no probability metric is defined
    labels = sorted(columns)  # scikit-learn's order of the columns
    matrix: _Floats = frame.set_axis(columns, axis=1)[labels].to_numpy(dtype=np.float64)
    if name == "log_loss":
        return _scores({"log_loss": partial(metrics.log_loss, y_true, matrix, labels=labels)})
    if set(y_true.tolist()) != set(labels):
        return {}  # a class missing from the truth: no ranking of it to score
    if len(labels) == 2:
        positive = columns[1]
        hits, scores = y_true == positive, matrix[:, labels.index(positive)]
        if name == "roc_auc":
            return _scores({"roc_auc_score": partial(metrics.roc_auc_score, hits, scores)})
        return _scores(
            {"average_precision_score": partial(metrics.average_precision_score, hits, scores)}
        )
    if name == "roc_auc":
        return _scores(
            {
                f"roc_auc_score(ovr, average={average!r})": partial(
                    metrics.roc_auc_score,
                    y_true,
                    matrix,
                    multi_class="ovr",
                    average=average,
                    labels=labels,
                )
                for average in AVERAGES
            }
        )
    indicator = label_binarize(y_true, classes=labels)
    return _scores(
        {
            f"average_precision_score(average={average!r})": partial(
                metrics.average_precision_score, indicator, matrix, average=average
            )
            for average in AVERAGES
        }
    )


def _by_values(name: str, truth: pd.Series, predictions: _Predicted) -> dict[str, float]:
    from sklearn import metrics  # noqa: PLC0415 (heavy: imported on use)

    y_true = truth.to_numpy(dtype=np.float64)
    y_pred = predictions.values.to_numpy(dtype=np.float64)
    if name == "r2" and len(y_true) < 2:
        return {}
    if name == "msle" and not ((y_true >= 0).all() and (y_pred >= 0).all()):
        return {}  # metrics.py's domain: a log of 1 + value, for values >= 0
    function = {
        "mse": metrics.mean_squared_error,
        "rmse": metrics.root_mean_squared_error,
        "mae": metrics.mean_absolute_error,
        "mape": metrics.mean_absolute_percentage_error,
        "r2": metrics.r2_score,
        "msle": metrics.mean_squared_log_error,
    }[name]
    return _scores({function.__name__: partial(function, y_true, y_pred)})


#: How scikit-learn computes each metric lolpop knows (from the truth and predictions).
REFERENCES: Mapping[str, Callable[[str, pd.Series, _Predicted], dict[str, float]]] = {
    **dict.fromkeys(("accuracy", "f1", "precision", "recall"), _by_labels),
    **dict.fromkeys(("roc_auc", "pr_auc", "log_loss"), _by_probabilities),
    **dict.fromkeys(("mse", "rmse", "mae", "mape", "r2", "msle"), _by_values),
}


def _agrees_with_sklearn(evaluator: _Evaluator, scored: _Scored) -> None:
    truth, predictions = scored
    for name, value in _evaluate(evaluator, scored).items():
        reference = REFERENCES.get(name)
        if reference is None:
            continue
        expected = reference(name, truth, predictions)
        if not expected:
            if not math.isnan(value):
                broken(
                    f"{name} is {value!r} where scikit-learn's reference is undefined (it "
                    "refuses the data, or the data is outside the metric's domain): it "
                    "should be NaN"
                )
            continue
        if math.isnan(value) or not any(
            math.isclose(value, other, rel_tol=METRIC_TOLERANCE, abs_tol=1e-12)
            for other in expected.values()
        ):
            found = ", ".join(f"{how} = {other!r}" for how, other in expected.items())
            broken(f"{name} is {value!r}, but scikit-learn says {found}")


#: The range each metric lies in (NaN, an undefined value, is outside none).
BOUNDS: Mapping[str, tuple[float, float]] = {
    **dict.fromkeys(("accuracy", "f1", "precision", "recall", "roc_auc", "pr_auc"), (0.0, 1.0)),
    **dict.fromkeys(("log_loss", "mse", "rmse", "mae", "mape", "msle"), (0.0, math.inf)),
    "r2": (-math.inf, 1.0),
}


def _within_bounds(evaluator: _Evaluator, scored: _Scored) -> None:
    for name, value in _evaluate(evaluator, scored).items():
        low, high = BOUNDS.get(name, (-math.inf, math.inf))
        if not math.isnan(value) and not low <= value <= high:
            broken(f"{name} is {value!r}, outside its range [{low:g}, {high:g}]")


def _perfect(truth: pd.Series, predictions: _Predicted) -> _Predicted:
    """Predictions equal to the truth; probabilities all on the true class (when every
    label has a column; the example's own otherwise)."""
    values = pd.Series(
        truth.to_numpy(), index=predictions.values.index, name=predictions.values.name
    )
    frame = predictions.probabilities
    if frame is None:
        return evolve(predictions, values=values)
    labels, columns = _texts(truth.tolist()), _texts(frame.columns)
    if not set(labels.tolist()) <= set(columns.tolist()):
        return evolve(predictions, values=values)
    onehot = (labels[:, None] == columns[None, :]).astype(np.float64)
    onehot_frame = pd.DataFrame(onehot, index=frame.index, columns=frame.columns)
    return evolve(predictions, values=values, probabilities=onehot_frame)


def _is_worse(name: str, perfect: float, other: float) -> bool:
    """Whether a perfect score is worse than `other` by `name`'s declared direction."""
    if math.isnan(other):
        return False
    if math.isnan(perfect):
        return True
    slack = METRIC_TOLERANCE * max(1.0, abs(perfect), abs(other))
    return other > perfect + slack if GREATER_IS_BETTER[name] else other < perfect - slack


def _direction_as_declared(evaluator: _Evaluator, scored: _Scored) -> None:
    truth, predictions = scored
    scores = _evaluate(evaluator, scored)
    best = _evaluate(evaluator, (truth, _perfect(truth, predictions)))
    for name, value in scores.items():
        if name not in GREATER_IS_BETTER or name not in best:
            continue
        if _is_worse(name, best[name], value):
            direction = "greater" if GREATER_IS_BETTER[name] else "lower"
            broken(
                f"perfect predictions score {name} = {best[name]!r}, worse than these "
                f"predictions' {value!r}, though {direction} is declared better "
                "(GREATER_IS_BETTER)"
            )


EVALUATOR = declare(
    Kit(
        "evaluator",
        MetricsEvaluator,
        _evaluate,
        (
            Law(
                "agrees with scikit-learn",
                "Each metric equals scikit-learn's own function on the same truth and "
                "predictions (NaN where that is undefined).",
                _agrees_with_sklearn,
            ),
            Law(
                "metrics within bounds",
                "Scores of [0, 1] metrics lie in [0, 1], errors and losses are >= 0, r2 <= 1.",
                _within_bounds,
            ),
            Law(
                "direction as declared",
                "Perfect predictions score at least as well as any others, in the direction "
                "GREATER_IS_BETTER declares for each metric.",
                _direction_as_declared,
            ),
        ),
        _evaluator_examples,
    )
)

__all__ = (
    "BOUNDS",
    "EVALUATOR",
    "METRIC_TOLERANCE",
    "PROBABILITY_TOLERANCE",
    "REFERENCES",
    "TRAINER",
    "row_order_law",
)
