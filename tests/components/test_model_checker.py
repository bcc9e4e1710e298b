"""The baseline checker: a real model beats the dummy, a bad one does not."""

from __future__ import annotations

from functools import cache

import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, f1_score, log_loss, root_mean_squared_error

from lolpop.components._errors import DataError
from lolpop.components.model_checker import KINDS, BaselineSettings, baseline_checker
from lolpop.components.records import (
    FittedModel,
    Labelled,
    ModelChecker,
    Splits,
    TaskKind,
)
from lolpop.components.sklearn_trainer import sklearn_trainer
from lolpop.config.converter import make_converter
from lolpop.config.records import ComponentConfig
from lolpop.config.registry import Registry
from lolpop.errors import DefinitionError, StepFailure
from tests.components.splits import cancer, diabetes


@cache
def _forest() -> FittedModel[TaskKind]:
    return sklearn_trainer(RandomForestClassifier, {"n_estimators": 25}).fit(cancer().train)


@cache
def _contrary() -> FittedModel[TaskKind]:
    """A model taught the opposite labels: worse than always guessing the majority."""
    train = cancer().train
    flipped = Labelled(train.features / train.features.max(), 1 - train.target)
    scaled = sklearn_trainer(LogisticRegression, {"max_iter": 500}).fit(flipped)
    return scaled


def test_a_real_model_beats_the_majority_class() -> None:
    splits = cancer()
    comparison = baseline_checker(BaselineSettings("accuracy")).check((_forest(), splits))
    dummy = DummyClassifier(strategy="most_frequent").fit(
        splits.train.features, splits.train.target
    )
    test = splits.test
    assert comparison.baseline_score == pytest.approx(
        accuracy_score(test.target, dummy.predict(test.features))
    )
    forest = _forest().estimator
    assert comparison.model_score == pytest.approx(
        accuracy_score(test.target, forest.predict(test.features))  # type: ignore[arg-type]  # predict returns labels
    )
    assert comparison.model_score > 0.9
    assert comparison.baseline == "DummyClassifier(strategy='most_frequent')"
    assert comparison.metric == "accuracy"
    assert comparison.better


def test_a_deliberately_bad_model_does_not_beat_the_baseline() -> None:
    splits = cancer()
    # The contrary model saw scaled features; give it the same scaling of the test split.
    bad = _contrary()
    scale = splits.train.features.max()
    scaled = Splits(
        splits.train,
        splits.valid,
        Labelled(splits.test.features / scale, splits.test.target),
    )
    for metric in ("accuracy", "f1"):
        comparison = baseline_checker(BaselineSettings(metric)).check((bad, scaled))
        assert comparison.model_score < comparison.baseline_score
        assert not comparison.better


def test_lower_is_better_metrics_compare_the_other_way() -> None:
    splits = cancer()
    comparison = baseline_checker(BaselineSettings("log_loss", "prior")).check((_forest(), splits))
    dummy = DummyClassifier(strategy="prior").fit(splits.train.features, splits.train.target)
    expected = log_loss(splits.test.target, dummy.predict_proba(splits.test.features))
    assert comparison.baseline_score == pytest.approx(expected)
    assert comparison.model_score < comparison.baseline_score
    assert comparison.better


def test_a_tie_is_not_better() -> None:
    splits = cancer()
    same = sklearn_trainer(DummyClassifier, {"strategy": "most_frequent"}).fit(splits.train)
    comparison = baseline_checker(BaselineSettings("f1")).check((same, splits))
    assert comparison.model_score == comparison.baseline_score
    assert comparison.baseline_score == pytest.approx(
        f1_score(splits.test.target, pd.Series(1, index=splits.test.target.index))
    )
    assert not comparison.better


def test_regressors_are_compared_with_the_mean() -> None:
    splits = diabetes()
    ridge = sklearn_trainer(Ridge, {"alpha": 0.1}).fit(splits.train)
    comparison = baseline_checker(BaselineSettings("rmse")).check((ridge, splits))
    mean = DummyRegressor().fit(splits.train.features, splits.train.target)
    assert comparison.baseline_score == pytest.approx(
        root_mean_squared_error(splits.test.target, mean.predict(splits.test.features))
    )
    assert comparison.baseline == "DummyRegressor(strategy='mean')"
    assert comparison.better
    inverted = Labelled(splits.train.features, -splits.train.target)
    bad = sklearn_trainer(Ridge, {"alpha": 0.1}).fit(inverted)
    median = baseline_checker(BaselineSettings("r2", "median")).check((bad, splits))
    assert median.model_score < median.baseline_score
    assert not median.better


def test_bad_settings_and_models_are_refused() -> None:
    with pytest.raises(DefinitionError, match="unknown metric 'acc'"):
        baseline_checker(BaselineSettings("acc"))
    with pytest.raises(
        DefinitionError, match="'mean' is not a baseline strategy for classification"
    ):
        baseline_checker(BaselineSettings("f1", "mean"))
    checker = baseline_checker(BaselineSettings("rmse"))
    with pytest.raises(StepFailure) as info:
        checker.check((_forest(), cancer()))
    assert isinstance(info.value.failure.cause, DataError)
    assert "classification model" in str(info.value)


def test_settings_decode_from_config_data() -> None:
    converter = make_converter(Registry(KINDS))
    config = converter.structure(
        {"type": "baseline_checker", "metric": "f1", "strategy": "stratified", "seed": 3},
        ComponentConfig,
    )
    assert config.settings == BaselineSettings("f1", "stratified", 3)
    checker = KINDS[0].build(config.settings)
    assert isinstance(checker, ModelChecker)
    assert checker.check((_forest(), cancer())).better
    default = converter.structure({"type": "baseline_checker", "metric": "r2"}, ComponentConfig)
    assert default.settings == BaselineSettings("r2")
