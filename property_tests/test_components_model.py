"""Laws of the model components: trainer, encoder and metrics, on generated data.

- the trainer is deterministic under a fixed seed, and never mutates its input;
- predicted probabilities lie in [0, 1] and sum to 1 on every row;
- the encoder keeps the row count and index, fills every cell, and mutates nothing;
- every metric equals scikit-learn's own function on the same data.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
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

from lolpop.components.encoder import column_encoder
from lolpop.components.metrics import compute_metrics
from lolpop.components.records import Classification, Labelled, Predictions, Regression
from lolpop.components.sklearn_trainer import TrainerSettings, sklearn_model
from lolpop.testing.profiles import scaled
from lolpop.testing.strategies import frames, labelled

FOREST = TrainerSettings("sklearn.ensemble:RandomForestClassifier", {"n_estimators": 5})
TREE = TrainerSettings("sklearn.tree:DecisionTreeRegressor", {"max_depth": 4})


@settings(max_examples=scaled(0.25), deadline=None)
@given(labelled("classification", classes=3, categorical=0))
def test_trainer_is_deterministic_under_its_seed(data: Labelled) -> None:
    before = data.features.copy()
    first, second = sklearn_model(FOREST), sklearn_model(FOREST)
    one = first.predict((first.fit(data), data.features))
    two = second.predict((second.fit(data), data.features))
    pd.testing.assert_series_equal(one.values, two.values)
    assert one.probabilities is not None
    assert two.probabilities is not None
    pd.testing.assert_frame_equal(one.probabilities, two.probabilities)
    pd.testing.assert_frame_equal(data.features, before)


@settings(max_examples=scaled(0.25), deadline=None)
@given(labelled("regression", numeric=3))
def test_regressor_is_deterministic_under_its_seed(data: Labelled) -> None:
    trainer = sklearn_model(TREE)
    one = trainer.predict((trainer.fit(data), data.features)).values
    two = trainer.predict((trainer.fit(data), data.features)).values
    pd.testing.assert_series_equal(one, two)
    assert one.index.equals(data.features.index)


@settings(max_examples=scaled(0.33), deadline=None)
@given(st.integers(2, 4).flatmap(lambda k: labelled("classification", classes=k)))
def test_probabilities_are_in_the_unit_interval_and_sum_to_one(data: Labelled) -> None:
    trainer = sklearn_model(FOREST)
    model = trainer.fit(data)
    probabilities = trainer.predict_proba((model, data.features))
    assert list(probabilities.columns) == [str(c) for c in sorted(set(data.target))]
    assert probabilities.index.equals(data.features.index)
    values = probabilities.to_numpy()
    assert ((values >= 0) & (values <= 1)).all()
    np.testing.assert_allclose(values.sum(axis=1), 1.0)


@settings(deadline=None)
@given(
    frames(numeric=2, categorical=2, missing=True), frames(numeric=2, categorical=2, missing=True)
)
def test_encoder_keeps_rows_fills_every_cell_and_mutates_nothing(
    train: pd.DataFrame, other: pd.DataFrame
) -> None:
    other = other.set_axis([f"row{i}" for i in range(len(other))])
    train_before, other_before = train.copy(), other.copy()
    encoder = column_encoder()
    fitted = encoder.fit(Labelled(train, pd.Series(0, index=train.index)))
    for frame in (train, other):
        out = encoder.transform((fitted, frame))
        assert len(out) == len(frame)
        assert out.index.equals(frame.index)
        assert tuple(out.columns) == fitted.outputs
        assert out.notna().all().all()
    pd.testing.assert_frame_equal(train, train_before)
    pd.testing.assert_frame_equal(other, other_before)


def _proba_rows(classes: int, rows: int) -> st.SearchStrategy[list[list[float]]]:
    row = st.lists(st.floats(0.01, 1.0), min_size=classes, max_size=classes)
    return st.lists(row, min_size=rows, max_size=rows)


@st.composite
def _classified(draw: st.DrawFn) -> tuple[int, pd.Series, pd.Series, np.ndarray]:
    classes = draw(st.integers(2, 3))
    rows = draw(st.integers(classes, 30))
    truth = draw(
        st.permutations(
            [
                *range(classes),
                *draw(
                    st.lists(
                        st.integers(0, classes - 1),
                        min_size=rows - classes,
                        max_size=rows - classes,
                    )
                ),
            ]
        )
    )
    predicted = draw(st.lists(st.integers(0, classes - 1), min_size=rows, max_size=rows))
    raw = np.array(draw(_proba_rows(classes, rows)))
    return classes, pd.Series(truth), pd.Series(predicted), raw / raw.sum(axis=1, keepdims=True)


@settings(max_examples=scaled(0.5))
@given(_classified())
def test_classification_metrics_equal_sklearn(
    case: tuple[int, pd.Series, pd.Series, np.ndarray],
) -> None:
    classes, truth, predicted, matrix = case
    frame = pd.DataFrame(matrix, columns=[str(c) for c in range(classes)])
    got = compute_metrics(
        "classification", (), truth, Predictions(predicted, frame, task=Classification)
    )
    average: Literal["binary", "macro"] = "binary" if classes == 2 else "macro"
    assert got["accuracy"] == pytest.approx(accuracy_score(truth, predicted))
    for name, score in (("f1", f1_score), ("precision", precision_score), ("recall", recall_score)):
        assert got[name] == pytest.approx(
            score(truth, predicted, average=average, zero_division=0.0)
        )
    labels = list(range(classes))
    assert got["log_loss"] == pytest.approx(log_loss(truth, matrix, labels=labels))
    if classes == 2:
        assert got["roc_auc"] == pytest.approx(roc_auc_score(truth, matrix[:, 1]))
        assert got["pr_auc"] == pytest.approx(average_precision_score(truth, matrix[:, 1]))
    else:
        assert got["roc_auc"] == pytest.approx(roc_auc_score(truth, matrix, multi_class="ovr"))
        onehot = np.column_stack([truth == c for c in labels])
        assert got["pr_auc"] == pytest.approx(average_precision_score(onehot, matrix))


_finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@given(
    st.integers(2, 30).flatmap(
        lambda n: st.tuples(
            st.lists(_finite, min_size=n, max_size=n), st.lists(_finite, min_size=n, max_size=n)
        )
    )
)
def test_regression_metrics_equal_sklearn(case: tuple[list[float], list[float]]) -> None:
    truth, predicted = pd.Series(case[0]), pd.Series(case[1])
    got = compute_metrics("regression", (), truth, Predictions(predicted, task=Regression))
    assert got["mse"] == pytest.approx(mean_squared_error(truth, predicted))
    assert got["rmse"] == pytest.approx(root_mean_squared_error(truth, predicted))
    assert got["mae"] == pytest.approx(mean_absolute_error(truth, predicted))
    assert got["mape"] == pytest.approx(mean_absolute_percentage_error(truth, predicted))
    assert got["r2"] == pytest.approx(r2_score(truth, predicted))
    if (truth >= 0).all() and (predicted >= 0).all():
        assert got["msle"] == pytest.approx(mean_squared_log_error(truth, predicted))
    else:
        assert math.isnan(got["msle"])
