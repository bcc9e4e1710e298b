"""The insight family's kits (`lolpop.testing.laws.insight`): each deliberately broken
tuner, explainer, model checker or bias checker is caught by exactly the law that names
it, with hypothesis' shrunk counterexample in the message."""

from __future__ import annotations

import attrs
import pandas as pd
from sklearn.linear_model import LogisticRegression

from lolpop import make_step
from lolpop.components.bias import BiasSettings, bias_checker
from lolpop.components.explainer import ExplainerSettings, permutation_explainer
from lolpop.components.model_checker import classification_baseline
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
    Predictions,
    Splits,
    TaskKind,
    Trial,
    TuningResult,
)
from lolpop.components.sklearn_trainer import sklearn_trainer
from lolpop.testing.laws import LawResult, kit_for, run_laws
from lolpop.testing.laws.insight import BIAS, CHECKER, EXPLAINER, TUNER, bias_examples
from lolpop.testing.profiles import scaled

_LOGISTIC = sklearn_trainer(LogisticRegression)
_Model = FittedModel[TaskKind]


def _failed(results: list[LawResult]) -> dict[str, str]:
    return {r.law: r.message for r in results if not r.passed}


def _caught_by_exactly(results: list[LawResult], law: str, finding: str) -> None:
    """`law` alone failed, saying `finding` and showing hypothesis' counterexample."""
    failed = _failed(results)
    assert list(failed) == [law], failed
    assert finding in failed[law]
    assert "Falsifying example" in failed[law] or "Failing test case" in failed[law]


def test_the_kits_are_found_by_type() -> None:
    explainer = permutation_explainer(ExplainerSettings())
    assert kit_for(explainer) is EXPLAINER
    assert kit_for(classification_baseline()) is CHECKER
    assert kit_for(bias_checker(BiasSettings("group"))) is BIAS


# --- tuners -----------------------------------------------------------------------------


def _tuner(pick: str) -> HyperparameterTuner[Classification]:
    """Two trials of one fitted model scored 0.2 and 0.9 by accuracy; `pick` says which
    trial is reported best: the worse one, or one that is not among the trials."""

    def tune(parts: Splits) -> TuningResult[Classification]:
        model = _LOGISTIC.fit(parts.train)
        trials = (Trial(0, {"C": 0.1}, 0.2, model), Trial(1, {"C": 1.0}, 0.9, model))
        best = trials[0] if pick == "worse" else Trial(7, {"C": 5.0}, 0.95, model)
        return TuningResult("accuracy", trials, best)

    return HyperparameterTuner(make_step(tune, name="tune"), task=Classification)


def test_a_tuner_keeping_a_worse_trial_breaks_best_has_the_best_score() -> None:
    results = run_laws(_tuner("worse"), max_examples=scaled(0.05))
    _caught_by_exactly(results, "best has the best score", "1 trials score better")


def test_a_tuner_inventing_its_best_trial_breaks_best_is_one_of_the_trials() -> None:
    results = run_laws(_tuner("invented"), max_examples=scaled(0.05))
    _caught_by_exactly(results, "best is one of the trials", "is none of the 2 trials")


def test_tuner_kit_names_its_laws() -> None:
    assert [law.name for law in TUNER.laws] == [
        "best is one of the trials",
        "best has the best score",
    ]


# --- explainers -------------------------------------------------------------------------

_SOUND = permutation_explainer(ExplainerSettings(n_repeats=1))


def test_an_explainer_dropping_a_feature_breaks_importance_names_every_feature() -> None:
    def importance(pair: tuple[_Model, Labelled]) -> Importance:
        found = _SOUND.importance(pair)
        return attrs.evolve(found, values=dict(list(found.values.items())[1:]))

    broken = attrs.evolve(_SOUND, importance=make_step(importance, name="importance"))
    results = run_laws(broken, max_examples=scaled(0.05))
    _caught_by_exactly(results, "importance names every feature once", "missing")


def test_an_explainer_dropping_a_row_breaks_one_explanation_per_row() -> None:
    def explain(pair: tuple[_Model, pd.DataFrame]) -> pd.DataFrame:
        return _SOUND.explain(pair).iloc[1:]

    broken: ModelExplainer = attrs.evolve(_SOUND, explain=make_step(explain, name="explain"))
    results = run_laws(broken, max_examples=scaled(0.05))
    _caught_by_exactly(results, "one explanation per row", "rows for")


# --- model checkers ---------------------------------------------------------------------


def test_a_checker_misreporting_the_model_score_breaks_model_score_as_evaluated() -> None:
    sound = classification_baseline("accuracy")

    def check(pair: tuple[FittedModel[Classification], Splits]) -> BaselineComparison:
        found = sound.check(pair)
        return attrs.evolve(found, model_score=found.model_score + 0.5)

    broken = ModelChecker(make_step(check, name="check"), task=Classification)
    results = run_laws(broken, max_examples=scaled(0.05))
    _caught_by_exactly(results, "model score as evaluated", "metrics evaluator gives")


# --- bias checkers ----------------------------------------------------------------------


def test_a_bias_checker_miscounting_a_group_breaks_groups_cover_every_row() -> None:
    sound = bias_checker(BiasSettings("group"))

    def check(data: tuple[pd.DataFrame, pd.Series, Predictions[Classification]]) -> BiasReport:
        report = sound.check(data)
        first = attrs.evolve(report.groups[0], size=report.groups[0].size + 1)
        return attrs.evolve(report, groups=(first, *report.groups[1:]))

    broken = BiasChecker(make_step(check, name="check"), task=Classification)
    results = run_laws(broken, bias_examples("group"), max_examples=scaled(0.1))
    _caught_by_exactly(results, "groups cover every row", "are not the rows of each value")
