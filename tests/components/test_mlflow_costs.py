"""What MLflow costs a run: lolpop spares it the work whose answer it already knows.

One sqlite database for the module (its creation costs ~1-3 s). The figures live in
`benchmarks/mlflow_costs.py`; these tests check the behaviour that makes them: a saved
model's requirements are given and not checked by scanning the environment, loading a
model imports no test framework, a current database is opened without a schema check.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import types
from pathlib import Path

import mlflow.store.db.utils as db_utils
import numpy as np
import pytest
from mlflow import MlflowClient
from mlflow.utils import environment, requirements_utils
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from lolpop.components._mlflow import (
    TrackingError,
    _Override,
    database_revision,
    is_current_database,
    latest_schema_revision,
    make_client,
    model_requirements,
)
from lolpop.components.mlflow_repository import MlflowRegistrySettings, mlflow_repository
from lolpop.components.mlflow_tracker import MlflowSettings, mlflow_tracker
from lolpop.components.records import (
    Classification,
    FittedModel,
    MetadataTracker,
    ModelVersion,
    RunSpec,
    TaskKind,
)

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("costs")


@pytest.fixture(scope="module")
def uri(folder: Path) -> str:
    return f"sqlite:///{folder}/mlflow.db"


@pytest.fixture(scope="module")
def tracker(uri: str) -> MetadataTracker:
    return mlflow_tracker(MlflowSettings(uri, "costs"))


@pytest.fixture(scope="module")
def model() -> FittedModel[TaskKind]:
    data = load_iris(as_frame=True)
    estimator = LogisticRegression(max_iter=500).fit(data.data, data.target)
    classes = tuple(np.unique(data.target))
    return FittedModel(estimator, Classification, tuple(data.data.columns), "target", classes, {})


@pytest.fixture(scope="module")
def version(uri: str, tracker: MetadataTracker, model: FittedModel[TaskKind]) -> ModelVersion:
    """A skops model, logged and registered."""
    run = tracker.start_run(RunSpec("registered"))
    logged = tracker.log_model((run, model))
    tracker.end_run((run, "FINISHED"))
    return mlflow_repository(MlflowRegistrySettings("costs", uri)).register(logged)


def test_log_model_is_given_pinned_requirements_and_scans_no_distribution(
    tracker: MetadataTracker,
    model: FittedModel[TaskKind],
    uri: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scans: list[str] = []
    monkeypatch.setattr(
        requirements_utils, "_init_packages_to_modules_map", lambda: scans.append("scan")
    )
    run = tracker.start_run(RunSpec("requirements"))
    tracker.log_model((run, model))
    tracker.end_run((run, "FINISHED"))
    assert scans == []
    # MLflow checks other models' requirements again once lolpop has saved its own.
    restored = getattr(environment, "warn_dependency_requirement_mismatches", None)
    assert restored is requirements_utils.warn_dependency_requirement_mismatches
    local = MlflowClient(uri).download_artifacts(run.run_id, "model/requirements.txt")
    lines = Path(local).read_text(encoding="utf-8").split()
    for name in ("scikit-learn", "numpy", "scipy", "pandas", "skops"):
        assert f"{name}=={importlib.metadata.version(name)}" in lines
    assert any(line.startswith("mlflow==") for line in lines)


def test_requirements_are_the_installed_versions_of_those_distributions_alone() -> None:
    pins = model_requirements("cloudpickle")
    assert [pin.split("==")[0] for pin in pins] == [
        "scikit-learn",
        "numpy",
        "scipy",
        "pandas",
        "cloudpickle",
    ]
    assert all("+" not in pin for pin in pins)


# Loads the registered model through lolpop's repository in a process of its own (the
# test process has pytest), then checks that skops trusts the types it would have
# trusted had pytest been imported.
_LOAD = """
import json, sys
from lolpop.components.mlflow_repository import MlflowRegistrySettings, mlflow_repository
from lolpop.components.records import ModelVersion
repository = mlflow_repository(MlflowRegistrySettings("costs", sys.argv[1]))
model = repository.load(ModelVersion("costs", int(sys.argv[2]), "", None, (), {}))
imported = sorted(name for name in ("pytest", "_pytest", "dask") if name in sys.modules)
import skops.io._trusted_types as trusted
from skops.io._utils import get_type_name
from sklearn.utils import all_estimators
names = [get_type_name(c) for _, c in all_estimators()]
same = trusted.SKLEARN_ESTIMATOR_TYPE_NAMES == [n for n in names if n.startswith("sklearn.")]
print(json.dumps({"imported": imported, "same": same, "classes": list(model.classes)}))
"""


def test_loading_a_model_imports_no_test_framework(version: ModelVersion, uri: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MLFLOW_DISABLE_TELEMETRY": "true"}
    done = subprocess.run(
        [sys.executable, "-c", _LOAD, uri, str(version.version)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    last = done.stdout.strip().splitlines()[-1]
    assert last == '{"imported": [], "same": true, "classes": [0, 1, 2]}'


def test_opening_a_current_database_runs_no_migration_and_no_schema_check(
    version: ModelVersion, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = str(folder / "mlflow.db")
    assert database_revision(database) == latest_schema_revision()
    assert is_current_database(database)
    calls: list[str] = []
    latest = db_utils._get_latest_schema_revision

    def checked() -> str:
        calls.append("check")
        return str(latest())  # type: ignore[no-untyped-call]  # MLflow's function is untyped

    monkeypatch.setattr(db_utils, "_get_latest_schema_revision", checked)
    # Another text for the same database: MLflow keeps one store per URI text.
    again = f"sqlite:///{database}?timeout=30"
    client = make_client(again, again)
    assert client.get_model_version("costs", str(version.version)).run_id
    assert calls == []
    assert db_utils._verify_schema.__module__ == db_utils.__name__  # MLflow's own again


def test_an_outdated_database_is_still_refused_by_mlflow(
    version: ModelVersion, folder: Path
) -> None:
    old = folder / "old" / "mlflow.db"
    old.parent.mkdir()
    shutil.copyfile(folder / "mlflow.db", old)
    with sqlite3.connect(old) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0584bdc529eb'")
    connection.close()
    assert not is_current_database(str(old))
    with pytest.raises(TrackingError, match="out-of-date database schema"):
        make_client(f"sqlite:///{old}", f"sqlite:///{old}")


def test_a_missing_or_foreign_file_is_not_a_current_database(tmp_path: Path) -> None:
    assert database_revision(str(tmp_path / "none.db")) is None
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE t (x INTEGER)")
    connection.close()
    assert database_revision(str(other)) is None
    assert not is_current_database(str(other))


def test_an_override_is_held_by_overlapping_threads_and_then_undone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    module = types.ModuleType("lolpop_fake_mlflow")

    def original() -> str:
        return "original"

    module.check = original  # type: ignore[attr-defined]  # a fake module's function
    monkeypatch.setitem(sys.modules, module.__name__, module)
    override = _Override(module.__name__, "check", lambda _: lambda: "replaced")
    first_in, second_out = threading.Event(), threading.Event()
    seen: list[str] = []

    def first() -> None:
        with override.held():
            first_in.set()
            second_out.wait(10)
            seen.append(module.check())

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(10)
    with override.held():
        seen.append(module.check())
    second_out.set()
    thread.join(10)
    assert seen == ["replaced", "replaced"]
    assert module.check is original


def test_importing_the_mlflow_components_imports_no_mlflow() -> None:
    code = (
        "import sys\n"
        "import lolpop.components.mlflow_tracker, lolpop.components.mlflow_repository\n"
        "print(sorted(m for m in ('mlflow', 'skops', 'sklearn') if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
