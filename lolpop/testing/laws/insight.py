"""Kits of the insight family: `HyperparameterTuner`, `ModelExplainer`, `ModelChecker`
and `BiasChecker`.

Design notes:

- Examples are small and fitted quickly, like the trainer kit's (`laws.model`): labelled
  data of 9 to 30 rows of two numeric columns in [-10, 10], two or three classes each at
  least three times (regression: finite floats). A tuner and a model checker take
  `Splits` of it (`strategies.splits`: every class in every part); an explainer and a
  checker take a model fitted on it in the strategy, by lolpop's scikit-learn trainer (a
  logistic regression or a ridge regression, by the component's task; an explainer gets
  a logistic regression or a decision tree, the two kinds of model `explain` splits).
- A tuner's result holds fitted models, whose digest changes through one pickle round
  trip (see `laws.model._as_received`): its `exercise` answers the result pickled and
  read back once, so the every-step laws compare what the models hold.
- A tuner's laws read the result alone: the best trial is one of its trials (the same
  number, parameters and score; the same object for lolpop's tuners), and no trial
  scores strictly better by the metric's direction (`is_better`, where NaN never wins).
  A metric lolpop does not know leaves the direction law nothing to compare. The search
  space is not in the result (nor on the component), so "every trial's parameters come
  from the space" is no law of the type: a user who knows the space adds it.
- An explainer's laws: importance names each feature of the model once (a `Mapping`
  holds each key once, so: exactly the model's features), and `explain` gives one row
  per input row under the input's index. Its sums are the model's numbers only for the
  models `permutation_explainer` documents, so that is no law of the type.
- A model checker's law: the model's score is what the task's metrics evaluator
  (`task_metrics`, macro averages for three classes) gives the model's predictions
  (`predict_model`) on the test split, by the comparison's metric. A checker set to
  another average would differ on three classes: check it with a strategy of two.
  Whether the baseline is fair is the checker's business; `better` follows from the two
  scores (`is_better`) and is asked too, since the record documents it.
- A bias checker's examples need its sensitive column, which the component does not
  expose: the kit has no default examples; pass `strategy=bias_examples(column)`. Its
  law: the groups cover every row once, that is each group's size is the number of rows
  whose sensitive value reads (`str`) as its name, and the sizes add up to the rows that
  have a value (a missing value is in no group).
"""

from __future__ import annotations

import math
import pickle
from typing import TypeAlias, TypeVar, cast

import pandas as pd
from hypothesis import strategies as st

from lolpop.components.metrics import GREATER_IS_BETTER, is_better, task_metrics
from lolpop.components.records import (
    BaselineComparison,
    BiasChecker,
    BiasReport,
    Classification,
    FittedModel,
    HyperparameterTuner,
    Importance,
    Labelled,
    ModelChecker,
    ModelExplainer,
    ModelTrainer,
    Predictions,
    Splits,
    TaskKind,
    Trial,
    TuningResult,
)
from lolpop.components.sklearn_trainer import predict_model
from lolpop.testing.laws import Kit, Law, broken, call, declare, show
from lolpop.testing.strategies import labelled, splits

#: How far (relative) a checker's model score may be from the evaluator's.
SCORE_TOLERANCE = 1e-9

_Tuner: TypeAlias = HyperparameterTuner[TaskKind]
_Checker: TypeAlias = ModelChecker[TaskKind]
_Model: TypeAlias = FittedModel[TaskKind]
_Result: TypeAlias = TuningResult[TaskKind]
#: An explainer's input: a fitted model and labelled data of its features.
_Explained: TypeAlias = tuple[_Model, Labelled]
#: A model checker's input.
_Checked: TypeAlias = tuple[_Model, Splits]
#: A bias checker's input: the frame with the sensitive column, the truth, predictions.
_Grouped: TypeAlias = tuple[pd.DataFrame, pd.Series, Predictions[Classification]]
_V = TypeVar("_V")


def _received(value: _V) -> _V:
    """`value` pickled and read back (as it is when it does not pickle: the pickling law
    says so)."""
    try:
        return cast("_V", pickle.loads(pickle.dumps(value)))  # its own bytes, just made
    except Exception:  # any reason it fails is the pickling law's finding
        return value


def _moderate(data: Labelled) -> Labelled:
    """`data` with its features scaled from [-1e6, 1e6] into [-10, 10]."""
    return Labelled(data.features / 1e5, data.target)


def _data(task: str) -> st.SearchStrategy[Labelled]:
    if task == "classification":
        drawn = st.integers(2, 3).flatmap(
            lambda k: labelled("classification", classes=k, min_rows=9, max_rows=30)
        )
    else:
        drawn = labelled("regression", min_rows=6, max_rows=30)
    return drawn.map(_moderate)


def _default_trainer(task: str) -> ModelTrainer[TaskKind]:
    from sklearn.linear_model import LogisticRegression, Ridge  # noqa: PLC0415 (heavy)

    from lolpop.components.sklearn_trainer import sklearn_trainer  # noqa: PLC0415

    if task == "classification":
        return cast("ModelTrainer[TaskKind]", sklearn_trainer(LogisticRegression))
    return cast("ModelTrainer[TaskKind]", sklearn_trainer(Ridge))


# --- tuners -----------------------------------------------------------------------------


def _tune(tuner: _Tuner, parts: Splits) -> _Result:
    return call(tuner.tune, parts)


def _exercise_tuner(tuner: _Tuner, parts: Splits) -> _Result:
    """The result as another process receives it (its models read back once)."""
    return _received(_tune(tuner, parts))


def _tuner_examples(tuner: _Tuner) -> st.SearchStrategy[Splits]:
    return splits(_data(tuner.task.name))


def _same_score(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def _is_same_trial(trial: Trial[TaskKind], best: Trial[TaskKind]) -> bool:
    return trial is best or (
        trial.number == best.number
        and dict(trial.params) == dict(best.params)
        and _same_score(trial.score, best.score)
    )


def _best_is_a_trial(tuner: _Tuner, parts: Splits) -> None:
    result = _tune(tuner, parts)
    if not any(_is_same_trial(trial, result.best) for trial in result.trials):
        numbers = [(t.number, t.score) for t in result.trials]
        broken(
            f"the best trial (number {result.best.number}, params "
            f"{show(dict(result.best.params))}, score {result.best.score!r}) is none of the "
            f"{len(result.trials)} trials (number, score): {show(numbers)}"
        )


def _best_has_best_score(tuner: _Tuner, parts: Splits) -> None:
    result = _tune(tuner, parts)
    if result.metric not in GREATER_IS_BETTER:
        return  # a metric of the user's: no declared direction to compare by
    better = [t for t in result.trials if is_better(result.metric, t.score, result.best.score)]
    if better:
        direction = "greater" if GREATER_IS_BETTER[result.metric] else "lower"
        broken(
            f"the best trial scores {result.metric} = {result.best.score!r}, but "
            f"{len(better)} trials score better ({direction} is better): "
            f"{show([(t.number, t.score) for t in better])}"
        )


TUNER = declare(
    Kit(
        "tuner",
        HyperparameterTuner,
        _exercise_tuner,
        (
            Law(
                "best is one of the trials",
                "The best trial is one of the result's trials (same number, params and score).",
                _best_is_a_trial,
            ),
            Law(
                "best has the best score",
                "No trial scores strictly better than the best by the metric's direction "
                "(GREATER_IS_BETTER; NaN never wins).",
                _best_has_best_score,
            ),
        ),
        _tuner_examples,
    )
)


# --- explainers -------------------------------------------------------------------------


def _exercise_explainer(explainer: ModelExplainer, example: _Explained) -> object:
    model, data = example
    return (
        call(explainer.importance, (model, data)),
        call(explainer.explain, (model, data.features)),
    )


@st.composite
def _explained(draw: st.DrawFn) -> _Explained:
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415 (heavy)
    from sklearn.tree import DecisionTreeClassifier  # noqa: PLC0415

    from lolpop.components.sklearn_trainer import sklearn_trainer  # noqa: PLC0415

    data = draw(_data("classification"))
    trainers = (sklearn_trainer(LogisticRegression), sklearn_trainer(DecisionTreeClassifier))
    trainer = draw(st.sampled_from(trainers))
    return cast("_Model", call(trainer.fit, data)), data


def _explainer_examples(explainer: ModelExplainer) -> st.SearchStrategy[_Explained]:
    return _explained()


def _importance_names_features(explainer: ModelExplainer, example: _Explained) -> None:
    model, data = example
    found: Importance = call(explainer.importance, (model, data))
    names = list(found.values)
    if sorted(map(str, names)) != sorted(model.features) or len(names) != len(model.features):
        missing = [f for f in model.features if f not in found.values]
        extra = [n for n in names if n not in model.features]
        broken(
            f"importance names {show(names)}, not each of the model's features "
            f"{show(list(model.features))} once (missing {show(missing)}, extra {show(extra)})"
        )


def _one_row_per_row(explainer: ModelExplainer, example: _Explained) -> None:
    model, data = example
    rows: pd.DataFrame = call(explainer.explain, (model, data.features))
    if len(rows) != len(data.features):
        broken(f"explain gives {len(rows)} rows for {len(data.features)} input rows: {show(rows)}")
    if not rows.index.equals(data.features.index):
        broken(
            "explain's rows are not indexed as the input's:\n"
            f"  input:   {show(list(data.features.index))}\n  explain: {show(list(rows.index))}"
        )


EXPLAINER = declare(
    Kit(
        "explainer",
        ModelExplainer,
        _exercise_explainer,
        (
            Law(
                "importance names every feature once",
                "importance has one value for each feature the model was fitted on, and no other.",
                _importance_names_features,
            ),
            Law(
                "one explanation per row",
                "explain gives one row per input row, under the input's index.",
                _one_row_per_row,
            ),
        ),
        _explainer_examples,
    )
)


# --- model checkers ---------------------------------------------------------------------


def _check(checker: _Checker, example: _Checked) -> BaselineComparison:
    return call(checker.check, example)


@st.composite
def _checked(draw: st.DrawFn, task: str) -> _Checked:
    parts = draw(splits(_data(task)))
    model = call(_default_trainer(task).fit, parts.train)
    return model, parts


def _checker_examples(checker: _Checker) -> st.SearchStrategy[_Checked]:
    return _checked(checker.task.name)


def _model_score_as_evaluated(checker: _Checker, example: _Checked) -> None:
    model, parts = example
    comparison = _check(checker, example)
    predictions = predict_model(model, parts.test.features)
    metrics = call(task_metrics(checker.task).evaluate, (parts.test.target, predictions))
    if comparison.metric not in metrics:
        return  # a metric the evaluator does not compute: the user's own law's business
    expected, found = metrics[comparison.metric], comparison.model_score
    close = math.isclose(found, expected, rel_tol=SCORE_TOLERANCE, abs_tol=1e-12)
    if not (close or _same_score(found, expected)):
        broken(
            f"the model scores {comparison.metric} = {found!r}, but the {checker.task.name} "
            f"metrics evaluator gives its predictions on the test split {expected!r}"
        )
    if comparison.metric in GREATER_IS_BETTER:
        beats = is_better(comparison.metric, found, comparison.baseline_score)
        if comparison.better != beats:
            broken(
                f"better is {comparison.better} for a model score of {found!r} against the "
                f"baseline's {comparison.baseline_score!r} by {comparison.metric}"
            )


CHECKER = declare(
    Kit(
        "model checker",
        ModelChecker,
        _check,
        (
            Law(
                "model score as evaluated",
                "The model's score is the metrics evaluator's for its predictions on the test "
                "split, by the same metric, and `better` says whether it beats the baseline's.",
                _model_score_as_evaluated,
            ),
        ),
        _checker_examples,
    )
)


# --- bias checkers ----------------------------------------------------------------------


def _bias(checker: BiasChecker[Classification], example: _Grouped) -> BiasReport:
    return call(checker.check, example)


@st.composite
def _grouped(draw: st.DrawFn, column: str, labels: tuple[object, object]) -> _Grouped:
    rows = draw(st.integers(1, 30))
    values = st.sampled_from(["a", "b", "c", None])
    groups = draw(st.lists(values, min_size=rows, max_size=rows))
    groups[0] = groups[0] or "a"  # one row in a group at least (else there is none)
    index = pd.Index(draw(st.permutations(range(rows))))
    frame = pd.DataFrame(
        {column: pd.Series(groups, index=index, dtype=object), "x": range(rows)}, index=index
    )
    truth = draw(st.lists(st.sampled_from(labels), min_size=rows, max_size=rows))
    predicted = draw(st.lists(st.sampled_from(labels), min_size=rows, max_size=rows))
    # Truth and predictions in another order of the same labels (aligned by label).
    order = draw(st.permutations(list(index)))
    return (
        frame,
        pd.Series(truth, index=index, name="target").reindex(order),
        Predictions(
            pd.Series(predicted, index=index, name="target").reindex(order), task=Classification
        ),
    )


def bias_examples(
    column: str, labels: tuple[object, object] = (0, 1)
) -> st.SearchStrategy[_Grouped]:
    """Examples for a bias checker of the sensitive column `column`: a frame of 1 to 30
    rows whose `column` holds groups `a`, `b`, `c` or nothing, and truth and predictions
    of `labels` (the positive label among them), indexed by the same labels in another
    order."""
    return _grouped(column, labels)


def _groups_cover_rows(checker: BiasChecker[Classification], example: _Grouped) -> None:
    frame = example[0]
    report = _bias(checker, example)
    if report.column not in frame.columns:
        broken(f"the report is of column {report.column!r}, which the frame does not have")
    sensitive = frame[report.column]
    counts = sensitive[sensitive.notna()].astype(object).map(str).value_counts()
    names = [g.group for g in report.groups]
    if len(set(names)) != len(names):
        broken(f"the report names a group more than once: {show(names)}")
    sizes = {g.group: g.size for g in report.groups}
    expected = {str(name): int(count) for name, count in counts.items()}
    if sizes != expected:
        broken(
            f"the groups' sizes {show(sizes)} are not the rows of each value of "
            f"{report.column!r} {show(expected)} (every row with a value in its group once)"
        )


BIAS = declare(
    Kit(
        "bias checker",
        BiasChecker,
        _bias,
        (
            Law(
                "groups cover every row",
                "Each row with a sensitive value is in the group of that value, once; a row "
                "without one is in none.",
                _groups_cover_rows,
            ),
        ),
    )
)

__all__ = (
    "BIAS",
    "CHECKER",
    "EXPLAINER",
    "SCORE_TOLERANCE",
    "TUNER",
    "bias_examples",
)
