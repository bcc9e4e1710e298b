"""Metrics: the values scikit-learn's own functions give, directions, undefined cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from cattrs.errors import ClassValidationError
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    f1_score,
    log_loss,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_log_error,
    precision_score,
    r2_score,
    recall_score,
    roc_auc_score,
    root_mean_squared_error,
)

from lolpop.components._errors import DataError
from lolpop.components.metrics import (
    GREATER_IS_BETTER,
    KINDS,
    METRICS,
    ClassificationMetricsSettings,
    RegressionMetricsSettings,
    check_metric,
    classification_metrics,
    compute_metrics,
    is_better,
    regression_metrics,
)
from lolpop.components.records import (
    Classification,
    MetricsEvaluator,
    Predictions,
    Regression,
)
from lolpop.config.converter import make_converter, problems_of
from lolpop.config.records import ComponentConfig
from lolpop.config.registry import Registry
from lolpop.core.step import Step
from lolpop.errors import DefinitionError, StepFailure

TRUTH = pd.Series([0, 1, 1, 0, 1, 1, 0, 1], name="target")
PREDICTED = pd.Series([0, 1, 0, 0, 1, 1, 1, 1], name="target")
P1 = np.array([0.2, 0.9, 0.4, 0.1, 0.8, 0.7, 0.6, 0.95])
BINARY = Predictions(PREDICTED, pd.DataFrame({"0": 1 - P1, "1": P1}), task=Classification)


def test_binary_metrics_equal_sklearn_with_the_second_class_positive() -> None:
    got = compute_metrics("classification", (), TRUTH, BINARY)
    assert list(got) == list(METRICS["classification"])
    assert got["accuracy"] == pytest.approx(accuracy_score(TRUTH, PREDICTED))
    assert got["accuracy"] == pytest.approx(6 / 8)
    assert got["f1"] == pytest.approx(f1_score(TRUTH, PREDICTED))
    assert got["precision"] == pytest.approx(precision_score(TRUTH, PREDICTED))
    assert got["precision"] == pytest.approx(4 / 5)
    assert got["recall"] == pytest.approx(recall_score(TRUTH, PREDICTED))
    assert got["recall"] == pytest.approx(4 / 5)
    assert got["roc_auc"] == pytest.approx(roc_auc_score(TRUTH, P1))
    assert got["pr_auc"] == pytest.approx(average_precision_score(TRUTH, P1))
    assert got["log_loss"] == pytest.approx(log_loss(TRUTH, np.column_stack([1 - P1, P1])))


def test_text_labels_take_the_second_probability_column_as_positive() -> None:
    names = {0: "no", 1: "yes"}
    truth, predicted = TRUTH.map(names), PREDICTED.map(names)
    predictions = Predictions(
        predicted, pd.DataFrame({"no": 1 - P1, "yes": P1}), task=Classification
    )
    got = compute_metrics("classification", ("f1", "roc_auc"), truth, predictions)
    assert got == {
        "f1": pytest.approx(f1_score(truth, predicted, pos_label="yes")),
        "roc_auc": pytest.approx(roc_auc_score(truth == "yes", P1)),
    }


def test_multiclass_uses_the_configured_average_and_one_vs_rest_auc() -> None:
    truth = pd.Series([2, 10, 3, 2, 10, 3, 2, 3])
    predicted = pd.Series([2, 10, 2, 2, 3, 3, 10, 3])
    # Columns in the model's (numeric) order: 2, 3, 10. Text order would be 10, 2, 3.
    matrix = np.array(
        [
            [0.7, 0.2, 0.1],
            [0.1, 0.2, 0.7],
            [0.5, 0.4, 0.1],
            [0.8, 0.1, 0.1],
            [0.2, 0.5, 0.3],
            [0.1, 0.8, 0.1],
            [0.3, 0.3, 0.4],
            [0.2, 0.6, 0.2],
        ]
    )
    predictions = Predictions(
        predicted, pd.DataFrame(matrix, columns=["2", "3", "10"]), task=Classification
    )
    for average in ("macro", "weighted", "micro"):
        got = compute_metrics("classification", (), truth, predictions, average=average)
        assert got["f1"] == pytest.approx(f1_score(truth, predicted, average=average))
        assert got["precision"] == pytest.approx(precision_score(truth, predicted, average=average))
        assert got["recall"] == pytest.approx(recall_score(truth, predicted, average=average))
    got = compute_metrics("classification", (), truth, predictions, average="macro")
    assert got["log_loss"] == pytest.approx(log_loss(truth, matrix, labels=[2, 3, 10]))
    assert got["roc_auc"] == pytest.approx(
        roc_auc_score(truth, matrix, multi_class="ovr", labels=[2, 3, 10])
    )
    onehot = np.column_stack([truth == c for c in (2, 3, 10)])
    assert got["pr_auc"] == pytest.approx(average_precision_score(onehot, matrix))


def test_regression_metrics_equal_sklearn() -> None:
    truth = pd.Series([3.0, 0.5, 2.0, 7.0, 4.5])
    predicted = pd.Series([2.5, 0.0, 2.0, 8.0, 5.0])
    got = compute_metrics("regression", (), truth, Predictions(predicted, task=Regression))
    assert got == {
        "mse": pytest.approx(mean_squared_error(truth, predicted)),
        "rmse": pytest.approx(root_mean_squared_error(truth, predicted)),
        "mae": pytest.approx(mean_absolute_error(truth, predicted)),
        "mape": pytest.approx(mean_absolute_percentage_error(truth, predicted)),
        "r2": pytest.approx(r2_score(truth, predicted)),
        "msle": pytest.approx(mean_squared_log_error(truth, predicted)),
    }
    assert got["mse"] == pytest.approx((0.25 + 0.25 + 0 + 1 + 0.25) / 5)


def test_undefined_metrics_are_nan_not_errors() -> None:
    negative = compute_metrics(
        "regression",
        ("msle", "mae"),
        pd.Series([-1.0, 2.0]),
        Predictions(pd.Series([0.0, 2.0]), task=Regression),
    )
    assert math.isnan(negative["msle"])
    assert negative["mae"] == 0.5
    one_row = compute_metrics(
        "regression", ("r2",), pd.Series([1.0]), Predictions(pd.Series([2.0]), task=Regression)
    )
    assert math.isnan(one_row["r2"])
    one_class = pd.Series([1, 1, 1])
    probabilities = pd.DataFrame({"0": [0.2, 0.4, 0.1], "1": [0.8, 0.6, 0.9]})
    got = compute_metrics(
        "classification", (), one_class, Predictions(one_class, probabilities, task=Classification)
    )
    assert math.isnan(got["roc_auc"])
    assert math.isnan(got["pr_auc"])
    assert got["accuracy"] == 1.0
    assert got["log_loss"] == pytest.approx(
        log_loss(np.array([1, 1, 1]), probabilities, labels=[0, 1])
    )
    unseen = compute_metrics(
        "classification",
        ("log_loss",),
        pd.Series([0, 2]),
        Predictions(pd.Series([0, 1]), probabilities.iloc[:2], task=Classification),
    )
    assert math.isnan(unseen["log_loss"])


def test_probability_metrics_need_probabilities_only_when_asked_for() -> None:
    plain = Predictions(PREDICTED, task=Classification)
    got = compute_metrics("classification", (), TRUTH, plain)
    assert set(got) == {"accuracy", "f1", "precision", "recall"}
    with pytest.raises(DataError, match="'roc_auc' needs predicted probabilities"):
        compute_metrics("classification", ("roc_auc",), TRUTH, plain)


def test_bad_inputs_are_refused_with_their_reason() -> None:
    with pytest.raises(DataError, match="8 rows but the predictions have 3"):
        compute_metrics(
            "classification", (), TRUTH, Predictions(PREDICTED[:3], task=Classification)
        )
    with pytest.raises(DataError, match="missing values"):
        compute_metrics(
            "regression",
            (),
            pd.Series([1.0, np.nan]),
            Predictions(pd.Series([1.0, 2.0]), task=Regression),
        )
    with pytest.raises(DefinitionError, match="'rmse' is a regression metric"):
        compute_metrics("classification", ("rmse",), TRUTH, BINARY)


def test_directions_and_comparisons() -> None:
    assert set(GREATER_IS_BETTER) == {
        *METRICS["classification"],
        *METRICS["regression"],
        *METRICS["forecasting"],
    }
    lower = {name for name, greater in GREATER_IS_BETTER.items() if not greater}
    assert lower == {"log_loss", "mse", "rmse", "mae", "mape", "msle", "mase", "smape"}
    assert is_better("f1", 0.9, 0.8)
    assert not is_better("f1", 0.8, 0.8)
    assert is_better("log_loss", 0.1, 0.3)
    assert not is_better("rmse", 2.0, 1.0)
    assert is_better("mse", 5.0, math.nan)
    assert not is_better("mse", math.nan, 5.0)
    with pytest.raises(DefinitionError, match="did you mean 'accuracy'"):
        is_better("acuracy", 1.0, 0.0)


def test_check_metric_names_the_task() -> None:
    assert check_metric("r2") == "regression"
    assert check_metric("pr_auc", "classification") == "classification"
    with pytest.raises(DefinitionError, match="unknown metric 'auc'"):
        check_metric("auc")
    with pytest.raises(DefinitionError, match=r"^unknown metric 'f2'\. Known metrics: "):
        check_metric("f2")  # nothing close enough to suggest: still two sentences


def test_evaluators_are_steps_that_compute_the_configured_metrics() -> None:
    evaluator = classification_metrics(ClassificationMetricsSettings(metrics=("accuracy", "f1")))
    assert evaluator.evaluate((TRUTH, BINARY)) == {
        "accuracy": pytest.approx(0.75),
        "f1": pytest.approx(0.8),
    }
    regression = regression_metrics()
    out = regression.evaluate(
        (pd.Series([1.0, 2.0]), Predictions(pd.Series([1.0, 4.0]), task=Regression))
    )
    assert out["mae"] == 1.0
    with pytest.raises(StepFailure, match="missing values"):
        regression.evaluate(
            (pd.Series([1.0, None]), Predictions(pd.Series([1.0, 4.0]), task=Regression))
        )
    with pytest.raises(DefinitionError, match="'accuracy' is a classification metric"):
        # A config's names are checked when it is built; in Python, mypy refuses this.
        regression_metrics(RegressionMetricsSettings(metrics=("accuracy",)))  # type: ignore[arg-type]  # the run-time check's test


def test_metrics_refuse_predictions_of_another_task() -> None:
    """A regressor's values scored as class labels gave 0.0 everywhere, with no error.
    mypy refuses the typed wiring; steps wired from a dict (as here) are refused at run."""
    values = pd.Series([0.2, 0.9, 0.4])
    evaluators: dict[str, object] = {
        "classification": classification_metrics().evaluate,
        "regression": regression_metrics().evaluate,
    }
    scored = {
        "classification": (pd.Series([0, 1, 0]), Predictions(values, task=Regression)),
        "regression": (values, Predictions(pd.Series([0, 1, 0]), task=Classification)),
    }
    for task, evaluate in evaluators.items():
        assert isinstance(evaluate, Step)
        with pytest.raises(StepFailure) as info:
            evaluate(scored[task])
        assert isinstance(info.value.failure.cause, DataError)
        other = "regression" if task == "classification" else "classification"
        assert (
            f"these are a {other} model's predictions; {task} metrics score a {task} model's"
            in str(info.value)
        )


def test_settings_decode_from_config_data() -> None:
    converter = make_converter(Registry(KINDS))
    config = converter.structure(
        {"type": "classification_metrics", "metrics": ["f1", "roc_auc"], "average": "weighted"},
        ComponentConfig,
    )
    assert config.settings == ClassificationMetricsSettings(("f1", "roc_auc"), "weighted")
    built = KINDS[0].build(config.settings)
    assert isinstance(built, MetricsEvaluator)
    assert set(built.evaluate((TRUTH, BINARY))) == {"f1", "roc_auc"}
    unknown = converter.structure(
        {"type": "regression_metrics", "metrics": ["rsme"]}, ComponentConfig
    )
    with pytest.raises(DefinitionError, match="did you mean 'rmse'"):
        KINDS[1].build(unknown.settings)
    config = converter.structure({"type": "regression_metrics"}, ComponentConfig)
    assert config.settings == RegressionMetricsSettings()
    with pytest.raises(ClassValidationError) as info:
        converter.structure(
            {"type": "classification_metrics", "average": "median", "metric": ["f1"]},
            ComponentConfig,
        )
    problems = [str(p) for p in problems_of(info.value)]
    assert any("$.average" in p for p in problems)
    assert any("unknown key 'metric'" in p and "did you mean 'metrics'" in p for p in problems)


def test_truth_of_other_rows_is_refused_not_scored_by_position() -> None:
    """The valid part's truth against the test part's predictions (both 15% of the rows):
    the same length, other rows. Scored row by row, the metrics mean nothing."""
    valid = pd.Series([1, 1, 1, 0], index=[10, 11, 12, 13], name="target")
    test = Predictions(pd.Series([1, 1, 0, 0], index=[20, 21, 22, 23]), task=Classification)
    with pytest.raises(DataError, match=r"not of the same rows") as raised:
        compute_metrics("classification", ("accuracy",), valid, test)
    assert "10, 11, 12" in str(raised.value)
    assert "20, 21, 22" in str(raised.value)
    # The same rows in another order are lined up by their index, not refused.
    shuffled = Predictions(pd.Series([0, 1, 1, 1], index=[13, 12, 11, 10]), task=Classification)
    assert compute_metrics("classification", ("accuracy",), valid, shuffled) == {"accuracy": 1.0}
