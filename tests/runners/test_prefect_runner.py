"""The diabetes example (regression) on the Prefect backend: the same result as on the
local backend, each step a task of one flow."""

from __future__ import annotations

from pathlib import Path

import pytest
from attrs import evolve

from examples.diabetes.workflow import SETTINGS, make_components
from lolpop import run
from lolpop.backends import Local, Prefect
from lolpop.components.records import Regression
from lolpop.runners.supervised import WorkflowReport, regression_runner

pytestmark = pytest.mark.usefixtures("prefect_server")


def report(tmp_path: Path, backend: Local | Prefect) -> WorkflowReport[Regression]:
    settings = evolve(
        SETTINGS,
        work_dir=str(tmp_path / "work"),
        tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}",
    )
    program = regression_runner(make_components(settings), settings)
    return run(program, None, backend=backend).unwrap()


def test_prefect_gives_the_same_model_and_decision_as_local(tmp_path: Path) -> None:
    local = report(tmp_path / "local", Local())
    on_prefect = report(tmp_path / "prefect", Prefect(flow_name="diabetes"))
    assert local.trained is not None
    assert on_prefect.trained is not None
    assert on_prefect.trained.candidate.metrics == pytest.approx(local.trained.candidate.metrics)
    assert on_prefect.deployment is not None
    assert on_prefect.deployment.promoted
    assert on_prefect.deployment.version is not None
    assert on_prefect.deployment.version.version == 1
