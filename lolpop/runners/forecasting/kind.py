"""The `forecasting` runner kind (what a config's `runner: forecasting` names), and the
components it uses where none is given.

The defaults are the supervised runners' where the concern is the same (MLflow in the
settings' tracking URI, the store and reports under `settings.work_dir`, lolpop's
profiler, an empty rules checker, the drift comparer, the log notifier, a check that no
forecast is missing), the forecasting metrics, and a scikit-learn
`Ridge` regression as the regressor over features of the past: a linear model of the
past values (an autoregression), fast and hard to beat on many series; a config names
another (`HistGradientBoostingRegressor` for effects that are not linear) under
`trainer:`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path

from lolpop.components.data_checker import CheckerSettings, Rule, rules_checker
from lolpop.components.drift import DriftSettings, drift_comparer
from lolpop.components.forecast import PREDICTION_COLUMN, forecast_metrics
from lolpop.components.mlflow_repository import MlflowRegistrySettings, mlflow_repository
from lolpop.components.mlflow_tracker import MlflowSettings, mlflow_tracker
from lolpop.components.notifier import LogNotifierSettings, log_notifier
from lolpop.components.profiler import ProfilerSettings, pandas_profiler
from lolpop.components.records import DataConnector, Forecasting, ModelTrainer, Regression
from lolpop.components.sklearn_trainer import TrainerSettings, sklearn_model
from lolpop.components.version_store import local_store
from lolpop.core.step import Step
from lolpop.runners._stages import check_runner_settings
from lolpop.runners.forecasting.components import (
    SLOT_DESCRIPTIONS,
    ForecastingComponents,
    ForecastSettings,
    setting_problems,
)
from lolpop.runners.forecasting.program import forecasting_runner
from lolpop.runners.kinds import Report, RunnerKind
from lolpop.runners.supervised.program import check_stage
from lolpop.runners.supervised.settings import STAGES

#: The slots a config may leave empty: the defaults fill them.
DEFAULTED = frozenset(
    {
        "trainer",
        "metrics",
        "profiler",
        "checker",
        "drift",
        "store",
        "tracker",
        "repository",
        "notifier",
        "prediction_checker",
    }
)

#: The default regressor over features of the past.
DEFAULT_ESTIMATOR = "sklearn.linear_model:Ridge"


def default_trainer() -> ModelTrainer[Regression]:
    """A `Ridge` regression."""
    trainer = sklearn_model(TrainerSettings(DEFAULT_ESTIMATOR, task="regression"))
    assert trainer.task is Regression  # the task it was asked for
    return trainer  # type: ignore[return-value]  # checked on the line above


@functools.lru_cache(maxsize=8)
def _defaults(settings: ForecastSettings, folder: Path) -> Mapping[str, object]:
    work = Path(settings.work_dir)
    return {
        "trainer": default_trainer(),
        "metrics": forecast_metrics(),
        "profiler": pandas_profiler(ProfilerSettings()),
        "checker": rules_checker(CheckerSettings()),
        "drift": drift_comparer(DriftSettings()),
        "store": local_store(work / "store"),
        "tracker": mlflow_tracker(
            MlflowSettings(tracking_uri=settings.tracking_uri, experiment=settings.model_name)
        ),
        "repository": mlflow_repository(
            MlflowRegistrySettings(settings.model_name, tracking_uri=settings.tracking_uri)
        ),
        "notifier": log_notifier(LogNotifierSettings()),
        "prediction_checker": rules_checker(
            CheckerSettings((Rule("not_null", columns=(PREDICTION_COLUMN,)),))
        ),
    }


def default_components(settings: ForecastSettings) -> Mapping[str, object]:
    """Every default component by slot name, for the current working folder."""
    return _defaults(settings, Path.cwd())


def with_defaults(
    settings: ForecastSettings,
    data: DataConnector,
    *,
    trainer: ModelTrainer[Regression] | None = None,
    predictions: DataConnector | None = None,
    new_data: DataConnector | None = None,
    labels: DataConnector | None = None,
) -> ForecastingComponents:
    """`data` (and the other components given), and the default component in every other
    required slot."""
    found = dict(default_components(settings))
    if trainer is not None:
        found["trainer"] = trainer
    return ForecastingComponents(
        data=data,
        predictions=predictions,
        new_data=new_data,
        labels=labels,
        **found,  # type: ignore[arg-type]  # the defaults, by slot name, of the slots' types
    )


def _check_settings(settings: ForecastSettings) -> None:
    """The settings describe a series and a recipe, and the approval rule's metric is a
    forecasting one: every refusal at once, each at its path."""
    check_runner_settings(Forecasting, settings, settings.approval, setting_problems(settings))


def _build(
    components: ForecastingComponents, settings: ForecastSettings, stage: str
) -> Step[None, Report]:
    return forecasting_runner(components, settings, check_stage(stage))


FORECASTING: RunnerKind[ForecastingComponents, ForecastSettings] = RunnerKind(
    tag="forecasting",
    components=ForecastingComponents,
    settings=ForecastSettings,
    build=_build,
    stages=STAGES,
    defaulted=DEFAULTED,
    defaults=default_components,
    task=None,
    check=_check_settings,
    description=(
        "process -> backtest and train -> deploy if better -> forecast the next steps, "
        "for a regressor over lags, rolling windows and calendar parts"
    ),
    slot_descriptions=SLOT_DESCRIPTIONS,
)

#: This module's runner kind (`lolpop.runners.catalogue` names it for its tag).
KINDS = (FORECASTING,)
