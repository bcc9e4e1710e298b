"""Diabetes, typed: `workflow.yaml`'s base config as a Python program mypy checks.

Regression on scikit-learn's diabetes data: ridge regression, tuned on alpha by rmse;
explained, compared with a dummy baseline and drawn. Runs are recorded in MLflow
(`mlflow.db` in the working folder); versions, reports and figures go to `.lolpop/`. A
later run promotes its model version only if its rmse on the same test data is lower
than the champion's by 0.5.

Run it from the repository's root:

    python -m examples.diabetes.workflow             # train, deploy if better
    python -m examples.diabetes.workflow --dry-run   # the plan; nothing runs
"""

from __future__ import annotations

import sys
from pathlib import Path

from attrs import evolve
from sklearn.linear_model import Ridge

from examples._common import run_main
from lolpop import Step
from lolpop.components.explainer import ExplainerSettings, permutation_explainer
from lolpop.components.model_checker import regression_baseline
from lolpop.components.records import Regression
from lolpop.components.sklearn_datasets import SklearnDatasetSettings, sklearn_dataset_connector
from lolpop.components.sklearn_trainer import sklearn_trainer
from lolpop.components.tuner import grid_search_of
from lolpop.components.visualizer import VisualizerSettings, matplotlib_visualizer
from lolpop.pipelines.deploy import regression_rule
from lolpop.runners.supervised import (
    Stage,
    SupervisedComponents,
    SupervisedSettings,
    WorkflowReport,
    regression_runner,
    with_defaults,
)

SETTINGS = SupervisedSettings(model_name="diabetes", target="target")
APPROVAL = regression_rule("rmse", min_improvement=0.5)


def make_components(settings: SupervisedSettings) -> SupervisedComponents[Regression]:
    """The components `workflow.yaml` names, and the runner's defaults for the rest."""
    base = with_defaults(
        Regression,
        settings,
        data=sklearn_dataset_connector(SklearnDatasetSettings("diabetes")),
        trainer=sklearn_trainer(Ridge),
    )
    return evolve(
        base,
        tuner=grid_search_of(Ridge, metric="rmse", space={"alpha": (0.1, 1.0, 10.0)}),
        explainer=permutation_explainer(ExplainerSettings(n_repeats=3)),
        baseline=regression_baseline("rmse"),
        visualizer=matplotlib_visualizer(
            VisualizerSettings(str(Path(settings.work_dir) / "figures" / "diabetes"))
        ),
    )


def make_program(stage: Stage = "build_all") -> Step[None, WorkflowReport[Regression]]:
    """The runner's program for `stage` (build_all: process, train, deploy)."""
    return regression_runner(make_components(SETTINGS), SETTINGS, stage, approval=APPROVAL)


def main(argv: list[str] | None = None) -> int:
    """Run on the local backend and print the report (or, `--dry-run`, the plan); 0 if done."""
    return run_main(make_program, argv, __doc__)


if __name__ == "__main__":
    sys.exit(main())
