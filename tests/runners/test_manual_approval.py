"""A workflow whose approval is manual: its first `build_all` registers a version for a
person to approve, and predicts nothing (there is no champion yet) without failing."""

from __future__ import annotations

from pathlib import Path

from attrs import evolve
from sklearn.linear_model import LogisticRegression

from lolpop import run
from lolpop.components.file_connector import CsvSettings, csv_connector
from lolpop.components.local_repository import LocalRegistrySettings, local_registry
from lolpop.components.memory_tracker import MemoryStore, memory_tracker
from lolpop.components.records import Classification
from lolpop.components.sklearn_datasets import SklearnDatasetSettings, sklearn_dataset_connector
from lolpop.components.sklearn_trainer import sklearn_trainer
from lolpop.runners.supervised import (
    ApprovalSettings,
    SupervisedSettings,
    classification_runner,
    with_defaults,
)


def test_the_first_build_all_of_a_manual_workflow_registers_and_predicts_nothing(
    tmp_path: Path,
) -> None:
    """It failed at predict: "there is no 'champion' model version to predict with: train
    and deploy a model first", right after deploy registered one for approval."""
    settings = SupervisedSettings(
        model_name="iris",
        target="target",
        work_dir=str(tmp_path / "work"),
        approval=ApprovalSettings(manual=True),
    )
    iris = sklearn_dataset_connector(SklearnDatasetSettings("iris"))
    components = evolve(
        with_defaults(
            Classification, settings, iris, sklearn_trainer(LogisticRegression, {"max_iter": 500})
        ),
        tracker=memory_tracker(MemoryStore()),
        repository=local_registry(LocalRegistrySettings(str(tmp_path / "registry"), "iris")),
        new_data=iris,
        predictions=csv_connector(CsvSettings(str(tmp_path / "predictions.csv"))),
    )
    report = run(classification_runner(components, settings), None).unwrap()
    assert report.deployment is not None
    assert report.deployment.version is not None
    assert not report.deployment.promoted
    assert report.predicted is None
    assert not (tmp_path / "predictions.csv").exists()
    text = report.to_text()
    assert (
        "deploy: iris version 1 registered; it awaits a person's approval "
        "(`lolpop approve iris:1 --promote`)" in text
    ), text
    assert "predict: not run: there is no champion yet" in text, text
