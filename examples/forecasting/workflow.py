"""Forecasting, typed: `workflow.yaml`'s base config as a Python program mypy checks.

Seattle's daily maximum temperature, 14 days ahead, from the `seattle-weather` table
the vega_datasets package ships (MIT licence; NOAA's daily records), offline. A ridge
regression over lags, rolling means and calendar parts, backtested over three rolling
origins against the seasonal-naive forecast; deployed when its MASE beats the
champion's on the same folds; then the next 14 days are forecast with the champion.

The trainer is a `ModelTrainer[Regression]` and the approval rule a
`forecasting_rule`: a classifier, or a classification metric, is a mypy error here.

Run it from the repository's root:

    python -m examples.forecasting.workflow             # backtest, deploy if better, forecast
    python -m examples.forecasting.workflow --dry-run   # the plan; nothing runs
"""

from __future__ import annotations

import sys
from pathlib import Path

from sklearn.linear_model import Ridge

from examples._common import run_main
from lolpop import Step
from lolpop.components.file_connector import CsvSettings, csv_connector
from lolpop.components.sklearn_trainer import sklearn_trainer
from lolpop.components.vega_datasets import VegaDatasetSettings, vega_dataset_connector
from lolpop.pipelines.deploy import forecasting_rule
from lolpop.runners.forecasting import (
    ForecastingComponents,
    ForecastReport,
    ForecastSettings,
    forecasting_runner,
    with_defaults,
)
from lolpop.runners.supervised import Stage

SETTINGS = ForecastSettings(
    model_name="seattle-temperature",
    target="temp_max",
    time="date",
    frequency="D",
    horizon=14,
    season=7,
    lags=(1, 2, 3, 7, 14),
    windows=(7, 28),
    calendar=("dayofyear", "month"),
    folds=3,
)
APPROVAL = forecasting_rule("mase")


def make_components(settings: ForecastSettings) -> ForecastingComponents:
    """The components `workflow.yaml` names, and the runner's defaults for the rest."""
    forecasts = Path(settings.work_dir) / "forecasts" / "seattle-temperature.csv"
    return with_defaults(
        settings,
        data=vega_dataset_connector(VegaDatasetSettings("seattle-weather")),
        trainer=sklearn_trainer(Ridge),
        predictions=csv_connector(CsvSettings(str(forecasts))),
    )


def make_program(stage: Stage = "build_all") -> Step[None, ForecastReport]:
    """The runner's program for `stage` (build_all: process, backtest, deploy, forecast)."""
    return forecasting_runner(make_components(SETTINGS), SETTINGS, stage, approval=APPROVAL)


def main(argv: list[str] | None = None) -> int:
    """Run on the local backend and print the report (or, `--dry-run`, the plan); 0 if done."""
    return run_main(make_program, argv, __doc__)


if __name__ == "__main__":
    sys.exit(main())
