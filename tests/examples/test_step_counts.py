"""The churn example's program holds component steps and decisions only, no glue: its plan
lists exactly them, numbered 1..N; a run's ledger records exactly the ones that ran, and
on Prefect each of those is one task run (and nothing else is)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import attrs
import pytest
from attrs import evolve

from examples._common import ROOT
from examples.churn import workflow as churn_workflow
from lolpop import Step, run
from lolpop.backends import DryRun, Local, Prefect
from lolpop.backends.records import MemoryLedger
from lolpop.components.records import Classification
from lolpop.core.paths import leaves
from lolpop.runners.supervised import SupervisedComponents, WorkflowReport, classification_runner
from tests.prefect_runs import latest_task_run_names

#: The steps the pipelines make themselves: decisions, and the profile report.
DECISIONS = {
    "required_columns",
    "stop_on_error",
    "write_profile_report",
    "bundle",
    "check_task",
    "decide",
    "champion",
    "check_features",
    "assemble",
    # The predict pipeline's drift reference: the champion's training data (its lineage).
    "reference",
    # The deploy pipeline's promote: the repository's, a stale comparison reported.
    "promote",
    # The train pipeline's hygiene: rows missing the target, the id and time columns.
    "missing_target",
    "split_target",
    "never_features",
    # The predict pipeline's count of categories the model never saw.
    "unseen_categories",
}


def _component_steps(components: SupervisedComponents[Classification]) -> set[int]:
    """The ids of every step the components' records hold, and of their leaves."""
    found: set[int] = set()
    for field in attrs.fields(SupervisedComponents):
        record = getattr(components, field.name)
        if record is None:
            continue
        for inner in attrs.fields(type(record)):
            value = getattr(record, inner.name)
            if isinstance(value, Step):
                # A component's step, and the leaves it is made of (a search's trials).
                found |= {id(value), *(id(visit.step) for visit in leaves(value))}
    return found


def _churn(
    folder: Path,
) -> tuple[SupervisedComponents[Classification], Step[None, WorkflowReport[Classification]]]:
    settings = evolve(
        churn_workflow.SETTINGS,
        work_dir=str(folder / ".lolpop"),
        tracking_uri=f"sqlite:///{folder / 'mlflow.db'}",
    )
    components = churn_workflow.make_components(settings, root=ROOT)
    program = classification_runner(components, settings, approval=churn_workflow.APPROVAL)
    return components, program


def test_every_leaf_is_a_component_step_or_a_decision(tmp_path: Path) -> None:
    components, program = _churn(tmp_path)
    mine = _component_steps(components)
    visits = list(leaves(program))
    strangers = [v.path for v in visits if id(v.step) not in mine and v.step.name not in DECISIONS]
    assert strangers == []
    assert {v.step.name for v in visits if id(v.step) not in mine} <= DECISIONS
    plan = run(program, None, backend=DryRun()).unwrap()
    assert [s.path for s in plan.steps] == [v.path for v in visits]
    assert not any(s.internal for s in plan.steps)
    numbers = [int(m.group(1)) for m in re.finditer(r"^(\d+)  ", plan.to_text(), re.MULTILINE)]
    assert numbers == list(range(1, len(plan.steps) + 1))


@pytest.mark.usefixtures("prefect_server")
def test_ledger_records_and_prefect_task_runs_are_the_steps_that_ran(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _, local_program = _churn(tmp_path / "local")
    ledger = MemoryLedger()
    assert run(local_program, None, backend=Local(ledger=ledger)).unwrap().deployment is not None
    ran = Counter(record.path for record in ledger.records())
    planned = {s.path for s in run(local_program, None, backend=DryRun()).unwrap().steps}
    assert set(ran) <= planned
    # What did not run was conditional: the champion (none yet), drift (no earlier data),
    # the failure handlers and the notice (the checks passed).
    skipped = planned - set(ran)
    assert all(
        "champion/" in p or "failed_run" in p or p.endswith(("load_frame", "compare", "notify"))
        for p in skipped
    ), skipped

    _, prefect_program = _churn(tmp_path / "prefect")
    flow_name = "churn-step-counts"
    assert run(prefect_program, None, backend=Prefect(flow_name=flow_name)).unwrap().deployment
    on_prefect = Counter(latest_task_run_names(flow_name, sum(ran.values())))
    assert on_prefect == ran
