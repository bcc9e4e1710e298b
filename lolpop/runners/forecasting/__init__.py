"""The forecasting runner: process -> backtest and train -> deploy if better -> forecast.

`forecasting_runner(components, settings, stage)` is the program of one stage, with the
stages, tracking, registry, approval and lineage of the supervised runners; see
`lolpop.runners.forecasting.program` for what each stage does and
`lolpop.components.forecast` for the features, the backtest and the metrics.
"""

from lolpop.runners.forecasting.components import ForecastingComponents, ForecastSettings
from lolpop.runners.forecasting.kind import default_components, with_defaults
from lolpop.runners.forecasting.program import (
    Forecasted,
    ForecastReport,
    ForecastTrained,
    forecasting_runner,
)

__all__ = [
    "ForecastReport",
    "ForecastSettings",
    "ForecastTrained",
    "Forecasted",
    "ForecastingComponents",
    "default_components",
    "forecasting_runner",
    "with_defaults",
]
