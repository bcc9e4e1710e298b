"""The file a workflow writes its predictions to cannot be a file it reads or a store it
keeps: `predictions: {path: data/customers.csv}` passed the check, and the run wrote
its 500 predictions over the 1500 rows of training data (the next run failed: no
target); `path: mlflow.db` wrote a CSV over the tracking database after the model
was promoted, losing the registry."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from lolpop.cli import app
from lolpop.components.file_connector import CsvSettings
from lolpop.components.version_store import LocalStoreSettings
from lolpop.config.paths import check_paths
from lolpop.config.records import ComponentConfig, Settings, WorkflowConfig


def _problems(predictions: str, **more: ComponentConfig) -> list[tuple[str, str]]:
    config = WorkflowConfig(
        "classification",
        Settings(model_name="m", tracking_uri="sqlite:///mlflow.db", work_dir=".lolpop"),
        components={
            "data": ComponentConfig("csv", CsvSettings("data/customers.csv")),
            "new_data": ComponentConfig("csv", CsvSettings("./data/new.csv")),
            "labels": ComponentConfig("csv", CsvSettings("data/labels.csv")),
            "predictions": ComponentConfig("csv", CsvSettings(predictions)),
            **more,
        },
    )
    found: list[tuple[str, str]] = []
    check_paths(config, lambda message, path: found.append((message, path)))
    return found


@pytest.mark.parametrize(
    ("predictions", "what"),
    [
        ("data/customers.csv", "the `data` component's file"),
        ("data/../data/new.csv", "the `new_data` component's file"),
        ("data/labels.csv", "the `labels` component's file"),
        ("mlflow.db", "the MLflow store of settings.tracking_uri"),
        (".lolpop", "lolpop's work folder"),
        (".lolpop/store/x.csv", "lolpop's store"),
        (".lolpop/cache/runs.csv", "lolpop's step cache"),
    ],
)
def test_predictions_over_a_file_the_workflow_reads_or_keeps_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, predictions: str, what: str
) -> None:
    monkeypatch.chdir(tmp_path)
    found = _problems(predictions)
    assert [path for _, path in found] == ["$.components.predictions.path"], found
    assert what in found[0][0]
    assert "would write over" in found[0][0]


def test_predictions_in_a_folder_of_their_own_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert _problems(".lolpop/predictions/churn.csv") == []
    assert _problems("out/predictions.csv") == []
    store = ComponentConfig("local_store", LocalStoreSettings("versions"))
    assert [p for _, p in _problems("versions/x.csv", store=store)] == [
        "$.components.predictions.path"
    ]


def test_check_refuses_predictions_over_the_training_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data.csv").write_text("id,x,y\n1,0.5,1\n2,1.5,0\n")
    (tmp_path / "workflow.yaml").write_text(
        "runner: classification\nsettings: {model_name: m, target: y, index: id}\n"
        "components:\n  data: {type: csv, path: data.csv}\n"
        "  trainer: {type: sklearn_model, estimator: 'sklearn.linear_model:LogisticRegression'}\n"
        "  new_data: {type: csv, path: data.csv}\n"
        "  predictions: {type: csv, path: ./data.csv}\n"
    )
    for command in ("check", "run"):
        result = CliRunner().invoke(app, [command, "workflow.yaml"])
        assert result.exit_code == 2, result.output
        assert "would write over the `data` component's file" in result.output
        assert "@ $.components.predictions.path" in result.output
    assert (tmp_path / "data.csv").read_text() == "id,x,y\n1,0.5,1\n2,1.5,0\n"


def test_check_refuses_predictions_over_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`run` wrote the predictions over the config itself; the next run failed: "a
    workflow config is a mapping"."""
    monkeypatch.chdir(tmp_path)
    config = (
        "runner: classification\nsettings: {model_name: m, target: target}\n"
        "components:\n  data: {type: sklearn_dataset, name: iris}\n"
        "  trainer: {type: sklearn_model, estimator: 'sklearn.linear_model:LogisticRegression'}\n"
        "  new_data: {type: sklearn_dataset, name: iris}\n"
        "  predictions: {type: csv, path: ./workflow.yaml}\n"
    )
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "workflow.yaml").write_text(config)
    for command in ("check", "run"):
        result = CliRunner().invoke(app, [command, "conf/workflow.yaml"])
        assert result.exit_code == 2, result.output
        assert "would write over the config file" in result.output
    assert (tmp_path / "conf" / "workflow.yaml").read_text() == config
