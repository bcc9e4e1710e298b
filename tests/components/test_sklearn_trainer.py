"""The scikit-learn trainer: fit and predict on real data, checked settings, refusals."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cattrs.errors import ClassValidationError
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, r2_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from typer.testing import CliRunner

from lolpop.cli import app
from lolpop.components._errors import DataError
from lolpop.components.records import (
    Classification,
    Labelled,
    ModelTrainer,
    Regression,
    TaskKind,
)
from lolpop.components.sklearn_trainer import (
    KINDS,
    TrainerSettings,
    sklearn_model,
    sklearn_trainer,
)
from lolpop.config.converter import make_converter, problems_of
from lolpop.config.records import ComponentConfig
from lolpop.config.registry import Registry
from lolpop.core.step import Step
from lolpop.errors import DefinitionError, StepFailure


@cache
def _cancer() -> tuple[Labelled, Labelled]:
    bunch = load_breast_cancer(as_frame=True)
    features, target = bunch.data, bunch.target
    return (
        Labelled(features.iloc[:400], target.iloc[:400]),
        Labelled(features.iloc[400:], target.iloc[400:]),
    )


@cache
def _diabetes() -> tuple[Labelled, Labelled]:
    bunch = load_diabetes(as_frame=True)
    features, target = bunch.data, bunch.target
    return (
        Labelled(features.iloc[:350], target.iloc[:350]),
        Labelled(features.iloc[350:], target.iloc[350:]),
    )


def _forest(**params: int | None) -> ModelTrainer[TaskKind]:
    return sklearn_model(
        TrainerSettings("sklearn.ensemble:RandomForestClassifier", {"n_estimators": 25, **params})
    )


def test_classifier_fits_and_predicts_breast_cancer() -> None:
    train, test = _cancer()
    trainer = _forest()
    model = trainer.fit(train)
    assert model.task is Classification
    assert model.features == tuple(train.features.columns)
    assert model.target == "target"
    assert model.classes == (0, 1)
    assert model.params == {"n_estimators": 25, "random_state": 0}
    predictions = trainer.predict((model, test.features))
    assert predictions.values.index.equals(test.features.index)
    assert predictions.values.name == "target"
    assert accuracy_score(test.target, predictions.values) > 0.9
    probabilities = predictions.probabilities
    assert probabilities is not None
    assert list(probabilities.columns) == ["0", "1"]
    assert probabilities.index.equals(test.features.index)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    assert ((probabilities >= 0) & (probabilities <= 1)).all().all()
    # The predicted class is the more probable one.
    assert (predictions.values == probabilities.to_numpy().argmax(axis=1)).all()
    pd.testing.assert_frame_equal(trainer.predict_proba((model, test.features)), probabilities)


def test_regressor_fits_and_predicts_diabetes_and_refuses_probabilities() -> None:
    train, test = _diabetes()
    trainer = sklearn_model(TrainerSettings("sklearn.linear_model:Ridge", {"alpha": 0.1}))
    model = trainer.fit(train)
    assert model.task is Regression
    assert model.classes == ()
    predictions = trainer.predict((model, test.features))
    assert predictions.probabilities is None
    assert r2_score(test.target, predictions.values) > 0.4
    with pytest.raises(StepFailure) as info:
        trainer.predict_proba((model, test.features))
    assert isinstance(info.value.failure.cause, DataError)
    assert "regression model (Ridge)" in str(info.value)


def test_predictions_carry_their_task_and_a_trainer_refuses_a_model_of_another() -> None:
    """A classifier's predict given a regressor's model (steps wired from a dict, where
    mypy sees `Any`) used to run and hand on its continuous values as class labels."""
    train, test = _cancer()
    ridge = sklearn_model(TrainerSettings("sklearn.linear_model:Ridge"))
    logistic = sklearn_trainer(LogisticRegression, {"max_iter": 5000})
    model = ridge.fit(train)
    assert ridge.predict((model, test.features)).task is Regression
    assert logistic.predict((logistic.fit(train), test.features)).task is Classification
    steps: dict[str, object] = {"predict": logistic.predict, "proba": logistic.predict_proba}
    for name, wrong in steps.items():
        assert isinstance(wrong, Step)
        with pytest.raises(StepFailure) as info:
            wrong((model, test.features))
        assert isinstance(info.value.failure.cause, DataError), name
        assert (
            "the model is a regression model (Ridge); this trainer predicts with "
            "classification models" in str(info.value)
        ), name


def test_predict_selects_the_fitted_columns_and_refuses_a_missing_one() -> None:
    train, test = _cancer()
    trainer = _forest()
    model = trainer.fit(train)
    expected = trainer.predict((model, test.features)).values
    shuffled = test.features[list(reversed(test.features.columns))].assign(id=1)
    pd.testing.assert_series_equal(trainer.predict((model, shuffled)).values, expected)
    with pytest.raises(StepFailure) as info:
        trainer.predict((model, test.features.drop(columns=["worst area"])))
    assert isinstance(info.value.failure.cause, DataError)
    assert "lacks the feature column 'worst area'" in str(info.value)


def test_the_seed_makes_fits_repeatable() -> None:
    train, test = _cancer()
    first = _forest(max_depth=3)
    again = _forest(max_depth=3)
    other = sklearn_model(
        TrainerSettings(
            "sklearn.ensemble:RandomForestClassifier", {"n_estimators": 25, "max_depth": 3}, seed=1
        )
    )

    def probabilities(trainer: ModelTrainer[TaskKind]) -> pd.DataFrame:
        return trainer.predict_proba((trainer.fit(train), test.features))

    pd.testing.assert_frame_equal(probabilities(first), probabilities(again))
    assert not probabilities(first).equals(probabilities(other))
    unseeded = sklearn_trainer(RandomForestClassifier, {"n_estimators": 5}, seed=None)
    assert unseeded.fit(train).params == {"n_estimators": 5}


def test_python_constructor_takes_classes_and_factories_with_nested_params() -> None:
    train, test = _cancer()
    trainer = sklearn_trainer(LogisticRegression, {"C": 0.5, "max_iter": 500})
    model = trainer.fit(Labelled(train.features / train.features.max(), train.target))
    assert model.params == {"C": 0.5, "max_iter": 500, "random_state": 0}

    def scaled() -> Pipeline:
        return Pipeline([("scale", StandardScaler()), ("model", LogisticRegression())])

    piped = sklearn_trainer(scaled, {"model__C": 0.1}, task=Classification)
    fitted = piped.fit(train)
    assert fitted.params == {"model__C": 0.1, "model__random_state": 0}
    assert fitted.task is Classification
    assert accuracy_score(test.target, piped.predict((fitted, test.features)).values) > 0.9


def test_fit_does_not_mutate_its_input_and_keeps_models_apart() -> None:
    train, _ = _cancer()
    before = train.features.copy()
    trainer = _forest()
    first, second = trainer.fit(train), trainer.fit(train)
    pd.testing.assert_frame_equal(train.features, before)
    assert first.estimator is not second.estimator


def test_unknown_or_bad_params_are_refused_when_built() -> None:
    with pytest.raises(DefinitionError) as info:
        sklearn_model(TrainerSettings("sklearn.ensemble:RandomForestClassifier", {"max_dept": 3}))
    message = str(info.value)
    assert "sklearn.ensemble.RandomForestClassifier has no parameter 'max_dept'" in message
    assert "did you mean 'max_depth'" in message
    with pytest.raises(DefinitionError, match="'max_depth' parameter of RandomForestClassifier"):
        sklearn_model(
            TrainerSettings("sklearn.ensemble:RandomForestClassifier", {"max_depth": "deep"})
        )
    with pytest.raises(DefinitionError, match="is a regression estimator"):
        sklearn_model(TrainerSettings("sklearn.linear_model:Ridge", task="classification"))
    with pytest.raises(DefinitionError, match="outside the allowed ones"):
        sklearn_model(TrainerSettings("os:getcwd"))
    with pytest.raises(DefinitionError, match="not a scikit-learn estimator"):
        sklearn_model(TrainerSettings("lolpop.components.metrics:RegressionMetricsSettings"))


def test_a_classifier_without_probabilities_predicts_labels_only() -> None:
    train, test = _cancer()
    trainer = sklearn_model(TrainerSettings("sklearn.svm:LinearSVC", {"max_iter": 100}))
    model = trainer.fit(Labelled(train.features / train.features.max(), train.target))
    predictions = trainer.predict((model, test.features))
    assert predictions.probabilities is None
    assert set(predictions.values) <= {0, 1}
    with pytest.raises(StepFailure, match="has no predict_proba"):
        trainer.predict_proba((model, test.features))


def test_unnamed_targets_and_text_labels() -> None:
    features = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]})
    target = pd.Series(["no", "no", "no", "yes", "yes", "yes"])
    trainer = sklearn_trainer(LogisticRegression)
    model = trainer.fit(Labelled(features, target))
    assert model.target is None
    assert model.classes == ("no", "yes")
    predictions = trainer.predict((model, features))
    assert predictions.values.tolist() == target.tolist()
    assert predictions.probabilities is not None
    assert list(predictions.probabilities.columns) == ["no", "yes"]


def test_settings_decode_from_config_data() -> None:
    converter = make_converter(Registry(KINDS))
    config = converter.structure(
        {
            "type": "sklearn_model",
            "estimator": "sklearn.ensemble:RandomForestClassifier",
            "params": {"n_estimators": 10, "max_depth": None, "criterion": "entropy"},
            "seed": 7,
        },
        ComponentConfig,
    )
    assert config.settings == TrainerSettings(
        "sklearn.ensemble:RandomForestClassifier",
        {"n_estimators": 10, "max_depth": None, "criterion": "entropy"},
        seed=7,
    )
    trainer = KINDS[0].build(config.settings)
    assert isinstance(trainer, ModelTrainer)
    with pytest.raises(ClassValidationError) as info:
        converter.structure(
            {"type": "sklearn_model", "estimator": 3, "params": {"C": [1]}, "task": "clustering"},
            ComponentConfig,
        )
    assert {p.path for p in problems_of(info.value)} == {"$.estimator", "$.params.C", "$.task"}


def test_parameters_that_do_not_go_together_are_refused_naming_them() -> None:
    # scikit-learn checks how parameters go together only when fitting; its bare
    # "Solver lbfgs supports only 'l2' or None penalties, got l1 penalty." reached the
    # user wrapped in two step failures, naming neither the estimator nor the parameters.
    train, _ = _cancer()
    trainer = sklearn_model(
        TrainerSettings(
            "sklearn.linear_model:LogisticRegression",
            {"l1_ratio": 1.0, "solver": "lbfgs", "max_iter": 50},
        )
    )
    with pytest.raises(StepFailure) as info:
        trainer.fit(train)
    cause = info.value.failure.cause
    assert isinstance(cause, DefinitionError)
    shown = str(cause)
    assert "sklearn.linear_model.LogisticRegression" in shown
    assert "l1_ratio=1.0" in shown
    assert "solver='lbfgs'" in shown
    assert "Solver lbfgs supports only 'l2' or None penalties" in shown


@pytest.mark.parametrize("estimator", ["LogisticRegression", "LogisticRegressionCV"])
def test_a_task_that_is_not_the_estimator_s_is_refused_at_task(
    estimator: str, tmp_path: Path
) -> None:
    """It was reported at `$.components.trainer.params`, a key the config may not have.
    (`LogisticRegression` is in the table lolpop ships; the CV one is imported.)"""
    config = tmp_path / "workflow.yaml"
    config.write_text(f"""\
runner: classification
settings: {{model_name: m, target: y}}
components:
  data: {{type: csv, path: d.csv}}
  trainer:
    type: sklearn_model
    estimator: sklearn.linear_model:{estimator}
    task: regression
""")
    result = CliRunner().invoke(app, ["check", "--offline", str(config)])
    assert result.exit_code == 2
    assert (
        f"sklearn.linear_model.{estimator} is a classification estimator, but the task is set "
        f"to regression. @ $.components.trainer.task ({config}:8)"
    ) in result.output, result.output
