"""Hooks: checks on a step's input or output, as ordinary steps (every backend runs them),
and a config's `tests:` hooks attached by path when the workflow is built."""

from __future__ import annotations

import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import cast

import attrs
import pytest
import yaml
from returns.result import Success
from typer.testing import CliRunner

from lolpop import Step, both, branch, map_each, retry, run, step
from lolpop.backends import DryRun, Local, Prefect
from lolpop.backends.plan import Plan
from lolpop.cli import app
from lolpop.config import load, make_converter
from lolpop.config.records import HookConfig, WorkflowConfig
from lolpop.core.combinators import on_failure
from lolpop.core.failure import RunFailure
from lolpop.core.flow import Flow
from lolpop.core.paths import leaves
from lolpop.errors import ConfigError, DefinitionError, StepFailure
from lolpop.runners.build import build_workflow
from lolpop.runners.kinds import Report
from lolpop.testing.hooks import (
    HookFailed,
    attach_hooks,
    check_input,
    check_output,
    hook_checks,
    rewrite_leaves,
)
from tests.steps import count, double, inc, is_even, positive, short

ROOT = Path(__file__).parents[2]
CHURN = ROOT / "examples" / "churn"
CHECKS = "tests.testing.custom_components"


def failure_of(program: Step[str, int], value: str, backend: Local | Prefect) -> RunFailure:
    result = run(program, value, backend=backend)
    assert not isinstance(result, Success), result
    return result.failure()


# --- hooks in Python ----------------------------------------------------------------------


def test_an_output_hook_passes_the_output_on_or_fails_naming_itself() -> None:
    checked = check_output(count, positive)
    assert checked("abc") == 3
    local = Local()
    failure = failure_of(checked, "", local)
    assert failure.path == "positive"
    cause = failure.cause
    assert isinstance(cause, HookFailed)
    assert (cause.hook, cause.step, cause.at, cause.message) == (
        "positive",
        "count",
        "output",
        "expected a positive count, got 0",
    )
    assert "the hook 'positive' on the output of 'count' failed" in failure.message
    assert [(r.path, r.status.value) for r in local.ledger.records()] == [  # type: ignore[union-attr]  # Local keeps a ledger by default
        ("count", "succeeded"),
        ("positive", "failed"),
    ]


def test_an_input_hook_runs_before_the_step_and_stops_it() -> None:
    checked = check_input(count, short, name="short_text")
    assert checked("abc") == 3
    local = Local()
    failure = failure_of(checked, "too long", local)
    assert failure.path == "short_text"
    assert isinstance(failure.cause, HookFailed)
    assert failure.cause.at == "input"
    assert failure.cause.message == "'too long' is longer than 4 characters"
    assert [r.path for r in local.ledger.records()] == ["short_text"]  # type: ignore[union-attr]  # Local keeps a ledger by default


def test_an_assertion_is_a_failing_check_and_so_is_an_answer_of_another_type() -> None:
    def asserts(n: int) -> None:
        assert n > 0, "must be positive"

    answers_a_bool = cast("Callable[[int], str | None]", lambda n: n > 0)
    with pytest.raises(
        StepFailure, match="the hook 'asserts' on the output of 'count' failed: must be positive"
    ):
        check_output(count, asserts)("")
    with pytest.raises(StepFailure, match=r"returned a bool \(False\); a check returns None"):
        check_output(count, answers_a_bool)("")


def test_hook_names_default_to_the_checks_and_must_be_segments() -> None:
    named = check_output(count, positive)
    anonymous = check_output(count, lambda n: None)
    assert [v.path for v in leaves(named)] == ["count", "positive"]
    assert [v.path for v in leaves(anonymous)] == ["count", "check"]
    with pytest.raises(DefinitionError, match="without '/'"):
        check_output(count, positive, name="a/b")


def test_a_hook_is_a_step_of_the_plan() -> None:
    planned = run(check_output(count, positive), "abc", backend=DryRun())
    plan = planned.unwrap()
    assert isinstance(plan, Plan)
    assert [(s.path, s.input_type, s.output_type) for s in plan.steps] == [
        ("count", "str", "int"),
        ("positive", "int", "int"),
    ]


@pytest.mark.usefixtures("prefect_server")
def test_a_hook_fails_a_prefect_run_as_it_fails_a_local_one() -> None:
    checked = check_output(count, positive).named("counted")
    assert run(checked, "abc", backend=Prefect()).unwrap() == 3
    on_prefect = failure_of(checked, "", Prefect())
    on_local = failure_of(checked, "", Local())
    assert on_prefect.path == on_local.path == "counted/positive"
    assert isinstance(on_prefect.cause, HookFailed)
    assert str(on_prefect.cause) == str(on_local.cause)


def test_a_hook_failure_pickles_with_its_fields() -> None:
    error = HookFailed("positive", "train/fit", "output", "no rows")
    back = pickle.loads(pickle.dumps(error))
    assert (back.hook, back.step, back.at, back.message, str(back)) == (
        "positive",
        "train/fit",
        "output",
        "no rows",
        str(error),
    )


# --- rewriting a program's leaves by path ------------------------------------------------


@step
def listed(pair: tuple[int, int]) -> list[int]:
    return list(pair)


def added(a: int, b: int) -> int:
    return a + b


def small_programs() -> dict[str, Step[int, object]]:
    flow = Flow(int, "flow")
    with flow.block("inner"):
        first = flow.call(inc, flow.input)
        again = flow.call(inc, first)
    second = flow.call(inc >> inc, again)
    return {
        "chain": (inc >> double >> inc).named("main"),
        "fanout": ((inc & double).named("pair") >> both(inc, double)).named("main"),
        "branch": inc >> branch(is_even, double, (inc >> inc).named("odd")),
        "map_each": (inc & inc) >> listed >> map_each(inc),
        "retry": retry(inc >> double, attempts=2).named("again"),
        "flow": flow.build(flow.apply(added, first, second)),
    }


def churn_program() -> Step[None, Report]:
    config = load(CHURN / "workflow.yaml").unwrap()
    return build_workflow(config).unwrap()


@pytest.mark.parametrize("name", [*sorted(small_programs()), "churn"])
def test_rewriting_leaves_walks_the_paths_every_backend_shows(name: str) -> None:
    program: Step[object, object] = cast(
        "Step[object, object]", churn_program() if name == "churn" else small_programs()[name]
    )
    seen: list[str] = []

    def keep(path: str, leaf: Step[object, object]) -> Step[object, object]:
        seen.append(path)
        return leaf

    same = rewrite_leaves(program, keep)  # type: ignore[arg-type]  # `keep` is typed for any step
    assert seen == [visit.path for visit in leaves(program)]
    assert same == program


def test_on_failure_handlers_are_rewritten_too() -> None:
    @step
    def handle(pair: tuple[int, RunFailure]) -> None:
        return None

    program = on_failure(inc >> double, handle).named("guarded")
    paths = [v.path for v in leaves(program)]
    hooked = attach_hooks(program, {"guarded/handle": ()})
    assert (
        [v.path for v in leaves(hooked)]
        == paths
        == ["guarded/inc", "guarded/double", "guarded/handle"]
    )


def test_a_config_hook_sits_beside_its_leaf_and_moves_no_other_path() -> None:
    program = churn_program()
    before = [visit.path for visit in leaves(program)]
    config = hooked_churn(HookConfig("process/read", f"{CHECKS}:has_rows"))
    after = [visit.path for visit in leaves(build_workflow(config).unwrap())]
    read = before.index("classification-build_all/process/read")
    assert after == [
        *before[: read + 1],
        "classification-build_all/process/has_rows",
        *before[read + 1 :],
    ]


# --- a config's `tests:` ----------------------------------------------------------------------


def hooked_churn(*tests: HookConfig) -> WorkflowConfig:
    config = load(CHURN / "workflow.yaml").unwrap()
    return attrs.evolve(config, tests=tests, allow_imports=("tests.testing",))


def plan_paths(program: Step[None, Report]) -> list[str]:
    return [s.path for s in run(program, None, backend=DryRun()).unwrap().steps]


def test_config_hooks_are_attached_at_the_paths_they_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    config = hooked_churn(
        HookConfig("process/read", f"{CHECKS}:has_rows"),
        HookConfig("train/split", f"{CHECKS}:has_rows", at="input", name="rows_to_split"),
    )
    program = build_workflow(config).unwrap()
    paths = plan_paths(program)
    read = paths.index("classification-build_all/process/read")
    split = paths.index("classification-build_all/train/split")
    assert paths[read + 1] == "classification-build_all/process/has_rows"
    assert paths[split - 1] == "classification-build_all/train/rows_to_split"
    checks = hook_checks(program)
    assert {(c.hook, c.step, c.at) for c in checks.values()} == {
        ("has_rows", "classification-build_all/process/read", "output"),
        ("rows_to_split", "classification-build_all/train/split", "input"),
    }


def test_a_hook_on_a_step_of_another_stage_waits_for_that_stage(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    config = hooked_churn(HookConfig("evaluate/read", f"{CHECKS}:has_rows"))
    assert not hook_checks(build_workflow(config).unwrap())
    evaluating = build_workflow(config, stage="evaluate").unwrap()
    assert [c.step for c in hook_checks(evaluating).values()] == [
        "classification-evaluate/evaluate/read"
    ]


def test_a_path_that_names_no_step_or_several_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    config = hooked_churn(
        HookConfig("read", f"{CHECKS}:has_rows"),
        HookConfig("proces/read", f"{CHECKS}:has_rows"),
        HookConfig("process/read", f"{CHECKS}:takes_two"),
        HookConfig("process/read", f"{CHECKS}:missing"),
    )
    error = build_workflow(config).failure()
    assert isinstance(error, ConfigError)
    problems = {problem.path: problem.message for problem in error.problems}
    assert set(problems) == {
        "$.tests[0].step",
        "$.tests[1].step",
        "$.tests[2].check",
        "$.tests[3].check",
    }
    assert (
        "'read' matches 2 steps (classification-build_all/process/read, classification-build_all/predict/read)"
        in problems["$.tests[0].step"]
    )
    assert "no step of the workflow has the path 'proces/read'" in problems["$.tests[1].step"]
    assert "paths like it: classification-build_all/process/read" in problems["$.tests[1].step"]
    assert "takes (frame, other)" in problems["$.tests[2].check"]
    assert "does not exist" in problems["$.tests[3].check"]


def test_a_hooks_section_round_trips_through_the_converter() -> None:
    config = hooked_churn(HookConfig("process/read", f"{CHECKS}:has_rows", at="input", name="rows"))
    converter = make_converter(allow_imports=config.allow_imports, settings=type(config.settings))
    assert converter.structure(converter.unstructure(config), WorkflowConfig) == config


def write_config(folder: Path, *tests: dict[str, str], allow: bool = True) -> Path:
    """The churn config in `folder`, its data copied beside it, with `tests:`."""
    shutil.copytree(CHURN / "data", folder / "data")
    data = yaml.safe_load((CHURN / "workflow.yaml").read_text())
    data["tests"] = list(tests)
    if allow:
        data["allow_imports"] = ["tests.testing"]
    path = folder / "workflow.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_lolpop_check_refuses_a_check_outside_the_allowed_modules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(tmp_path, {"step": "process/read", "check": "os.path:exists"})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["check", str(config)])
    assert result.exit_code == 2
    assert "'os.path:exists' names a module outside the allowed ones" in result.output
    assert "@ $.tests[0].check" in result.output


def test_lolpop_run_fails_at_a_failing_hook_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(tmp_path, {"step": "process/read", "check": f"{CHECKS}:at_most_ten_rows"})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["run", str(config), "--fresh"])
    assert result.exit_code == 1
    assert (
        "step 'classification-build_all/process/at_most_ten_rows' failed on an input of type "
        "pandas.DataFrame: HookFailed: the hook 'at_most_ten_rows' on the output of "
        "'classification-build_all/process/read' failed: expected at most 10 rows, got 1500"
    ) in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "workflow.yaml"]
