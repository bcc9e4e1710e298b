# mypy: disable-error-code="possibly-undefined"
# (MLflow is imported, and used, only when tracking: `if tracking:` blocks mypy cannot pair)
"""`examples/forecasting/workflow.yaml`'s declared work as a plain script.

What `lolpop run examples/forecasting/workflow.yaml` does (the `build_all` stage), by hand
with pandas, numpy, scikit-learn and MLflow:

- read `vega_datasets`' `seattle-weather.csv` (its `date` parsed), check that the target
  and time columns are there and no column is constant;
- with tracking: a training MLflow run (SQLite file `mlflow.db` in the working folder,
  artifacts under `mlartifacts/`), the dataset logged as a run input; the frame
  versioned (Parquet named by its SHA-256 under `.plain/store/`) and profiled
  (`describe()` as JSON and HTML, logged as artifacts);
- the history checked as lolpop's `forecast.prepare` does (sorted by time, one row per
  day, no gap, no missing target);
- the features of `lolpop/components/forecast.py`: lags 1, 2, 3, 7 and 14 of
  `temp_max`, the means of the 7 and 28 values before each row, the day of the year and
  the month; rows without 28 days before them dropped;
- a backtest over 3 rolling origins of 14 days: a `Ridge()` fitted on the rows before
  each window forecasts it recursively (each day's prediction is the past of the next);
  MAE, RMSE, MAPE, sMAPE and MASE (over the in-sample seasonal-naive error, season 7)
  per fold, and the seasonal-naive forecast's on the same windows; the means over the
  folds;
- a `Ridge()` fitted on the whole history, its params and the recipe and every score
  logged, the model logged with `mlflow.sklearn.log_model` (the pinned requirements
  lolpop gives) and registered, the `champion` alias set when there is none or the new
  backtest MASE is lower than the champion's on the same folds (the champion refitted
  with its own recipe, which is this one);
- a second MLflow run: the data read again, the champion loaded, the next 14 days
  forecast, labelled with the model version, versioned, checked (no missing value) and
  written to `.lolpop/forecasts/seattle-temperature.csv`, tagged.

Without tracking (`--no-tracking`): no MLflow; the model pickled into
`.plain/registry/`, the champion in `aliases.json`.

It prints `backtest mase <value>` for the benchmark to compare with lolpop's summary.
Run it in an empty folder: `python benchmarks/plain/forecasting.py [--no-tracking]`.
"""

from __future__ import annotations

import json
import pickle
import sys
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
from _workflow import pinned_requirements, save_version, write_profile
from sklearn.base import clone
from sklearn.linear_model import Ridge

NAME = "seattle-temperature"
TARGET, TIME = "temp_max", "date"
HORIZON, SEASON, FOLDS = 14, 7, 3
LAGS, WINDOWS = (1, 2, 3, 7, 14), (7, 28)
REACH = max(*LAGS, *WINDOWS)
FEATURES = [
    *(f"lag_{lag}" for lag in LAGS),
    *(f"mean_{window}" for window in WINDOWS),
    "dayofyear",
    "month",
]
RECIPE = {
    "forecast.lags": ",".join(map(str, LAGS)),
    "forecast.windows": ",".join(map(str, WINDOWS)),
    "forecast.calendar": "dayofyear,month",
    "forecast.known": "",
    "forecast.time": TIME,
    "forecast.series": "",
    "forecast.frequency": "D",
    "forecast.season": SEASON,
}
OUTPUT = Path(".lolpop") / "forecasts" / f"{NAME}.csv"

Predict = Callable[[pd.DataFrame], npt.NDArray[np.float64]]
Fit = Callable[[pd.DataFrame, pd.Series], Predict]


def read() -> pd.DataFrame:
    """The packaged dataset, its dates parsed."""
    with (resources.files("vega_datasets") / "_data" / "seattle-weather.csv").open() as file:
        frame = pd.read_csv(file)
    frame[TIME] = pd.to_datetime(frame[TIME], format="%Y/%m/%d")
    return frame


def history_of(frame: pd.DataFrame) -> pd.DataFrame:
    """Sorted by time; refused unless one row a day, no gap, no missing target."""
    ordered = frame.sort_values(TIME, kind="stable").reset_index(drop=True)
    days = pd.date_range(ordered[TIME].iloc[0], ordered[TIME].iloc[-1], freq="D")
    if not days.equals(pd.DatetimeIndex(ordered[TIME])) or ordered[TARGET].isna().any():
        sys.exit("the history is not regular")
    return ordered


def table(history: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """The features of every row with `REACH` rows before it, and the target."""
    target = history[TARGET].astype(float)
    columns = {f"lag_{lag}": target.shift(lag) for lag in LAGS}
    columns |= {f"mean_{w}": target.shift(1).rolling(w).mean() for w in WINDOWS}
    columns["dayofyear"] = history[TIME].dt.day_of_year.astype(np.int64)
    columns["month"] = history[TIME].dt.month.astype(np.int64)
    return pd.DataFrame(columns).iloc[REACH:][FEATURES], target.iloc[REACH:]


def forecast(predict: Predict, past: list[float], last: pd.Timestamp) -> list[float]:
    """The next `HORIZON` days, each day's prediction the past of the next."""
    values = list(past)
    out: list[float] = []
    for step in range(1, HORIZON + 1):
        day = last + pd.Timedelta(days=step)
        row = {f"lag_{lag}": values[-lag] for lag in LAGS}
        row |= {f"mean_{w}": float(np.mean(values[-w:])) for w in WINDOWS}
        row |= {"dayofyear": day.day_of_year, "month": day.month}
        value = float(predict(pd.DataFrame([row])[FEATURES])[0])
        values.append(value)
        out.append(value)
    return out


def scores(past: list[float], actual: list[float], guess: list[float]) -> dict[str, float]:
    """MASE, MAE, RMSE, MAPE and sMAPE of one window."""
    truth, predicted = np.asarray(actual), np.asarray(guess)
    error = predicted - truth
    values = np.asarray(past)
    scale = float(np.mean(np.abs(values[SEASON:] - values[:-SEASON])))
    mae = float(np.mean(np.abs(error)))
    floor = np.maximum(np.abs(truth), np.finfo(np.float64).eps)
    return {
        "mase": mae / scale,
        "mae": mae,
        "rmse": float(np.sqrt(np.mean(error**2))),
        "mape": float(np.mean(np.abs(error) / floor)),
        "smape": float(np.mean(2 * np.abs(error) / (np.abs(truth) + np.abs(predicted)))),
    }


def backtest(fit: Fit, history: pd.DataFrame) -> dict[str, float]:
    """Every score: the means over the folds, `baseline_*` and `fold_<n>_*`."""
    times = history[TIME]
    logged: dict[str, float] = {}
    model_folds, naive_folds = [], []
    for number in range(1, FOLDS + 1):
        first = len(times) - FOLDS * HORIZON + (number - 1) * HORIZON
        before, window = history.iloc[:first], history.iloc[first : first + HORIZON]
        predict = fit(*table(before))
        past = before[TARGET].astype(float).tolist()
        actual = window[TARGET].astype(float).tolist()
        mine = forecast(predict, past, before[TIME].iloc[-1])
        naive = [past[-SEASON:][step % SEASON] for step in range(HORIZON)]
        model_folds.append(scores(past, actual, mine))
        naive_folds.append(scores(past, actual, naive))
        logged |= {f"fold_{number}_{name}": value for name, value in model_folds[-1].items()}
    for name in model_folds[0]:
        logged[name] = float(np.mean([fold[name] for fold in model_folds]))
        logged[f"baseline_{name}"] = float(np.mean([fold[name] for fold in naive_folds]))
    return logged


def refitter(held: Ridge) -> Fit:
    """Fits a fresh copy of `held` (its params: the champion's, or a new `Ridge()`) on
    the given rows."""

    def fit(features: pd.DataFrame, target: pd.Series) -> Predict:
        return clone(held).fit(features, target).predict

    return fit


def main(argv: Sequence[str] | None = None) -> None:  # noqa: PLR0915 (one script's work, in order)
    """Run the example's declared work in the current folder (`--no-tracking`: no MLflow)."""

    tracking = "--no-tracking" not in (sys.argv[1:] if argv is None else argv)
    work = Path.cwd()
    if tracking:
        import mlflow  # noqa: PLC0415
        import mlflow.sklearn  # noqa: PLC0415
        from mlflow.data.pandas_dataset import from_pandas  # noqa: PLC0415

        mlflow.set_tracking_uri(f"sqlite:///{work / 'mlflow.db'}")
        if mlflow.get_experiment_by_name(NAME) is None:
            mlflow.create_experiment(NAME, artifact_location=str(work / "mlartifacts"))
        mlflow.set_experiment(NAME)

    frame = read()
    missing = [name for name in (TARGET, TIME) if name not in frame.columns]
    constant = [name for name in frame.columns if frame[name].nunique(dropna=False) <= 1]
    if missing or constant:
        sys.exit(f"data checks failed: missing {missing}, constant {constant}")

    if tracking:
        mlflow.start_run(run_name=f"{NAME}-train")
    dataset = f"{NAME}-training-data"
    store = work / ".plain" / "store"
    save_version(frame, store)
    reports = work / ".plain" / "reports" / dataset
    write_profile(frame.describe(), reports)
    if tracking:
        mlflow.log_input(from_pandas(frame, name=dataset, targets=TARGET))
        mlflow.log_artifacts(str(reports), "data_profile")

    history = history_of(frame)
    tested = backtest(refitter(Ridge()), history)
    model = Ridge().fit(*table(history))
    registry = work / ".plain" / "registry" / NAME
    if tracking:
        mlflow.log_params({**model.get_params(), **RECIPE})
        client = mlflow.MlflowClient()
        try:
            champion = client.get_model_version_by_alias(NAME, "champion")
        except mlflow.exceptions.MlflowException:
            champion = None
        if champion is not None:  # refitted on the same folds with its recipe (this one)
            held = mlflow.sklearn.load_model(f"models:/{NAME}@champion")
            again = backtest(refitter(held), history)
            tested |= {f"champion_{k}": v for k, v in again.items() if "_" not in k}
        mlflow.log_metrics(tested)
        approved = champion is None or tested["mase"] < tested["champion_mase"]
        logged = mlflow.sklearn.log_model(
            model,
            name="model",
            registered_model_name=NAME if approved else None,
            skops_trusted_types=["numpy.dtype"],
            pip_requirements=pinned_requirements(),
        )
        if approved:
            client.set_registered_model_alias(
                NAME, "champion", str(logged.registered_model_version)
            )
        mlflow.end_run()
        model_version = client.get_model_version_by_alias(NAME, "champion").version
    else:
        registry.mkdir(parents=True, exist_ok=True)
        aliases = registry / "aliases.json"
        known = json.loads(aliases.read_text(encoding="utf-8")) if aliases.exists() else {}
        approved = True
        if "champion" in known:
            held = pickle.loads((registry / f"{known['champion']}.pkl").read_bytes())  # its own
            approved = tested["mase"] < backtest(refitter(held), history)["mase"]
        number = len(list(registry.glob("*.pkl"))) + 1
        (registry / f"{number}.pkl").write_bytes(pickle.dumps(model, protocol=5))
        if approved:
            aliases.write_text(json.dumps({"champion": number}), encoding="utf-8")
        model_version = json.loads(aliases.read_text(encoding="utf-8"))["champion"]

    # The forecast: a second run, the data read again, the champion loaded.
    if tracking:
        mlflow.start_run(run_name=f"{NAME}-forecast")
        champion_model = mlflow.sklearn.load_model(f"models:/{NAME}@champion")
    else:
        champion_model = pickle.loads((registry / f"{model_version}.pkl").read_bytes())
    history = history_of(read())
    last = history[TIME].iloc[-1]
    predicted = forecast(champion_model.predict, history[TARGET].astype(float).tolist(), last)
    output = pd.DataFrame(
        {
            TIME: pd.date_range(last + pd.Timedelta(days=1), periods=HORIZON, freq="D"),
            "prediction": predicted,
            "model_version": f"{NAME}:{model_version}",
        }
    )
    digest = save_version(output, store)
    if output.isna().any().any():
        sys.exit("the forecast has missing values")
    (work / OUTPUT).parent.mkdir(parents=True, exist_ok=True)
    output.to_csv(work / OUTPUT, index=False)
    if tracking:
        mlflow.log_input(from_pandas(output, name=f"{NAME}-forecasts"))
        mlflow.set_tags({"model_version": f"{NAME}:{model_version}", "predictions": digest})
        mlflow.end_run()
    print(f"backtest mase {tested['mase']:.6f}", flush=True)


if __name__ == "__main__":
    main()
