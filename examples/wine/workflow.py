"""Wine, typed: `workflow.yaml`'s base config as a Python program mypy checks.

Multiclass classification on scikit-learn's wine data with a random forest, tuned on
max_depth and scored with macro-averaged metrics; explained, compared with a dummy
baseline and drawn. Runs are recorded in MLflow (`mlflow.db` in the working folder);
versions, reports and figures go to `.lolpop/`. A later run promotes its model version
only if it beats the champion's f1 on the same test data by 0.01.

Run it from the repository's root:

    python -m examples.wine.workflow             # train, deploy if better
    python -m examples.wine.workflow --dry-run   # the plan; nothing runs
"""

from __future__ import annotations

import sys
from pathlib import Path

from attrs import evolve

from examples._common import run_main
from lolpop import Step
from lolpop.components.explainer import ExplainerSettings, permutation_explainer
from lolpop.components.metrics import ClassificationMetricsSettings, classification_metrics
from lolpop.components.model_checker import BaselineSettings, baseline_checker
from lolpop.components.sklearn_datasets import SklearnDatasetSettings, sklearn_dataset_connector
from lolpop.components.sklearn_trainer import TrainerSettings, sklearn_model
from lolpop.components.tuner import GridSearchSettings, grid_search
from lolpop.components.visualizer import VisualizerSettings, matplotlib_visualizer
from lolpop.config.records import ApprovalSettings, Settings
from lolpop.runners.supervised import (
    SupervisedComponents,
    WorkflowReport,
    supervised_runner,
    with_defaults,
)

ESTIMATOR = "sklearn.ensemble:RandomForestClassifier"

SETTINGS = Settings(
    model_name="wine",
    target="target",
    approval=ApprovalSettings(metric="f1", min_improvement=0.01),
)


def make_components(settings: Settings) -> SupervisedComponents:
    """The components `workflow.yaml` names, and the runner's defaults for the rest."""
    base = with_defaults(
        "classification",
        settings,
        data=sklearn_dataset_connector(SklearnDatasetSettings("wine")),
        trainer=sklearn_model(TrainerSettings(ESTIMATOR, params={"n_estimators": 50})),
    )
    return evolve(
        base,
        tuner=grid_search(
            GridSearchSettings(
                ESTIMATOR, metric="f1", params={"n_estimators": 50}, space={"max_depth": (3, None)}
            )
        ),
        metrics=classification_metrics(ClassificationMetricsSettings(average="macro")),
        explainer=permutation_explainer(ExplainerSettings(n_repeats=3)),
        baseline=baseline_checker(BaselineSettings("f1")),
        visualizer=matplotlib_visualizer(
            VisualizerSettings(str(Path(settings.work_dir) / "figures" / "wine"))
        ),
    )


def make_program(stage: str = "build_all") -> Step[None, WorkflowReport]:
    """The runner's program for `stage` (build_all: process, train, deploy)."""
    return supervised_runner("classification", make_components(SETTINGS), SETTINGS, stage)


def main(argv: list[str] | None = None) -> int:
    """Run on the local backend and print the report (or, `--dry-run`, the plan); 0 if done."""
    return run_main(make_program, argv, __doc__)


if __name__ == "__main__":
    sys.exit(main())
