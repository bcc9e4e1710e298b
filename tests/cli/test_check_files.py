"""`lolpop check` looks at the files a workflow reads and writes, without running it: a
missing data file, a target not in the header, an output folder that cannot be written
are each a problem naming the resolved path and the setting (`--offline` skips them)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from lolpop.cli import app

CONFIG = """\
runner: regression
settings: {model_name: m, target: y, index: id}
components:
  data: {type: csv, path: data.csv}
  trainer: {type: sklearn_model, estimator: "sklearn.linear_model:Ridge"}
  new_data: {type: parquet, path: new.parquet}
  predictions: {type: csv, path: out/predictions.csv}
"""


def _check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "workflow.yaml").write_text(CONFIG)
    result = CliRunner().invoke(app, ["check", "workflow.yaml", *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def _write_data(tmp_path: Path, data: pd.DataFrame | None = None) -> None:
    frame = pd.DataFrame({"id": [1, 2], "x": [0.5, 1.5], "y": [1.0, 2.0]})
    (data if data is not None else frame).to_csv(tmp_path / "data.csv", index=False)
    frame.drop(columns=["y"]).to_parquet(tmp_path / "new.parquet")


def test_files_that_are_there_with_their_columns_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_data(tmp_path)
    code, output = _check(tmp_path, monkeypatch)
    assert code == 0, output
    assert not (tmp_path / "out").exists()  # nothing is written


def test_a_missing_data_file_is_named_with_its_resolved_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output = _check(tmp_path, monkeypatch)
    assert code == 2
    assert f"the data file {tmp_path.resolve() / 'data.csv'} does not exist" in output
    assert "$.components.data.path" in output
    assert "$.components.new_data.path" in output


def test_a_target_not_in_the_header_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_data(tmp_path, pd.DataFrame({"id": [1], "x": [0.5], "Y": [1.0]}))
    code, output = _check(tmp_path, monkeypatch)
    assert code == 2
    assert "the target column 'y' is not in the header of the data file" in output
    assert "(its columns: id, x, Y)" in output
    assert "$.settings.target" in output


def test_an_id_missing_from_the_new_data_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_data(tmp_path)
    pd.DataFrame({"x": [0.5]}).to_parquet(tmp_path / "new.parquet")
    code, output = _check(tmp_path, monkeypatch)
    assert code == 2
    assert "the index column 'id' is not in the header of the new data file" in output


def test_an_output_folder_that_cannot_be_written_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_data(tmp_path)
    (tmp_path / "out").write_text("a file where the folder should be")
    code, output = _check(tmp_path, monkeypatch)
    assert code == 2
    assert "the predictions file" in output
    assert "is not a writable folder" in output


def test_offline_skips_the_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, output = _check(tmp_path, monkeypatch, "--offline")
    assert code == 0, output


def test_a_bias_column_not_in_the_header_is_named_at_its_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It passed the check, and the run failed after training, naming no setting."""
    monkeypatch.chdir(tmp_path)
    pd.DataFrame({"id": [1, 2], "region": ["n", "s"], "y": [0, 1]}).to_csv("data.csv", index=False)
    Path("workflow.yaml").write_text(
        "runner: classification\nsettings: {model_name: m, target: y, index: id}\n"
        "components:\n  data: {type: csv, path: data.csv}\n"
        "  trainer: {type: sklearn_model, estimator: 'sklearn.linear_model:LogisticRegression'}\n"
        "  bias: {type: bias_checker, column: regoin}\n"
    )
    result = CliRunner().invoke(app, ["check", "workflow.yaml"])
    assert result.exit_code == 2, result.output
    assert "the bias_checker's column 'regoin' is not in the header of the data file" in (
        result.output
    )
    assert "@ $.components.bias.column" in result.output


def test_a_forecasts_known_column_not_in_its_files_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run trained, registered and promoted a version, then failed at its forecast."""
    monkeypatch.chdir(tmp_path)
    days = pd.date_range("2024-01-01", periods=3, freq="D")
    pd.DataFrame({"date": days, "sales": [1.0, 2.0, 3.0], "promo": [0, 1, 0]}).to_csv(
        "history.csv", index=False
    )
    pd.DataFrame({"date": days + pd.Timedelta(days=3)}).to_csv("future.csv", index=False)
    Path("workflow.yaml").write_text(
        "runner: forecasting\n"
        "settings: {model_name: m, target: sales, time: date, frequency: D, horizon: 2,"
        " lags: [1], known: [promo, precip]}\n"
        "components:\n"
        "  data: {type: csv, path: history.csv, parse_dates: [date]}\n"
        "  new_data: {type: csv, path: future.csv, parse_dates: [date]}\n"
        "  trainer: {type: sklearn_model, estimator: 'sklearn.linear_model:Ridge'}\n"
        "  predictions: {type: csv, path: out/forecasts.csv}\n"
    )
    result = CliRunner().invoke(app, ["check", "workflow.yaml"])
    assert result.exit_code == 2, result.output
    assert "the known[1] column 'precip' is not in the header of the data file" in result.output
    assert "the known[0] column 'promo' is not in the header of the new data file" in (
        result.output
    )
    assert "@ $.settings.known[1]" in result.output


def test_the_evaluate_stage_needs_the_prediction_file_it_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `check --stage evaluate` said OK with no prediction file; the run then failed at
    # its first step ("cannot read ... there is no such file").
    labelled = CONFIG + "  labels: {type: csv, path: labels.csv}\n"
    monkeypatch.setattr(f"{__name__}.CONFIG", labelled)  # (read by `_check`)
    _write_data(tmp_path)
    pd.DataFrame({"id": [1, 2], "y": [1.0, 2.0]}).to_csv(tmp_path / "labels.csv", index=False)
    code, output = _check(tmp_path, monkeypatch, "--stage", "evaluate")
    assert code == 2, output
    written = tmp_path.resolve() / "out" / "predictions.csv"
    assert f"the prediction file {written} does not exist yet" in output
    assert "--stage predict" in output
    assert "$.components.predictions.path" in output
    code, output = _check(tmp_path, monkeypatch)  # a whole run writes it before reading it
    assert code == 0, output
    written.parent.mkdir()
    pd.DataFrame({"id": [1, 2], "prediction": [1.0, 2.0]}).to_csv(written, index=False)
    code, output = _check(tmp_path, monkeypatch, "--stage", "evaluate")
    assert code == 0, output


def test_a_rules_checker_column_not_in_the_header_is_named_at_its_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It passed the check; the run then stopped at its data check, after starting a
    tracked run, on a typo the header shows."""
    monkeypatch.chdir(tmp_path)
    pd.DataFrame({"id": [1, 2], "age": [30, 40], "y": [0, 1]}).to_csv("data.csv", index=False)
    Path("workflow.yaml").write_text(
        "runner: classification\nsettings: {model_name: m, target: y, index: id}\n"
        "components:\n  data: {type: csv, path: data.csv}\n"
        "  trainer: {type: sklearn_model, estimator: 'sklearn.linear_model:LogisticRegression'}\n"
        "  checker:\n    type: rules_checker\n    rules:\n"
        "      - {kind: not_null, columns: [age, agee]}\n"
        "      - {kind: range, columns: [age], min: 0}\n"
        "      - {kind: constant, exclude: [idd]}\n"
        "      - {kind: required_columns, columns: [income], severity: WARN}\n"
        "      - {kind: required_columns, columns: [zip]}\n"
    )
    result = CliRunner().invoke(app, ["check", "workflow.yaml"])
    assert result.exit_code == 2, result.output
    assert "3 problems" in result.output
    said = "is not in the header of the data file"
    assert f"the checker's not_null rule's column 'agee' {said}" in result.output
    assert "@ $.components.checker.rules[0].columns[1]" in result.output
    assert f"the checker's constant rule's column 'idd' {said}" in result.output
    assert "@ $.components.checker.rules[2].exclude[0]" in result.output
    assert "@ $.components.checker.rules[4].columns[0]" in result.output
    assert "'income'" not in result.output  # a warning is what that rule asks for


def test_a_drift_column_not_in_the_headers_is_named_at_its_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It passed the check; the run trained, registered and promoted a version, then
    failed comparing the new data."""
    _write_data(tmp_path)
    code, output = _check(tmp_path, monkeypatch)
    assert code == 0, output
    (tmp_path / "workflow.yaml").write_text(CONFIG + "  drift: {type: drift, columns: [x, xx]}\n")
    result = CliRunner().invoke(app, ["check", "workflow.yaml"])
    assert result.exit_code == 2, result.output
    assert "the drift comparer's column 'xx' is not in the header of the data file" in (
        result.output
    )
    assert "'xx' is not in the header of the new data file" in result.output
    assert "@ $.components.drift.columns[1]" in result.output
    assert "'x' is not" not in result.output


def test_new_data_without_a_feature_the_model_trains_on_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`new_data: {columns: [...]}` leaving out a feature passed the check; the run
    trained, registered and promoted, then refused the new data at predict."""
    _write_data(tmp_path)
    more = pd.DataFrame({"id": [1, 2], "x": [0.5, 1.5], "z": [3, 4], "y": [1.0, 2.0]})
    more.to_csv(tmp_path / "data.csv", index=False)
    more.drop(columns=["y"]).to_parquet(tmp_path / "new.parquet")
    code, output = _check(tmp_path, monkeypatch)
    assert code == 0, output
    (tmp_path / "workflow.yaml").write_text(
        CONFIG.replace("path: new.parquet}", "path: new.parquet, columns: [id, x]}")
    )
    result = CliRunner().invoke(app, ["check", "workflow.yaml"])
    assert result.exit_code == 2, result.output
    assert "the new data lacks the feature column 'z'" in result.output
    assert "@ $.components.new_data.columns" in result.output


def test_a_column_not_in_a_packaged_vega_dataset_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`check` said OK, as it does not for a CSV file's header; the run failed at its
    second step (`process/required_columns`)."""
    pytest.importorskip("vega_datasets")
    monkeypatch.chdir(tmp_path)
    example = Path(__file__).resolve().parents[2] / "examples" / "forecasting" / "workflow.yaml"
    text = example.read_text(encoding="utf-8")
    assert "  target: temp_max\n  time: date\n" in text
    Path("workflow.yaml").write_text(
        text.replace("  target: temp_max\n  time: date\n", "  target: tmax\n  time: day\n")
    )
    result = CliRunner().invoke(app, ["check", "workflow.yaml"])
    assert result.exit_code == 2, result.output
    said = "is not a column of the vega_datasets dataset 'seattle-weather'"
    assert f"the target column 'tmax' {said}" in result.output
    assert f"the time column 'day' {said}" in result.output
    assert "(its columns: date, precipitation, temp_max, temp_min, wind, weather)" in result.output
    assert "@ $.settings.target" in result.output
    assert "@ $.settings.time" in result.output
    Path("workflow.yaml").write_text(text)
    passed = CliRunner().invoke(app, ["check", "workflow.yaml"])
    assert passed.exit_code == 0, passed.output
