"""Laws of the forecasting core (`lolpop.components.forecast`) on generated histories:
one to three series of finite values, of random lengths and starts, daily, hourly,
weekly or monthly, given shuffled.

- `prepare` keeps every row, sorts by series and time, and is idempotent;
- `training_table`: `lag_k` is the value k rows before in the same series, `mean_w` the
  mean of the w values before (never the row's own), the target the row's value, and
  only rows with a full past are kept;
- `forecast_frame` gives exactly `horizon` rows per series, whose times step on from the
  series' last time at the frequency; a tree's forecast stays within the targets it
  was fitted on;
- `seasonal_naive` repeats the last season; the point metrics are >= 0, equal
  scikit-learn's MAE and RMSE, and MAE is 0 exactly when the forecast is the truth;
- `backtest` makes `folds` windows of `horizon` times each, one after another at the end;
- a model's recipe read back from its params is the recipe it was fitted with.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn.metrics import mean_absolute_error, root_mean_squared_error
from sklearn.tree import DecisionTreeRegressor

from lolpop.components.forecast import (
    PREDICTION_COLUMN,
    CalendarPart,
    Recipe,
    SeriesSpec,
    backtest,
    forecast_frame,
    point_metrics,
    prepare,
    recipe_of,
    recipe_params,
    seasonal_naive,
    training_table,
)
from lolpop.components.records import Estimator, FittedModel, Forecasting, Labelled
from lolpop.testing.profiles import scaled

_FREQUENCIES = ("D", "h", "W-SUN", "MS")
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
_VALUES = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False, allow_subnormal=False)
#: Amounts in cents, as sales are: no underflow when an error is squared.
_AMOUNTS = st.integers(-(10**8), 10**8).map(lambda cents: cents / 100)

#: Each law draws half the profile's examples: a history is a few frames to build.
_HALF = settings(max_examples=scaled(0.5), deadline=None)


@st.composite
def recipes(draw: st.DrawFn) -> Recipe:
    """Lags and windows of 1 to 5 steps (some feature of the past), calendar parts in any
    order."""
    lags = tuple(draw(st.lists(st.integers(1, 5), max_size=3, unique=True)))
    windows = tuple(
        draw(st.lists(st.integers(1, 5), min_size=0 if lags else 1, max_size=2, unique=True))
    )
    calendar = tuple(draw(st.lists(st.sampled_from(_CALENDAR), max_size=3, unique=True)))
    return Recipe(lags, windows, calendar)


@st.composite
def histories(draw: st.DrawFn, min_length: int = 1) -> tuple[pd.DataFrame, SeriesSpec]:
    """A regular history of 1 to 3 series (`shop`), each `min_length` to 30 rows from its
    own start, shuffled; its spec names the frequency."""
    frequency = draw(st.sampled_from(_FREQUENCIES))
    several = draw(st.booleans())
    names = (
        draw(
            st.lists(
                st.sampled_from(("north", "south", "east")), min_size=1, max_size=3, unique=True
            )
        )
        if several
        else ["__one__"]
    )
    parts = []
    for name in names:
        length = draw(st.integers(min_length, max(min_length, 30)))
        offset = draw(st.integers(0, 5))
        times = pd.date_range("2021-01-03", periods=offset + length, freq=frequency)[offset:]
        values = draw(st.lists(_VALUES, min_size=length, max_size=length))
        parts.append(pd.DataFrame({"shop": name, "when": times, "amount": values}))
    frame = pd.concat(parts, ignore_index=True)
    order = draw(st.permutations(range(len(frame))))
    frame = frame.iloc[list(order)].reset_index(drop=True)
    if not several:
        frame = frame.drop(columns=["shop"])
    spec = SeriesSpec(
        time="when",
        target="amount",
        series="shop" if several else None,
        frequency=frequency,
        horizon=draw(st.integers(1, 6)),
        season=draw(st.integers(1, 7)),
    )
    return frame, spec


def _by_series(history: pd.DataFrame, spec: SeriesSpec) -> dict[str, pd.DataFrame]:
    if spec.series is None:
        return {"": history}
    return {str(key): part for key, part in history.groupby(spec.series)}


# --- prepare -------------------------------------------------------------------------


@_HALF
@given(histories())
def test_prepare_keeps_every_row_sorted_and_is_idempotent(
    drawn: tuple[pd.DataFrame, SeriesSpec],
) -> None:
    frame, spec = drawn
    history = prepare(frame, spec)
    assert len(history) == len(frame)
    keys = [spec.series, spec.time] if spec.series else [spec.time]
    expected = frame.sort_values(keys, kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(history, expected)
    pd.testing.assert_frame_equal(prepare(history, spec), history)


# --- training_table ------------------------------------------------------------------


@_HALF
@given(histories(), recipes())
def test_lags_and_means_are_of_the_rows_before_in_the_same_series(
    drawn: tuple[pd.DataFrame, SeriesSpec], recipe: Recipe
) -> None:
    frame, spec = drawn
    history = prepare(frame, spec)
    reach = recipe.reach
    assume(any(len(part) > reach for part in _by_series(history, spec).values()))
    table = training_table(history, recipe, spec)
    assert list(table.features.columns) == list(recipe.features(spec))
    kept = 0
    for part in _by_series(history, spec).values():
        values = part[spec.target].tolist()
        rows = part.index.tolist()
        kept += max(0, len(rows) - reach)
        assert not table.features.index.isin(rows[:reach]).any()
        for position in range(reach, len(rows)):
            features = table.features.loc[rows[position]]
            for lag in recipe.lags:
                assert features[f"lag_{lag}"] == values[position - lag]
            for window in recipe.windows:
                before = values[position - window : position]
                assert features[f"mean_{window}"] == pytest.approx(
                    float(np.mean(before)), rel=1e-9, abs=1e-6
                )
            assert table.target[rows[position]] == values[position]
    assert len(table) == kept


# --- forecast_frame ------------------------------------------------------------------


def _tree(data: Labelled) -> Estimator:
    tree = DecisionTreeRegressor(max_depth=3, random_state=0)
    tree.fit(data.features, data.target)
    return tree


@_HALF
@given(histories(min_length=6), recipes())
def test_a_forecast_has_horizon_rows_per_series_stepping_on_at_the_frequency(
    drawn: tuple[pd.DataFrame, SeriesSpec], recipe: Recipe
) -> None:
    frame, spec = drawn
    history = prepare(frame, spec)
    table = training_table(history, recipe, spec)
    forecast = forecast_frame(_tree(table), recipe, spec, history)
    assert len(forecast) == spec.horizon * len(_by_series(history, spec))
    assert spec.frequency is not None
    offset = pd.tseries.frequencies.to_offset(spec.frequency)
    forecasts = _by_series(forecast, spec)
    for key, part in _by_series(history, spec).items():
        times = pd.DatetimeIndex(forecasts[key][spec.time])
        assert len(times) == spec.horizon
        assert times.is_monotonic_increasing
        assert times.is_unique
        last = pd.Timestamp(part[spec.time].iloc[-1])
        assert list(times) == [last + step * offset for step in range(1, spec.horizon + 1)]
    predicted = forecast[PREDICTION_COLUMN]
    assert predicted.between(table.target.min(), table.target.max()).all()


# --- seasonal naive and point metrics ------------------------------------------------


@given(st.lists(_VALUES, min_size=1, max_size=30), st.integers(1, 10), st.integers(1, 25))
def test_the_seasonal_naive_forecast_repeats_the_last_season(
    past: list[float], season: int, horizon: int
) -> None:
    assume(len(past) >= season)
    forecast = seasonal_naive(past, season, horizon)
    assert len(forecast) == horizon
    assert forecast[:season] == past[-season:][:horizon]
    for step in range(season, horizon):
        assert forecast[step] == forecast[step - season]


@given(
    st.integers(1, 30).flatmap(
        lambda n: st.tuples(
            st.lists(_AMOUNTS, min_size=n, max_size=n), st.lists(_AMOUNTS, min_size=n, max_size=n)
        )
    )
)
def test_point_metrics_are_non_negative_and_zero_only_for_the_truth(
    pair: tuple[list[float], list[float]],
) -> None:
    truth, predicted = pair
    got = point_metrics(truth, predicted)
    for name, value in got.items():
        assert value >= 0, name
    assert got["smape"] <= 2.0
    assert got["rmse"] >= got["mae"] * (1 - 1e-12)
    assert got["mae"] == pytest.approx(
        mean_absolute_error(np.asarray(truth), np.asarray(predicted))
    )
    assert got["rmse"] == pytest.approx(
        root_mean_squared_error(np.asarray(truth), np.asarray(predicted))
    )
    assert (got["mae"] == 0) == (truth == predicted)
    assert point_metrics(truth, truth)["mae"] == 0.0


# --- backtest ------------------------------------------------------------------------


class _Last:
    """Forecasts the last value seen, fitted on anything."""

    def fit(self, X: pd.DataFrame, y: pd.Series, /) -> _Last:
        return self

    def predict(self, X: pd.DataFrame, /) -> np.ndarray:
        return X["lag_1"].to_numpy(dtype=float)


def _last(data: Labelled) -> Estimator:
    return _Last()


@_HALF
@given(histories(min_length=1), st.integers(1, 3))
def test_backtest_windows_are_the_last_folds_times_horizon_times(
    drawn: tuple[pd.DataFrame, SeriesSpec], folds: int
) -> None:
    frame, spec = drawn
    recipe = Recipe(lags=(1,), windows=(), calendar=())
    history = prepare(frame, spec)
    times = pd.DatetimeIndex(history[spec.time].drop_duplicates().sort_values())
    needed = folds * spec.horizon
    # every series has a full past before the first window (series that start inside
    # the windows are another test's concern)
    start = times[len(times) - needed] if len(times) > needed else None
    assume(start is not None)
    assume(len(times) - needed > spec.season)  # MASE needs a past longer than a season
    for part in _by_series(history, spec).values():
        assume(int((part[spec.time] < start).sum()) > recipe.reach)
    tested = backtest(_last, recipe, spec, history, folds)
    assert [fold.number for fold in tested.folds] == list(range(1, folds + 1))
    windows = [times[len(times) - needed + i * spec.horizon] for i in range(folds)]
    assert [pd.Timestamp(fold.start) for fold in tested.folds] == windows
    for fold, first in zip(tested.folds, windows, strict=True):
        span = times[(times >= first)][: spec.horizon]
        assert fold.rows == int(history[spec.time].isin(span).sum())
        assert fold.metrics["mae"] >= 0
        assert set(fold.metrics) == set(fold.baseline) == {"mase", "mae", "rmse", "mape", "smape"}


# --- a model's recipe ----------------------------------------------------------------


@given(
    recipes(),
    st.lists(st.sampled_from(("promo", "price", "holiday")), max_size=2, unique=True),
    st.sampled_from(_FREQUENCIES),
    st.booleans(),
    st.integers(1, 52),
    st.integers(1, 30),
)
def test_a_models_recipe_reads_back_as_fitted(  # noqa: PLR0917 (one drawn value each)
    recipe: Recipe, known: list[str], frequency: str, several: bool, season: int, horizon: int
) -> None:
    spec = SeriesSpec(
        time="when",
        target="amount",
        series="shop" if several else None,
        known=tuple(known),
        frequency=frequency,
        horizon=horizon,
        season=season,
    )
    params = recipe_params(recipe, spec, frequency)
    model = FittedModel(DecisionTreeRegressor(), Forecasting, (), "amount", params=params)
    assert recipe_of(model, horizon) == (recipe, spec)
    as_text = FittedModel(
        DecisionTreeRegressor(),
        Forecasting,
        (),
        "amount",
        params={k: str(v) for k, v in params.items()},
    )
    assert recipe_of(as_text, horizon) == (recipe, spec)
