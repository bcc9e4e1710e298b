"""Attacks through the command line: code pasted into an exported module, and a
tampered champion model met by `lolpop run`."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from lolpop.cli import app
from lolpop.config.export import render_python
from lolpop.errors import ConfigError

runner = CliRunner()
COMMANDS = (("check",), ("run",), ("run", "--backend", "dry-run"), ("config", "export"))

BASE = (
    "runner: classification\n"
    "settings: {model_name: iris, target: target}\n"
    "components:\n"
    "  data: {type: sklearn_dataset, name: iris}\n"
    "  trainer: {type: sklearn_model, estimator: 'sklearn.linear_model:LogisticRegression', "
    "params: {max_iter: 500}}\n"
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    work = tmp_path / "project"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_key_that_is_code_is_refused_not_exported(
    project: Path, command: tuple[str, ...]
) -> None:
    key = "x=__import__('os').system('touch MARKER'),y"
    (project / "workflow.yaml").write_text(BASE + f'"{key}": 1\n')
    result = runner.invoke(app, [*command, "workflow.yaml"])
    assert result.exit_code == 2, result.output
    assert "unknown key" in result.output
    assert '$["x=__import__' in result.output or "$['x=__import__" in result.output
    assert not (project / "MARKER").exists()


def test_the_renderer_itself_refuses_keys_that_are_not_identifiers() -> None:
    data = yaml.safe_load(BASE)
    data["settings"]["x=__import__('os').system('touch MARKER'),y"] = 1
    with pytest.raises(ConfigError) as raised:
        render_python(data, source="workflow.yaml")
    assert "is not a Python identifier" in str(raised.value)
    assert "$.settings[" in str(raised.value)


def test_a_file_name_that_is_code_stays_a_string(project: Path) -> None:
    name = 'w""";__import__("os").system("touch MARKER");"""x.yaml'
    (project / name).write_text(BASE)
    result = runner.invoke(app, ["config", "export", name])
    assert result.exit_code == 0, result.output
    namespace: dict[str, object] = {}
    exec(compile(result.output, "exported.py", "exec"), namespace)
    assert not (project / "MARKER").exists()
    assert name in str(namespace["__doc__"])


class _Touch:
    """A pickle that creates a file when it is loaded."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.path}",))


def test_a_tampered_champion_is_refused_by_run_naming_the_file(project: Path) -> None:
    config = BASE + (
        "  new_data: {type: sklearn_dataset, name: iris}\n"
        "  predictions: {type: csv, path: .lolpop/predictions.csv}\n"
    )
    (project / "workflow.yaml").write_text(config)
    trained = runner.invoke(app, ["run", "workflow.yaml"])
    assert trained.exit_code == 0, trained.output
    (folder,) = {path.parent for path in project.glob("mlartifacts/**/model/MLmodel")}
    # The attack: the MLmodel switched to cloudpickle, beside an evil model.pkl.
    mlmodel = yaml.safe_load((folder / "MLmodel").read_text())
    mlmodel["flavors"]["sklearn"].update(
        serialization_format="cloudpickle", pickled_model="model.pkl"
    )
    (folder / "MLmodel").write_text(yaml.safe_dump(mlmodel))
    marker = project / "MARKER"
    (folder / "model.pkl").write_bytes(pickle.dumps(_Touch(marker)))
    predicted = runner.invoke(app, ["run", "workflow.yaml", "--stage", "predict"])
    assert predicted.exit_code == 1, predicted.output
    assert "model.pkl" in predicted.output
    assert "version 1 of the model 'iris'" in predicted.output
    assert not marker.exists()
