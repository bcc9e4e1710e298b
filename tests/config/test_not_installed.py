"""A config naming its own project's component or runner before that project is
installed (or before it is installed again, after `lolpop create` added the entry point):
the refusal says so, and how to install it, instead of listing lolpop's kinds alone."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from lolpop.cli import app

PYPROJECT = """\
[project]
name = "shop"
version = "0.1.0"

[project.entry-points."lolpop.components"]
shop_features = "shop.features:FEATURES"

[project.entry-points."lolpop.runners"]
shop_runner = "shop.runner:RUNNER"
"""

WORKFLOW = """\
runner: {runner}
settings: {{model_name: m, target: y}}
components:
  data: {{type: csv, path: data.csv}}
  transformer: {{type: {component}, columns: [x]}}
  trainer: {{type: sklearn_model, estimator: "sklearn.linear_model:Ridge"}}
"""


def _check(project: Path, runner: str, component: str) -> str:
    (project / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    config = project / "configs" / "workflow.yaml"  # the project's file is found upwards
    config.parent.mkdir(exist_ok=True)
    config.write_text(WORKFLOW.format(runner=runner, component=component), encoding="utf-8")
    result = CliRunner().invoke(app, ["check", "--offline", str(config)])
    assert result.exit_code == 2, result.output
    return " ".join(result.output.split())


def test_an_uninstalled_projects_component_says_to_install_it(tmp_path: Path) -> None:
    said = _check(tmp_path, "regression", "shop_features")
    assert "unknown component type 'shop_features'" in said
    assert (
        f"{tmp_path / 'pyproject.toml'} declares it (entry point 'shop.features:FEATURES')" in said
    )
    assert f"pip install -e {tmp_path}" in said
    assert "$.components.transformer" in said


def test_an_uninstalled_projects_runner_says_to_install_it(tmp_path: Path) -> None:
    said = _check(tmp_path, "shop_runner", "column_encoder")
    assert "unknown runner 'shop_runner'" in said
    assert "declares it (entry point 'shop.runner:RUNNER')" in said
    assert f"pip install -e {tmp_path}" in said


def test_a_misspelt_tag_still_gets_its_near_names(tmp_path: Path) -> None:
    said = _check(tmp_path, "regresion", "colum_encoder")
    assert "pip install" not in said
    assert "unknown runner 'regresion'; did you mean 'regression'" in said
    assert "unknown component type 'colum_encoder'; did you mean 'column_encoder'?" in said
    # An unknown runner's settings are not judged as the shared settings' (which would
    # call `target` an unknown key).
    assert "unknown key 'target'" not in said
