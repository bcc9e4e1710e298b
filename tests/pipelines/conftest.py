"""Shared data and components for the pipeline tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer

from lolpop.components.encoder import column_encoder
from lolpop.components.explainer import ExplainerSettings, permutation_explainer
from lolpop.components.local_repository import LocalRegistrySettings, local_registry
from lolpop.components.memory_tracker import MemoryStore, memory_tracker
from lolpop.components.metrics import classification_metrics
from lolpop.components.model_checker import BaselineSettings, baseline_checker
from lolpop.components.sklearn_trainer import TrainerSettings, sklearn_model
from lolpop.components.splitter import SplitterSettings, data_splitter
from lolpop.components.tuner import GridSearchSettings, grid_search
from lolpop.components.visualizer import VisualizerSettings, matplotlib_visualizer
from lolpop.pipelines.train import TrainComponents

ESTIMATOR = "sklearn.linear_model:LogisticRegression"


@pytest.fixture(scope="session")
def frame() -> pd.DataFrame:
    bunch = load_breast_cancer(as_frame=True)
    data = bunch.frame.iloc[:, [0, 1, 2, 3, 4, 5, 30]]
    return data.rename(columns=lambda c: str(c).replace(" ", "_"))


def components(tmp_path: Path, runs: MemoryStore, space: tuple[float, ...]) -> TrainComponents:
    return TrainComponents(
        splitter=data_splitter(SplitterSettings("target", stratify=True)),
        encoder=column_encoder(),
        trainer=sklearn_model(TrainerSettings(ESTIMATOR, params={"max_iter": 300})),
        evaluator=classification_metrics(),
        tracker=memory_tracker(runs),
        repository=local_registry(LocalRegistrySettings(str(tmp_path / "registry"), "cancer")),
        tuner=grid_search(
            GridSearchSettings(
                ESTIMATOR, "f1", space={"C": space}, params={"max_iter": 300}, n_jobs=1
            )
        ),
        explainer=permutation_explainer(ExplainerSettings(n_repeats=2)),
        baseline=baseline_checker(BaselineSettings("f1")),
        visualizer=matplotlib_visualizer(VisualizerSettings(str(tmp_path / "figures"))),
    )
