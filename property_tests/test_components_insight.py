"""Laws of the model-insight components: explainer and visualizer.

- contributions plus base give back the model's own number for every row (linear and
  tree models, regression and classification), keep the frame's index, explain each
  row on its own (a slice's explanation is the explanation's slice), and leave the
  frame as it was;
- permutation importance is deterministic under its seed, names every feature once,
  and leaves the data as it was;
- the visualizer writes exactly its figures, whole PNGs, and leaves the data as it was.
"""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from lolpop.components.explainer import BASE, ExplainerSettings, permutation_explainer
from lolpop.components.records import (
    TASKS,
    Estimator,
    FittedModel,
    Labelled,
    Task,
    TaskKind,
)
from lolpop.components.visualizer import VisualizerSettings, matplotlib_visualizer
from lolpop.testing.strategies import labelled

#: Fitting models is slow: these laws run a fraction of the profile's examples.
FITS = max(1, settings().max_examples // 6)

EXPLAINER = permutation_explainer(ExplainerSettings(n_repeats=2, max_rows=30))


def fitted(estimator: Estimator, data: Labelled, task: Task) -> FittedModel[TaskKind]:
    with warnings.catch_warnings():
        # Unscaled generated data: a logistic fit may stop before it converges, which
        # changes the model, not the laws.
        warnings.simplefilter("ignore")
        estimator.fit(data.features, data.target)
    return FittedModel(
        estimator=estimator,
        task=TASKS[task],
        features=tuple(data.features.columns),
        target="target",
        classes=tuple(getattr(estimator, "classes_", ())),
    )


def regression_value(estimator: Estimator, frame: pd.DataFrame) -> npt.NDArray[np.float64]:
    return np.asarray(estimator.predict(frame), dtype=np.float64)


def picked(
    columns: npt.NDArray[np.float64],
    classes: npt.NDArray[np.generic],
    predicted: npt.NDArray[np.generic],
) -> npt.NDArray[np.float64]:
    """Each row's value in the column of its predicted class."""
    rows = pd.Index(classes).get_indexer(predicted)
    chosen: npt.NDArray[np.float64] = columns[np.arange(len(rows)), rows]
    return chosen


def linear_score(estimator: Estimator, frame: pd.DataFrame) -> npt.NDArray[np.float64]:
    assert isinstance(estimator, LogisticRegression)
    scores = estimator.decision_function(frame)
    if scores.ndim == 1:
        return scores
    return picked(scores, estimator.classes_, estimator.predict(frame))


def tree_probability(estimator: Estimator, frame: pd.DataFrame) -> npt.NDArray[np.float64]:
    assert isinstance(estimator, RandomForestClassifier | DecisionTreeClassifier)
    probabilities = estimator.predict_proba(frame)
    if probabilities.shape[1] == 2:
        return probabilities[:, 1]
    return picked(probabilities, estimator.classes_, estimator.predict(frame))


#: name -> (a fresh estimator, its task, the number explain splits)
MODELS: dict[
    str,
    tuple[
        Callable[[], Estimator],
        Task,
        Callable[[Estimator, pd.DataFrame], npt.NDArray[np.float64]],
    ],
] = {
    "linear_regression": (LinearRegression, "regression", regression_value),
    "ridge": (Ridge, "regression", regression_value),
    "tree_regressor": (lambda: DecisionTreeRegressor(max_depth=4), "regression", regression_value),
    "forest_regressor": (
        lambda: RandomForestRegressor(4, max_depth=4, random_state=0),
        "regression",
        regression_value,
    ),
    "logistic": (lambda: LogisticRegression(max_iter=50), "classification", linear_score),
    "tree_classifier": (
        lambda: DecisionTreeClassifier(max_depth=4),
        "classification",
        tree_probability,
    ),
    "forest_classifier": (
        lambda: RandomForestClassifier(4, max_depth=4, random_state=0),
        "classification",
        tree_probability,
    ),
}


#: What a law is drawn on, by task: regression, two classes, three classes.
DATA = {
    "regression": labelled("regression", numeric=3, min_rows=10, max_rows=40),
    "classification": st.one_of(
        labelled("classification", classes=2, numeric=3, max_rows=40),
        labelled("classification", classes=3, numeric=3, max_rows=40),
    ),
}


@pytest.mark.parametrize("name", sorted(MODELS))
@settings(max_examples=FITS, deadline=None)
@given(draw=st.data())
def test_contributions_add_up_to_the_models_number(name: str, draw: st.DataObject) -> None:
    make, task, number = MODELS[name]
    data = draw.draw(DATA[task])
    model = fitted(make(), data, task)
    frame = data.features
    before = frame.copy()
    explained = EXPLAINER.explain((model, frame))
    pd.testing.assert_frame_equal(frame, before)
    assert list(explained.columns) == [*frame.columns, BASE]
    pd.testing.assert_index_equal(explained.index, frame.index)
    # Float error grows with the size of the terms summed, not with their sum.
    scale = explained.abs().sum(axis=1).to_numpy()
    error = np.abs(explained.sum(axis=1).to_numpy() - number(model.estimator, frame))
    assert (error <= 1e-9 * scale + 1e-12).all()
    # Each row is explained on its own: a slice's explanation is the explanation's slice.
    half = len(frame) // 2
    pd.testing.assert_frame_equal(
        EXPLAINER.explain((model, frame.iloc[half:])), explained.iloc[half:]
    )


@settings(max_examples=FITS, deadline=None)
@given(data=labelled("classification", classes=2, numeric=3, max_rows=50))
def test_importance_is_deterministic_under_its_seed(data: Labelled) -> None:
    model = fitted(DecisionTreeClassifier(max_depth=3, random_state=0), data, "classification")
    before = data.features.copy()
    first = EXPLAINER.importance((model, data))
    assert first == EXPLAINER.importance((model, data))
    assert sorted(first.values) == sorted(data.features.columns)
    values = list(first.values.values())
    assert values == sorted(values, reverse=True)
    pd.testing.assert_frame_equal(data.features, before)


@settings(max_examples=max(1, FITS // 5), deadline=None)
@given(data=labelled("regression", numeric=2, min_rows=5, max_rows=30))
def test_the_visualizer_writes_exactly_its_figures(data: Labelled) -> None:
    model = fitted(Ridge(), data, "regression")
    before = data.features.copy()
    with tempfile.TemporaryDirectory() as folder:
        plot = matplotlib_visualizer(VisualizerSettings(folder=folder, dpi=20)).plot
        figures = plot((model, data))
        expected = {"residuals", "predicted_vs_actual", "feature_importance"}
        assert set(figures.paths) == expected
        assert sorted(p.name for p in Path(folder).iterdir()) == sorted(
            f"{name}.png" for name in expected
        )
        for path in figures.paths.values():
            assert Path(path).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    pd.testing.assert_frame_equal(data.features, before)
