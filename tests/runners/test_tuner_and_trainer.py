"""With a tuner, the tuner's best candidate is the workflow's model and the trainer is
never fitted: a trainer of another estimator, or with parameters the tuner's candidates
lack, was silently dropped (a `class_weight: balanced` lost, a decision tree deployed
where the trainer said a logistic regression). Such a pair is refused when the program
is built, in Python and in a config."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from attrs import evolve
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier
from typer.testing import CliRunner

from examples._common import ROOT
from lolpop.cli import app
from lolpop.components.records import Classification, HyperparameterTuner
from lolpop.components.sklearn_trainer import ParamValue, sklearn_trainer
from lolpop.components.tuner import grid_search_of
from lolpop.errors import DefinitionError
from lolpop.runners.supervised import classification_runner
from tests.runners.test_target_agreement import Shop, shop


def _refusal(
    tmp_path: Path,
    trainer_params: dict[str, ParamValue],
    tuner: HyperparameterTuner[Classification],
) -> str:
    house = Shop(tmp_path)
    settings = house.settings("churned")
    components = evolve(
        house.components(settings, shop()),
        trainer=sklearn_trainer(LogisticRegression, trainer_params),
        tuner=tuner,
    )
    with pytest.raises(DefinitionError) as raised:
        classification_runner(components, settings, "train")
    return str(raised.value)


def test_a_tuner_of_another_estimator_than_the_trainers_is_refused(tmp_path: Path) -> None:
    tuner = grid_search_of(DecisionTreeClassifier, metric="f1", space={"max_depth": (2, 3)})
    message = _refusal(tmp_path, {}, tuner)
    assert "the tuner searches sklearn.tree._classes.DecisionTreeClassifier" in message
    assert "the trainer fits sklearn.linear_model._logistic.LogisticRegression" in message


def test_trainer_parameters_the_tuners_candidates_lack_are_refused(tmp_path: Path) -> None:
    tuner = grid_search_of(
        LogisticRegression, metric="f1", params={"max_iter": 500}, space={"C": (0.1, 1.0)}
    )
    message = _refusal(tmp_path, {"max_iter": 500, "class_weight": "balanced"}, tuner)
    assert "class_weight='balanced'" in message
    assert "max_iter" not in message  # the tuner gives it the same value
    assert "the tuner's `params`" in message


def test_a_tuner_that_searches_or_repeats_the_trainers_parameters_builds(tmp_path: Path) -> None:
    house = Shop(tmp_path)
    settings = house.settings("churned")
    tuner = grid_search_of(
        LogisticRegression,
        metric="f1",
        params={"max_iter": 500, "class_weight": "balanced"},
        space={"C": (0.1, 1.0)},
    )
    trainer = sklearn_trainer(
        LogisticRegression, {"max_iter": 500, "C": 5.0, "class_weight": "balanced"}
    )
    components = evolve(house.components(settings, shop()), trainer=trainer, tuner=tuner)
    classification_runner(components, settings, "train")  # C is searched: no refusal
    bigger = evolve(components, trainer=sklearn_trainer(LogisticRegression, {"max_iter": 100}))
    classification_runner(bigger, settings, "train")  # the tuner says max_iter: its own


def test_check_refuses_a_configs_tuner_that_drops_the_trainers_parameters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = (ROOT / "examples" / "churn" / "workflow.yaml").read_text(encoding="utf-8")
    assert "params: {max_iter: 1000}" in source
    changed = source.replace(
        "params: {max_iter: 1000}", "params: {max_iter: 1000, class_weight: balanced}", 1
    )
    shutil.copytree(ROOT / "examples" / "churn" / "data", tmp_path / "data")
    (tmp_path / "workflow.yaml").write_text(changed, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["check", "workflow.yaml", "--offline"])
    assert result.exit_code == 2, result.output
    assert "class_weight='balanced'" in result.output
