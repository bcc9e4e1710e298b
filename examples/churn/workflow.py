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
from sklearn.linear_model import LogisticRegression

from examples._common import ROOT, run_main
from lolpop import Step
from lolpop.components.bias import BiasSettings, bias_checker
from lolpop.components.data_checker import CheckerSettings, Rule, rules_checker
from lolpop.components.explainer import ExplainerSettings, permutation_explainer
from lolpop.components.file_connector import CsvSettings, csv_connector
from lolpop.components.model_checker import classification_baseline
from lolpop.components.records import Classification
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

CONTRACTS = ("month-to-month", "one-year", "two-year")

SETTINGS = SupervisedSettings(model_name="churn", target="churned", index="customer_id")
#: A new version replaces the champion when its f1 is better by 0.01 (an f1 rule for a
#: classifier: mypy refuses a regression metric here).
APPROVAL = classification_rule("f1", min_improvement=0.01)


def make_components(
    settings: SupervisedSettings, root: Path = ROOT
) -> SupervisedComponents[Classification]:
    """The components `workflow.yaml` names, and the runner's defaults for the rest.

    `root`: the folder holding `examples/churn/data` (the repository's root).
    """
    data = root / "examples" / "churn" / "data"
    work = Path(settings.work_dir)
    base = with_defaults(
        Classification,
        settings,
        data=csv_connector(CsvSettings(str(data / "customers.csv"))),
        trainer=sklearn_trainer(LogisticRegression, {"max_iter": 1000}),
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
        tuner=grid_search_of(
            LogisticRegression, metric="f1", params={"max_iter": 1000}, space={"C": (0.1, 1.0)}
        ),
        explainer=permutation_explainer(ExplainerSettings(n_repeats=3)),
        baseline=classification_baseline("f1"),
        visualizer=matplotlib_visualizer(VisualizerSettings(str(work / "figures" / "churn"))),
        bias=bias_checker(BiasSettings("region", positive=1)),
    )


def make_program(stage: Stage = "build_all") -> Step[None, WorkflowReport[Classification]]:
    """The runner's program for `stage` (build_all: process, train, deploy, predict)."""
    return classification_runner(make_components(SETTINGS), SETTINGS, stage, approval=APPROVAL)


def main(argv: list[str] | None = None) -> int:
    """Run on the local backend and print the report (or, `--dry-run`, the plan); 0 if done."""
    return run_main(make_program, argv, __doc__)


if __name__ == "__main__":
    sys.exit(main())
