"""A workflow run on a Dask cluster has its paths made absolute against the config's
folder: a worker started in another folder read `data/customers.csv` from its own (there
is no such file), although the README says paths are relative to the config's folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from attrs import evolve

from lolpop.components.file_connector import CsvSettings
from lolpop.components.mlflow_tracker import MlflowSettings
from lolpop.config.paths import also_inside, check_paths, store_problem, with_absolute_paths
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


def test_a_folder_named_on_the_command_line_holds_uris_into_it_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--work-dir ../out` lets outputs lead into `out`: a database or artifact folder
    there given as a `sqlite:///` or `file://` URI too, not only as a plain path."""
    project, out = tmp_path / "project", tmp_path / "out"
    project.mkdir()
    out.mkdir()
    monkeypatch.chdir(project)
    config = WorkflowConfig(
        "classification",
        Settings(model_name="m", tracking_uri="sqlite:///../out/mlflow.db"),
        components={
            "tracker": ComponentConfig("mlflow", MlflowSettings(artifact_root="file://../out/a")),
            "predictions": ComponentConfig("csv", CsvSettings("../out/predictions.csv")),
        },
    )
    found: list[str] = []
    check_paths(config, lambda message, path: found.append(path))
    assert sorted(found) == [
        "$.components.predictions.path",
        "$.components.tracker.artifact_root",
        "$.settings.tracking_uri",
    ]
    found.clear()
    with also_inside(out):
        check_paths(config, lambda message, path: found.append(path))
    assert found == []
    elsewhere = evolve(config, settings=evolve(config.settings, tracking_uri="sqlite:///../m.db"))
    with also_inside(out):
        check_paths(elsewhere, lambda message, path: found.append(path))
    assert found == ["$.settings.tracking_uri"]


@pytest.mark.parametrize(
    ("uri", "said"),
    [
        ("sqlite://mlflow.db", "is not a SQLite URI: write sqlite:///PATH"),
        ("sqlite:/mlflow.db", "is not a SQLite URI: write sqlite:///PATH"),
        ("SQLITE:///mlflow.db", "must be written in lowercase (sqlite:)"),
        ("ftp://lolpop:hunter2@files/mlflow", "no MLflow store has the scheme ftp:"),
        ("s3://bucket/mlflow", "no MLflow store has the scheme s3:"),
        ("sqllite:///mlflow.db", "no MLflow store has the scheme sqllite:"),
    ],
)
def test_a_malformed_store_uri_is_a_problem_at_its_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, uri: str, said: str
) -> None:
    """It passed the check, and the run died with SQLAlchemy's words, naming no setting."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    config = WorkflowConfig("classification", Settings(model_name="m", tracking_uri=uri))
    found: list[tuple[str, str]] = []
    check_paths(config, lambda message, path: found.append((message, path)))
    assert [path for _, path in found] == ["$.settings.tracking_uri"]
    assert said in found[0][0]
    assert "hunter2" not in found[0][0]


@pytest.mark.parametrize(
    "uri",
    [
        "file:///tmp/mlruns",
        "databricks",
        "databricks-uc",
        "uc:http://localhost:8080",
        "https://mlflow.example.com",
        "postgresql+psycopg2://db/mlflow",
        "mssql+pyodbc://db/mlflow",
        "C:/runs/mlruns",
    ],
)
def test_the_stores_mlflow_opens_are_not_a_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, uri: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("lolpop.config.paths._installed", lambda module: True)
    assert store_problem(uri) is None


@pytest.mark.parametrize(
    ("uri", "driver", "installs"),
    [
        ("postgresql://lolpop:hunter2@db:5432/mlflow", "psycopg2", "psycopg2-binary"),
        ("postgresql+psycopg://lolpop:hunter2@db/mlflow", "psycopg", "psycopg"),
        ("mysql://lolpop:hunter2@db/mlflow", "MySQLdb", "mysqlclient"),
        ("mysql+pymysql://lolpop:hunter2@db/mlflow", "pymysql", "pymysql"),
        ("mssql://lolpop:hunter2@db/mlflow", "pyodbc", "pyodbc"),
    ],
)
def test_a_database_store_without_its_driver_is_a_problem_at_its_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, uri: str, driver: str, installs: str
) -> None:
    """It passed the check, and the run died as "unexpected error: ModuleNotFoundError:
    No module named 'psycopg2'", naming no setting. The password is never shown."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setattr("lolpop.config.paths._installed", lambda module: module != driver)
    found: list[tuple[str, str]] = []
    for allow_outside in (False, True):
        config = WorkflowConfig(
            "classification",
            Settings(model_name="m", tracking_uri=uri),
            allow_outside=allow_outside,
        )
        found.clear()
        check_paths(config, lambda message, path: found.append((message, path)))
        assert [path for _, path in found] == ["$.settings.tracking_uri"]
        assert f"driver {driver!r}" in found[0][0]
        assert f"pip install {installs}" in found[0][0]
        assert "hunter2" not in found[0][0]
    monkeypatch.setattr("lolpop.config.paths._installed", lambda module: True)
    found.clear()
    installed = WorkflowConfig("classification", Settings(model_name="m", tracking_uri=uri))
    check_paths(installed, lambda message, path: found.append((message, path)))
    assert found == []
