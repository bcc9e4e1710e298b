"""Drift against the right data (issue 12, point 4): the predict pipeline compares new data
with the version of the training data the champion was trained on (found through the
`lolpop.training_data.<name>` tags its registration carries), never silently with another;
a damaged training-data record is an error naming it."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest
from attrs import evolve
from returns.pipeline import is_successful
from sklearn.linear_model import LogisticRegression

from lolpop import run
from lolpop.components._mlflow import training_data_tag
from lolpop.components.data_checker import CheckerSettings, Rule, rules_checker
from lolpop.components.drift import DriftSettings, drift_comparer
from lolpop.components.file_connector import CsvSettings, csv_connector
from lolpop.components.local_repository import LocalRegistrySettings, local_registry
from lolpop.components.memory_tracker import MemoryStore
from lolpop.components.mlflow_repository import MlflowRegistrySettings, mlflow_repository
from lolpop.components.mlflow_tracker import MlflowSettings, mlflow_tracker
from lolpop.components.records import (
    CheckReport,
    Classification,
    DriftReport,
    FittedModel,
    ModelArtifact,
    ModelVersion,
    RunRef,
    RunSpec,
    Version,
    Written,
)
from lolpop.components.version_store import StoreError, local_store
from lolpop.errors import StepFailure
from lolpop.pipelines.deploy import classification_rule, deploy_pipeline
from lolpop.pipelines.predict import (
    DRIFT_REFERENCE_SOURCE_TAG,
    DRIFT_REFERENCE_TAG,
    DriftReference,
    PredictComponents,
    Predicted,
    PredictSettings,
    predict_pipeline,
)
from lolpop.pipelines.train import TrainComponents, TrainingData, to_candidate, train_pipeline
from lolpop.runners.supervised.program import WorkflowReport
from tests.pipelines.conftest import components

DATASET = "cancer"


def shifted(data: pd.DataFrame) -> pd.DataFrame:
    """Other data: every feature moved far from the training data's."""
    return data.assign(mean_radius=data.mean_radius + 8, mean_texture=data.mean_texture + 20)


def train_and_deploy(
    parts: TrainComponents[Classification],
    data: pd.DataFrame,
    datasets: tuple[Version, ...],
    *,
    min_improvement: float = 0.0,
) -> bool:
    """Train on `data` (recorded as trained on `datasets`), register; whether it was promoted."""
    program = (
        train_pipeline(parts)
        >> to_candidate
        >> deploy_pipeline(
            parts.repository, classification_rule("f1", min_improvement=min_improvement)
        )
    )
    started = parts.tracker.start_run(RunSpec("train"))
    return run(program, TrainingData(started, data, datasets)).unwrap().promoted


def predict_parts(
    tmp_path: Path, parts: TrainComponents[Classification], store: str = "store"
) -> PredictComponents[Classification]:
    return PredictComponents(
        connector=csv_connector(CsvSettings(str(tmp_path / "new.csv"))),
        output=csv_connector(CsvSettings(str(tmp_path / "out" / "predictions.csv"))),
        trainer=parts.trainer,
        repository=parts.repository,
        store=local_store(tmp_path / store),
        comparer=drift_comparer(DriftSettings()),
        checker=rules_checker(CheckerSettings((Rule("not_null", columns=("prediction",)),))),
        tracker=parts.tracker,
    )


def record_file(tmp_path: Path, number: int, store: str = "store") -> Path:
    return tmp_path / store / "refs" / DATASET / f"{number}.json"


@pytest.fixture
def champion(
    tmp_path: Path, frame: pd.DataFrame
) -> tuple[TrainComponents[Classification], MemoryStore, Version]:
    """A champion trained on the first 400 rows, saved as version 1 of the training data."""
    runs = MemoryStore()
    parts = components(tmp_path, runs, (1.0,))
    trained_on = local_store(tmp_path / "store").save_frame((DATASET, frame.iloc[:400]))
    assert train_and_deploy(parts, frame.iloc[:400], (trained_on,))
    new = frame.iloc[400:].drop(columns=["target"])
    new.to_csv(tmp_path / "new.csv", index=False)
    return parts, runs, trained_on


# --- 1. a damaged training-data record is an error naming it ------------------------------

DAMAGE = {
    "emptied": b"",  # before: skipped as a claimed number; drift None, "none" printed
    "truncated": b'{"name": "cancer", "number": 1, "dig',
    "garbage": b"\x00\xff not a record",
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_training_data_record_is_an_error_naming_it(
    tmp_path: Path,
    champion: tuple[TrainComponents[Classification], MemoryStore, Version],
    damage: str,
) -> None:
    parts, _, _ = champion
    record_file(tmp_path, 1).write_bytes(DAMAGE[damage])
    result = run(
        predict_pipeline(predict_parts(tmp_path, parts), PredictSettings(DATASET)),
        RunSpec("predict"),
    )
    assert not is_successful(result)
    error = result.failure().cause
    assert isinstance(error, StoreError)
    message = str(error)
    assert str(record_file(tmp_path, 1)) in message
    assert f"{DATASET!r} version 1" in message
    assert not (tmp_path / "out").exists()


def test_an_emptied_record_is_refused_by_the_store_and_a_claim_is_skipped(
    tmp_path: Path, frame: pd.DataFrame
) -> None:
    store = local_store(tmp_path / "store")
    first = store.save_frame((DATASET, frame.iloc[:10]))
    # A number claimed by a writer killed before it wrote its record: skipped, stays unused.
    (tmp_path / "store" / "refs" / DATASET / "2.claim").write_bytes(b"")
    assert store.versions(DATASET) == (first,)
    third = store.save_frame((DATASET, frame.iloc[:20]))
    assert third.number == 3
    assert not (tmp_path / "store" / "refs" / DATASET / "3.claim").exists()  # cleaned up
    record_file(tmp_path, 3).write_bytes(b"")
    with pytest.raises(StepFailure) as raised:
        store.versions(DATASET)
    error = raised.value.__cause__
    assert isinstance(error, StoreError)
    assert "it is empty" in str(error)
    assert str(record_file(tmp_path, 3)) in str(error)


# --- 2. the reference is the champion's own training data -------------------------------


def test_drift_is_measured_against_the_data_the_champion_was_trained_on(
    tmp_path: Path,
    frame: pd.DataFrame,
    champion: tuple[TrainComponents[Classification], MemoryStore, Version],
) -> None:
    parts, runs, trained_on = champion
    # A later training run on other data: a new version of the dataset, no new champion.
    other = shifted(frame.iloc[:400])
    later = local_store(tmp_path / "store").save_frame((DATASET, other))
    assert later.number == 2
    assert not train_and_deploy(parts, other, (later,), min_improvement=1.0)

    done = run(
        predict_pipeline(predict_parts(tmp_path, parts), PredictSettings(DATASET)),
        RunSpec("predict"),
    ).unwrap()
    assert done.model.version == 1
    assert done.reference == DriftReference(trained_on, "training_data")
    assert done.drift is not None
    # Before: compared with version 2 (the shifted data), these two columns drifted.
    assert "mean_radius" not in done.drift.drifted
    assert "mean_texture" not in done.drift.drifted
    tags = runs.run(done.run.run_id).tags
    assert tags[DRIFT_REFERENCE_TAG] == f"{DATASET}:1:{trained_on.digest}"
    assert tags[DRIFT_REFERENCE_SOURCE_TAG] == "training_data"


def test_registration_records_the_training_data_in_the_local_registry(
    tmp_path: Path,
    champion: tuple[TrainComponents[Classification], MemoryStore, Version],
) -> None:
    parts, _, trained_on = champion
    version = parts.repository.get_alias("champion")
    assert version is not None
    assert version.tags[training_data_tag(DATASET)] == f"{DATASET}:1:{trained_on.digest}"
    # Registering the same artifact again (a replayed step) answers the same version.
    registry = local_registry(LocalRegistrySettings(str(tmp_path / "registry"), "cancer"))
    assert registry.get_alias("champion") == version


def test_registration_records_the_training_data_in_the_mlflow_registry(
    tmp_path: Path, frame: pd.DataFrame
) -> None:
    # The session's isolated tracking store (conftest), under a model name of this test.
    tracker = mlflow_tracker(MlflowSettings(None, "predict-drift", serialization="cloudpickle"))
    repository = mlflow_repository(MlflowRegistrySettings("predict-drift-lineage"))
    data = frame.iloc[:100]
    trained_on = local_store(tmp_path / "store").save_frame((DATASET, data))
    features = data.drop(columns=["target"])
    fitted = FittedModel(
        LogisticRegression(max_iter=300).fit(features, data["target"]),
        Classification,
        tuple(features.columns),
        "target",
        (0, 1),
    )
    started = tracker.start_run(RunSpec("train"))
    artifact = evolve(tracker.log_model((started, fitted)), datasets=(trained_on,))
    first = repository.register(artifact)
    assert first.tags[training_data_tag(DATASET)] == f"{DATASET}:1:{trained_on.digest}"
    assert repository.register(artifact) == first  # idempotent, tags and all


def test_a_training_data_version_the_store_lacks_or_changed_is_an_error_naming_it(
    tmp_path: Path,
    frame: pd.DataFrame,
    champion: tuple[TrainComponents[Classification], MemoryStore, Version],
) -> None:
    parts, runs, trained_on = champion
    before = len(runs.runs())
    # Another store: no version 1 at all, then a version 1 of other content.
    missing = run(
        predict_pipeline(predict_parts(tmp_path, parts, "other"), PredictSettings(DATASET)),
        RunSpec("predict"),
    )
    assert not is_successful(missing)
    message = str(missing.failure().cause)
    assert f"{DATASET!r} version 1" in message
    assert trained_on.digest[:12] in message
    assert "does not hold" in message

    local_store(tmp_path / "other").save_frame((DATASET, shifted(frame.iloc[:400])))
    changed = run(
        predict_pipeline(predict_parts(tmp_path, parts, "other"), PredictSettings(DATASET)),
        RunSpec("predict"),
    )
    assert not is_successful(changed)
    message = str(changed.failure().cause)
    assert f"{DATASET!r} version 1" in message
    assert trained_on.digest[:12] in message
    assert "sha256" in message
    assert not (tmp_path / "out").exists()
    # Both runs were started and ended as failed, none left running.
    assert {r.status for r in runs.runs()[before:]} == {"FAILED"}


def test_a_champion_trained_on_another_dataset_is_refused(
    tmp_path: Path,
    champion: tuple[TrainComponents[Classification], MemoryStore, Version],
) -> None:
    parts, _, _ = champion
    result = run(
        predict_pipeline(predict_parts(tmp_path, parts), PredictSettings("another")),
        RunSpec("predict"),
    )
    assert not is_successful(result)
    message = str(result.failure().cause)
    assert "'another'" in message
    assert f"{DATASET}:1:" in message


def test_a_champion_without_lineage_falls_back_to_the_latest_version_and_says_so(
    tmp_path: Path,
    frame: pd.DataFrame,
    caplog: pytest.LogCaptureFixture,
) -> None:
    runs = MemoryStore()
    parts = components(tmp_path, runs, (1.0,))
    store = local_store(tmp_path / "store")
    store.save_frame((DATASET, frame.iloc[:400]))
    latest = store.save_frame((DATASET, frame.iloc[:300]))
    # Registered as an older lolpop did: no training-data versions recorded.
    assert train_and_deploy(parts, frame.iloc[:400], ())
    frame.iloc[400:].drop(columns=["target"]).to_csv(tmp_path / "new.csv", index=False)
    with caplog.at_level(logging.WARNING, logger="lolpop.predict"):
        done = run(
            predict_pipeline(predict_parts(tmp_path, parts), PredictSettings(DATASET)),
            RunSpec("predict"),
        ).unwrap()
    assert done.reference == DriftReference(latest, "latest")
    assert done.drift is not None
    tags = runs.run(done.run.run_id).tags
    assert tags[DRIFT_REFERENCE_TAG] == f"{DATASET}:2:{latest.digest}"
    assert tags[DRIFT_REFERENCE_SOURCE_TAG] == "latest"
    assert any(
        "records no training data" in r.getMessage() and f"{DATASET!r} version 2" in r.getMessage()
        for r in caplog.records
    )


def test_no_reference_at_all_is_said_not_reported_as_no_drift(
    tmp_path: Path, frame: pd.DataFrame
) -> None:
    runs = MemoryStore()
    parts = components(tmp_path, runs, (1.0,))
    assert train_and_deploy(parts, frame.iloc[:400], ())
    frame.iloc[400:].drop(columns=["target"]).to_csv(tmp_path / "new.csv", index=False)
    done = run(
        predict_pipeline(predict_parts(tmp_path, parts), PredictSettings(DATASET)),
        RunSpec("predict"),
    ).unwrap()
    assert done.reference is None
    assert done.drift is None
    assert runs.run(done.run.run_id).tags[DRIFT_REFERENCE_TAG] == "none"
    text = WorkflowReport("predict", predicted=done).to_text()
    assert "drift not measured" in text
    assert "drifted against the training data: none" not in text


# --- the runner's report names the reference ------------------------------------------------


def test_the_report_names_the_version_drift_was_measured_against() -> None:
    version = Version(DATASET, 3, "ab" * 32, "frame", 10, 0.0)
    predicted = Predicted(
        RunRef("r", "x"),
        ModelVersion("cancer", 1, "lolpop-store://cancer/1"),
        pd.DataFrame(),
        Version("predictions", 1, "cd" * 32, "frame", 10, 0.0),
        DriftReport(()),
        CheckReport(()),
        Written("out.csv", 0),
        reference=DriftReference(version, "training_data"),
    )
    text = WorkflowReport("predict", predicted=predicted).to_text()
    assert f"drifted against {DATASET} version 3 (the champion's training data): none" in text
    latest = evolve(predicted, reference=DriftReference(version, "latest"))
    text = WorkflowReport("predict", predicted=latest).to_text()
    assert f"{DATASET} version 3 (the latest: the champion records no training data)" in text


def test_the_train_pipeline_carries_its_datasets_to_the_candidate(
    tmp_path: Path, frame: pd.DataFrame
) -> None:
    parts = components(tmp_path, MemoryStore(), (1.0,))
    trained_on = local_store(tmp_path / "store").save_frame((DATASET, frame.iloc[:400]))
    started = parts.tracker.start_run(RunSpec("train"))
    trained = run(train_pipeline(parts), TrainingData(started, frame.iloc[:400], (trained_on,)))
    artifact: ModelArtifact = trained.unwrap().candidate.artifact
    assert artifact.datasets == (trained_on,)
