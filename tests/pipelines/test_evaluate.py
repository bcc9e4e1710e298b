"""The evaluate pipeline: later labels joined with predictions, live metrics recorded
against the model version that made them; unusable files refused by name."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from returns.pipeline import is_successful

from lolpop import run
from lolpop.components.file_connector import CsvSettings, csv_connector
from lolpop.components.memory_tracker import MemoryStore, memory_tracker
from lolpop.components.metrics import classification_metrics
from lolpop.components.records import Classification, RunSpec
from lolpop.pipelines.evaluate import EvaluateComponents, EvaluateSettings, evaluate_pipeline
from lolpop.pipelines.predict import MODEL_VERSION_TAG


def parts(tmp_path: Path, runs: MemoryStore) -> EvaluateComponents[Classification]:
    return EvaluateComponents(
        predictions=csv_connector(CsvSettings(str(tmp_path / "predictions.csv"))),
        labels=csv_connector(CsvSettings(str(tmp_path / "labels.csv"))),
        evaluator=classification_metrics(),
        tracker=memory_tracker(runs),
    )


def write(tmp_path: Path, labelled: int = 4) -> None:
    pd.DataFrame(
        {
            "id": ["a", "b", "c", "d", "e"],
            "prediction": [1, 0, 1, 1, 0],
            "probability_0": [0.2, 0.9, 0.4, 0.3, 0.8],
            "probability_1": [0.8, 0.1, 0.6, 0.7, 0.2],
            "model_version": ["m:3"] * 5,
        }
    ).to_csv(tmp_path / "predictions.csv", index=False)
    labels = pd.DataFrame({"id": ["a", "b", "c", "d", "x"], "y": [1, 0, 0, 1, 1]})
    labels.head(labelled).to_csv(tmp_path / "labels.csv", index=False)


def test_live_metrics_are_recorded_against_the_model_version(tmp_path: Path) -> None:
    runs = MemoryStore()
    components = parts(tmp_path, runs)
    write(tmp_path, labelled=5)
    live = run(
        evaluate_pipeline(components, EvaluateSettings("id", "y")), RunSpec("evaluate")
    ).unwrap()
    assert live.model_version == "m:3"
    assert live.rows == 4  # 'e' has no label yet; 'x' was never predicted
    assert live.metrics["accuracy"] == pytest.approx(0.75)
    recorded = runs.run(live.run.run_id)
    assert recorded.metrics["live_accuracy"] == pytest.approx(0.75)
    assert recorded.tags[MODEL_VERSION_TAG] == "m:3"


def test_a_labels_file_without_the_target_is_refused_by_name(tmp_path: Path) -> None:
    runs = MemoryStore()
    components = parts(tmp_path, runs)
    write(tmp_path)
    pd.DataFrame({"id": ["a"], "label": [1]}).to_csv(tmp_path / "labels.csv", index=False)
    result = run(
        evaluate_pipeline(components, EvaluateSettings("id", "y")),
        RunSpec("evaluate"),
    )
    assert not is_successful(result)
    message = str(result.failure().cause)
    assert f"the labels file {str(tmp_path / 'labels.csv')!r} lacks the column(s) 'y'" in message
    assert runs.runs() == ()  # refused before its run started
