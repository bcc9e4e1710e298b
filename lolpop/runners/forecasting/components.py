"""The forecasting runner's components and settings.

`ForecastingComponents` holds every component the runner uses. The task-bound ones are
typed: the trainer is a `ModelTrainer[Regression]` (the regressor over features of the
past, so a classifier is a mypy error where the record is made, and refused by the
build in a config), and the metrics a `MetricsEvaluator[Forecasting]` (classification
or regression metrics do not fit). `ForecastSettings` says what is forecast (the time,
target, series and known columns, the frequency, the horizon, the season), how
features are made (lags, windows, calendar parts), how it is evaluated (backtest folds)
and when a new version replaces the champion (by `mase` unless told).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from attrs import Factory, frozen

from lolpop.components.forecast import CalendarPart, Recipe, SeriesSpec
from lolpop.components.records import (
    DataChecker,
    DataComparer,
    DataConnector,
    DataProfiler,
    DataTransformer,
    Forecasting,
    MetadataTracker,
    MetricsEvaluator,
    ModelRepository,
    ModelTrainer,
    Notifier,
    Regression,
    ResourceVersionControl,
)
from lolpop.config.records import Settings
from lolpop.errors import SettingError
from lolpop.runners.supervised.settings import ApprovalSettings


@frozen
class ForecastingComponents:
    """Every component the forecasting runner uses; optional ones may be None."""

    #: The history: one row per series and time.
    data: DataConnector
    #: The regressor fitted on features of the past.
    trainer: ModelTrainer[Regression]
    #: Scores of forecasts against actuals that arrived later (the `evaluate` stage).
    metrics: MetricsEvaluator[Forecasting]
    profiler: DataProfiler
    checker: DataChecker
    drift: DataComparer
    store: ResourceVersionControl
    tracker: MetadataTracker
    repository: ModelRepository
    notifier: Notifier
    #: Checks the forecast file (default: no forecast is missing).
    prediction_checker: DataChecker
    #: Future values of the known columns (needed when `known:` names any).
    new_data: DataConnector | None = None
    #: Where forecasts are written.
    predictions: DataConnector | None = None
    #: Actuals of forecast times that arrived later (the `evaluate` stage).
    labels: DataConnector | None = None
    transformer: DataTransformer | None = None


#: What the slots a config fills are for (shown when one is missing).
SLOT_DESCRIPTIONS: Mapping[str, str] = {
    "data": "the history: one row per series and time",
    "trainer": "the regressor fitted on lags, windows and calendar parts",
    "new_data": "future values of the known columns",
    "predictions": "where forecasts are written",
    "labels": "actuals of forecast times that arrived later",
}


@frozen
class ForecastSettings(Settings):
    """Settings of the forecasting runner."""

    #: The column to forecast (numbers; required).
    target: str | None = None
    #: The time column (datetimes: parse it in the connector; required).
    time: str | None = None
    #: The id column of several series (None: one series).
    series: str | None = None
    #: How many steps ahead a forecast goes.
    horizon: int = 7
    #: The step between rows, a pandas frequency (`D`, `W-SUN`, `MS`); None: inferred.
    frequency: str | None = None
    #: The season length in steps: the seasonal-naive baseline and MASE's scale.
    season: int = 7
    #: Lags of the target used as features, in steps.
    lags: tuple[int, ...] = (1, 2, 7)
    #: Rolling windows of the target whose means are features, in steps.
    windows: tuple[int, ...] = (7,)
    #: Calendar parts of the time used as features.
    calendar: tuple[CalendarPart, ...] = ("dayofweek", "month")
    #: Columns known in advance (their future values come from `new_data`).
    known: tuple[str, ...] = ()
    #: Backtest folds (rolling origins), each `horizon` steps long.
    folds: int = 3
    #: Stop the workflow when a data check says ERROR.
    stop_on_error: bool = True
    #: When a new version replaces the champion (`metric`: one of mase, mae, rmse, mape,
    #: smape; mase unless told).
    approval: ApprovalSettings = Factory(ApprovalSettings)


def _positive(name: str, given: int | tuple[int, ...]) -> SettingError | None:
    """The refusal of a setting of steps (one, or a list) holding one under 1, at its path."""
    values = given if isinstance(given, tuple) else (given,)
    bad = [value for value in values if value < 1]
    if not bad:
        return None
    shown = f"{bad[0]} in {list(values)}" if isinstance(given, tuple) else f"{given}"
    return SettingError(
        f"$.settings.{name}", f"`settings.{name}` must be whole steps of 1 or more, got {shown}."
    )


#: Frequencies pandas takes, known without importing it (a check need not): a multiple,
#: then a common alias of pandas' table. Any other is pandas' to judge.
#: (property_tests/test_check_without_pandas.py: pandas takes every one.)
PLAIN_FREQUENCY = re.compile(
    r"(?:[1-9][0-9]{0,3})?"
    r"(?:D|B|h|min|s|ms|us|ns|W(?:-(?:MON|TUE|WED|THU|FRI|SAT|SUN))?|[MQY][SE])"
)


def _frequency_problem(frequency: str | None) -> SettingError | None:
    """The refusal of a frequency pandas does not take (`M`, which pandas 3 no longer
    reads: `ME`), at its path; the run would fail on it after processing the data."""
    if frequency is None or PLAIN_FREQUENCY.fullmatch(frequency):
        return None
    from pandas.tseries.frequencies import to_offset  # noqa: PLC0415 (pandas: on use)

    try:
        to_offset(frequency)
    except ValueError as error:
        # pandas names the alias it renamed (`Please use 'ME' instead`, `Did you mean h?`).
        hint = re.search(r"use '([^']+)' instead|Did you mean ([^?]+)\?", str(error))
        named = f"; pandas suggests {(hint.group(1) or hint.group(2))!r}" if hint else ""
        return SettingError(
            "$.settings.frequency",
            f"`settings.frequency` is {frequency!r}, which pandas does not take as a "
            f"frequency{named}. Use a pandas offset alias (D, W-SUN, MS, ME, h...), or "
            "leave it out to infer it from the data.",
        )
    return None


def setting_problems(settings: ForecastSettings) -> tuple[SettingError, ...]:
    """Every missing or impossible setting, each a `SettingError` at its path."""
    found: list[SettingError | None] = []
    if settings.target is None or settings.time is None:
        missing = [n for n in ("target", "time") if getattr(settings, n) is None]
        found.append(
            SettingError(
                f"$.settings.{missing[0]}",
                f"the forecasting runner needs "
                f"{' and '.join(f'`settings.{n}`' for n in missing)}: the column to forecast "
                "and the time column (e.g. `target: sales`, `time: date`).",
            )
        )
    found += [_positive(name, getattr(settings, name)) for name in _STEPS]
    if not settings.lags and not settings.windows:
        found.append(
            SettingError(
                "$.settings.lags",
                "`settings.lags` and `settings.windows` are both empty: a forecast needs some "
                "feature of the past.",
            )
        )
    found.append(_frequency_problem(settings.frequency))
    taken = {settings.target, settings.time, settings.series}
    clash = [name for name in settings.known if name in taken]
    if clash:
        found.append(
            SettingError(
                "$.settings.known",
                f"`settings.known` names {clash}, which is the target, time or series column.",
            )
        )
    return tuple(error for error in found if error is not None)


#: The settings counted in steps of the series.
_STEPS = ("horizon", "season", "folds", "lags", "windows")


def spec_of(settings: ForecastSettings) -> tuple[Recipe, SeriesSpec]:
    """The recipe and series spec the settings describe (the first of
    `setting_problems` refuses them)."""
    problems = setting_problems(settings)
    target, time = settings.target, settings.time
    if problems or target is None or time is None:  # a missing one is among the problems
        raise problems[0]
    spec = SeriesSpec(
        time=time,
        target=target,
        series=settings.series,
        known=settings.known,
        frequency=settings.frequency,
        horizon=settings.horizon,
        season=settings.season,
    )
    return Recipe(settings.lags, settings.windows, settings.calendar), spec
