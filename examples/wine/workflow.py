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
from sklearn.ensemble import RandomForestClassifier

from examples._common import run_main
from lolpop import Step
from lolpop.components.explainer import ExplainerSettings, permutation_explainer
from lolpop.components.metrics import ClassificationMetricsSettings, classification_metrics
from lolpop.components.model_checker import classification_baseline
from lolpop.components.records import Classification
from lolpop.components.sklearn_datasets import SklearnDatasetSettings, sklearn_dataset_connector
from lolpop.components.sklearn_trainer import sklearn_trainer
from lolpop.components.tuner import grid_search_of
from lolpop.components.visualizer import VisualizerSettings, matplotlib_visualizer
from lolpop.pipelines.deploy import classification_rule
from lolpop.runners.supervised import (
    Stage,
    SupervisedComponents,
    SupervisedSettings,
    WorkflowReport,
    classification_runner,
    with_defaults,
)

SETTINGS = SupervisedSettings(model_name="wine", target="target")
APPROVAL = classification_rule("f1", min_improvement=0.01)


def make_components(settings: SupervisedSettings) -> SupervisedComponents[Classification]:
    """The components `workflow.yaml` names, and the runner's defaults for the rest."""
    base = with_defaults(
        Classification,
        settings,
        data=sklearn_dataset_connector(SklearnDatasetSettings("wine")),
        trainer=sklearn_trainer(RandomForestClassifier, {"n_estimators": 50}),
    )
    return evolve(
        base,
        tuner=grid_search_of(
            RandomForestClassifier,
            metric="f1",
            params={"n_estimators": 50},
            space={"max_depth": (3, None)},
        ),
        metrics=classification_metrics(ClassificationMetricsSettings(average="macro")),
        explainer=permutation_explainer(ExplainerSettings(n_repeats=3)),
        baseline=classification_baseline("f1"),
        visualizer=matplotlib_visualizer(
            VisualizerSettings(str(Path(settings.work_dir) / "figures" / "wine"))
        ),
    )


def make_program(stage: Stage = "build_all") -> Step[None, WorkflowReport[Classification]]:
    """The runner's program for `stage` (build_all: process, train, deploy)."""
    return classification_runner(make_components(SETTINGS), SETTINGS, stage, approval=APPROVAL)


def main(argv: list[str] | None = None) -> int:
    """Run on the local backend and print the report (or, `--dry-run`, the plan); 0 if done."""
    return run_main(make_program, argv, __doc__)


if __name__ == "__main__":
    sys.exit(main())
