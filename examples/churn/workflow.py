"""Churn, typed: `workflow.yaml`'s base config as a Python program mypy checks.

Binary classification on a CSV shipped with lolpop (`data/customers.csv`: categorical
columns, missing values). The workflow processes and checks the data, trains a
logistic regression tuned on C, deploys it if its f1 beats the champion's by 0.01, then
predicts the new customers in `data/new_customers.csv` (showing their drift against the
training data) into `.lolpop/predictions/churn.csv`. Runs are recorded in MLflow
(`mlflow.db` in the working folder); versions, reports and figures go to `.lolpop/`.

Run it from the repository's root (the data is found from there; the rest is written
in the working folder):

    python -m examples.churn.workflow                   # train, deploy if better, predict
    python -m examples.churn.workflow --stage predict   # predict with the champion only
    python -m examples.churn.workflow --stage evaluate  # score predictions on later labels
    python -m examples.churn.workflow --dry-run         # the plan; nothing is read or written
"""

from __future__ import annotations

import sys
from pathlib import Path

from attrs import evolve

from examples._common import ROOT, run_main
from lolpop import Step
from lolpop.components.bias import BiasSettings, bias_checker
from lolpop.components.data_checker import CheckerSettings, Rule, rules_checker
from lolpop.components.explainer import ExplainerSettings, permutation_explainer
from lolpop.components.file_connector import CsvSettings, csv_connector
from lolpop.components.model_checker import BaselineSettings, baseline_checker
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
CONTRACTS = ("month-to-month", "one-year", "two-year")

SETTINGS = Settings(
    model_name="churn",
    target="churned",
    index="customer_id",
    approval=ApprovalSettings(metric="f1", min_improvement=0.01),
)


def make_components(settings: Settings, root: Path = ROOT) -> SupervisedComponents:
    """The components `workflow.yaml` names, and the runner's defaults for the rest.

    `root`: the folder holding `examples/churn/data` (the repository's root).
    """
    data = root / "examples" / "churn" / "data"
    work = Path(settings.work_dir)
    base = with_defaults(
        "classification",
        settings,
        data=csv_connector(CsvSettings(str(data / "customers.csv"))),
        trainer=sklearn_model(TrainerSettings(ESTIMATOR, params={"max_iter": 1000})),
    )
    return evolve(
        base,
        new_data=csv_connector(CsvSettings(str(data / "new_customers.csv"))),
        predictions=csv_connector(CsvSettings(str(work / "predictions" / "churn.csv"))),
        labels=csv_connector(CsvSettings(str(data / "new_customers_labels.csv"))),
        checker=rules_checker(
            CheckerSettings(
                (
                    Rule(
                        "required_columns",
                        columns=("customer_id", "tenure_months", "monthly_charges", "contract"),
                    ),
                    Rule("unique", columns=("customer_id",)),
                    Rule("range", columns=("tenure_months",), min=0, max=72),
                    Rule("allowed_values", columns=("contract",), values=CONTRACTS),
                    Rule(
                        "not_null",
                        columns=("total_charges",),
                        max_missing_fraction=0.05,
                        severity="WARN",
                    ),
                )
            )
        ),
        tuner=grid_search(
            GridSearchSettings(
                ESTIMATOR, metric="f1", params={"max_iter": 1000}, space={"C": (0.1, 1.0)}
            )
        ),
        explainer=permutation_explainer(ExplainerSettings(n_repeats=3)),
        baseline=baseline_checker(BaselineSettings("f1")),
        visualizer=matplotlib_visualizer(VisualizerSettings(str(work / "figures" / "churn"))),
        bias=bias_checker(BiasSettings("region", positive=1)),
    )


def make_program(stage: str = "build_all") -> Step[None, WorkflowReport]:
    """The runner's program for `stage` (build_all: process, train, deploy, predict)."""
    return supervised_runner("classification", make_components(SETTINGS), SETTINGS, stage)


def main(argv: list[str] | None = None) -> int:
    """Run on the local backend and print the report (or, `--dry-run`, the plan); 0 if done."""
    return run_main(make_program, argv, __doc__)


if __name__ == "__main__":
    sys.exit(main())
