"""A workflow that fails after its run started ends that run as FAILED: no run is left
marked as running."""

from __future__ import annotations

from pathlib import Path

from attrs import evolve
from returns.pipeline import is_successful
from sklearn.linear_model import LogisticRegression

from lolpop import make_step, run
from lolpop.components.local_repository import LocalRegistrySettings, local_registry
from lolpop.components.memory_tracker import MemoryStore, memory_tracker
from lolpop.components.records import Classification, FittedModel, Labelled, ModelTrainer
from lolpop.components.sklearn_datasets import SklearnDatasetSettings, sklearn_dataset_connector
from lolpop.components.sklearn_trainer import sklearn_trainer
from lolpop.runners.supervised import SupervisedSettings, classification_runner, with_defaults


def failing_fit(data: Labelled) -> FittedModel[Classification]:
    raise RuntimeError("out of memory while fitting")


def test_a_failure_in_training_ends_the_training_run_as_failed(tmp_path: Path) -> None:
    settings = SupervisedSettings(
        model_name="iris", target="target", work_dir=str(tmp_path / "work")
    )
    working = sklearn_trainer(LogisticRegression)
    broken: ModelTrainer[Classification] = evolve(working, fit=make_step(failing_fit, name="fit"))
    runs = MemoryStore()
    components = evolve(
        with_defaults(
            Classification,
            settings,
            sklearn_dataset_connector(SklearnDatasetSettings("iris")),
            broken,
        ),
        tracker=memory_tracker(runs),
        repository=local_registry(LocalRegistrySettings(str(tmp_path / "registry"), "iris")),
    )
    result = run(classification_runner(components, settings, "train"), None)
    assert not is_successful(result)
    assert result.failure().path == "classification-train/train/fit"
    assert [(r.name, r.status) for r in runs.runs()] == [("iris-train", "FAILED")]
