"""The forecasting runner end to end: the example on Local, DryRun and Prefect with the
same metrics; a second run with new actuals makes and compares a second version; the
forecasts are joined with actuals later; configs that mis-wire it are refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from attrs import evolve
from typer.testing import CliRunner

from examples.forecasting.workflow import APPROVAL, SETTINGS, make_components
from lolpop import run
from lolpop.backends import DryRun, Local, Prefect
from lolpop.backends.plan import Plan
from lolpop.cli import app
from lolpop.components.file_connector import (
    CsvSettings,
    ParquetSettings,
    csv_connector,
    parquet_connector,
)
from lolpop.components.records import DataConnector
from lolpop.components.vega_datasets import VegaDatasetSettings, vega_dataset_connector
from lolpop.config import load
from lolpop.runners.build import StageNeedsError, build_workflow
from lolpop.runners.forecasting import (
    ForecastReport,
    ForecastSettings,
    forecasting_runner,
    with_defaults,
)
from lolpop.runners.supervised import Stage

EXAMPLE = Path(__file__).parents[2] / "examples" / "forecasting" / "workflow.yaml"


def _isolated(settings: ForecastSettings, folder: Path) -> ForecastSettings:
    return evolve(
        settings,
        work_dir=str(folder / "work"),
        tracking_uri=f"sqlite:///{folder / 'mlflow.db'}",
    )


def _report(folder: Path, backend: Local | Prefect) -> ForecastReport:
    settings = _isolated(SETTINGS, folder)
    program = forecasting_runner(make_components(settings), settings, approval=APPROVAL)
    return run(program, None, backend=backend).unwrap()


@pytest.fixture(scope="module")
def example_on_local(tmp_path_factory: pytest.TempPathFactory) -> ForecastReport:
    """The example's build_all on the local backend (once for the module)."""
    return _report(tmp_path_factory.mktemp("local"), Local())


def test_the_example_backtests_deploys_and_forecasts(example_on_local: ForecastReport) -> None:
    report = example_on_local
    assert report.trained is not None
    tested = report.trained.backtest
    assert len(tested.folds) == 3
    assert [fold.rows for fold in tested.folds] == [14, 14, 14]
    # MASE against the seasonal-naive forecast: the ridge over lags beats it here.
    assert tested.metrics["mase"] < 1 < tested.baseline["mase"] + 0.5
    assert tested.metrics["mase"] < tested.baseline["mase"]
    assert report.deployment is not None
    assert report.deployment.promoted
    assert report.forecasted is not None
    frame = report.forecasted.frame
    assert len(frame) == 14
    assert list(frame["date"]) == list(
        pd.date_range("2016-01-01", periods=14, freq="D")
    )  # the 14 days after the history's last (2015-12-31)
    assert "backtest (3 folds): mase" in report.to_text()
    assert "seasonal-naive baseline: mase" in report.to_text()


def test_dry_run_plans_the_stages_and_runs_nothing(tmp_path: Path) -> None:
    settings = _isolated(SETTINGS, tmp_path)
    program = forecasting_runner(make_components(settings), settings, approval=APPROVAL)
    plan = run(program, None, backend=DryRun()).unwrap()
    assert isinstance(plan, Plan)
    names = [entry.path for entry in plan.steps]
    assert any(name.endswith("forecast_train/backtest") for name in names)
    assert any(name.endswith("deploy/promote") for name in names)
    assert any(name.endswith("forecast/write") for name in names)
    assert not (tmp_path / "work").exists()
    assert not (tmp_path / "mlflow.db").exists()


@pytest.mark.usefixtures("prefect_server")
def test_prefect_gives_the_same_backtest_and_forecast_as_local(
    tmp_path: Path, example_on_local: ForecastReport
) -> None:
    local = example_on_local
    on_prefect = _report(tmp_path / "prefect", Prefect(flow_name="forecasting"))
    assert local.trained is not None
    assert on_prefect.trained is not None
    assert on_prefect.trained.backtest.metrics == pytest.approx(local.trained.backtest.metrics)
    assert local.forecasted is not None
    assert on_prefect.forecasted is not None
    pd.testing.assert_frame_equal(on_prefect.forecasted.frame, local.forecasted.frame)


def _weather(days: int) -> pd.DataFrame:
    frame = vega_dataset_connector(VegaDatasetSettings("seattle-weather")).read(None)
    return frame[["date", "temp_max"]].iloc[:days]


def _run(
    settings: ForecastSettings,
    history: Path,
    out: Path,
    stage: Stage = "build_all",
    labels: DataConnector | None = None,
) -> ForecastReport:
    components = with_defaults(
        settings,
        parquet_connector(ParquetSettings(str(history))),
        predictions=csv_connector(CsvSettings(str(out))),
        labels=labels,
    )
    return run(forecasting_runner(components, settings, stage), None, backend=Local()).unwrap()


def test_new_actuals_make_a_second_candidate_compared_by_mase_on_the_same_folds(
    tmp_path: Path,
) -> None:
    settings = _isolated(
        ForecastSettings(model_name="temps", target="temp_max", time="date", horizon=14),
        tmp_path,
    )
    history, out = tmp_path / "history.parquet", tmp_path / "forecast.csv"
    _weather(1000).to_parquet(history)
    first = _run(settings, history, out)
    assert first.deployment is not None
    assert first.deployment.version is not None
    assert first.deployment.version.version == 1
    _weather(1030).to_parquet(history)  # thirty days of new actuals
    second = _run(settings, history, out)
    assert second.trained is not None
    assert second.deployment is not None
    candidate = second.trained.candidate
    assert candidate.champion is not None
    assert candidate.champion.version == 1
    # The champion was backtested with its own recipe on the candidate's folds: the same
    # recipe and estimator give the same scores, so the new version is not promoted.
    assert second.trained.champion is not None
    assert candidate.champion_metrics == pytest.approx(dict(second.trained.backtest.metrics))
    assert second.deployment.approval is not None
    assert "mase" in second.deployment.approval.reason
    assert "champion v1" in second.deployment.approval.reason
    assert not second.deployment.promoted
    assert second.deployment.version is None  # rejected, so not registered
    assert second.forecasted is not None
    assert second.forecasted.model.version == 1  # still the champion
    assert second.forecasted.frame["date"].min() == pd.Timestamp("2014-10-27")


def test_a_better_recipe_replaces_the_champion(tmp_path: Path) -> None:
    base = ForecastSettings(
        model_name="temps", target="temp_max", time="date", horizon=14, lags=(7,), windows=()
    )
    settings = _isolated(base, tmp_path)
    history, out = tmp_path / "history.parquet", tmp_path / "forecast.csv"
    _weather(1000).to_parquet(history)
    _run(settings, history, out)
    better = _run(evolve(settings, lags=(1, 2, 7), windows=(7,)), history, out)
    assert better.deployment is not None
    assert better.deployment.promoted
    assert better.trained is not None
    assert better.trained.champion is not None
    assert better.trained.backtest.metrics["mase"] < better.trained.champion.metrics["mase"]


def test_another_season_scores_the_champion_by_the_candidate_s_season(tmp_path: Path) -> None:
    """The same model, its season changed from 7 to 1: the champion was backtested by its
    own season, its MASE on another scale, and the same model was promoted over itself."""
    settings = _isolated(
        ForecastSettings(model_name="temps", target="temp_max", time="date", horizon=14),
        tmp_path,
    )
    history, out = tmp_path / "history.parquet", tmp_path / "forecast.csv"
    _weather(1000).to_parquet(history)
    _run(settings, history, out, stage="deploy")
    again = _run(evolve(settings, season=1), history, out, stage="deploy")
    assert again.trained is not None
    assert again.trained.champion is not None
    assert again.trained.candidate.champion_metrics == pytest.approx(
        dict(again.trained.backtest.metrics)
    )
    assert again.deployment is not None
    assert not again.deployment.promoted


def test_a_champion_of_another_target_is_refused_not_compared_or_forecast(
    tmp_path: Path,
) -> None:
    """The target changed under the same model name: the champion (of `temp_max`) was
    compared by its own target's errors, and forecast `temp_max` into `temp_min`'s file."""
    settings = _isolated(
        ForecastSettings(model_name="temps", target="temp_max", time="date", horizon=14),
        tmp_path,
    )
    history, out = tmp_path / "history.parquet", tmp_path / "forecast.csv"
    frame = vega_dataset_connector(VegaDatasetSettings("seattle-weather")).read(None)
    frame[["date", "temp_max", "temp_min"]].iloc[:1000].to_parquet(history)
    _run(settings, history, out, stage="deploy")
    other = evolve(settings, target="temp_min")
    for stage in ("train", "predict"):
        components = with_defaults(
            other,
            parquet_connector(ParquetSettings(str(history))),
            predictions=csv_connector(CsvSettings(str(out))),
        )
        result = run(forecasting_runner(components, other, stage), None, backend=Local())
        message = str(result.failure())
        assert (
            "the champion forecasts 'temp_max' by 'date'; this workflow 'temp_min' by 'date'"
            in (message)
        ), (stage, message)
    assert not out.exists()


def test_evaluate_joins_forecasts_with_actuals_that_arrived_later(tmp_path: Path) -> None:
    settings = _isolated(
        ForecastSettings(model_name="temps", target="temp_max", time="date", horizon=14),
        tmp_path,
    )
    history, out = tmp_path / "history.parquet", tmp_path / "forecast.csv"
    _weather(1000).to_parquet(history)
    made = _run(settings, history, out)
    assert made.forecasted is not None
    actuals = tmp_path / "actuals.csv"
    _weather(1014).iloc[-14:].to_csv(actuals, index=False)
    report = _run(settings, history, out, "evaluate", csv_connector(CsvSettings(str(actuals))))
    assert report.live is not None
    assert report.live.rows == 14
    truth = _weather(1014).iloc[-14:]["temp_max"].to_numpy()
    predicted = made.forecasted.frame["prediction"].to_numpy()
    assert report.live.metrics["mae"] == pytest.approx(np.mean(np.abs(predicted - truth)))


def test_several_series_with_a_known_column(tmp_path: Path) -> None:
    """Two stores' daily sales driven by a promotion flag known in advance: the forecast
    takes the flag's future values from `new_data`."""
    days = pd.date_range("2024-01-01", periods=120, freq="D")
    rng = np.random.default_rng(0)
    rows = []
    for store, level in (("north", 50.0), ("south", 80.0)):
        promo = (rng.random(len(days)) < 0.3).astype(int)
        sales = level + 20 * promo + rng.normal(0, 1, len(days))
        rows.append(pd.DataFrame({"store": store, "day": days, "promo": promo, "sales": sales}))
    frame = pd.concat(rows, ignore_index=True)
    history = tmp_path / "history.parquet"
    frame.to_parquet(history)
    future_days = pd.date_range("2024-04-30", periods=7, freq="D")
    future = pd.DataFrame(
        {
            "store": np.repeat(["north", "south"], 7),
            "day": list(future_days) * 2,
            "promo": [1, 0, 1, 0, 1, 0, 1] * 2,
        }
    )
    future_file = tmp_path / "future.parquet"
    future.to_parquet(future_file)
    settings = _isolated(
        ForecastSettings(
            model_name="sales",
            target="sales",
            time="day",
            series="store",
            known=("promo",),
            lags=(1, 7),
            windows=(7,),
            calendar=("dayofweek",),
        ),
        tmp_path,
    )
    components = with_defaults(
        settings,
        parquet_connector(ParquetSettings(str(history))),
        predictions=csv_connector(CsvSettings(str(tmp_path / "forecast.csv"))),
        new_data=parquet_connector(ParquetSettings(str(future_file))),
    )
    report = run(forecasting_runner(components, settings), None, backend=Local()).unwrap()
    assert report.forecasted is not None
    made = report.forecasted.frame
    assert sorted(made["store"].unique()) == ["north", "south"]
    assert (made.groupby("store").size() == 7).all()
    north = made[made["store"] == "north"]["prediction"].to_numpy()
    # The promotion days are forecast higher than the days without.
    assert north[[0, 2, 4, 6]].mean() > north[[1, 3, 5]].mean() + 10


def test_a_known_column_without_future_values_is_refused_when_built(tmp_path: Path) -> None:
    days = pd.date_range("2024-01-01", periods=60, freq="D")
    frame = pd.DataFrame({"day": days, "promo": np.arange(60) % 2, "sales": np.arange(60.0)})
    history = tmp_path / "history.parquet"
    frame.to_parquet(history)
    settings = _isolated(
        ForecastSettings(
            model_name="sales", target="sales", time="day", known=("promo",), lags=(1,), windows=()
        ),
        tmp_path,
    )
    components = with_defaults(
        settings,
        parquet_connector(ParquetSettings(str(history))),
        predictions=csv_connector(CsvSettings(str(tmp_path / "forecast.csv"))),
    )
    # Refused when the program is built (what `lolpop check` reports), nothing run.
    with pytest.raises(StageNeedsError) as refused:
        forecasting_runner(components, settings)
    assert refused.value.problems[0].path == "$.components.new_data"
    assert "known column(s) 'promo'" in str(refused.value)
    assert not (tmp_path / "forecast.csv").exists()
    # The stages that do not forecast still build.
    forecasting_runner(components, settings, "train")


def test_dates_kept_as_text_are_refused_naming_the_column(tmp_path: Path) -> None:
    """`MM/DD/YYYY` dates left as text would be ordered as text: refused, not sorted."""
    frame = _weather(200)
    frame["date"] = frame["date"].dt.strftime("%m/%d/%Y")
    data = tmp_path / "history.csv"
    frame.to_csv(data, index=False)
    settings = _isolated(
        ForecastSettings(model_name="temps", target="temp_max", time="date"), tmp_path
    )
    components = with_defaults(
        settings,
        csv_connector(CsvSettings(str(data))),
        predictions=csv_connector(CsvSettings(str(tmp_path / "forecast.csv"))),
    )
    failure = run(forecasting_runner(components, settings, "train"), None, backend=Local())
    message = str(failure.failure())
    assert "time column 'date'" in message
    assert "parse_dates" in message


# --- configs -----------------------------------------------------------------------------


def _problems(text: str, tmp_path: Path) -> str:
    path = tmp_path / "workflow.yaml"
    path.write_text(text)
    loaded = load(str(path))
    problems = loaded.swap().value_or(None)
    if problems is not None:
        return str(problems)
    return str(build_workflow(loaded.unwrap(), source=str(path)).swap().value_or(""))


def test_the_example_config_passes_check(tmp_path: Path) -> None:
    assert _problems(EXAMPLE.read_text(), tmp_path) == ""


def test_a_classifier_as_the_forecasting_trainer_is_refused(tmp_path: Path) -> None:
    text = EXAMPLE.read_text().replace(
        "sklearn.linear_model:Ridge", "sklearn.linear_model:LogisticRegression"
    )
    problems = _problems(text, tmp_path)
    assert "$.components.trainer" in problems
    assert "is for classification, but the 'trainer' slot takes a regression one" in problems


def test_classification_metrics_in_a_forecasting_workflow_are_refused(tmp_path: Path) -> None:
    text = EXAMPLE.read_text().replace(
        "components:\n", "components:\n  metrics:\n    type: classification_metrics\n", 1
    )
    problems = _problems(text, tmp_path)
    assert "$.components.metrics" in problems
    assert "is for classification" in problems


def test_a_classification_approval_metric_is_refused(tmp_path: Path) -> None:
    problems = _problems(EXAMPLE.read_text().replace("metric: mase", "metric: f1"), tmp_path)
    assert "$.settings.approval.metric" in problems
    assert "mase, mae, rmse, mape, smape" in problems


def test_a_forecast_without_a_time_column_is_refused(tmp_path: Path) -> None:
    problems = _problems(EXAMPLE.read_text().replace("  time: date\n", ""), tmp_path)
    assert "settings.time" in problems


@pytest.mark.parametrize(
    ("change", "path", "said"),
    [
        (("  horizon: 14", "  horizon: 0"), "$.settings.horizon", "of 1 or more, got 0."),
        (("  lags: [1, 2, 3, 7, 14]", "  lags: [0, 2]"), "$.settings.lags", "got 0 in [0, 2]."),
        (("  folds: 3", "  folds: -1"), "$.settings.folds", "got -1."),
        (("  time: date\n", ""), "$.settings.time", "the forecasting runner needs"),
        # `M` passed check, and the run failed after processing, with a bare pandas error.
        (
            ("  frequency: D", "  frequency: M"),
            "$.settings.frequency",
            "`settings.frequency` is 'M', which pandas does not take as a frequency",
        ),
    ],
)
def test_an_impossible_setting_is_refused_at_its_path_with_the_components_problems(
    change: tuple[str, str], path: str, said: str, tmp_path: Path
) -> None:
    # It was reported at `$.runner`, a horizon of 0 as "got [0]", and only once every
    # component built.
    text = (
        EXAMPLE.read_text()
        .replace(*change)
        .replace("sklearn.linear_model:Ridge", "sklearn.linear_model:LogisticRegression")
    )
    problems = _problems(text, tmp_path)
    assert f"@ {path}" in problems, problems
    assert said in problems, problems
    assert "$.components.trainer" in problems, problems


def test_every_impossible_setting_is_refused_at_once(tmp_path: Path) -> None:
    text = (
        EXAMPLE.read_text()
        .replace("  horizon: 14", "  horizon: 0")
        .replace("  lags: [1, 2, 3, 7, 14]", "  lags: [0, 2]")
        .replace("metric: mase", "metric: f1")
    )
    problems = _problems(text, tmp_path)
    assert "3 problems" in problems, problems
    for path in ("$.settings.horizon", "$.settings.lags", "$.settings.approval.metric"):
        assert f"@ {path}" in problems


def test_lolpop_test_checks_the_forecasting_components_laws(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The forecasting metrics keep the evaluator's laws (scikit-learn's MAPE included)."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["test", str(EXAMPLE), "--examples", "5"])
    assert result.exit_code == 0, result.output
    assert "metrics             built-in  agrees with scikit-learn         passed" in result.output


def _from_csv(slot_lines: str) -> str:
    """The example reading its history (and `slot_lines`' other files) as CSV."""
    return EXAMPLE.read_text().replace(
        "  data:\n    type: vega_dataset\n    name: seattle-weather\n", slot_lines
    )


@pytest.mark.parametrize(
    ("slots", "path"),
    [
        ("  data: {type: csv, path: history.csv}\n", "$.components.data.parse_dates"),
        ("  data: {type: jsonl, path: history.jsonl}\n", "$.components.data.parse_dates"),
        (
            "  data: {type: csv, path: history.csv, parse_dates: [date]}\n"
            "  new_data: {type: csv, path: future.csv}\n",
            "$.components.new_data.parse_dates",
        ),
    ],
)
def test_a_time_column_a_text_file_would_give_as_text_is_refused_when_built(
    slots: str, path: str, tmp_path: Path
) -> None:
    # It passed `lolpop check`; the run then failed at its first training step, with an
    # MLflow run started, on a time column of text. The known columns' future values
    # were looked up by time, so text times found none ("no value ... at 2016-01-01").
    text = _from_csv(slots).replace("  folds: 3\n", "  folds: 3\n  known: [wind]\n")
    problems = _problems(text, tmp_path)
    assert f"@ {path}" in problems, problems
    assert "the time column 'date' would be read as text" in problems, problems
    assert "1 problem" in problems, problems


@pytest.mark.parametrize(
    "slots",
    [
        "  data: {type: csv, path: history.csv, parse_dates: [date]}\n",
        "  data: {type: csv, path: history.csv, dtypes: {date: 'datetime64[ns]'}}\n",
        "  data: {type: parquet, path: history.parquet}\n",
        # actuals are joined with forecasts read back from a file: text on both sides
        "  data: {type: csv, path: history.csv, parse_dates: [date]}\n"
        "  labels: {type: csv, path: actuals.csv}\n",
    ],
)
def test_a_time_column_read_as_dates_passes(slots: str, tmp_path: Path) -> None:
    assert _problems(_from_csv(slots), tmp_path) == ""
