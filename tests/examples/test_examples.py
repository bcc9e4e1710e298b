"""The YAML examples and their typed Python forms: the same programs, checked, and churn run."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest
from attrs import evolve
from returns.result import Failure, Success
from typer.testing import CliRunner

from examples._common import ROOT
from examples.breast_cancer import workflow as breast_cancer_workflow
from examples.churn import workflow as churn_workflow
from examples.diabetes import workflow as diabetes_workflow
from examples.forecasting import workflow as forecasting_workflow
from examples.wine import workflow as wine_workflow
from lolpop import Step, run
from lolpop.backends import DryRun
from lolpop.cli import app
from lolpop.components.file_connector import CsvSettings, csv_connector
from lolpop.components.records import Classification
from lolpop.config import load
from lolpop.runners.build import build_workflow
from lolpop.runners.forecasting import ForecastSettings
from lolpop.runners.kinds import Report
from lolpop.runners.supervised import (
    Stage,
    SupervisedSettings,
    WorkflowReport,
    classification_runner,
)

WORKFLOWS: dict[str, ModuleType] = {
    "breast_cancer": breast_cancer_workflow,
    "wine": wine_workflow,
    "diabetes": diabetes_workflow,
    "churn": churn_workflow,
    "forecasting": forecasting_workflow,
}


def yaml_of(name: str) -> str:
    return str(ROOT / "examples" / name / "workflow.yaml")


def plan_paths(program: Step[None, Report]) -> list[str]:
    match run(program, None, backend=DryRun()):
        case Success(plan):
            return [step.path for step in plan.steps]
        case Failure(failure):
            raise AssertionError(failure.message)
    raise AssertionError("unreachable")


@pytest.mark.parametrize("name", list(WORKFLOWS))
def test_yaml_and_python_forms_plan_the_same_steps(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = load(yaml_of(name)).unwrap()
    from_yaml = plan_paths(build_workflow(config).unwrap())
    make_program: Callable[[], Step[None, Report]] = WORKFLOWS[name].make_program
    from_python = plan_paths(make_program())
    assert from_python == from_yaml
    assert len(from_python) > 40  # every component step and decision, no glue
    # The same settings; the YAML's approval settings are the Python form's typed rule.
    expected, rule = WORKFLOWS[name].SETTINGS, WORKFLOWS[name].APPROVAL
    assert isinstance(config.settings, SupervisedSettings | ForecastSettings)
    assert evolve(config.settings, approval=expected.approval) == expected
    approval = config.settings.approval
    assert (approval.metric, approval.min_improvement, approval.manual) == (
        rule.metric,
        rule.min_improvement,
        rule.manual,
    )
    assert list(tmp_path.iterdir()) == []  # a dry run reads and writes nothing


@pytest.mark.parametrize("name", list(WORKFLOWS))
def test_dry_run_flag_prints_the_plan(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert WORKFLOWS[name].main(["--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("plan of ")
    assert "/deploy/promote" in out
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", list(WORKFLOWS))
@pytest.mark.parametrize("profile", [None, "prod"])
def test_lolpop_check_accepts_each_profile(
    name: str, profile: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://mlflow.example:5000")
    args = ["check", yaml_of(name), *(["--profile", profile] if profile else [])]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert f"{yaml_of(name)}: OK" in result.output
    if profile == "prod":
        assert "http://mlflow.example:5000" in result.output


@pytest.mark.parametrize("name", list(WORKFLOWS))
def test_lolpop_check_mypy_passes(name: str) -> None:
    result = CliRunner().invoke(app, ["check", "--mypy", yaml_of(name)])
    assert result.exit_code == 0, result.output
    assert "mypy OK" in result.output


# --- churn, end to end --------------------------------------------------------------


def churn_program(
    folder: Path, stage: Stage = "build_all"
) -> Step[None, WorkflowReport[Classification]]:
    """The churn example with its data read from the repository, everything else in `folder`."""
    settings = evolve(
        churn_workflow.SETTINGS,
        work_dir=str(folder / ".lolpop"),
        tracking_uri=f"sqlite:///{folder / 'mlflow.db'}",
    )
    components = churn_workflow.make_components(settings, root=ROOT)
    if stage == "predict":  # new data without a feature, predictions kept apart
        bad = folder / "new_customers_no_charges.csv"
        new = pd.read_csv(ROOT / "examples" / "churn" / "data" / "new_customers.csv")
        new.drop(columns=["monthly_charges"]).to_csv(bad, index=False)
        components = evolve(
            components,
            new_data=csv_connector(CsvSettings(str(bad))),
            predictions=csv_connector(CsvSettings(str(folder / "bad_predictions.csv"))),
        )
    return classification_runner(components, settings, stage, approval=churn_workflow.APPROVAL)


@pytest.fixture(scope="module")
def churn_runs(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Path, list[WorkflowReport[Classification]]]]:
    folder = tmp_path_factory.mktemp("churn")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)  # MLflow keeps its artifacts in the working folder
        reports = [run(churn_program(folder), None).unwrap() for _ in range(2)]
        yield folder, reports


def test_churn_first_run_promotes_and_the_same_second_does_not(
    churn_runs: tuple[Path, list[WorkflowReport[Classification]]],
) -> None:
    folder, (first, second) = churn_runs
    assert first.deployment is not None
    assert second.deployment is not None
    assert first.deployment.version is not None
    assert (first.deployment.version.version, first.deployment.promoted) == (1, True)
    # The same run again is no better: rejected, and so not registered.
    assert (second.deployment.version, second.deployment.promoted) == (None, False)
    assert second.predicted is not None
    assert (second.predicted.model.name, second.predicted.model.version) == ("churn", 1)
    predictions = pd.read_csv(folder / ".lolpop" / "predictions" / "churn.csv")
    assert list(predictions.columns[:4]) == [
        "customer_id",
        "prediction",
        "probability_0",
        "probability_1",
    ]
    assert len(predictions) == 500


def test_churn_new_data_missing_a_feature_fails_and_writes_nothing(
    churn_runs: tuple[Path, list[WorkflowReport[Classification]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, _ = churn_runs
    monkeypatch.chdir(folder)
    result = run(churn_program(folder, stage="predict"), None)
    assert isinstance(result, Failure)
    message = result.failure().message
    assert str(folder / "new_customers_no_charges.csv") in message
    assert "'monthly_charges'" in message
    assert not (folder / "bad_predictions.csv").exists()
