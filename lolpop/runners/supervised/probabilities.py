"""A workflow that scores by class probabilities needs a model that gives them.

roc_auc, pr_auc and log_loss are computed from `predict_proba`. A `RidgeClassifier`, a
`LinearSVC` or an `SVC` without `probability: true` has none, and each place a
workflow names such a metric then goes wrong late, or silently: an approval rule by
roc_auc never finds it among the candidate's metrics (the run ends done, never
deploying); a tuner's trials or a baseline comparison scored by it fail after the data
was processed; the test metrics fail after training. So a runner refuses, when it is
built, each of these by a probability metric while a model it could train says it gives
none (lolpop's scikit-learn trainer says; another trainer is not held to it).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from lolpop.components.metrics import PROBABILITY_METRICS, scorer_of
from lolpop.components.model_checker import BaselineChecker
from lolpop.components.records import Fits, HyperparameterTuner, ModelTrainer, TaskKind
from lolpop.components.tuner import SearchTuner
from lolpop.errors import SettingError
from lolpop.runners.supervised.components import SupervisedComponents

_K = TypeVar("_K", bound=TaskKind)


def _models(trainer: ModelTrainer[_K], tuner: HyperparameterTuner[_K] | None) -> list[Fits]:
    """What makes the workflow's model, where it says: the trainer's estimator, or with a
    search every candidate's (any one may win)."""
    if tuner is None:
        return [] if trainer.fits is None else [trainer.fits]
    if isinstance(tuner, SearchTuner):
        return [t.fits for _, t in tuner.candidates if t.fits is not None]
    return []


def _named(metrics: Iterable[str]) -> list[str]:
    return [m for m in dict.fromkeys(metrics) if m in PROBABILITY_METRICS]


def probability_problems(
    components: SupervisedComponents[_K], approval: str | None
) -> list[SettingError]:
    """Each place (`$.` path) that scores by a probability metric, when a model the
    workflow could train gives no probabilities; `approval`: the approval rule's metric
    (None: no rule compares one, e.g. a manual rule)."""
    c = components
    without = sorted({f.estimator for f in _models(c.trainer, c.tuner) if f.probabilities is False})
    if not without:
        return []
    names = ", ".join(without)
    has = "has" if len(without) == 1 else "have"
    places: list[tuple[str, list[str], str, str]] = [
        (
            "$.settings.approval.metric",
            _named([approval] if approval else []),
            "the approval rule compares {}",
            "no candidate would ever be approved",
        ),
        (
            "$.components.tuner.metric",
            _named([c.tuner.metric] if isinstance(c.tuner, SearchTuner) else []),
            "the tuner scores its trials by {}",
            "every trial would fail",
        ),
        (
            "$.components.baseline.metric",
            _named([c.baseline.metric] if isinstance(c.baseline, BaselineChecker) else []),
            "the baseline check scores by {}",
            "it would fail after training",
        ),
        (
            "$.components.metrics.metrics",
            _named(scorer.metrics if (scorer := scorer_of(c.metrics)) else ()),
            "the metrics component computes {}",
            "the test metrics would fail after training",
        ),
    ]
    return [
        SettingError(
            path,
            f"{what.format(', '.join(found))}, which {'needs' if len(found) == 1 else 'need'} "
            f"class probabilities, and {names} {has} no predict_proba with the parameters "
            f"given: {then}. Use a metric that needs none (f1, accuracy, precision, "
            "recall), or an estimator that gives probabilities (e.g. LogisticRegression, "
            "or SVC with `probability: true`).",
        )
        for path, found, what, then in places
        if found
    ]
