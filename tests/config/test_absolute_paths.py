"""A workflow run on a Dask cluster has its paths made absolute against the config's
folder: a worker started in another folder read `data/customers.csv` from its own (there
is no such file), although the README says paths are relative to the config's folder."""

from __future__ import annotations

from pathlib import Path

from lolpop.components.file_connector import CsvSettings
from lolpop.components.mlflow_tracker import MlflowSettings
from lolpop.config.paths import with_absolute_paths
from lolpop.config.records import ComponentConfig, Settings, WorkflowConfig


def test_every_output_path_is_made_absolute_against_the_root(tmp_path: Path) -> None:
    config = WorkflowConfig(
        "classification",
        Settings(model_name="m", tracking_uri="sqlite:///mlflow.db", work_dir=".lolpop"),
        components={
            "data": ComponentConfig("csv", CsvSettings("data/customers.csv")),
            "elsewhere": ComponentConfig("csv", CsvSettings("/srv/data.csv")),
            "tracker": ComponentConfig(
                "mlflow",
                MlflowSettings(tracking_uri="http://mlflow:5000", artifact_root="file://art"),
            ),
        },
    )
    made = with_absolute_paths(config, tmp_path)
    assert made.settings.work_dir == str(tmp_path / ".lolpop")
    assert made.settings.tracking_uri == f"sqlite:///{tmp_path / 'mlflow.db'}"
    data = made.components["data"].settings
    assert isinstance(data, CsvSettings)
    assert data.path == str(tmp_path / "data" / "customers.csv")
    elsewhere = made.components["elsewhere"].settings
    assert isinstance(elsewhere, CsvSettings)
    assert elsewhere.path == "/srv/data.csv"  # absolute already
    tracker = made.components["tracker"].settings
    assert isinstance(tracker, MlflowSettings)
    assert tracker.tracking_uri == "http://mlflow:5000"  # not a local path
    assert tracker.artifact_root == f"file://{tmp_path / 'art'}"
    assert with_absolute_paths(made, tmp_path) == made
