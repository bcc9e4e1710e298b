"""The evaluate pipeline: later labels joined with predictions, live metrics recorded
against the model version that made them; unusable files refused by name."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from attrs import evolve
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


def _refused(
    tmp_path: Path, runs: MemoryStore, keys: str = "id", dates: tuple[str, ...] = ()
) -> str:
    labels = csv_connector(CsvSettings(str(tmp_path / "labels.csv"), parse_dates=dates))
    components = evolve(parts(tmp_path, runs), labels=labels)
    result = run(evaluate_pipeline(components, EvaluateSettings(keys, "y")), RunSpec("evaluate"))
    assert not is_successful(result)
    return str(result.failure().cause)


@pytest.mark.parametrize("what", ["labels", "predictions"])
def test_a_repeated_id_is_refused_naming_the_file_and_the_id(what: str, tmp_path: Path) -> None:
    """A labels file with rows repeated joined each prediction to every copy: more
    labelled predictions than there were, and the metrics weighted by the copies."""
    runs = MemoryStore()
    write(tmp_path, labelled=5)
    path = tmp_path / f"{what}.csv"
    frame = pd.read_csv(path)
    pd.concat([frame, frame.iloc[[0, 0, 2]]]).to_csv(path, index=False)
    message = _refused(tmp_path, runs)
    assert (
        f"the {what} file {str(path)!r} holds 2 ids of 'id' more than once ('a' 3 "
        "times, 'c' 2 times)" in message
    )
    assert runs.runs() == ()  # refused before its run started


def test_labels_coded_other_than_the_model_s_classes_are_refused(tmp_path: Path) -> None:
    """Labels written `no`/`yes` for a model of the classes 0 and 1 scored accuracy 0 and
    NaN areas, and the run succeeded."""
    runs = MemoryStore()
    write(tmp_path, labelled=5)
    labels = pd.read_csv(tmp_path / "labels.csv")
    labels.assign(y=labels["y"].map({0: "no", 1: "yes"})).to_csv(
        tmp_path / "labels.csv", index=False
    )
    message = _refused(tmp_path, runs)
    assert runs.runs() == ()  # refused before its run started
    assert (
        f"none of the labels of the labels file {str(tmp_path / 'labels.csv')!r} ('no', 'yes') "
        "is a class of the model that made the predictions ('0', '1'; compared as text)" in message
    )


def test_times_with_a_zone_in_one_file_only_are_refused_naming_the_column(
    tmp_path: Path,
) -> None:
    runs = MemoryStore()
    times = ["2024-01-01", "2024-01-02"]
    pd.DataFrame(
        {
            "date": times,
            "prediction": [1.0, 2.0],
            "model_version": ["m:1"] * 2,
        }
    ).to_csv(tmp_path / "predictions.csv", index=False)
    zoned = [f"{day}T00:00:00+00:00" for day in times]
    pd.DataFrame({"date": zoned, "y": [1.0, 2.0]}).to_csv(tmp_path / "labels.csv", index=False)
    message = _refused(tmp_path, runs, "date", dates=("date",))
    assert (
        "the key column 'date' holds times with a zone (UTC) in the labels file and times "
        "without one in the predictions file" in message
    )


def test_a_label_not_yet_arrived_is_left_out_like_a_missing_row(tmp_path: Path) -> None:
    """An empty cell makes the column floats (1.0, 0.0): the labels are still the model's
    classes, and the row without one waits, as a row not in the file does."""
    runs = MemoryStore()
    write(tmp_path, labelled=5)
    labels = pd.read_csv(tmp_path / "labels.csv")
    labels.loc[labels["id"] == "c", "y"] = None
    labels.to_csv(tmp_path / "labels.csv", index=False)
    live = run(
        evaluate_pipeline(parts(tmp_path, runs), EvaluateSettings("id", "y")), RunSpec("evaluate")
    ).unwrap()
    assert live.rows == 3  # a, b, d: c's label has not arrived, e has none
    assert live.metrics["accuracy"] == pytest.approx(1.0)


def _without_probabilities(tmp_path: Path, values: list[object]) -> None:
    pd.DataFrame(
        {"id": ["a", "b", "c", "d"], "prediction": values, "model_version": ["m:3"] * 4}
    ).to_csv(tmp_path / "predictions.csv", index=False)


def test_labels_coded_another_way_are_refused_without_probability_columns(
    tmp_path: Path,
) -> None:
    """A classifier without probabilities writes only its predicted labels: they are the
    model's classes to compare the labels with (no/yes against 0/1 scored zeros)."""
    runs = MemoryStore()
    write(tmp_path, labelled=4)
    _without_probabilities(tmp_path, [1, 0, 1, 1])
    words = pd.DataFrame({"id": ["a", "b", "c", "d"], "y": ["yes", "no", "no", "yes"]})
    words.to_csv(tmp_path / "labels.csv", index=False)
    assert "are they coded another way" in _refused(tmp_path, runs)


def test_a_regressors_prediction_file_is_not_scored_as_classes(tmp_path: Path) -> None:
    runs = MemoryStore()
    write(tmp_path, labelled=4)
    _without_probabilities(tmp_path, [0.37, 0.81, 0.12, 0.66])
    message = _refused(tmp_path, runs)
    assert "are they coded another way" in message
