"""`lolpop check` knows what each stage needs.

A config that only trains passes, and check says which stages it cannot run and why,
each need at its config path. A stage the config sets up (a `labels` component for
`evaluate`, `new_data` for `predict`) that misses something is an error, as is any need
of the stage named with `--stage`. Before, check built the default stage only: it said
OK to a config whose `--stage evaluate` then failed at run time, at `$.runner`."""

from __future__ import annotations

from pathlib import Path

import pytest
from returns.pipeline import is_successful
from typer.testing import CliRunner

from lolpop.cli import app
from lolpop.config import load
from lolpop.errors import ConfigError, DefinitionError
from lolpop.runners.build import build_parts, build_workflow, check_stages

runner = CliRunner()

TRAIN_ONLY = """\
runner: classification
settings:
  model_name: wine
  target: target
components:
  data: {type: sklearn_dataset, name: wine}
  trainer: {type: sklearn_model, estimator: sklearn.tree:DecisionTreeClassifier}
"""

EVERY_STAGE = """\
runner: classification
settings:
  model_name: wine
  target: target
  index: id
components:
  data: {type: csv, path: data.csv}
  trainer: {type: sklearn_model, estimator: sklearn.tree:DecisionTreeClassifier}
  new_data: {type: csv, path: new.csv}
  predictions: {type: csv, path: predictions.csv}
  labels: {type: csv, path: labels.csv}
"""


def _config(tmp_path: Path, text: str) -> str:
    path = tmp_path / "workflow.yaml"
    path.write_text(text)
    return str(path)


def _check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, *args: str
) -> tuple[int, str]:
    monkeypatch.chdir(tmp_path)  # the configs' paths are relative to the project folder
    # --offline: these configs name files that are not there (the stages are under test).
    result = runner.invoke(app, ["check", "--offline", _config(tmp_path, text), *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_a_config_that_only_trains_passes_and_says_what_it_cannot_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output = _check(tmp_path, monkeypatch, TRAIN_ONLY)
    assert code == 0, output
    assert output.startswith(f"{tmp_path / 'workflow.yaml'}: OK\nrunner: classification\n")
    assert "stages that can run: build_all, process, train, deploy" in output
    assert "predict cannot run" in output
    assert "evaluate cannot run" in output
    for path in (
        "$.components.new_data",
        "$.components.predictions",
        "$.components.labels",
        "$.settings.index",
    ):
        assert f"@ {path}" in output, path


def test_a_labels_component_without_an_index_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = TRAIN_ONLY + "  labels: {type: csv, path: labels.csv}\n"
    code, output = _check(tmp_path, monkeypatch, text)
    assert code == 2, output
    assert "2 problems" in output
    assert "evaluating needs `settings.index`" in output
    assert "@ $.settings.index" in output
    assert "@ $.components.predictions" in output
    assert ": OK" not in output


def test_new_data_without_predictions_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = TRAIN_ONLY + "  new_data: {type: csv, path: new.csv}\n"
    code, output = _check(tmp_path, monkeypatch, text)
    assert code == 2, output
    assert "predicting needs the `predictions` component" in output
    assert "@ $.components.predictions" in output
    assert "@ $.runner" not in output


@pytest.mark.parametrize(
    ("stage", "paths"),
    [
        ("evaluate", ("$.components.labels", "$.components.predictions", "$.settings.index")),
        ("predict", ("$.components.new_data", "$.components.predictions")),
    ],
)
def test_the_stage_asked_for_must_be_able_to_run(
    stage: str, paths: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output = _check(tmp_path, monkeypatch, TRAIN_ONLY, "--stage", stage)
    assert code == 2, output
    assert f"{len(paths)} problems" in output
    for path in paths:
        assert f"@ {path}" in output, path


def test_a_stage_that_can_run_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, output = _check(tmp_path, monkeypatch, TRAIN_ONLY, "--stage", "train")
    assert code == 0, output
    assert f"{tmp_path / 'workflow.yaml'}: OK (stage train)" in output


def test_a_config_for_every_stage_has_nothing_to_say(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output = _check(tmp_path, monkeypatch, EVERY_STAGE, "--stage", "evaluate")
    assert code == 0, output
    assert "cannot run" not in output
    assert "stages that can run: build_all, process, train, deploy, predict, evaluate" in output


def test_an_unknown_stage_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, output = _check(tmp_path, monkeypatch, TRAIN_ONLY, "--stage", "evaluation")
    assert code == 2, output
    assert "no stage 'evaluation'" in output
    assert "@ $.runner" in output
    # An empty stage (a script's unset variable: `--stage "$STAGE"`) ran build_all.
    code, output = _check(tmp_path, monkeypatch, TRAIN_ONLY, "--stage", "")
    assert code == 2, output
    assert "no stage ''" in output


def test_a_time_split_without_its_column_is_refused_when_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = TRAIN_ONLY + "  splitter: {type: splitter, target: target, method: time}\n"
    code, output = _check(tmp_path, monkeypatch, text)
    assert code == 2, output
    assert "the splitter's method 'time' needs `column:`" in output
    assert "@ $.components.splitter" in output


# --- the same through build_workflow --------------------------------------------------


def test_build_workflow_names_each_need_of_a_stage_at_its_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = load(_config(tmp_path, TRAIN_ONLY)).unwrap()
    built = build_workflow(config, stage="evaluate")
    assert not is_successful(built)
    problems = built.failure().problems
    assert [p.path for p in problems] == [
        "$.components.labels",
        "$.components.predictions",
        "$.settings.index",
    ]
    assert all(p.message.startswith("evaluating needs ") for p in problems)


def test_check_stages_answers_for_every_stage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = load(_config(tmp_path, TRAIN_ONLY)).unwrap()
    parts = build_parts(config).unwrap()
    found = {check.stage: check for check in check_stages(parts)}
    assert list(found) == ["build_all", "process", "train", "deploy", "predict", "evaluate"]
    assert [name for name, check in found.items() if not check.problems] == [
        "build_all",
        "process",
        "train",
        "deploy",
    ]
    assert not found["predict"].configured
    assert not found["evaluate"].configured
    assert {p.path for p in found["predict"].problems} == {
        "$.components.new_data",
        "$.components.predictions",
    }


def test_the_runner_still_refuses_a_stage_it_cannot_run_as_a_definition_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    parts = build_parts(load(_config(tmp_path, TRAIN_ONLY)).unwrap()).unwrap()
    made = parts.runner.make(parts.components)
    with pytest.raises(DefinitionError) as raised:
        parts.runner.build(made, parts.settings, "evaluate")
    assert isinstance(raised.value, ConfigError)
    assert "evaluating needs `settings.index`" in str(raised.value)


def test_a_config_without_settings_is_told_what_its_runner_needs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # It was decoded as the shared `Settings` and refused as "the 'classification' runner
    # takes SupervisedSettings settings, not Settings", which does not say what to write.
    config = (
        "runner: classification\ncomponents:\n  data: {type: sklearn_dataset, name: iris}\n"
        "  trainer: {type: sklearn_model, estimator: 'sklearn.linear_model:LogisticRegression'}\n"
    )
    code, output = _check(tmp_path, monkeypatch, config)
    assert code == 2, output
    assert "not Settings" not in output
    assert "@ $.settings.target" in output
