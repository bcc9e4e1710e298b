"""The model family's kits (`lolpop.testing.laws.model`): a sound trainer and evaluator
keep every law; each deliberately broken one is caught by exactly the law that names
it, with hypothesis' shrunk counterexample in the message."""

from __future__ import annotations

import re

import attrs
import pandas as pd
from hypothesis import strategies as st
from sklearn.ensemble import RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from lolpop import make_step
from lolpop.components.metrics import (
    RegressionMetricsSettings,
    classification_metrics,
    regression_metrics,
)
from lolpop.components.records import (
    Classification,
    FittedModel,
    Metrics,
    MetricsEvaluator,
    ModelTrainer,
    Predictions,
    Regression,
)
from lolpop.components.sklearn_trainer import sklearn_trainer
from lolpop.testing.laws import LawResult, check_laws, kit_for, run_laws
from lolpop.testing.laws.model import EVALUATOR, TRAINER, row_order_law
from lolpop.testing.profiles import scaled
from lolpop.testing.strategies import frames

_Pair = tuple[FittedModel[Classification], pd.DataFrame]

TREE = sklearn_trainer(DecisionTreeClassifier, {"max_depth": 3})

# One pytest test per law of an evaluator set to two metrics (lolpop's built-ins with
# their defaults are checked in property_tests/test_builtin_laws_model.py).
check_laws(regression_metrics(RegressionMetricsSettings(("rmse", "r2"))), name="rmse and r2")


def _failed(results: list[LawResult]) -> dict[str, str]:
    return {r.law: r.message for r in results if not r.passed}


def _caught_by_exactly(results: list[LawResult], law: str, finding: str) -> str:
    """The message of `law`, after checking that it alone failed, saying `finding` and
    showing hypothesis' counterexample."""
    failed = _failed(results)
    assert list(failed) == [law], failed
    message = failed[law]
    assert finding in message
    assert "Falsifying example" in message or "Failing test case" in message
    return message


# --- trainers ---------------------------------------------------------------------------


def _wrapped(
    trainer: ModelTrainer[Classification],
    *,
    values: slice = slice(None),
    factor: float = 1.0,
) -> ModelTrainer[Classification]:
    """`trainer` whose predictions keep the rows `values` picks and whose probabilities
    are multiplied by `factor` (in predict and predict_proba alike)."""

    def predicted(pair: _Pair) -> Predictions[Classification]:
        made = trainer.predict(pair)
        probabilities = made.probabilities
        return Predictions(
            made.values.iloc[values],
            None if probabilities is None else probabilities.iloc[values] * factor,
            task=made.task,
        )

    def probabilities(pair: _Pair) -> pd.DataFrame:
        return trainer.predict_proba(pair).iloc[values] * factor

    return attrs.evolve(
        trainer,
        predict=make_step(predicted, name="predict"),
        predict_proba=make_step(probabilities, name="predict_proba"),
    )


def test_a_trainer_whose_probabilities_do_not_sum_to_one_is_caught() -> None:
    broken = _wrapped(TREE, factor=0.9)
    results = run_laws(broken, max_examples=scaled(0.1))
    message = _caught_by_exactly(results, "probabilities are distributions", "do not sum to 1")
    assert "0.9" in message  # the offending rows, with their sums


def test_a_trainer_that_predicts_one_row_too_few_is_caught() -> None:
    broken = _wrapped(TREE, values=slice(None, -1))
    results = run_laws(broken, max_examples=scaled(0.1))
    message = _caught_by_exactly(results, "one prediction per row", "rows of features")
    found = re.search(r"predict's values: (\d+) rows for (\d+) rows of features", message)
    assert found is not None
    assert int(found[1]) == int(found[2]) - 1


def test_the_row_order_law_is_opt_in_and_catches_a_bootstrap() -> None:
    forest = sklearn_trainer(RandomForestClassifier, {"n_estimators": 3})
    results = run_laws(forest, laws=(row_order_law(),), max_examples=scaled(0.1))
    # A forest samples rows by position: the same rows in another order grow other trees.
    _caught_by_exactly(results, "predictions ignore row order", "in another order")
    assert "predictions ignore row order" not in {law.name for law in TRAINER.laws}


def test_a_regressors_laws_ask_it_to_refuse_probabilities() -> None:
    regressor = sklearn_trainer(DecisionTreeRegressor, {"max_depth": 3})

    def with_probabilities(pair: tuple[FittedModel[Regression], pd.DataFrame]) -> pd.DataFrame:
        return pd.DataFrame({"p": 1.0}, index=pair[1].index)

    answering = attrs.evolve(
        regressor, predict_proba=make_step(with_probabilities, name="predict_proba")
    )
    assert not _failed(run_laws(regressor, max_examples=scaled(0.05)))
    results = run_laws(answering, max_examples=scaled(0.05))
    _caught_by_exactly(results, "probabilities are distributions", "instead of refusing")


def test_trainer_examples_from_a_workflows_frames() -> None:
    kit = kit_for(TREE)
    assert kit is TRAINER
    assert kit.from_frames is not None
    drawn = frames(numeric=2, categorical=0, min_rows=12, max_rows=20).map(
        lambda frame: frame.assign(label=[i % 2 for i in range(len(frame))])
    )
    examples = kit.from_frames(TREE, drawn, "label")
    assert not _failed(run_laws(TREE, examples, max_examples=scaled(0.05)))


# --- metrics evaluators -----------------------------------------------------------------


def _rmse_reported_as_mse() -> MetricsEvaluator[Regression]:
    sound = regression_metrics()

    def evaluate(pair: tuple[pd.Series, Predictions[Regression]]) -> Metrics:
        metrics = dict(sound.evaluate(pair))
        return {**metrics, "rmse": metrics["mse"]}  # the square root forgotten

    return attrs.evolve(sound, evaluate=make_step(evaluate, name="evaluate"))


def _f1_guarded_on_errors() -> MetricsEvaluator[Classification]:
    sound = classification_metrics()

    def evaluate(pair: tuple[pd.Series, Predictions[Classification]]) -> Metrics:
        truth, predictions = pair
        metrics = dict(sound.evaluate(pair))
        errors = int((truth.to_numpy() != predictions.values.to_numpy()).sum())
        # A guard against dividing by the error count, in the wrong place: no errors, no f1.
        return {**metrics, "f1": metrics["f1"] if errors else 0.0}

    return attrs.evolve(sound, evaluate=make_step(evaluate, name="evaluate"))


def test_sound_evaluators_keep_every_law() -> None:
    for sound in (classification_metrics(), regression_metrics()):
        assert kit_for(sound) is EVALUATOR
        assert not _failed(run_laws(sound, max_examples=scaled(0.1)))


def test_a_metric_that_disagrees_with_sklearn_is_caught() -> None:
    results = run_laws(_rmse_reported_as_mse(), max_examples=scaled(0.1))
    message = _caught_by_exactly(results, "agrees with scikit-learn", "rmse is ")
    assert "root_mean_squared_error = " in message


def test_a_metric_that_points_the_wrong_way_is_caught() -> None:
    results = run_laws(_f1_guarded_on_errors(), max_examples=scaled(0.1))
    message = _caught_by_exactly(results, "direction as declared", "perfect predictions score f1")
    assert "greater is declared better" in message


def test_a_metric_out_of_its_bounds_is_caught() -> None:
    sound = regression_metrics()

    def evaluate(pair: tuple[pd.Series, Predictions[Regression]]) -> Metrics:
        return {**sound.evaluate(pair), "mae": -1.0}

    negative = attrs.evolve(sound, evaluate=make_step(evaluate, name="evaluate"))
    scored = (pd.Series([1.0, 2.0]), Predictions(pd.Series([1.0, 3.0]), task=Regression))
    failed = _failed(run_laws(negative, st.just(scored), max_examples=1))
    # A known metric out of its range disagrees with scikit-learn too; the bound says why.
    assert set(failed) == {"agrees with scikit-learn", "metrics within bounds"}
    assert "mae is -1.0, outside its range [0, inf]" in failed["metrics within bounds"]
