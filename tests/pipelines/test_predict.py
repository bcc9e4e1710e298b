"""The predict pipeline after a model is deployed: drift, predictions with probabilities,
versioned and written; refusals that name the file and the column and write nothing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from returns.pipeline import is_successful

from lolpop import run
from lolpop.components.data_checker import CheckerSettings, Rule, rules_checker
from lolpop.components.drift import DriftSettings, drift_comparer
from lolpop.components.file_connector import CsvSettings, csv_connector
from lolpop.components.memory_tracker import MemoryStore
from lolpop.components.records import Classification, RunSpec
from lolpop.components.version_store import local_store
from lolpop.pipelines.deploy import classification_rule, deploy_pipeline
from lolpop.pipelines.predict import (
    MODEL_VERSION_TAG,
    PredictComponents,
    PredictSettings,
    predict_pipeline,
)
from lolpop.pipelines.train import TrainComponents, TrainingData, to_candidate, train_pipeline
from tests.pipelines.conftest import components


@pytest.fixture
def deployed(
    tmp_path: Path, frame: pd.DataFrame
) -> tuple[TrainComponents[Classification], MemoryStore]:
    runs = MemoryStore()
    parts = components(tmp_path, runs, (1.0,))
    store = local_store(tmp_path / "store")
    train_data = frame.iloc[:400]
    store.save_frame(("cancer", train_data))
    program = (
        train_pipeline(parts)
        >> to_candidate
        >> deploy_pipeline(parts.repository, classification_rule("f1"))
    )
    started = parts.tracker.start_run(RunSpec("train"))
    assert run(program, TrainingData(started, train_data)).unwrap().promoted
    return parts, runs


def predict_parts(
    tmp_path: Path, parts: TrainComponents[Classification]
) -> PredictComponents[Classification]:
    return PredictComponents(
        connector=csv_connector(CsvSettings(str(tmp_path / "new.csv"))),
        output=csv_connector(CsvSettings(str(tmp_path / "out" / "predictions.csv"))),
        trainer=parts.trainer,
        repository=parts.repository,
        store=local_store(tmp_path / "store"),
        comparer=drift_comparer(DriftSettings()),
        checker=rules_checker(CheckerSettings((Rule("not_null", columns=("prediction",)),))),
        tracker=parts.tracker,
    )


def test_predictions_are_versioned_written_and_tagged(
    tmp_path: Path,
    frame: pd.DataFrame,
    deployed: tuple[TrainComponents[Classification], MemoryStore],
) -> None:
    parts, runs = deployed
    new = frame.iloc[400:].drop(columns=["target"]).assign(mean_radius=lambda f: f.mean_radius + 8)
    new.to_csv(tmp_path / "new.csv", index=False)
    pieces = predict_parts(tmp_path, parts)
    done = run(predict_pipeline(pieces, PredictSettings("cancer")), RunSpec("predict")).unwrap()

    written = pd.read_csv(tmp_path / "out" / "predictions.csv")
    assert len(written) == len(new)
    assert set(written["prediction"]) <= {0, 1}
    probabilities = written[["probability_0", "probability_1"]].sum(axis=1)
    assert probabilities.round(6).eq(1.0).all()
    assert done.version.number == 1
    assert done.drift is not None
    assert "mean_radius" in done.drift.drifted
    assert runs.run(done.run.run_id).tags[MODEL_VERSION_TAG] == f"cancer:{done.model.version}"


def test_a_missing_feature_column_is_refused_naming_file_and_column(
    tmp_path: Path,
    frame: pd.DataFrame,
    deployed: tuple[TrainComponents[Classification], MemoryStore],
) -> None:
    parts, runs = deployed
    before = len(runs.runs())
    frame.iloc[400:].drop(columns=["target", "mean_area"]).to_csv(tmp_path / "new.csv", index=False)
    pieces = predict_parts(tmp_path, parts)
    result = run(
        predict_pipeline(pieces, PredictSettings("cancer")),
        RunSpec("predict"),
    )
    assert not is_successful(result)
    message = str(result.failure().cause)
    assert "'mean_area'" in message
    assert str(tmp_path / "new.csv") in message
    assert not (tmp_path / "out").exists()
    assert pieces.store.versions("predictions") == ()
    assert len(runs.runs()) == before  # refused before its run started


def test_new_data_holding_an_id_twice_is_refused_before_anything_is_predicted(
    tmp_path: Path,
    frame: pd.DataFrame,
    deployed: tuple[TrainComponents[Classification], MemoryStore],
) -> None:
    """Two rows with one id get two predictions under that id: no label can be matched to
    either later, so the file is refused, naming the ids, and nothing is written."""
    parts, runs = deployed
    before = len(runs.runs())
    new = frame.iloc[400:].drop(columns=["target"]).assign(customer=range(len(frame) - 400))
    new.loc[new.index[[3, 9]], "customer"] = 7
    new.to_csv(tmp_path / "new.csv", index=False)
    pieces = predict_parts(tmp_path, parts)
    settings = PredictSettings("cancer", keep=("customer",), ids=("customer",))
    result = run(predict_pipeline(pieces, settings), RunSpec("predict"))
    assert not is_successful(result)
    message = str(result.failure().cause)
    assert "'customer'" in message
    assert "7 3 times" in message
    assert str(tmp_path / "new.csv") in message
    assert not (tmp_path / "out").exists()
    assert pieces.store.versions("predictions") == ()
    assert len(runs.runs()) == before  # refused before its run started
