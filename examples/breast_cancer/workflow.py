"""Breast cancer, typed: `workflow.yaml`'s base config as a Python program mypy checks.

Binary classification on scikit-learn's breast cancer data: logistic regression, tuned
on C, checked against rules, explained, compared with a dummy baseline and drawn. Runs
are recorded in MLflow (`mlflow.db` in the working folder); versions, reports and
figures go to `.lolpop/`. A second run promotes its model version only if it beats the
champion's f1 on the same test data by 0.005.

Run it from the repository's root:

    python -m examples.breast_cancer.workflow             # train, deploy if better
    python -m examples.breast_cancer.workflow --dry-run   # the plan; nothing runs
"""

from __future__ import annotations

import sys
from pathlib import Path

from attrs import evolve

from examples._common import run_main
from lolpop import Step
from lolpop.components.data_checker import CheckerSettings, Rule, rules_checker
from lolpop.components.explainer import ExplainerSettings, permutation_explainer
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

ESTIMATOR = "sklearn.linear_model:LogisticRegression"

SETTINGS = Settings(
    model_name="breast_cancer",
    target="target",
    approval=ApprovalSettings(metric="f1", min_improvement=0.005),
)


def make_components(settings: Settings) -> SupervisedComponents:
    """The components `workflow.yaml` names, and the runner's defaults for the rest."""
    base = with_defaults(
        "classification",
        settings,
        data=sklearn_dataset_connector(SklearnDatasetSettings("breast_cancer")),
        trainer=sklearn_model(TrainerSettings(ESTIMATOR, params={"max_iter": 1000})),
    )
    return evolve(
        base,
        tuner=grid_search(
            GridSearchSettings(
                ESTIMATOR, metric="f1", params={"max_iter": 1000}, space={"C": (0.1, 1.0)}
            )
        ),
        checker=rules_checker(
            CheckerSettings(
                (
                    Rule("required_columns", columns=("mean radius", "mean texture", "target")),
                    Rule("not_null", columns=("mean radius", "mean texture")),
                    Rule("allowed_values", columns=("target",), values=(0, 1)),
                    Rule("row_count", min=100),
                )
            )
        ),
        explainer=permutation_explainer(ExplainerSettings(n_repeats=3)),
        baseline=baseline_checker(BaselineSettings("f1")),
        visualizer=matplotlib_visualizer(
            VisualizerSettings(str(Path(settings.work_dir) / "figures" / "breast_cancer"))
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
