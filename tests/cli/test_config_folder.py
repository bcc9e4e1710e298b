"""A config's relative paths are read against the config file's folder, wherever `lolpop`
is run from; `--work-dir` moves lolpop's own outputs, and the messages name resolved paths."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lolpop.cli import app

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.fixture
def churn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the churn example in `project/`, the command run from `elsewhere/`, with
    no MLflow store from the environment (the config's own `sqlite:///mlflow.db`)."""
    project = tmp_path / "project"
    shutil.copytree(ROOT / "examples" / "churn" / "data", project / "data")
    shutil.copy(ROOT / "examples" / "churn" / "workflow.yaml", project / "workflow.yaml")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return project / "workflow.yaml"


def _where(output: str) -> dict[str, str]:
    """The summary's `where:` lines, by what they name."""
    lines = output[output.index("where:") :].splitlines()[1:]
    return {line.strip().partition(":")[0]: line.strip() for line in lines}


def test_a_run_from_another_folder_reads_and_writes_beside_the_config(churn: Path) -> None:
    result = runner.invoke(app, ["run", str(churn), "--fresh"])
    assert result.exit_code == 0, result.output
    project = churn.parent
    assert Path.cwd() == project.parent / "elsewhere"  # the working folder is given back
    assert list(Path.cwd().iterdir()) == []  # nothing written where the command ran
    store = f"sqlite:///{project / 'mlflow.db'}"
    assert f"in {store}" in result.output
    assert f"mlflow ui --backend-store-uri {store}" in result.output
    assert (project / "mlflow.db").is_file()
    assert "figures and the model: artifacts of run " in result.output
    where = _where(result.output)
    versions = Path(where["data and prediction versions"].split(": ", 1)[1])
    assert versions == project / ".lolpop" / "store"
    assert versions.is_dir()


def test_work_dir_moves_lolpops_outputs_even_outside_the_config_folder(
    churn: Path, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["run", str(churn), "--work-dir", "../out"])
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    assert f"data and prediction versions: {out / 'store'}" in result.output
    assert (out / "store").is_dir()
    assert (out / "cache" / "runs").is_dir()
    assert not (churn.parent / ".lolpop" / "store").exists()
    # The runs it kept are listed (and swept) under the same --work-dir.
    listed = runner.invoke(app, ["runs", str(churn), "--work-dir", "../out"])
    assert listed.exit_code == 0, listed.output
    assert "succeeded" in listed.output
    assert "no runs kept" in runner.invoke(app, ["runs", str(churn)]).output


def test_check_names_the_resolved_path_of_a_missing_data_file(churn: Path) -> None:
    (churn.parent / "data" / "customers.csv").unlink()
    result = runner.invoke(app, ["check", str(churn)])
    assert result.exit_code == 2
    assert f"data file {churn.parent / 'data' / 'customers.csv'} does not exist" in result.output
    assert Path.cwd().name == "elsewhere"


def test_a_config_still_may_not_write_outside_its_folder(churn: Path) -> None:
    text = churn.read_text(encoding="utf-8").replace(
        "path: .lolpop/predictions/churn.csv", "path: ../elsewhere/churn.csv"
    )
    churn.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["check", str(churn), "--offline"])
    assert result.exit_code == 2
    assert "leads outside the project folder" in result.output
    assert str(churn.parent) in result.output


def test_a_missing_config_is_named_as_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["run", "nowhere/workflow.yaml"])
    assert result.exit_code == 2
    assert "workflow.yaml" in result.output
    assert "Traceback" not in result.output
