"""The in-memory tracker: it records everything, keeps MLflow's rules, refuses what the
MLflow tracker refuses, and is safe to use from threads."""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Callable
from pathlib import Path

import attrs
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from lolpop.components._errors import DataError
from lolpop.components._mlflow import MAX_PARAM_LENGTH, TrackingError
from lolpop.components.memory_tracker import (
    KINDS,
    MemorySettings,
    MemoryStore,
    memory_tracker,
)
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


@pytest.fixture(scope="module")
def model() -> FittedModel[TaskKind]:
    iris = load_iris(as_frame=True)
    estimator = LogisticRegression(max_iter=500).fit(iris.data, iris.target)
    return FittedModel(
        estimator, Classification, tuple(iris.data.columns), "target", (0, 1, 2), {"C": 1.0}
    )


def cause(failure: pytest.ExceptionInfo[StepFailure]) -> BaseException:
    return failure.value.failure.cause


def test_a_run_records_params_metrics_tags_artifacts_datasets_and_a_model(
    tmp_path: Path, model: FittedModel[TaskKind]
) -> None:
    store = MemoryStore()
    tracker = memory_tracker(store, experiment="tests")
    report = tmp_path / "report.txt"
    report.write_text("fine")
    version = Version("train", 3, "ab" * 32, "frame", 1200, 0.0)

    run = tracker.start_run(RunSpec("train", {"team": "ml"}))
    tracker.log_params((run, {"C": 0.5, "depth": 3, "fit_intercept": True, "seed": None}))
    tracker.log_metrics((run, {"accuracy": 0.9, "loss": float("nan")}))
    tracker.log_metrics((run, {"accuracy": 0.95}))
    tracker.set_tags((run, {"stage": "dev"}))
    tracker.log_artifact((run, Artifact(str(report), "reports")))
    tracker.log_dataset((run, version))
    logged = tracker.log_model((run, model))
    tracker.end_run((run, "FINISHED"))

    (recorded,) = store.runs()
    assert (recorded.run_id, recorded.name, recorded.experiment) == (run.run_id, "train", "tests")
    assert run.experiment == "tests"
    assert recorded.status == "FINISHED"
    assert recorded.params == {"C": "0.5", "depth": "3", "fit_intercept": "True", "seed": "None"}
    assert recorded.metrics["accuracy"] == 0.95
    assert math.isnan(recorded.metrics["loss"])
    assert recorded.metric_history["accuracy"] == (0.9, 0.95)
    assert recorded.tags == {
        "team": "ml",
        "stage": "dev",
        "mlflow.runName": "train",
        "lolpop.dataset.train": f"train:3:{'ab' * 32}",
        "lolpop.model": f"memory:/{run.run_id}/model",
        # The digest of the file as it was logged, as the MLflow tracker records it.
        "lolpop.sha256.reports/report.txt": hashlib.sha256(b"fine").hexdigest(),
    }
    assert recorded.artifacts == {"reports/report.txt": str(report)}
    assert recorded.datasets == {"train": version}
    assert recorded.model == logged
    assert logged.uri == f"memory:/{run.run_id}/model"
    assert logged.model is model
    assert logged.run == run


def test_nested_runs_name_their_parent(model: FittedModel[TaskKind]) -> None:
    store = MemoryStore()
    tracker = memory_tracker(store)
    parent = tracker.start_run(RunSpec("search"))
    child = tracker.start_run(RunSpec("trial-1", parent=parent))
    unnamed = tracker.start_run(RunSpec(""))
    assert store.run(child.run_id).parent == parent.run_id
    assert store.run(child.run_id).tags["mlflow.parentRunId"] == parent.run_id
    assert store.run(parent.run_id).parent is None
    assert unnamed.name == "run-3"
    assert [r.name for r in store.named("trial-1")] == ["trial-1"]


def test_logging_to_an_ended_run_is_refused(tmp_path: Path, model: FittedModel[TaskKind]) -> None:
    store = MemoryStore()
    tracker = memory_tracker(store)
    run = tracker.start_run(RunSpec("done"))
    tracker.end_run((run, "FAILED"))
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
        assert "has ended with status FAILED" in str(cause(failure))
    assert store.run(run.run_id).params == {}
    assert store.run(run.run_id).status == "FAILED"


def test_refusals_match_the_mlflow_tracker(tmp_path: Path, model: FittedModel[TaskKind]) -> None:
    store = MemoryStore()
    tracker = memory_tracker(store)
    run = tracker.start_run(RunSpec("r"))
    tracker.log_params((run, {"C": 1.0}))
    tracker.log_params((run, {"C": 1.0}))  # the same value again is fine
    refused: list[tuple[Callable[[], object], type[Exception], str]] = [
        (lambda: tracker.log_params((run, {"C": 2.0})), TrackingError, "cannot change"),
        (lambda: tracker.log_params((run, {"a/../b": 1})), TrackingError, "param name"),
        (lambda: tracker.log_metrics((run, {"ok": True})), TrackingError, "is a bool"),
        (lambda: tracker.set_tags((run, {"bad*key": "v"})), TrackingError, "tag name"),
        (lambda: tracker.end_run((run, "DONE")), TrackingError, "FINISHED, FAILED, KILLED"),  # type: ignore[arg-type]  # the refusal under test
        (
            lambda: tracker.log_artifact((run, Artifact(str(tmp_path / "none.txt")))),
            DataError,
            "no such file",
        ),
        (
            lambda: tracker.log_artifact((run, Artifact(__file__, "../up"))),
            TrackingError,
            "relative path",
        ),
        (
            lambda: tracker.log_params((RunRef("nope", "lolpop"), {"a": 1})),
            TrackingError,
            "no run 'nope'",
        ),
        (
            lambda: tracker.start_run(RunSpec("c", parent=RunRef("nope", "x"))),
            TrackingError,
            "no run 'nope'",
        ),
    ]
    for attempt, error, text in refused:
        with pytest.raises(StepFailure) as failure:
            attempt()
        assert isinstance(cause(failure), error), text
        assert text in str(cause(failure))

    tracker.log_model((run, model))
    with pytest.raises(StepFailure, match="already has a model"):
        tracker.log_model((run, model))
    odd = FittedModel(model.estimator, Classification, model.features, "y", (pd.Timestamp(0),))
    other = tracker.start_run(RunSpec("odd"))
    with pytest.raises(StepFailure, match="class labels must be"):
        tracker.log_model((other, odd))
    assert store.run(run.run_id).params == {"C": "1.0"}


def test_long_values_are_cut_with_a_note() -> None:
    store = MemoryStore()
    tracker = memory_tracker(store)
    run = tracker.start_run(RunSpec("long"))
    tracker.log_params((run, {"repr": "x" * 7000}))
    value = store.run(run.run_id).params["repr"]
    assert len(value) == MAX_PARAM_LENGTH
    assert value.endswith("... [truncated from 7000 chars]")
    assert value.startswith("x" * 5000)


def test_threads_share_one_store_safely() -> None:
    store = MemoryStore()
    tracker = memory_tracker(store)
    run = tracker.start_run(RunSpec("parallel"))

    def work(i: int) -> None:
        for j in range(20):
            tracker.log_metrics((run, {f"m{i}_{j}": float(j)}))
            tracker.set_tags((run, {f"t{i}": str(j)}))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    recorded = store.run(run.run_id)
    assert len(recorded.metrics) == 160
    assert all(recorded.tags[f"t{i}"] == "19" for i in range(8))


def test_every_step_is_an_effect_and_the_kind_decodes() -> None:
    (kind,) = KINDS
    assert kind.tag == "memory"
    converter = make_converter(Registry(KINDS))
    config = converter.structure({"type": "memory", "experiment": "x"}, ComponentConfig)
    assert config.settings == MemorySettings(experiment="x")
    tracker = kind.build(config.settings)
    assert isinstance(tracker, MetadataTracker)
    steps = [getattr(tracker, field.name) for field in attrs.fields(MetadataTracker)]
    assert len(steps) == 8
    assert all(step.meta.effect for step in steps)
    run = tracker.start_run(RunSpec("from-config"))
    assert run.experiment == "x"
