"""Shared data and components for the pipeline tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression

from lolpop.components.encoder import column_encoder
from lolpop.components.explainer import ExplainerSettings, permutation_explainer
from lolpop.components.local_repository import LocalRegistrySettings, local_registry
from lolpop.components.memory_tracker import MemoryStore, memory_tracker
from lolpop.components.metrics import classification_metrics
from lolpop.components.model_checker import classification_baseline
from lolpop.components.records import Classification
from lolpop.components.sklearn_trainer import sklearn_trainer
from lolpop.components.splitter import SplitterSettings, data_splitter
from lolpop.components.tuner import grid_search_of
from lolpop.components.visualizer import VisualizerSettings, matplotlib_visualizer
from lolpop.pipelines.train import TrainComponents


@pytest.fixture(scope="session")
def frame() -> pd.DataFrame:
    bunch = load_breast_cancer(as_frame=True)
    data = bunch.frame.iloc[:, [0, 1, 2, 3, 4, 5, 30]]
    return data.rename(columns=lambda c: str(c).replace(" ", "_"))


def components(
    tmp_path: Path, runs: MemoryStore, space: tuple[float, ...]
) -> TrainComponents[Classification]:
    return TrainComponents(
        splitter=data_splitter(SplitterSettings("target", stratify=True)),
        encoder=column_encoder(),
        trainer=sklearn_trainer(LogisticRegression, {"max_iter": 300}),
        evaluator=classification_metrics(),
        tracker=memory_tracker(runs),
        repository=local_registry(LocalRegistrySettings(str(tmp_path / "registry"), "cancer")),
        tuner=grid_search_of(
            LogisticRegression, metric="f1", space={"C": space}, params={"max_iter": 300}, n_jobs=1
        ),
        explainer=permutation_explainer(ExplainerSettings(n_repeats=2)),
        baseline=classification_baseline("f1"),
        visualizer=matplotlib_visualizer(VisualizerSettings(str(tmp_path / "figures"))),
    )
