"""`baseline_checker`: does the model beat a dummy fitted on the same training split?

Design notes:

- The baseline is scikit-learn's `DummyClassifier` or `DummyRegressor`, fitted on
  `splits.train`; model and baseline are both scored on `splits.test` with the same
  metric (`lolpop.components.metrics.compute_metrics`), and `better` says whether the
  model's score is strictly better by the metric's direction (a tie is not better).
- The metric fixes the task (accuracy is a classification metric, rmse a regression
  one), so the settings are checked when the checker is built: the metric must exist
  and the strategy must be one of that task's dummies. A model of the other task is a
  `DataError` when it arrives.
- Default strategies: `most_frequent` for classifiers (predicts the majority class, and
  gives it probability 1), `mean` for regressors. `prior` gives the class frequencies as
  probabilities: the fairer baseline for log_loss, roc_auc and pr_auc. `stratified` and
  `uniform` draw at random, with the settings' seed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd
from attrs import frozen

from lolpop.components._errors import DataError
from lolpop.components._kinds import make_kind
from lolpop.components.metrics import check_metric, compute_metrics, is_better
from lolpop.components.records import (
    BaselineComparison,
    FittedModel,
    ModelChecker,
    Predictions,
    Splits,
    Task,
)
from lolpop.components.sklearn_trainer import predict_model
from lolpop.config.registry import ComponentKind
from lolpop.core.decorator import make_step
from lolpop.errors import DefinitionError

_CLASSIFIERS: Mapping[str, Literal["most_frequent", "prior", "stratified", "uniform"]] = {
    "most_frequent": "most_frequent",
    "prior": "prior",
    "stratified": "stratified",
    "uniform": "uniform",
}
_REGRESSORS: Mapping[str, Literal["mean", "median"]] = {"mean": "mean", "median": "median"}

#: The dummy strategies of each task that need no further parameter, default first.
STRATEGIES: Mapping[Task, tuple[str, ...]] = {
    "classification": tuple(_CLASSIFIERS),
    "regression": tuple(_REGRESSORS),
}


@frozen
class BaselineSettings:
    """`type: baseline_checker`: the metric to compare by, and the dummy's strategy."""

    metric: str
    #: A DummyClassifier or DummyRegressor strategy (None: most_frequent or mean).
    strategy: str | None = None
    #: Seeds the `stratified` and `uniform` strategies.
    seed: int = 0


def _baseline(task: Task, strategy: str, seed: int, splits: Splits) -> tuple[str, Predictions]:
    from sklearn.dummy import (  # noqa: PLC0415 (heavy: imported on use)
        DummyClassifier,
        DummyRegressor,
    )

    train, test = splits.train, splits.test
    if task == "regression":
        regressor = DummyRegressor(strategy=_REGRESSORS[strategy])
        regressor.fit(train.features, train.target)
        values = pd.Series(regressor.predict(test.features), index=test.features.index)
        return f"DummyRegressor(strategy={strategy!r})", Predictions(values)
    classifier = DummyClassifier(strategy=_CLASSIFIERS[strategy], random_state=seed)
    classifier.fit(train.features, train.target)
    values = pd.Series(classifier.predict(test.features), index=test.features.index)
    classes = [str(c) for c in np.asarray(getattr(classifier, "classes_", ())).tolist()]
    probabilities = pd.DataFrame(
        classifier.predict_proba(test.features), index=test.features.index, columns=classes
    )
    return f"DummyClassifier(strategy={strategy!r})", Predictions(values, probabilities)


def baseline_checker(settings: BaselineSettings) -> ModelChecker:
    """Compare a model with a dummy baseline fitted on train, both scored on test."""
    task = check_metric(settings.metric)
    strategy = settings.strategy or STRATEGIES[task][0]
    if strategy not in STRATEGIES[task]:
        raise DefinitionError(
            f"{strategy!r} is not a baseline strategy for {task} (the metric "
            f"{settings.metric!r} is a {task} metric); use one of "
            f"{', '.join(STRATEGIES[task])}."
        )
    metric = settings.metric

    def check(pair: tuple[FittedModel, Splits]) -> BaselineComparison:
        model, splits = pair
        if model.task != task:
            raise DataError(
                f"the model is a {model.task} model, but the baseline checker compares by "
                f"{metric!r}, a {task} metric."
            )
        truth = splits.test.target
        model_score = compute_metrics(
            task, (metric,), truth, predict_model(model, splits.test.features)
        )[metric]
        name, baseline = _baseline(task, strategy, settings.seed, splits)
        baseline_score = compute_metrics(task, (metric,), truth, baseline)[metric]
        return BaselineComparison(
            metric=metric,
            model_score=model_score,
            baseline_score=baseline_score,
            baseline=name,
            better=is_better(metric, model_score, baseline_score),
        )

    return ModelChecker(
        make_step(check, name="check", description=f"model against {strategy} baseline by {metric}")
    )


KINDS: tuple[ComponentKind, ...] = (
    make_kind("baseline_checker", BaselineSettings, baseline_checker),
)
