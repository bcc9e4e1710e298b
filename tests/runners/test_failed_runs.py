"""A workflow that fails after its run started ends that run as FAILED: no run is left
marked as running."""

from __future__ import annotations

from pathlib import Path

from attrs import evolve
from returns.pipeline import is_successful

from lolpop import make_step, run
from lolpop.components.local_repository import LocalRegistrySettings, local_registry
from lolpop.components.memory_tracker import MemoryStore, memory_tracker
from lolpop.components.records import FittedModel, Labelled, ModelTrainer
from lolpop.components.sklearn_datasets import SklearnDatasetSettings, sklearn_dataset_connector
from lolpop.components.sklearn_trainer import TrainerSettings, sklearn_model
from lolpop.config.records import Settings
from lolpop.runners.supervised import supervised_runner, with_defaults


def failing_fit(data: Labelled) -> FittedModel:
    raise RuntimeError("out of memory while fitting")


def test_a_failure_in_training_ends_the_training_run_as_failed(tmp_path: Path) -> None:
    settings = Settings(model_name="iris", target="target", work_dir=str(tmp_path / "work"))
    working = sklearn_model(TrainerSettings("sklearn.linear_model:LogisticRegression"))
    broken: ModelTrainer[FittedModel] = evolve(working, fit=make_step(failing_fit, name="fit"))
    runs = MemoryStore()
    components = evolve(
        with_defaults(
            "classification",
            settings,
            sklearn_dataset_connector(SklearnDatasetSettings("iris")),
            broken,
        ),
        tracker=memory_tracker(runs),
        repository=local_registry(LocalRegistrySettings(str(tmp_path / "registry"), "iris")),
    )
    result = run(supervised_runner("classification", components, settings, "train"), None)
    assert not is_successful(result)
    assert result.failure().path == "classification-train/train/fit"
    assert [(r.name, r.status) for r in runs.runs()] == [("iris-train", "FAILED")]
