"""Forecasting from a series' own past: features, recursive forecasts, backtests, metrics.

Design notes:

- A forecast is made by a scikit-learn regressor over features of the past, the
  default of the forecasting runner: lags of the target (`lag_7` is the value seven
  steps back), means of rolling windows of it (`mean_7`: the mean of the seven values
  before the row, never the row itself), calendar parts of the time (`dayofweek`,
  `month`, ...), and columns known in advance (a holiday flag, a price set ahead). No
  forecasting library is needed for that, and none of the well-kept ones installs
  beside lolpop's pandas 3 (skforecast, statsforecast and sktime need pandas < 3.1).
- Several series are keyed by an id column (`series`); one regressor learns from all
  of them (a global model), and each series is forecast from its own past.
- A forecast of `horizon` steps is recursive: each step's prediction is the past of the
  next one. Every series is forecast one step at a time together (one `predict` call
  per step, not per series and step).
- The history must be regular: one row per series and time, at the frequency given (or
  the one pandas infers), with no gap and no missing target. Anything else is a
  `DataError` naming the column, the series and an example, never a silent
  interpolation: a gap moves every lag.
- A backtest evaluates over rolling origins: the last `folds * horizon` times are cut
  into `folds` windows of `horizon` steps; for each, the model is fitted on everything
  before the window and forecasts it. Each fold is scored (MAE, RMSE, MAPE, sMAPE and
  MASE), and so is the seasonal-naive forecast (each step repeats the value one season
  earlier) on the same windows; the overall score is the mean over the folds.
- MASE is the forecast's mean absolute error over the mean absolute error of the
  in-sample seasonal-naive forecast (`|y[t] - y[t - season]|` over the training part),
  per series, then averaged over the series that have that scale (the same series for
  every forecast of the same windows): below 1 beats the seasonal-naive forecast. A
  series too short for one season, or repeating exactly over it, has no scale; when no
  series has one, an exact forecast scores 0 and any other NaN. MAPE and sMAPE are
  fractions, not percentages; MAPE is scikit-learn's, the same number as the regression
  runners' `mape` (an actual value of 0 is divided by the smallest float, so it is huge
  rather than undefined).
- The fitted model carries its recipe (lags, windows, calendar parts, known columns,
  time and series columns, frequency, season) in its params, so a registered model
  forecasts with its own recipe, whatever today's settings say, and a champion is
  backtested with its own recipe on the candidate's folds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Literal, TypeAlias

from attrs import evolve, frozen

from lolpop._lazy import np, pd
from lolpop.components._errors import DataError, show_values
from lolpop.components._kinds import make_kind
from lolpop.components.metrics import of_task
from lolpop.components.records import (
    Estimator,
    FittedModel,
    Forecasting,
    Labelled,
    Metrics,
    MetricsEvaluator,
    Predictions,
)
from lolpop.config.registry import ComponentKind
from lolpop.core.decorator import make_step

#: A part of the time that becomes a feature.
CalendarPart: TypeAlias = Literal[
    "dayofweek", "dayofmonth", "dayofyear", "weekofyear", "month", "quarter", "year", "hour"
]

#: The column forecasts are written to.
PREDICTION_COLUMN = "prediction"
#: The series column of a forecast of a single series (no `series` setting).
_ONE = "__series__"
#: Where a model's recipe is kept in its params.
RECIPE_PREFIX = "forecast."


@frozen
class SeriesSpec:
    """What is forecast: the columns, the step between rows, how far ahead."""

    #: The time column (datetimes).
    time: str
    #: The column to forecast (numbers).
    target: str
    #: The id column of several series (None: one series).
    series: str | None = None
    #: Columns known in advance (their future values are given when forecasting).
    known: tuple[str, ...] = ()
    #: A pandas frequency (`D`, `W-SUN`, `MS`, `h`); None: inferred from the data.
    frequency: str | None = None
    #: How many steps ahead a forecast goes.
    horizon: int = 7
    #: The season length in steps (7 for days of a week, 12 for months of a year).
    season: int = 7


@frozen
class Recipe:
    """How features are made from the past."""

    #: Lags of the target, in steps.
    lags: tuple[int, ...] = (1, 7)
    #: Rolling windows of the target (their means), in steps.
    windows: tuple[int, ...] = (7,)
    calendar: tuple[CalendarPart, ...] = ("dayofweek", "month")

    @property
    def reach(self) -> int:
        """How many past steps one row's features need."""
        return max((*self.lags, *self.windows, 1))

    def features(self, spec: SeriesSpec) -> tuple[str, ...]:
        """The feature columns, in order."""
        return (
            *(f"lag_{lag}" for lag in self.lags),
            *(f"mean_{window}" for window in self.windows),
            *self.calendar,
            *spec.known,
        )


@frozen
class Fold:
    """One backtest window: where it starts, the model's scores and the baseline's."""

    number: int
    #: The first time of the window (ISO text).
    start: str
    rows: int
    metrics: Metrics
    baseline: Metrics


@frozen
class Backtest:
    """Scores over rolling origins, per fold and overall (the mean over the folds)."""

    folds: tuple[Fold, ...]
    metrics: Metrics
    #: The seasonal-naive forecast's scores on the same windows.
    baseline: Metrics

    def logged(self) -> dict[str, float]:
        """Every score as a tracked metric: overall, `baseline_*`, `fold_<n>_*`."""
        found = dict(self.metrics)
        found |= {f"baseline_{name}": value for name, value in self.baseline.items()}
        for fold in self.folds:
            found |= {f"fold_{fold.number}_{name}": value for name, value in fold.metrics.items()}
        return found


# --- the history ---------------------------------------------------------------------


def _series_of(frame: pd.DataFrame, spec: SeriesSpec) -> pd.Series:
    if spec.series is None:
        return pd.Series(_ONE, index=frame.index)
    return frame[spec.series].astype(str)


def prepare(frame: pd.DataFrame, spec: SeriesSpec, where: str = "the data") -> pd.DataFrame:
    """`frame` checked as a regular history and sorted by series and time: the columns
    named, a time column of datetimes, a numeric target with no missing value, one row
    per series and time, and no gap at the frequency (`DataError` naming what is wrong)."""
    needed = [spec.time, spec.target, *([spec.series] if spec.series else []), *spec.known]
    missing = [name for name in needed if name not in frame.columns]
    if missing:
        raise DataError(
            f"{where} lacks the column(s) {', '.join(map(repr, missing))} the forecast needs "
            f"(it has {show_values(list(frame.columns))}).",
            column=missing[0],
        )
    time = frame[spec.time]
    if not pd.api.types.is_datetime64_any_dtype(time):
        raise DataError(
            f"the time column {spec.time!r} of {where} holds {time.dtype} values, not dates "
            f"(e.g. {show_values(time.head(3).tolist())}): parse it in the connector "
            "(`parse_dates:` and `date_format:`), so that time is ordered as time, not text.",
            column=spec.time,
        )
    _check_numbers(frame, spec.target, where)
    for name in spec.known:
        _check_numbers(frame, name, where)
    if time.isna().any():
        raise DataError(
            f"the time column {spec.time!r} of {where} has {int(time.isna().sum())} missing "
            "value(s): every row of a history needs its time.",
            column=spec.time,
        )
    if spec.series is not None and frame[spec.series].isna().any():
        unnamed = frame[spec.series].isna()
        raise DataError(
            f"the series column {spec.series!r} of {where} has {int(unnamed.sum())} missing "
            f"value(s) (e.g. at the times {show_values([_when(t) for t in time[unnamed][:3]])}):"
            " every row of a history needs its series; a row without one would otherwise "
            "join a series of its own.",
            column=spec.series,
            rows=int(unnamed.sum()),
        )
    keys = _series_of(frame, spec)
    ordered = frame.assign(**{_ONE: keys}).sort_values([_ONE, spec.time], kind="stable")
    repeated = ordered.duplicated([_ONE, spec.time])
    if repeated.any():
        first = ordered[repeated].iloc[0]
        count = int(repeated.sum())
        raise DataError(
            f"{where} has {count} repeated (series, time) row(s), e.g. "
            f"{_when(first[spec.time])} of series {first[_ONE]!r}: a history has one row per "
            "series and time."
            if spec.series is not None
            else f"{where} has {count} repeated time(s), e.g. {_when(first[spec.time])}: a "
            "history has one row per time.",
            column=spec.time,
        )
    frequency = frequency_of(ordered, spec, where)
    for key, part in ordered.groupby(_ONE, sort=False):
        times = pd.DatetimeIndex(part[spec.time])
        expected = pd.date_range(times[0], times[-1], freq=frequency)
        if not expected.equals(times):
            wrong = [
                f"{len(found)} time(s) {said} (e.g. {show_values([_when(t) for t in found[:3]])})"
                for found, said in (
                    (expected.difference(times), "missing"),
                    (times.difference(expected), "off its grid"),
                )
                if len(found)
            ]
            which = where if spec.series is None else f"series {key!r} of {where}"
            raise DataError(
                f"{which} is not regular at frequency {frequency!r}: {' and '.join(wrong)}. "
                "Fill the gaps, or give the data's own `frequency:`, before forecasting "
                "(lags count rows).",
                column=spec.time,
            )
    return ordered.drop(columns=_ONE).reset_index(drop=True)


def _when(time: object) -> str:
    """A time as a message shows it: its date alone at midnight."""
    stamp = pd.Timestamp(time)  # type: ignore[arg-type]  # a history's time: checked datetimes
    return str(stamp.date()) if stamp == stamp.normalize() else str(stamp)


def _check_numbers(frame: pd.DataFrame, name: str, where: str) -> None:
    column = frame[name]
    if not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)):
        raise DataError(
            f"the column {name!r} of {where} holds {column.dtype} values (e.g. "
            f"{show_values(column.dropna().head(3).tolist())}); a forecast's target and known "
            "columns must be numbers.",
            column=name,
        )
    values = pd.to_numeric(column, errors="coerce").astype(float)
    bad = ~np.isfinite(values.to_numpy())
    if bad.any():
        raise DataError(
            f"the column {name!r} of {where} has {int(bad.sum())} missing or infinite value(s) "
            f"of {len(column)}: a history needs every value (fill them, or drop the rows "
            "before the forecast's first time).",
            column=name,
            rows=int(bad.sum()),
        )


def frequency_of(frame: pd.DataFrame, spec: SeriesSpec, where: str = "the data") -> str:
    """The frequency of the history: the spec's, or the one pandas infers from the
    longest series."""
    if spec.frequency is not None:
        return spec.frequency
    keys = _series_of(frame, spec)
    longest = frame[spec.time][keys == keys.value_counts().index[0]].sort_values()
    inferred = None
    if len(longest) >= 3:
        with pd.option_context("future.infer_freq_returns_offset", True):
            found = pd.infer_freq(pd.DatetimeIndex(longest))
        inferred = None if found is None else pd.tseries.frequencies.to_offset(found).freqstr
    if inferred is None:
        raise DataError(
            f"cannot infer the frequency of the time column {spec.time!r} of {where} (times "
            f"such as {show_values([str(t) for t in longest.head(3)])}); set the runner's "
            "`frequency:` (e.g. `D`, `W-SUN`, `MS`).",
            column=spec.time,
        )
    return inferred


# --- features ------------------------------------------------------------------------


def _calendar(times: pd.Series, part: CalendarPart) -> pd.Series:
    stamps = pd.DatetimeIndex(times)
    values = {
        "dayofweek": stamps.day_of_week,
        "dayofmonth": stamps.day,
        "dayofyear": stamps.day_of_year,
        "weekofyear": stamps.isocalendar().week.to_numpy(),
        "month": stamps.month,
        "quarter": stamps.quarter,
        "year": stamps.year,
        "hour": stamps.hour,
    }[part]
    return pd.Series(np.asarray(values, dtype=np.int64), index=times.index)


def training_table(history: pd.DataFrame, recipe: Recipe, spec: SeriesSpec) -> Labelled:
    """The features of every row with a full past (`recipe.reach` rows of its series
    before it), and the target."""
    parts = []
    for _, part in history.groupby(_series_of(history, spec), sort=False):
        target = part[spec.target].astype(float)
        columns: dict[str, pd.Series] = {}
        for lag in recipe.lags:
            columns[f"lag_{lag}"] = target.shift(lag)
        for window in recipe.windows:
            columns[f"mean_{window}"] = target.shift(1).rolling(window).mean()
        for piece in recipe.calendar:
            columns[piece] = _calendar(part[spec.time], piece)
        for name in spec.known:
            columns[name] = part[name].astype(float)
        table = pd.DataFrame(columns, index=part.index).iloc[recipe.reach :]
        parts.append((table, target.iloc[recipe.reach :]))
    if not parts or sum(len(table) for table, _ in parts) == 0:
        raise DataError(
            f"no row of the history has {recipe.reach} earlier rows of its series, which the "
            f"longest lag or window needs: give more history, or shorter lags.",
            column=spec.target,
        )
    features = pd.concat([table for table, _ in parts])
    target = pd.concat([values for _, values in parts]).rename(spec.target)
    return Labelled(features[list(recipe.features(spec))], target)


def forecast_frame(
    estimator: Estimator,
    recipe: Recipe,
    spec: SeriesSpec,
    history: pd.DataFrame,
    future: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The next `spec.horizon` steps of every series of `history` (checked by `prepare`),
    one row per series and time (`series`, `time`, `prediction`); the known columns'
    future values come from `future` (a `DataError` names a missing one)."""
    frequency = frequency_of(history, spec)
    keys = _series_of(history, spec)
    pasts: dict[str, list[float]] = {}
    last: dict[str, pd.Timestamp] = {}
    for key, part in history.groupby(keys, sort=True):
        pasts[str(key)] = part[spec.target].astype(float).tolist()
        last[str(key)] = pd.Timestamp(part[spec.time].iloc[-1])
    short = [key for key, values in pasts.items() if len(values) < recipe.reach]
    if short:
        raise DataError(
            f"series {show_values(short)} have fewer than {recipe.reach} rows, which the "
            "model's longest lag or window needs to forecast.",
            column=spec.target,
        )
    offset = pd.tseries.frequencies.to_offset(frequency)
    names = list(pasts)
    rows: list[pd.DataFrame] = []
    for step in range(1, spec.horizon + 1):
        times = pd.Series([last[key] + step * offset for key in names])
        columns: dict[str, object] = {}
        for lag in recipe.lags:
            columns[f"lag_{lag}"] = [pasts[key][-lag] for key in names]
        for window in recipe.windows:
            columns[f"mean_{window}"] = [float(np.mean(pasts[key][-window:])) for key in names]
        for piece in recipe.calendar:
            columns[piece] = _calendar(times, piece).to_numpy()
        for name in spec.known:
            columns[name] = _known(future, spec, name, names, times)
        features = pd.DataFrame(columns)[list(recipe.features(spec))]
        predicted = np.asarray(estimator.predict(features), dtype=float)
        for key, value in zip(names, predicted, strict=True):
            pasts[key].append(float(value))
        rows.append(pd.DataFrame({_ONE: names, spec.time: times, PREDICTION_COLUMN: predicted}))
    out = pd.concat(rows).sort_values([_ONE, spec.time], kind="stable").reset_index(drop=True)
    if spec.series is None:
        return out.drop(columns=_ONE)
    # the ids as they were (store 2 stays 2, not '2'), by their text
    ids = dict(zip(keys, history[spec.series], strict=True))
    return out.assign(**{_ONE: out[_ONE].map(ids).astype(history[spec.series].dtype)}).rename(
        columns={_ONE: spec.series}
    )


def _known(
    future: pd.DataFrame | None,
    spec: SeriesSpec,
    name: str,
    keys: Sequence[str],
    times: pd.Series,
) -> list[float]:
    """The future values of the known column `name` at `times` (one per series)."""
    if future is None or name not in future.columns or spec.time not in future.columns:
        raise DataError(
            f"the known column {name!r} needs its future values to forecast: give the "
            f"`new_data` component rows with {spec.time!r} and {name!r} for the next "
            f"{spec.horizon} steps.",
            column=name,
        )
    _check_known_future(future, spec, name)
    table = future.assign(**{_ONE: _series_of(future, spec)}).set_index([_ONE, spec.time])[name]
    values = []
    for key, time in zip(keys, times, strict=True):
        found = table.get((key, time))
        if found is None or (isinstance(found, float) and math.isnan(found)):
            which = "" if spec.series is None else f" for series {key!r}"
            raise DataError(
                f"the new data has no value of the known column {name!r}{which} at "
                f"{_when(time)}: the forecast needs every step of the horizon.",
                column=name,
            )
        values.append(float(found))
    return values


def _check_known_future(future: pd.DataFrame, spec: SeriesSpec, name: str) -> None:
    column = future[name]
    if not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)):
        raise DataError(
            f"the known column {name!r} of the new data holds {column.dtype} values (e.g. "
            f"{show_values(column.dropna().head(3).tolist())}); it must hold numbers.",
            column=name,
        )
    repeated = future.assign(**{_ONE: _series_of(future, spec)}).duplicated([_ONE, spec.time])
    if repeated.any():
        raise DataError(
            f"the new data has {int(repeated.sum())} repeated (series, time) row(s): the known "
            f"column {name!r} needs one value per series and time.",
            column=name,
            rows=int(repeated.sum()),
        )


# --- scores --------------------------------------------------------------------------


def _scale(past: Sequence[float], season: int) -> float:
    """The in-sample seasonal-naive mean absolute error (NaN when undefined)."""
    if len(past) <= season:
        return math.nan
    values = np.asarray(past, dtype=float)
    scale = float(np.mean(np.abs(values[season:] - values[:-season])))
    return scale if scale > 0 else math.nan


def seasonal_naive(past: Sequence[float], season: int, horizon: int) -> list[float]:
    """Each of the next `horizon` steps repeats the value one season before it.

    >>> seasonal_naive([1.0, 2.0, 3.0, 4.0], season=2, horizon=3)
    [3.0, 4.0, 3.0]
    """
    window = list(past[-season:]) if len(past) >= season else list(past)
    return [float(window[step % len(window)]) for step in range(horizon)]


def point_metrics(truth: Sequence[float], predicted: Sequence[float]) -> dict[str, float]:
    """MAE, RMSE, MAPE and sMAPE (fractions) of `predicted` against `truth`.

    >>> point_metrics([1.0, 2.0], [2.0, 2.0])
    {'mae': 0.5, 'rmse': 0.7071067811865476, 'mape': 0.5, 'smape': 0.3333333333333333}
    """
    actual = np.asarray(truth, dtype=float)
    guess = np.asarray(predicted, dtype=float)
    error = guess - actual
    # scikit-learn's MAPE: an actual of 0 counts as the smallest float (a huge ratio).
    floor = np.maximum(np.abs(actual), np.finfo(np.float64).eps)
    with np.errstate(over="ignore"):
        mape = float(np.mean(np.abs(error) / floor))
    denominator = np.abs(actual) + np.abs(guess)
    ratios = np.divide(
        2 * np.abs(error), denominator, out=np.zeros_like(error), where=denominator > 0
    )
    return {
        "mae": float(np.mean(np.abs(error))),
        "rmse": float(np.sqrt(np.mean(error**2))),
        "mape": mape,
        "smape": float(np.mean(ratios)),
    }


def _scored(
    windows: Mapping[str, tuple[Sequence[float], Sequence[float], Sequence[float]]], season: int
) -> dict[str, float]:
    """Every metric over every series' window: (past, truth, predicted) by series."""
    truth = [value for _, actual, _ in windows.values() for value in actual]
    predicted = [value for _, _, guess in windows.values() for value in guess]
    scores = point_metrics(truth, predicted)
    return {"mase": _mase(list(windows.values()), season), **scores}


def _mase(
    windows: Sequence[tuple[Sequence[float], Sequence[float], Sequence[float]]], season: int
) -> float:
    """The mean over the series of each window's MAE over its in-sample seasonal-naive MAE
    (its scale), over the series that have a scale: the same series for every forecast
    of the same windows, however exact. With no series scaled (each one's seasons repeat
    exactly, or its past is too short), an exact forecast is 0 and any other NaN."""
    errors = [float(np.mean(np.abs(np.asarray(g) - np.asarray(a)))) for _, a, g in windows]
    scales = [_scale(past, season) for past, _, _ in windows]
    ratios = [e / s for e, s in zip(errors, scales, strict=True) if not math.isnan(s)]
    if ratios:
        return float(np.mean(ratios))
    exact = all(e == 0 for e in errors) and all(len(p) > season for p, _, _ in windows)
    return 0.0 if exact else math.nan


def _mean(metrics: Sequence[Metrics]) -> dict[str, float]:
    names = list(metrics[0])
    return {
        name: float(np.nanmean([m[name] for m in metrics]))
        if any(not math.isnan(m[name]) for m in metrics)
        else math.nan
        for name in names
    }


#: Fits a fresh regressor on features and target.
Fit: TypeAlias = Callable[[Labelled], Estimator]


def backtest(
    fit: Fit, recipe: Recipe, spec: SeriesSpec, history: pd.DataFrame, folds: int
) -> Backtest:
    """Scores over `folds` rolling origins of `spec.horizon` steps each (see the notes)."""
    times = pd.DatetimeIndex(history[spec.time].drop_duplicates().sort_values())
    needed = folds * spec.horizon
    if len(times) <= needed + recipe.reach:
        raise DataError(
            f"the history has {len(times)} distinct times; {folds} backtest folds of "
            f"{spec.horizon} steps need more than {needed + recipe.reach} (the folds and the "
            "longest lag or window before them): give more history, or fewer folds.",
            column=spec.time,
        )
    past = len(times) - needed
    if past <= spec.season:
        # MASE scales each fold's errors by the seasonal-naive errors of its past.
        raise DataError(
            f"the season ({spec.season} steps) is not shorter than the past before the "
            f"first backtest fold ({past} times): MASE, which scales errors by those of "
            "repeating the value one season earlier, cannot be computed. Give more "
            "history, a shorter `season`, or fewer folds.",
            column=spec.time,
        )
    scored: list[Fold] = []
    for number in range(1, folds + 1):
        start = times[len(times) - needed + (number - 1) * spec.horizon]
        end = times[min(len(times) - 1, len(times) - needed + number * spec.horizon - 1)]
        before = history[history[spec.time] < start]
        window = history[(history[spec.time] >= start) & (history[spec.time] <= end)]
        estimator = fit(training_table(before, recipe, spec))
        future = window if spec.known else None
        regular = evolve(spec, frequency=frequency_of(history, spec))
        # a series with too short a past before the window (a new shop) is not forecast
        keys_before = _series_of(before, spec)
        grown = before[keys_before.map(keys_before.value_counts()) >= recipe.reach]
        forecast = forecast_frame(estimator, recipe, regular, grown, future)
        keys = _series_of(window, spec)
        predicted_keys = _series_of(forecast, spec)
        model_windows = {}
        naive_windows = {}
        for key, part in window.groupby(keys, sort=True):
            past = before[_series_of(before, spec) == key][spec.target].astype(float).tolist()
            if len(past) < recipe.reach:
                continue  # a series younger than the fold: nothing to forecast it from
            actual = part[spec.target].astype(float).tolist()
            mine = forecast[predicted_keys == key][PREDICTION_COLUMN].tolist()[: len(actual)]
            model_windows[str(key)] = (past, actual, mine)
            naive_windows[str(key)] = (past, actual, seasonal_naive(past, spec.season, len(actual)))
        scored.append(
            Fold(
                number,
                start.isoformat(),
                len(window),
                _scored(model_windows, spec.season),
                _scored(naive_windows, spec.season),
            )
        )
    return Backtest(
        tuple(scored), _mean([f.metrics for f in scored]), _mean([f.baseline for f in scored])
    )


# --- a model's recipe ----------------------------------------------------------------


def recipe_params(recipe: Recipe, spec: SeriesSpec, frequency: str) -> dict[str, str | int]:
    """The recipe as a model's params (`forecast.lags`, ...): text and numbers."""
    return {
        f"{RECIPE_PREFIX}lags": ",".join(map(str, recipe.lags)),
        f"{RECIPE_PREFIX}windows": ",".join(map(str, recipe.windows)),
        f"{RECIPE_PREFIX}calendar": ",".join(recipe.calendar),
        f"{RECIPE_PREFIX}known": ",".join(spec.known),
        f"{RECIPE_PREFIX}time": spec.time,
        f"{RECIPE_PREFIX}series": spec.series or "",
        f"{RECIPE_PREFIX}frequency": frequency,
        f"{RECIPE_PREFIX}season": spec.season,
    }


_CALENDAR: tuple[CalendarPart, ...] = (
    "dayofweek",
    "dayofmonth",
    "dayofyear",
    "weekofyear",
    "month",
    "quarter",
    "year",
    "hour",
)


def recipe_of(model: FittedModel[Forecasting], horizon: int) -> tuple[Recipe, SeriesSpec]:
    """The recipe and series spec a forecasting model was fitted with (its params), for
    forecasts of `horizon` steps (`DataError` when its params do not hold one)."""
    params = model.params

    def text(name: str) -> str:
        value = params.get(f"{RECIPE_PREFIX}{name}")
        if value is None or model.target is None:
            raise DataError(
                f"the model holds no forecasting recipe ({RECIPE_PREFIX}{name} is missing "
                "from its params): was it trained by lolpop's forecasting runner?"
            )
        return str(value)

    def split(value: str) -> list[str]:
        return [part for part in value.split(",") if part]

    calendar = tuple(part for name in split(text("calendar")) for part in _CALENDAR if part == name)
    recipe = Recipe(
        tuple(int(v) for v in split(text("lags"))),
        tuple(int(v) for v in split(text("windows"))),
        calendar,
    )
    spec = SeriesSpec(
        time=text("time"),
        target=str(model.target),
        series=text("series") or None,
        known=tuple(split(text("known"))),
        frequency=text("frequency"),
        horizon=horizon,
        season=int(text("season")),
    )
    return recipe, spec


def refitter(estimator: Estimator) -> Fit:
    """Fits a fresh copy of `estimator` (same parameters): how a champion is backtested
    with its own recipe on the candidate's folds."""

    def fit(data: Labelled) -> Estimator:
        from sklearn.base import clone  # noqa: PLC0415 (heavy: imported on use)

        fresh: Estimator = clone(estimator)
        fresh.fit(data.features, data.target)
        return fresh

    return fit


# --- the metrics component -----------------------------------------------------------


@frozen
class ForecastMetricsSettings:
    """`type: forecast_metrics`: scores of forecasts against actuals that arrived later
    (MAE, RMSE, MAPE, sMAPE; MASE needs the history, so the backtest reports it)."""


def forecast_metrics(
    settings: ForecastMetricsSettings = ForecastMetricsSettings(),
) -> MetricsEvaluator[Forecasting]:
    """MAE, RMSE, MAPE and sMAPE of forecasts against their actuals, row by row."""

    def evaluate(pair: tuple[pd.Series, Predictions[Forecasting]]) -> Metrics:
        """Score forecasts against actuals."""
        truth, predictions = pair
        of_task(predictions, Forecasting)
        if len(truth) != len(predictions.values):
            raise DataError(
                f"the actuals have {len(truth)} rows but the forecasts have "
                f"{len(predictions.values)}: metrics compare them row by row."
            )
        actual = pd.to_numeric(truth, errors="coerce").astype(float)
        bad = ~np.isfinite(actual.to_numpy())
        if bad.any():
            raise DataError(
                f"the actuals {str(truth.name)!r} have {int(bad.sum())} missing or non-number "
                "value(s); every scored forecast needs its actual.",
                column=str(truth.name),
            )
        return point_metrics(actual.tolist(), predictions.values.astype(float).tolist())

    return MetricsEvaluator(
        make_step(evaluate, name="evaluate", description="forecasting metrics of forecasts"),
        task=Forecasting,
    )


KINDS: tuple[ComponentKind, ...] = (
    make_kind("forecast_metrics", ForecastMetricsSettings, forecast_metrics),
)
