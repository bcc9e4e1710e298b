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
from sklearn.linear_model import LogisticRegression

from examples._common import run_main
from lolpop import Step
from lolpop.components.data_checker import CheckerSettings, Rule, rules_checker
from lolpop.components.explainer import ExplainerSettings, permutation_explainer
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

SETTINGS = SupervisedSettings(model_name="breast_cancer", target="target")
APPROVAL = classification_rule("f1", min_improvement=0.005)


def make_components(settings: SupervisedSettings) -> SupervisedComponents[Classification]:
    """The components `workflow.yaml` names, and the runner's defaults for the rest."""
    base = with_defaults(
        Classification,
        settings,
        data=sklearn_dataset_connector(SklearnDatasetSettings("breast_cancer")),
        trainer=sklearn_trainer(LogisticRegression, {"max_iter": 1000}),
    )
    return evolve(
        base,
        tuner=grid_search_of(
            LogisticRegression, metric="f1", params={"max_iter": 1000}, space={"C": (0.1, 1.0)}
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
        baseline=classification_baseline("f1"),
        visualizer=matplotlib_visualizer(
            VisualizerSettings(str(Path(settings.work_dir) / "figures" / "breast_cancer"))
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
