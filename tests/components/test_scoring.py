"""One scorer per workflow: `pos_label` for a binary problem, `average` for three or more
classes, and the tuner and the baseline checker rebuilt to score by a metrics
component's scorer (`scored_by`, `scored_alike`)."""

from __future__ import annotations

from functools import cache

import pandas as pd
import pytest
from sklearn.datasets import load_wine
from sklearn.dummy import DummyClassifier
from sklearn.metrics import average_precision_score, f1_score, precision_score
from sklearn.tree import DecisionTreeClassifier

from lolpop.components._errors import DataError
from lolpop.components.metrics import (
    KINDS,
    ClassificationMetricsSettings,
    Rescorable,
    Scorer,
    SklearnMetrics,
    classification_metrics,
    compute_metrics,
    regression_metrics,
    scored_alike,
    scorer_of,
    task_metrics,
)
from lolpop.components.model_checker import BaselineSettings, baseline_checker
from lolpop.components.records import (
    Classification,
    FittedModel,
    Metrics,
    MetricsEvaluator,
    Predictions,
    Regression,
    Splits,
    TaskKind,
)
from lolpop.components.sklearn_trainer import sklearn_trainer
from lolpop.components.tuner import GridSearchSettings, SearchTuner, grid_search
from lolpop.config.converter import make_converter
from lolpop.config.records import ComponentConfig
from lolpop.config.registry import Registry
from lolpop.core.decorator import make_step
from lolpop.errors import DefinitionError, StepFailure
from tests.components.splits import cancer, split_at

TRUTH = pd.Series(["no", "yes", "yes", "no", "yes", "no"])
PREDICTED = pd.Series(["no", "yes", "no", "no", "no", "yes"])
PROBABILITIES = pd.DataFrame(
    {"no": [0.8, 0.3, 0.6, 0.7, 0.2, 0.4], "yes": [0.2, 0.7, 0.4, 0.3, 0.8, 0.6]}
)


@cache
def wine() -> Splits:
    """Wine (three classes), shuffled with a seed: 90 train, 40 valid, 48 test rows."""
    bunch = load_wine(as_frame=True)
    order = bunch.data.sample(frac=1.0, random_state=0).index
    return split_at(bunch.data.loc[order], bunch.target.loc[order], (90, 130))


# --- pos_label ----------------------------------------------------------------------


def test_pos_label_names_the_positive_class_of_two() -> None:
    predictions = Predictions(PREDICTED, PROBABILITIES, task=Classification)
    found = compute_metrics("classification", (), TRUTH, predictions, pos_label="no")
    assert found["f1"] == pytest.approx(f1_score(TRUTH, PREDICTED, pos_label="no"))
    assert found["precision"] == pytest.approx(precision_score(TRUTH, PREDICTED, pos_label="no"))
    assert found["pr_auc"] == pytest.approx(
        average_precision_score(TRUTH == "no", PROBABILITIES["no"].to_numpy(dtype=float))
    )
    default = compute_metrics("classification", (), TRUTH, predictions)
    assert default["f1"] == pytest.approx(f1_score(TRUTH, PREDICTED, pos_label="yes"))
    assert default["f1"] != pytest.approx(found["f1"])


def test_pos_label_is_compared_as_text() -> None:
    truth, predicted = pd.Series([0, 1, 1, 0, 1]), pd.Series([0, 1, 0, 0, 0])
    found = compute_metrics(
        "classification", ("f1",), truth, Predictions(predicted, task=Classification), pos_label=0
    )
    assert found["f1"] == pytest.approx(f1_score(truth, predicted, pos_label=0))


def test_a_pos_label_that_is_not_a_class_is_a_data_error() -> None:
    with pytest.raises(DataError, match=r"pos_label is 'maybe'.*'no' and 'yes'"):
        compute_metrics(
            "classification",
            ("f1",),
            TRUTH,
            Predictions(PREDICTED, task=Classification),
            pos_label="maybe",
        )


def test_pos_label_leaves_three_classes_to_the_average() -> None:
    truth, predicted = (
        pd.Series(list("abcabc")),
        Predictions(pd.Series(list("abcbbc")), task=Classification),
    )
    with_label = compute_metrics("classification", ("f1",), truth, predicted, pos_label="a")
    assert with_label == compute_metrics("classification", ("f1",), truth, predicted)


def test_pos_label_decodes_from_config_data() -> None:
    converter = make_converter(Registry(KINDS))
    for given in (0, "yes", True):
        config = converter.structure(
            {"type": "classification_metrics", "pos_label": given}, ComponentConfig
        )
        assert config.settings == ClassificationMetricsSettings(pos_label=given)
    built = KINDS[0].build(ClassificationMetricsSettings(metrics=("f1",), pos_label="no"))
    assert isinstance(built, MetricsEvaluator)
    assert built.evaluate((TRUTH, Predictions(PREDICTED, task=Classification)))[
        "f1"
    ] == pytest.approx(f1_score(TRUTH, PREDICTED, pos_label="no"))
    with pytest.raises(StepFailure, match="pos_label is 'maybe'"):
        classification_metrics(ClassificationMetricsSettings(pos_label="maybe")).evaluate(
            (TRUTH, Predictions(PREDICTED, task=Classification))
        )


# --- scorers ------------------------------------------------------------------------


def _nothing(pair: tuple[pd.Series, Predictions[Classification]]) -> Metrics:
    """An evaluator's step that says nothing of how it scores."""
    return {}


def test_metrics_components_say_how_they_score() -> None:
    settings = ClassificationMetricsSettings(("f1",), "weighted", pos_label=0)
    evaluator = classification_metrics(settings)
    assert isinstance(evaluator, SklearnMetrics)
    assert scorer_of(evaluator) == Scorer(Classification, ("f1",), "weighted", 0)
    assert scorer_of(regression_metrics()) == Scorer(Regression)
    assert scorer_of(task_metrics(Classification)) == Scorer(Classification)
    plain = MetricsEvaluator(make_step(_nothing, name="evaluate"), task=Classification)
    assert scorer_of(plain) is None


def test_a_scorer_names_each_metric_with_the_setting_that_shapes_it() -> None:
    weighted = Scorer(Classification, average="weighted")
    assert weighted.describe("f1", (0, 1, 2)) == "f1 (weighted)"
    assert weighted.describe("roc_auc", ()) == "roc_auc (weighted)"
    assert weighted.describe("f1", ("no", "yes")) == "f1 (positive class 'yes')"
    assert Scorer(Classification, pos_label="no").describe("recall", ("no", "yes")) == (
        "recall (positive class 'no')"
    )
    assert weighted.describe("accuracy", (0, 1, 2)) == "accuracy"
    assert weighted.describe("log_loss", (0, 1, 2)) == "log_loss"
    assert Scorer(Regression).describe("rmse") == "rmse"
    assert Scorer(Regression).setting() is None


# --- the tuner and the baseline score by a given scorer ---------------------------------


def _tuner() -> SearchTuner[TaskKind]:
    settings = GridSearchSettings(
        "sklearn.tree:DecisionTreeClassifier", "f1", {"max_depth": (1, 2, 3)}, n_jobs=1
    )
    tuner = grid_search(settings)
    assert isinstance(tuner, SearchTuner)
    return tuner


def _tree(depth: int | None, splits: Splits) -> DecisionTreeClassifier:
    tree = DecisionTreeClassifier(random_state=0, max_depth=depth)
    return tree.fit(splits.train.features, splits.train.target)


def test_a_tuner_scored_by_a_weighted_scorer_scores_weighted_f1() -> None:
    splits = wine()
    tuner = _tuner()
    weighted = tuner.scored_by(Scorer(Classification, average="weighted"))
    assert isinstance(weighted, SearchTuner)
    assert weighted.scorer == Scorer(Classification, average="weighted")
    assert isinstance(weighted, Rescorable)
    result = weighted.tune(splits)
    macro = tuner.tune(splits)
    valid = splits.valid
    for trial, plain in zip(result.trials, macro.trials, strict=True):
        predicted = _tree(int(str(trial.params["max_depth"])), splits).predict(valid.features)
        assert trial.score == pytest.approx(f1_score(valid.target, predicted, average="weighted"))
        assert plain.score == pytest.approx(f1_score(valid.target, predicted, average="macro"))
        assert trial.metrics["f1"] == trial.score
    assert [t.score for t in result.trials] != pytest.approx([t.score for t in macro.trials])


def test_a_trial_records_the_scorers_metrics_and_the_tuning_one() -> None:
    tuner = _tuner().scored_by(Scorer(Classification, ("accuracy",), "weighted"))
    trial = tuner.tune(wine()).trials[0]
    assert set(trial.metrics) == {"accuracy", "f1"}


def test_a_scorer_of_another_task_is_refused() -> None:
    with pytest.raises(DefinitionError, match="cannot score by regression metrics"):
        _tuner().scored_by(Scorer(Regression))
    with pytest.raises(DefinitionError, match="cannot score by regression metrics"):
        baseline_checker(BaselineSettings("f1")).scored_by(Scorer(Regression))  # type: ignore[attr-defined]  # a BaselineChecker


def test_a_baseline_scored_by_a_weighted_scorer_scores_both_weighted() -> None:
    splits = wine()
    checker = baseline_checker(BaselineSettings("f1", strategy="stratified"))
    assert isinstance(checker, Rescorable)
    weighted = checker.scored_by(Scorer(Classification, average="weighted"))
    model: FittedModel[TaskKind] = sklearn_trainer(DecisionTreeClassifier, {"max_depth": 2}).fit(
        splits.train
    )
    comparison = weighted.check((model, splits))
    test = splits.test
    predicted = _tree(2, splits).predict(test.features)
    assert comparison.model_score == pytest.approx(
        f1_score(test.target, predicted, average="weighted")
    )
    dummy = DummyClassifier(strategy="stratified", random_state=0)
    guessed = dummy.fit(splits.train.features, splits.train.target).predict(test.features)
    assert comparison.baseline_score == pytest.approx(
        f1_score(test.target, guessed, average="weighted")
    )


def test_scored_alike_rescores_what_can_be_and_keeps_the_rest() -> None:
    tuner = _tuner()
    scorer = Scorer(Classification, average="micro")
    rescored = scored_alike(tuner, scorer)
    assert isinstance(rescored, SearchTuner)
    assert rescored.scorer == scorer
    assert scored_alike(tuner, None) is tuner
    # A tuner that already scores so is kept: its step stays the one its record holds.
    assert scored_alike(tuner, Scorer(Classification)) is tuner
    checker = baseline_checker(BaselineSettings("f1"))
    assert scored_alike(checker, Scorer(Classification)) is checker
    assert scored_alike(None, scorer) is None
    evaluator = classification_metrics()
    assert scored_alike(evaluator, scorer) is evaluator  # not Rescorable


def test_binary_tuning_by_pos_label() -> None:
    splits = cancer()
    tuner = _tuner().scored_by(Scorer(Classification, pos_label=0))
    best = tuner.tune(splits).best
    valid = splits.valid
    predicted = _tree(int(str(best.params["max_depth"])), splits).predict(valid.features)
    assert best.score == pytest.approx(f1_score(valid.target, predicted, pos_label=0))
