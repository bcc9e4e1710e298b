"""permutation_explainer: importance ranks what matters; contributions add up exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import (
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.tree import DecisionTreeRegressor

from lolpop.components._errors import DataError
from lolpop.components.encoder import EncoderSettings, column_encoder
from lolpop.components.explainer import (
    BASE,
    KINDS,
    ExplainerSettings,
    contributions,
    permutation_explainer,
)
from lolpop.components.records import (
    TASKS,
    Estimator,
    FittedEncoder,
    FittedModel,
    Labelled,
    ModelExplainer,
    Task,
    TaskKind,
)
from lolpop.config import load_text
from lolpop.config.converter import make_converter
from lolpop.config.records import ComponentConfig
from lolpop.config.registry import Registry
from lolpop.errors import ConfigError, DefinitionError, StepFailure

EXACT = 1e-6


def fitted(estimator: Estimator, data: Labelled, task: Task) -> FittedModel[TaskKind]:
    """`estimator` fitted on `data`, wrapped as trainers wrap it."""
    estimator.fit(data.features, data.target)
    classes = tuple(getattr(estimator, "classes_", ()))
    return FittedModel(
        estimator=estimator,
        task=TASKS[task],
        features=tuple(data.features.columns),
        target="target",
        classes=classes,
    )


def dataset(name: str, columns: int, rows: int) -> Labelled:
    """The first `rows` rows and `columns` columns of a bundled dataset (rows shuffled)."""
    loaders = {"breast_cancer": load_breast_cancer, "wine": load_wine, "diabetes": load_diabetes}
    bunch = loaders[name](as_frame=True)
    order = np.random.default_rng(0).permutation(len(bunch.data))[:rows]
    features = bunch.data.iloc[order, :columns]
    return Labelled(features, bunch.target.iloc[order].rename("target"))


def row_sums(explained: pd.DataFrame) -> np.ndarray:
    return explained.sum(axis=1).to_numpy()


# --- importance --------------------------------------------------------------------


def signal_and_noise(rows: int = 300) -> Labelled:
    rng = np.random.default_rng(1)
    features = pd.DataFrame({"noise": rng.normal(size=rows), "signal": rng.normal(size=rows)})
    return Labelled(features, (features["signal"] > 0).astype("int64").rename("target"))


def test_importance_ranks_the_deciding_column_first_and_noise_near_zero() -> None:
    data = signal_and_noise()
    model = fitted(LogisticRegression(), data, "classification")
    importance = permutation_explainer(ExplainerSettings()).importance((model, data))
    assert importance.method == "permutation"
    assert list(importance.values) == ["signal", "noise"]
    # Shuffling the signal turns a near-perfect model into a coin: accuracy drops ~0.5.
    assert importance.values["signal"] > 0.35
    assert abs(importance.values["noise"]) < 0.02


def test_importance_is_deterministic_under_the_seed_and_scores_as_asked() -> None:
    data = signal_and_noise()
    model = fitted(LogisticRegression(), data, "classification")
    settings = ExplainerSettings(n_repeats=3, seed=7, scoring="roc_auc", max_rows=100)
    first = permutation_explainer(settings).importance((model, data))
    second = permutation_explainer(settings).importance((model, data))
    assert first == second
    assert first.method == "permutation (roc_auc)"
    # AUC of a perfect ranking is 1, of a shuffled signal ~0.5.
    assert 0.35 < first.values["signal"] <= 0.6


def test_importance_samples_at_most_max_rows() -> None:
    data = signal_and_noise(rows=300)
    model = fitted(LogisticRegression(), data, "classification")
    full = permutation_explainer(ExplainerSettings(max_rows=None)).importance((model, data))
    sampled = permutation_explainer(ExplainerSettings(max_rows=40)).importance((model, data))
    enough = permutation_explainer(ExplainerSettings(max_rows=300)).importance((model, data))
    assert enough == full
    assert sampled != full
    assert next(iter(sampled.values)) == "signal"


# --- linear contributions ----------------------------------------------------------


def test_logistic_contributions_reproduce_the_decision_function() -> None:
    data = dataset("breast_cancer", columns=6, rows=200)
    model = fitted(LogisticRegression(max_iter=2000), data, "classification")
    explained = contributions(model, data.features)
    estimator = model.estimator
    assert isinstance(estimator, LogisticRegression)
    assert list(explained.columns) == [*data.features.columns, BASE]
    np.testing.assert_allclose(
        row_sums(explained), estimator.decision_function(data.features), atol=EXACT
    )
    # Each contribution is the coefficient times the value; the base is the intercept.
    first = data.features.iloc[0].to_numpy()
    np.testing.assert_allclose(
        explained.iloc[0, :-1].to_numpy(), estimator.coef_[0] * first, atol=EXACT
    )
    np.testing.assert_allclose(explained[BASE].to_numpy(), estimator.intercept_[0], atol=EXACT)


def test_multiclass_logistic_explains_the_predicted_class_row() -> None:
    data = dataset("wine", columns=4, rows=150)
    model = fitted(LogisticRegression(max_iter=5000), data, "classification")
    estimator = model.estimator
    assert isinstance(estimator, LogisticRegression)
    explained = contributions(model, data.features)
    scores = estimator.decision_function(data.features)
    predicted = pd.Index(estimator.classes_).get_indexer(estimator.predict(data.features))
    assert len(set(predicted)) == 3
    np.testing.assert_allclose(
        row_sums(explained), scores[np.arange(len(scores)), predicted], atol=EXACT
    )
    np.testing.assert_allclose(explained[BASE], estimator.intercept_[predicted], atol=EXACT)


def test_linear_regression_contributions_reproduce_predict() -> None:
    data = dataset("diabetes", columns=10, rows=200)
    model = fitted(LinearRegression(), data, "regression")
    estimator = model.estimator
    assert isinstance(estimator, LinearRegression)
    explained = contributions(model, data.features)
    np.testing.assert_allclose(row_sums(explained), estimator.predict(data.features), atol=EXACT)
    np.testing.assert_allclose(explained[BASE], estimator.intercept_, atol=EXACT)


def test_linear_contributions_refuse_missing_values_by_column() -> None:
    data = dataset("diabetes", columns=3, rows=50)
    model = fitted(LinearRegression(), data, "regression")
    holed = data.features.copy()
    holed.iloc[3, 1] = np.nan
    with pytest.raises(DataError, match="'sex'"):
        contributions(model, holed)


# --- tree contributions ------------------------------------------------------------


def test_forest_contributions_reproduce_the_positive_class_probability() -> None:
    data = dataset("breast_cancer", columns=8, rows=200)
    model = fitted(RandomForestClassifier(5, random_state=0), data, "classification")
    estimator = model.estimator
    assert isinstance(estimator, RandomForestClassifier)
    explained = contributions(model, data.features)
    np.testing.assert_allclose(
        row_sums(explained), estimator.predict_proba(data.features)[:, 1], atol=EXACT
    )
    # The base is the trees' average root proportion of the positive class: one number,
    # near the share of positive rows in the (bootstrapped) training data.
    assert np.ptp(explained[BASE].to_numpy()) < EXACT
    assert abs(explained[BASE].iloc[0] - data.target.mean()) < 0.1


def test_multiclass_forest_explains_the_predicted_class_probability() -> None:
    data = dataset("wine", columns=13, rows=150)
    model = fitted(RandomForestClassifier(5, random_state=0), data, "classification")
    estimator = model.estimator
    assert isinstance(estimator, RandomForestClassifier)
    explained = contributions(model, data.features)
    probabilities = estimator.predict_proba(data.features)
    predicted = pd.Index(estimator.classes_).get_indexer(estimator.predict(data.features))
    np.testing.assert_allclose(
        row_sums(explained), probabilities[np.arange(len(predicted)), predicted], atol=EXACT
    )


def test_forest_regressor_contributions_reproduce_predict() -> None:
    data = dataset("diabetes", columns=10, rows=200)
    model = fitted(RandomForestRegressor(5, random_state=0), data, "regression")
    estimator = model.estimator
    assert isinstance(estimator, RandomForestRegressor)
    explained = contributions(model, data.features)
    np.testing.assert_allclose(row_sums(explained), estimator.predict(data.features), atol=EXACT)


def test_a_stump_credits_its_one_split_with_leaf_minus_root() -> None:
    features = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "unused": [5.0, 5.0, 5.0, 5.0]})
    target = pd.Series([1.0, 1.0, 3.0, 5.0], name="target")
    model = fitted(DecisionTreeRegressor(max_depth=1), Labelled(features, target), "regression")
    explained = contributions(model, features)
    # Root mean 2.5; the split x <= 1.5 leads to leaves of mean 1 and 4.
    expected = pd.DataFrame({"x": [-1.5, -1.5, 1.5, 1.5], "unused": [0.0] * 4, BASE: [2.5] * 4})
    pd.testing.assert_frame_equal(explained, expected)


def test_gradient_boosting_contributions_reproduce_the_raw_score() -> None:
    binary = dataset("breast_cancer", columns=6, rows=150)
    model = fitted(
        GradientBoostingClassifier(n_estimators=8, random_state=0), binary, "classification"
    )
    classifier = model.estimator
    assert isinstance(classifier, GradientBoostingClassifier)
    explained = contributions(model, binary.features)
    np.testing.assert_allclose(
        row_sums(explained), classifier.decision_function(binary.features), atol=EXACT
    )

    wine = dataset("wine", columns=6, rows=150)
    model = fitted(
        GradientBoostingClassifier(n_estimators=5, random_state=0), wine, "classification"
    )
    classifier = model.estimator
    assert isinstance(classifier, GradientBoostingClassifier)
    scores = classifier.decision_function(wine.features)
    predicted = pd.Index(classifier.classes_).get_indexer(classifier.predict(wine.features))
    np.testing.assert_allclose(
        row_sums(contributions(model, wine.features)),
        scores[np.arange(len(predicted)), predicted],
        atol=EXACT,
    )

    diabetes = dataset("diabetes", columns=10, rows=150)
    model = fitted(
        GradientBoostingRegressor(n_estimators=8, random_state=0), diabetes, "regression"
    )
    regressor = model.estimator
    assert isinstance(regressor, GradientBoostingRegressor)
    explained = contributions(model, diabetes.features)
    np.testing.assert_allclose(row_sums(explained), regressor.predict(diabetes.features), atol=1e-6)
    # Squared error starts from the mean, and the stages' roots add ~0 to it.
    np.testing.assert_allclose(explained[BASE], diabetes.target.mean(), atol=1e-6)


# --- pipelines ---------------------------------------------------------------------


def raw_frame(rows: int = 80) -> Labelled:
    """A numeric and a categorical column (with a missing value), on a text index."""
    rng = np.random.default_rng(3)
    size = rng.normal(size=rows)
    colour = pd.Series(rng.choice(["red", "green", "blue"], size=rows), dtype=object)
    colour.iloc[5] = None
    features = pd.DataFrame({"size": size, "colour": colour}).set_axis(
        [f"r{i}" for i in range(rows)]
    )
    score = size + np.where(colour == "red", 1.5, 0.0) + rng.normal(scale=0.5, size=rows)
    return Labelled(features, pd.Series(score, index=features.index, name="target"))


def encoded(data: Labelled) -> FittedEncoder:
    return column_encoder(EncoderSettings()).fit(data)


def pipelined(
    encoder: FittedEncoder, estimator: Estimator, data: Labelled, task: Task
) -> FittedModel[TaskKind]:
    """`estimator` fitted on the encoded features, registered as lolpop registers models:
    a Pipeline of the fitted encoder and the estimator, over the raw columns."""
    transformer = encoder.transformer
    assert hasattr(transformer, "transform")
    estimator.fit(transformer.transform(data.features), data.target)
    pipeline = Pipeline([("encode", transformer), ("model", estimator)])
    return FittedModel(
        estimator=pipeline,  # type: ignore[arg-type]  # a fitted Pipeline fits and predicts
        task=TASKS[task],
        features=tuple(data.features.columns),
        target="target",
        classes=tuple(getattr(estimator, "classes_", ())),
    )


def test_a_pipelined_logistic_model_is_explained_on_its_encoded_features() -> None:
    raw = raw_frame()
    data = Labelled(raw.features, (raw.target > 0.5).astype("int64").rename("target"))
    encoder = encoded(data)
    model = pipelined(encoder, LogisticRegression(), data, "classification")
    pipeline = model.estimator
    assert isinstance(pipeline, Pipeline)
    explained = explainer().explain((model, data.features))
    assert list(explained.columns) == [*encoder.outputs, BASE]
    assert "colour_red" in explained.columns
    pd.testing.assert_index_equal(explained.index, data.features.index)
    np.testing.assert_allclose(
        row_sums(explained), pipeline.decision_function(data.features), atol=EXACT
    )
    # A row with the missing colour is explained on the imputed category.
    assert explained.loc["r5"].notna().all()
    # A slice is explained as the slice of the explanation, in any row order.
    part = data.features.iloc[[30, 2, 17]]
    pd.testing.assert_frame_equal(explainer().explain((model, part)), explained.iloc[[30, 2, 17]])


def test_a_pipelined_forest_is_explained_on_its_encoded_features() -> None:
    data = raw_frame()
    encoder = encoded(data)
    model = pipelined(
        encoder, RandomForestRegressor(5, max_depth=4, random_state=0), data, "regression"
    )
    wider = data.features.assign(extra="text")
    explained = explainer().explain((model, wider))
    assert list(explained.columns) == [*encoder.outputs, BASE]
    pd.testing.assert_index_equal(explained.index, data.features.index)
    np.testing.assert_allclose(
        row_sums(explained),
        np.asarray(model.estimator.predict(data.features), dtype=np.float64),
        atol=EXACT,
    )
    empty = explainer().explain((model, data.features.iloc[:0]))
    assert list(empty.columns) == [*encoder.outputs, BASE]
    assert len(empty) == 0


def test_a_pipeline_keeps_importance_on_the_raw_columns() -> None:
    data = raw_frame()
    model = pipelined(encoded(data), LinearRegression(), data, "regression")
    importance = explainer().importance((model, data))
    assert set(importance.values) == {"size", "colour"}
    assert next(iter(importance.values)) == "size"


def test_a_pipeline_with_an_unsupported_final_step_is_refused_naming_it() -> None:
    raw = raw_frame(rows=40)
    data = Labelled(raw.features, (raw.target > 0.5).astype("int64").rename("target"))
    model = pipelined(encoded(data), DummyClassifier(), data, "classification")
    with pytest.raises(DefinitionError, match="DummyClassifier"):
        contributions(model, data.features)


def test_a_pipeline_needs_its_raw_columns() -> None:
    data = raw_frame(rows=40)
    model = pipelined(encoded(data), LinearRegression(), data, "regression")
    with pytest.raises(DataError, match="'colour'"):
        contributions(model, data.features.drop(columns="colour"))


# --- the step ----------------------------------------------------------------------


def explainer() -> ModelExplainer:
    return permutation_explainer(ExplainerSettings())


def test_explain_keeps_the_index_and_explains_each_row_on_its_own() -> None:
    data = dataset("diabetes", columns=5, rows=60)
    model = fitted(RandomForestRegressor(5, random_state=0), data, "regression")
    frame = data.features.set_axis([f"row-{i}" for i in range(60)][::-1])
    before = frame.copy()
    explained = explainer().explain((model, frame))
    pd.testing.assert_index_equal(explained.index, frame.index)
    pd.testing.assert_frame_equal(frame, before)
    # Explaining a slice gives that slice of the explanation.
    part = explainer().explain((model, frame.iloc[10:20]))
    pd.testing.assert_frame_equal(part, explained.iloc[10:20])


def test_explain_selects_the_model_features_from_a_wider_frame_and_empty_frames() -> None:
    data = dataset("diabetes", columns=3, rows=40)
    model = fitted(LinearRegression(), data, "regression")
    wider = data.features.assign(extra="text")[["extra", *data.features.columns][::-1]]
    pd.testing.assert_frame_equal(
        explainer().explain((model, wider)), explainer().explain((model, data.features))
    )
    empty = explainer().explain((model, data.features.iloc[:0]))
    assert list(empty.columns) == [*data.features.columns, BASE]
    assert len(empty) == 0


def test_explain_refuses_a_frame_missing_a_feature_naming_it() -> None:
    data = dataset("diabetes", columns=3, rows=40)
    model = fitted(LinearRegression(), data, "regression")
    with pytest.raises(StepFailure) as caught:
        explainer().explain((model, data.features.drop(columns="sex")))
    cause = caught.value.failure.cause
    assert isinstance(cause, DataError)
    assert "'sex'" in str(cause)


def test_explain_refuses_a_model_that_is_neither_linear_nor_a_tree() -> None:
    data = signal_and_noise(rows=40)
    model = fitted(DummyClassifier(), data, "classification")
    with pytest.raises(DefinitionError, match="DummyClassifier"):
        contributions(model, data.features)


def test_explain_refuses_text_features_naming_them() -> None:
    data = signal_and_noise(rows=40)
    model = fitted(LogisticRegression(), data, "classification")
    with pytest.raises(DataError, match="'noise'"):
        contributions(model, data.features.assign(noise="loud"))


# --- settings ----------------------------------------------------------------------


def test_settings_decode_through_the_converter_and_build() -> None:
    converter = make_converter(Registry(KINDS))
    config = converter.structure(
        {"type": "permutation_explainer", "n_repeats": 2, "scoring": "r2", "max_rows": None},
        ComponentConfig,
    )
    assert config.settings == ExplainerSettings(n_repeats=2, scoring="r2", max_rows=None)
    built = KINDS[0].build(config.settings)
    assert isinstance(built, ModelExplainer)
    default = converter.structure({"type": "permutation_explainer"}, ComponentConfig)
    assert default.settings == ExplainerSettings()
    typo = "runner: r\ncomponents:\n  it: {type: permutation_explainer, n_repeat: 2}\n"
    problems = load_text(typo, registry=Registry(KINDS)).failure()
    assert isinstance(problems, ConfigError)
    assert "n_repeat" in str(problems)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (ExplainerSettings(n_repeats=0), "n_repeats"),
        (ExplainerSettings(max_rows=0), "max_rows"),
        (ExplainerSettings(scoring="accuracyy"), "'accuracyy'"),
    ],
)
def test_bad_settings_are_refused_when_built(settings: ExplainerSettings, message: str) -> None:
    with pytest.raises(DefinitionError, match=message):
        permutation_explainer(settings)


def test_a_scorers_task_is_read_from_where_its_metric_is_defined() -> None:
    from lolpop.components.explainer import scorer_task  # noqa: PLC0415

    said = {
        name: scorer_task(name)
        for name in (
            "accuracy",
            "roc_auc",
            "neg_log_loss",
            "f1_macro",
            "r2",
            "neg_mean_squared_error",
            "adjusted_rand_score",
        )
    }
    assert said == {
        "accuracy": "classification",
        "roc_auc": "classification",
        "neg_log_loss": "classification",
        "f1_macro": "classification",
        "r2": "regression",
        "neg_mean_squared_error": "regression",
        "adjusted_rand_score": None,
    }
