"""`baseline_checker`: does the model beat a dummy fitted on the same training split?

Design notes:

- The baseline is scikit-learn's `DummyClassifier` or `DummyRegressor`, fitted on
  `splits.train`; model and baseline are both scored on `splits.test` with the same
  metric and scorer (`lolpop.components.metrics.Scorer`), and `better` says whether the
  model's score is strictly better by the metric's direction (a tie is not better).
- The checker is `Rescorable` (a `BaselineChecker`): in a workflow the train pipeline
  makes it score by the workflow's metrics component, so `baseline_f1` in a summary is
  the same kind of f1 (its `average`, its `pos_label`) as `test_f1`.
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
from typing import Literal, Self, TypeAlias, TypeVar

from attrs import evolve, frozen

from lolpop._lazy import np, pd
from lolpop.components._errors import DataError
from lolpop.components._kinds import make_kind, setting
from lolpop.components.metrics import Scorer, check_metric, is_better, scorer_for
from lolpop.components.records import (
    TASKS,
    BaselineComparison,
    Classification,
    ClassificationMetric,
    FittedModel,
    ModelChecker,
    Predictions,
    Regression,
    RegressionMetric,
    Splits,
    Task,
    TaskKind,
)
from lolpop.components.sklearn_trainer import predict_model
from lolpop.config.registry import ComponentKind
from lolpop.core.decorator import make_step
from lolpop.errors import SettingError

#: The dummy strategies of each task that need no further parameter.
ClassifierStrategy: TypeAlias = Literal["most_frequent", "prior", "stratified", "uniform"]
RegressorStrategy: TypeAlias = Literal["mean", "median"]

_CLASSIFIERS: Mapping[str, ClassifierStrategy] = {
    "most_frequent": "most_frequent",
    "prior": "prior",
    "stratified": "stratified",
    "uniform": "uniform",
}
_REGRESSORS: Mapping[str, RegressorStrategy] = {"mean": "mean", "median": "median"}
_K = TypeVar("_K", bound=TaskKind)

#: The dummy strategies of each task that need no further parameter, default first.
STRATEGIES: Mapping[Task, tuple[str, ...]] = {
    "classification": tuple(_CLASSIFIERS),
    "regression": tuple(_REGRESSORS),
}


@frozen
class BaselineSettings:
    """`type: baseline_checker`: the metric to compare by, and the dummy's strategy."""

    #: The metric both are scored by; it fixes the task (e.g. `f1`, `rmse`).
    metric: str
    #: A DummyClassifier or DummyRegressor strategy (None: most_frequent or mean).
    strategy: str | None = None
    #: Seeds the `stratified` and `uniform` strategies.
    seed: int = 0


def _baseline(
    kind: type[_K], strategy: str, seed: int, splits: Splits
) -> tuple[str, Predictions[_K]]:
    from sklearn.dummy import (  # noqa: PLC0415 (heavy: imported on use)
        DummyClassifier,
        DummyRegressor,
    )

    train, test = splits.train, splits.test
    if kind.name == "regression":
        regressor = DummyRegressor(strategy=_REGRESSORS[strategy])
        regressor.fit(train.features, train.target)
        values = pd.Series(regressor.predict(test.features), index=test.features.index)
        return f"DummyRegressor(strategy={strategy!r})", Predictions(values, task=kind)
    classifier = DummyClassifier(strategy=_CLASSIFIERS[strategy], random_state=seed)
    classifier.fit(train.features, train.target)
    values = pd.Series(classifier.predict(test.features), index=test.features.index)
    classes = [str(c) for c in np.asarray(getattr(classifier, "classes_", ())).tolist()]
    probabilities = pd.DataFrame(
        classifier.predict_proba(test.features), index=test.features.index, columns=classes
    )
    return f"DummyClassifier(strategy={strategy!r})", Predictions(values, probabilities, task=kind)


@frozen
class BaselineChecker(ModelChecker[_K]):
    """A baseline check that keeps its definition, so that it can score by another scorer
    (`scored_by`: a workflow's metrics component's)."""

    metric: str
    strategy: str
    seed: int
    scorer: Scorer[_K]

    def scored_by(self, scorer: Scorer[TaskKind]) -> Self:
        """The same check, model and baseline scored by `scorer` (of the checker's task);
        this one when it already does, so that its step stays the one the component holds."""
        chosen = scorer_for(self.task, scorer)
        if chosen == self.scorer:
            return self
        rebuilt = _checker(self.task, self.metric, self.strategy, self.seed, chosen)
        return evolve(self, check=rebuilt.check, scorer=chosen)


def _checker(
    kind: type[_K], metric: str, strategy: str | None, seed: int, scorer: Scorer[_K] | None = None
) -> BaselineChecker[_K]:
    task = kind.name
    scoring = scorer_for(kind, scorer) if scorer is not None else Scorer(kind)
    with setting("metric"):
        check_metric(metric, task)
    chosen = strategy or STRATEGIES[task][0]
    if chosen not in STRATEGIES[task]:
        raise SettingError(
            "strategy",
            f"{chosen!r} is not a baseline strategy for {task} (the metric {metric!r} is a "
            f"{task} metric); use one of {', '.join(STRATEGIES[task])}.",
        )

    def check(pair: tuple[FittedModel[_K], Splits]) -> BaselineComparison:
        model, splits = pair
        if model.task is not kind:
            raise DataError(
                f"the model is a {model.task.name} model, but the baseline checker compares "
                f"by {metric!r}, a {task} metric."
            )
        truth = splits.test.target
        model_score = scoring.score(metric, truth, predict_model(model, splits.test.features))
        name, baseline = _baseline(kind, chosen, seed, splits)
        baseline_score = scoring.score(metric, truth, baseline)
        return BaselineComparison(
            metric=metric,
            model_score=model_score,
            baseline_score=baseline_score,
            baseline=name,
            better=is_better(metric, model_score, baseline_score),
        )

    description = f"model against {chosen} baseline by {metric}"
    return BaselineChecker(
        make_step(check, name="check", description=description),
        task=kind,
        metric=metric,
        strategy=chosen,
        seed=seed,
        scorer=scoring,
    )


def baseline_checker(settings: BaselineSettings) -> ModelChecker[TaskKind]:
    """Compare a model with a dummy baseline fitted on train, both scored on test (the
    metric's task, known when it is built, is the checker's `task`)."""
    with setting("metric"):
        kind: type[TaskKind] = TASKS[check_metric(settings.metric)]
    return _checker(kind, settings.metric, settings.strategy, settings.seed)


def classification_baseline(
    metric: ClassificationMetric = "f1",
    *,
    strategy: ClassifierStrategy | None = None,
    seed: int = 0,
) -> ModelChecker[Classification]:
    """A classifier against a `DummyClassifier`, by a classification metric."""
    return _checker(Classification, metric, strategy, seed)


def regression_baseline(
    metric: RegressionMetric = "rmse",
    *,
    strategy: RegressorStrategy | None = None,
    seed: int = 0,
) -> ModelChecker[Regression]:
    """A regressor against a `DummyRegressor`, by a regression metric."""
    return _checker(Regression, metric, strategy, seed)


KINDS: tuple[ComponentKind, ...] = (
    make_kind("baseline_checker", BaselineSettings, baseline_checker),
)
