"""The MLflow tracker, read back through MLflow's own API (never through lolpop's).

One sqlite database for the module: the first experiment on a new database costs ~3 s.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import attrs
import mlflow
import mlflow.sklearn
import numpy as np
import pandas as pd
import pytest
from attrs import evolve
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from lolpop.components._errors import DataError
from lolpop.components._mlflow import TrackingError
from lolpop.components.mlflow_tracker import KINDS, MlflowSettings, mlflow_tracker
from lolpop.components.records import (
    Artifact,
    Classification,
    FittedModel,
    MetadataTracker,
    RunRef,
    RunSpec,
    TaskKind,
    Version,
)
from lolpop.config.converter import make_converter
from lolpop.config.records import ComponentConfig
from lolpop.config.registry import Registry
from lolpop.errors import StepFailure

EXPERIMENT = "tracker-tests"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mlflow")


@pytest.fixture(scope="module")
def uri(folder: Path) -> str:
    return f"sqlite:///{folder}/mlflow.db"


@pytest.fixture(scope="module")
def tracker(uri: str) -> MetadataTracker:
    return mlflow_tracker(MlflowSettings(tracking_uri=uri, experiment=EXPERIMENT))


@pytest.fixture(scope="module")
def client(uri: str) -> MlflowClient:
    return MlflowClient(tracking_uri=uri)


@pytest.fixture
def fluent(uri: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """MLflow's fluent API pointed at this module's database (it reads the environment)."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)


@pytest.fixture(scope="module")
def iris() -> tuple[pd.DataFrame, pd.Series]:
    data = load_iris(as_frame=True)
    return data.data, data.target


@pytest.fixture(scope="module")
def model(iris: tuple[pd.DataFrame, pd.Series]) -> FittedModel[TaskKind]:
    features, target = iris
    estimator = LogisticRegression(max_iter=500).fit(features, target)
    return FittedModel(
        estimator,
        Classification,
        tuple(features.columns),
        "target",
        tuple(np.unique(target)),
        {"C": 1.0, "max_iter": 500},
    )


def cause(failure: pytest.ExceptionInfo[StepFailure]) -> BaseException:
    return failure.value.failure.cause


def test_runs_are_visible_to_search_runs_with_params_metrics_and_tags(
    tracker: MetadataTracker, fluent: None
) -> None:
    run = tracker.start_run(RunSpec("fit", {"team": "ml"}))
    tracker.log_params((run, {"C": 0.5, "depth": 3, "balanced": True, "seed": None}))
    tracker.log_metrics((run, {"accuracy": 0.9, "loss": float("nan")}))
    tracker.log_metrics((run, {"accuracy": 0.95}))
    tracker.set_tags((run, {"stage": "dev"}))
    tracker.set_tags((run, {"stage": "prod"}))
    tracker.end_run((run, "FINISHED"))

    assert run.experiment == EXPERIMENT
    assert run.name == "fit"
    runs = mlflow.search_runs(experiment_names=[EXPERIMENT], filter_string="tags.team = 'ml'")
    assert isinstance(runs, pd.DataFrame)
    (row,) = runs.to_dict("records")
    assert row["run_id"] == run.run_id
    assert row["status"] == "FINISHED"
    assert row["tags.mlflow.runName"] == "fit"
    assert row["tags.stage"] == "prod"
    assert (row["params.C"], row["params.depth"]) == ("0.5", "3")
    assert (row["params.balanced"], row["params.seed"]) == ("True", "None")
    assert row["metrics.accuracy"] == 0.95
    assert math.isnan(row["metrics.loss"])


def test_a_nested_run_names_its_parent(tracker: MetadataTracker, client: MlflowClient) -> None:
    parent = tracker.start_run(RunSpec("search"))
    child = tracker.start_run(RunSpec("trial-1", parent=parent))
    tags = client.get_run(child.run_id).data.tags
    assert tags["mlflow.parentRunId"] == parent.run_id
    assert tags["mlflow.runName"] == "trial-1"
    assert "mlflow.parentRunId" not in client.get_run(parent.run_id).data.tags
    for ref in (child, parent):
        tracker.end_run((ref, "FINISHED"))


def test_artifacts_are_uploaded_under_their_folder_beside_the_database(
    tracker: MetadataTracker, client: MlflowClient, folder: Path, tmp_path: Path
) -> None:
    report = tmp_path / "report.txt"
    report.write_text("all good")
    run = tracker.start_run(RunSpec("artifacts"))
    tracker.log_artifact((run, Artifact(str(report), "reports")))
    tracker.log_artifact((run, Artifact(str(report))))
    assert [a.path for a in client.list_artifacts(run.run_id)] == ["report.txt", "reports"]
    assert [a.path for a in client.list_artifacts(run.run_id, "reports")] == ["reports/report.txt"]
    experiment = client.get_experiment_by_name(EXPERIMENT)
    assert experiment is not None
    assert experiment.artifact_location == str(folder / "mlartifacts" / EXPERIMENT)
    assert (
        folder / "mlartifacts" / EXPERIMENT / run.run_id / "artifacts/reports/report.txt"
    ).read_text() == "all good"
    tracker.end_run((run, "FINISHED"))


def test_a_dataset_version_is_a_tag_and_a_dataset_input(
    tracker: MetadataTracker, client: MlflowClient
) -> None:
    version = Version("train", 2, "ab" * 32, "frame", 4096, 0.0)
    run = tracker.start_run(RunSpec("data"))
    tracker.log_dataset((run, version))
    recorded = client.get_run(run.run_id)
    assert recorded.data.tags["lolpop.dataset.train"] == f"train:2:{'ab' * 32}"
    assert recorded.inputs is not None
    (given,) = recorded.inputs.dataset_inputs
    assert given.dataset.name == "train"
    assert given.dataset.digest == ("ab" * 32)[:36]
    assert json.loads(given.dataset.source) == {"name": "train", "number": 2, "digest": "ab" * 32}
    assert {t.key: t.value for t in given.tags} == {"lolpop.version": "2", "lolpop.kind": "frame"}
    tracker.end_run((run, "FINISHED"))


def test_a_dataset_another_run_inserts_at_the_same_moment_is_linked_not_refused(
    tracker: MetadataTracker, client: MlflowClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two runs recording one new dataset at once: MLflow looks for it, then inserts it,
    and the later insert breaks the unique key (seen in two `lolpop run`s at once)."""
    original = MlflowClient.log_inputs
    calls: list[str] = []

    def racing(self: MlflowClient, run_id: str, *args: object, **kwargs: object) -> None:
        calls.append(run_id)
        if len(calls) == 1:
            raise MlflowException(
                "(sqlite3.IntegrityError) UNIQUE constraint failed: datasets.experiment_id, "
                "datasets.name, datasets.digest"
            )
        original(self, run_id, *args, **kwargs)  # type: ignore[arg-type]  # passed on as given

    monkeypatch.setattr(MlflowClient, "log_inputs", racing)
    run = tracker.start_run(RunSpec("raced"))
    tracker.log_dataset((run, Version("train", 1, "cd" * 32, "frame", 10, 0.0)))
    inputs = client.get_run(run.run_id).inputs
    assert inputs is not None
    assert [given.dataset.name for given in inputs.dataset_inputs] == ["train"]
    assert calls == [run.run_id, run.run_id]
    tracker.end_run((run, "FINISHED"))


def test_a_logged_model_loads_with_pyfunc_in_a_fresh_process(
    tracker: MetadataTracker,
    client: MlflowClient,
    model: FittedModel[TaskKind],
    iris: tuple[pd.DataFrame, pd.Series],
    uri: str,
) -> None:
    features, _ = iris
    run = tracker.start_run(RunSpec("model"))
    logged = tracker.log_model((run, model))
    tracker.end_run((run, "FINISHED"))
    assert logged.uri == f"runs:/{run.run_id}/model"
    assert logged.run == run
    assert logged.model is model
    paths = {a.path for a in client.list_artifacts(run.run_id, "model")}
    assert {"model/MLmodel", "model/lolpop.json", "model/requirements.txt"} <= paths
    assert client.get_run(run.run_id).data.tags["lolpop.model"] == logged.uri
    local = client.download_artifacts(run.run_id, "model/lolpop.json")
    with open(local, encoding="utf-8") as file:
        metadata = json.load(file)
    assert metadata["task"] == "classification"
    assert metadata["features"] == list(features.columns)
    assert metadata["classes"] == [0, 1, 2]
    assert metadata["target"] == "target"

    sample = features.head(10)
    script = (
        "import io, json, sys, mlflow, pandas as pd\n"
        f"model = mlflow.pyfunc.load_model({logged.uri!r})\n"
        "frame = pd.read_json(io.StringIO(sys.stdin.read()), orient='split')\n"
        "print(json.dumps([int(x) for x in model.predict(frame)]))\n"
    )
    env = {**os.environ, "MLFLOW_TRACKING_URI": uri}
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=sample.to_json(orient="split"),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    predicted = json.loads(done.stdout.strip().splitlines()[-1])
    assert predicted == np.asarray(model.estimator.predict(sample)).tolist()


def test_a_tree_model_is_saved_with_skops_without_extra_settings(
    tracker: MetadataTracker,
    iris: tuple[pd.DataFrame, pd.Series],
    fluent: None,
) -> None:
    features, target = iris
    forest = RandomForestClassifier(n_estimators=3, max_depth=2, random_state=0)
    forest.fit(features, target)
    model = FittedModel(forest, Classification, tuple(features.columns), "target", (0, 1, 2))
    run = tracker.start_run(RunSpec("tree"))
    logged = tracker.log_model((run, model))
    tracker.end_run((run, "FINISHED"))
    loaded = mlflow.sklearn.load_model(logged.uri)
    np.testing.assert_array_equal(loaded.predict(features), forest.predict(features))


def test_logging_to_an_ended_run_is_refused(
    tracker: MetadataTracker, client: MlflowClient, model: FittedModel[TaskKind], tmp_path: Path
) -> None:
    run = tracker.start_run(RunSpec("ended"))
    tracker.end_run((run, "KILLED"))
    (tmp_path / "f.txt").write_text("x")
    attempts: list[Callable[[], object]] = [
        lambda: tracker.log_params((run, {"a": 1})),
        lambda: tracker.log_metrics((run, {"a": 1.0})),
        lambda: tracker.set_tags((run, {"a": "b"})),
        lambda: tracker.log_artifact((run, Artifact(str(tmp_path / "f.txt")))),
        lambda: tracker.log_dataset((run, Version("d", 1, "0" * 64, "frame", 1, 0.0))),
        lambda: tracker.log_model((run, model)),
        lambda: tracker.end_run((run, "FINISHED")),
    ]
    for attempt in attempts:
        with pytest.raises(StepFailure) as failure:
            attempt()
        assert isinstance(cause(failure), TrackingError)
        assert "has ended with status KILLED" in str(cause(failure))
    recorded = client.get_run(run.run_id)
    assert recorded.info.status == "KILLED"
    assert recorded.data.params == {}
    assert recorded.data.metrics == {}
    assert client.list_artifacts(run.run_id) == []


def test_mistakes_are_refused_with_a_tracking_error(
    tracker: MetadataTracker, client: MlflowClient, model: FittedModel[TaskKind]
) -> None:
    run = tracker.start_run(RunSpec("mistakes"))
    tracker.log_params((run, {"C": 1.0}))
    tracker.log_params((run, {"C": 1.0, "tol": 0.1}))  # the same value again is fine
    refused: list[tuple[Callable[[], object], type[Exception], str]] = [
        (lambda: tracker.log_params((run, {"C": 2.0})), TrackingError, "cannot change"),
        (lambda: tracker.log_metrics((run, {"a/../b": 1.0})), TrackingError, "metric name"),
        (lambda: tracker.log_metrics((run, {"ok": True})), TrackingError, "is a bool"),
        (lambda: tracker.end_run((run, "DONE")), TrackingError, "FINISHED, FAILED, KILLED"),  # type: ignore[arg-type]  # the refusal under test
        (
            lambda: tracker.log_artifact((run, Artifact("/no/such/file.txt"))),
            DataError,
            "no such file",
        ),
        (
            lambda: tracker.log_params((RunRef("0" * 32, EXPERIMENT), {"a": 1})),
            TrackingError,
            "no run '0000",
        ),
        (
            lambda: tracker.start_run(RunSpec("c", parent=RunRef("0" * 32, EXPERIMENT))),
            TrackingError,
            "no run '0000",
        ),
    ]
    for attempt, error, text in refused:
        with pytest.raises(StepFailure) as failure:
            attempt()
        assert isinstance(cause(failure), error), text
        assert text in str(cause(failure))
    tracker.log_model((run, model))
    other = evolve(model, features=(*model.features[:-1], "another"))
    with pytest.raises(StepFailure, match="already has a model"):
        tracker.log_model((run, other))
    tracker.end_run((run, "FAILED"))
    assert client.get_run(run.run_id).data.params == {"C": "1.0", "tol": "0.1"}


def test_a_replayed_log_model_gives_the_model_already_logged(
    tracker: MetadataTracker, client: MlflowClient, model: FittedModel[TaskKind]
) -> None:
    """A run killed right after `log_model` and resumed logs the same model again: that is
    the model the run already holds (same metadata and estimator file), not a second one."""
    run = tracker.start_run(RunSpec("replayed"))
    first = tracker.log_model((run, model))
    again = tracker.log_model((run, model))
    assert again.uri == first.uri
    assert again.digest == first.digest
    assert again.serialization == first.serialization
    names = [f.path for f in client.list_artifacts(run.run_id, "model")]
    assert names == sorted(set(names))
    tracker.end_run((run, "FINISHED"))


def test_a_long_param_is_cut_with_a_note(tracker: MetadataTracker, client: MlflowClient) -> None:
    run = tracker.start_run(RunSpec("long"))
    tracker.log_params((run, {"repr": "x" * 7000}))
    tracker.end_run((run, "FINISHED"))
    value = client.get_run(run.run_id).data.params["repr"]
    assert len(value) == 6000
    assert value.endswith("... [truncated from 7000 chars]")


def test_every_step_is_an_effect_and_the_kind_decodes(uri: str) -> None:
    (kind,) = KINDS
    assert kind.tag == "mlflow"
    converter = make_converter(Registry(KINDS))
    raw = {"type": "mlflow", "tracking_uri": uri, "experiment": "decoded"}
    config = converter.structure(raw, ComponentConfig)
    assert config.settings == MlflowSettings(tracking_uri=uri, experiment="decoded")
    tracker = kind.build(config.settings)
    assert isinstance(tracker, MetadataTracker)
    steps = [getattr(tracker, field.name) for field in attrs.fields(MetadataTracker)]
    assert len(steps) == 8
    assert all(step.meta.effect for step in steps)


def test_a_tracking_server_that_is_not_there_is_refused_at_once_without_its_password(
    tmp_path: Path,
) -> None:
    """`lolpop run` and `lolpop runs` waited over four minutes, silent, on MLflow's retries
    of a server that refused every connection."""
    script = (
        "from lolpop.components.mlflow_tracker import MlflowSettings, mlflow_tracker\n"
        "from lolpop.components.records import RunSpec\n"
        "tracker = mlflow_tracker(MlflowSettings('http://bob:s3cret@127.0.0.1:9/'))\n"
        "tracker.start_run(RunSpec('x'))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert done.returncode != 0
    assert "cannot reach the MLflow tracking server http://***@127.0.0.1:9/" in done.stderr, (
        done.stderr[-2000:]
    )
    assert "s3cret" not in done.stderr


def test_a_database_error_is_said_once_without_mlflows_traceback(tmp_path: Path) -> None:
    # A read-only mlflow.db printed MLflow's own log of the error (two tracebacks, the
    # SQL and its parameters) before lolpop's one-paragraph TrackingError.
    import logging  # noqa: PLC0415

    from lolpop.components._mlflow import make_client  # noqa: PLC0415

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    make_client(uri, uri)
    assert not logging.getLogger("mlflow.store.db.utils").isEnabledFor(logging.ERROR)
