"""Read-only commands (`lineage`, `runs`) never create a store; `lolpop runs show RUN_ID`."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lolpop.cli import app

runner = CliRunner()


@pytest.fixture
def empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty current folder, with no tracking URI in the environment."""
    folder = tmp_path / "empty"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return folder


def test_lineage_without_a_store_creates_nothing(empty_folder: Path) -> None:
    result = runner.invoke(app, ["lineage", "churn"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"lolpop lineage: no MLflow store at {empty_folder / 'mlflow.db'} "
        "(run a workflow first, or pass --tracking-uri)\n"
    )
    assert result.stdout == ""
    assert list(empty_folder.iterdir()) == []


def test_a_missing_store_names_the_stores_below_the_folder(empty_folder: Path) -> None:
    # `lolpop run examples/churn/workflow.yaml` from the repository's root keeps MLflow
    # beside the config; `lolpop lineage churn` there said only "no MLflow store at
    # ./mlflow.db".
    for folder in ("examples/churn", "examples/wine"):
        (empty_folder / folder).mkdir(parents=True)
        (empty_folder / folder / "mlflow.db").write_bytes(b"")
    result = runner.invoke(app, ["lineage", "churn"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"lolpop lineage: no MLflow store at {empty_folder}")
    assert (
        "a config's store is beside it; the stores below this folder: "
        "--tracking-uri sqlite:///examples/churn/mlflow.db, "
        "--tracking-uri sqlite:///examples/wine/mlflow.db" in result.stderr
    )
    assert not (empty_folder / "mlflow.db").exists()


def test_lineage_with_a_missing_store_creates_no_folder(empty_folder: Path) -> None:
    database = empty_folder / "runs" / "mlflow.db"
    result = runner.invoke(app, ["lineage", "churn", "--tracking-uri", f"sqlite:///{database}"])
    assert result.exit_code == 2
    assert f"no MLflow store at {database} " in result.stderr
    assert list(empty_folder.iterdir()) == []


def test_runs_show_without_a_store_creates_nothing(empty_folder: Path) -> None:
    result = runner.invoke(app, ["runs", "show", "0123abcd"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"lolpop runs show: no MLflow store at {empty_folder}")
    assert list(empty_folder.iterdir()) == []


def test_runs_ledger_without_a_store_creates_no_store(empty_folder: Path) -> None:
    # `lolpop runs` (no config) keeps listing the run ledger, as before.
    result = runner.invoke(app, ["runs"])
    assert result.exit_code == 0
    assert result.stdout == f"no runs kept in {Path('.lolpop') / 'cache'} yet\n"
    assert not (empty_folder / "mlflow.db").exists()


def test_runs_ledger_still_takes_a_config(empty_folder: Path) -> None:
    # A config, not a subcommand: `lolpop runs CONFIG` is `lolpop runs ledger CONFIG`.
    result = runner.invoke(app, ["runs", "missing.yaml"])
    assert result.exit_code == 2
    assert "missing.yaml" in result.stderr
    assert "No such command" not in result.output


def test_runs_refuses_a_misspelt_subcommand(empty_folder: Path) -> None:
    result = runner.invoke(app, ["runs", "sho", "0123abcd"])
    assert result.exit_code == 2
    assert "No such command 'sho'. Did you mean 'show'?" in result.stderr


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, str]:
    """A tiny sqlite store: a finished training run with a nested trial and a registered
    model version, made with MLflow's client. Yields its URI, the run's and the trial's id."""
    from mlflow import MlflowClient  # noqa: PLC0415 (heavy: only these tests)

    folder = tmp_path_factory.mktemp("store")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    experiment = client.create_experiment("churn", artifact_location=str(folder / "artifacts"))
    start = int(time.time() * 1000)
    run = client.create_run(
        experiment,
        start_time=start,
        run_name="train-churn",
        tags={
            "lolpop.stage": "train",
            "lolpop.dataset.customers": "customers:2:ab12",
            "lolpop.model_version": "churn:1",
        },
    )
    run_id = run.info.run_id
    client.log_metric(run_id, "test_f1", 0.8125)
    client.log_metric(run_id, "test_roc_auc", 0.9)
    client.log_param(run_id, "max_depth", "3")
    client.log_param(run_id, "seed", "0")
    trial = client.create_run(
        experiment, run_name="trial-1", tags={"mlflow.parentRunId": run_id}
    ).info.run_id
    client.set_terminated(trial, "FINISHED")
    client.create_registered_model("churn")
    client.create_model_version("churn", str(folder / "model"), run_id=run_id)
    client.set_terminated(run_id, "FINISHED", end_time=start + 83_000)
    return uri, run_id, trial


def test_runs_show_prints_one_run(store: tuple[str, str, str]) -> None:
    uri, run_id, trial = store
    result = runner.invoke(app, ["runs", "show", run_id, "--tracking-uri", uri])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"run {run_id} (train-churn)"
    assert "  stage: train" in lines
    assert "  status: FINISHED" in lines
    assert "  duration: 1m 23s" in lines
    assert "  metrics: test_f1 0.8125, test_roc_auc 0.9000" in lines
    assert "  params: 2" in lines
    assert "  model version: churn:1" in lines
    assert "  registered: churn:1" in lines
    assert "  dataset: customers:2:ab12" in lines
    assert "  parent run: -" in lines
    assert "  nested runs: 1" in lines
    nested = runner.invoke(app, ["runs", "show", trial, "--tracking-uri", uri])
    assert nested.exit_code == 0, nested.output
    assert f"  parent run: {run_id}" in nested.stdout.splitlines()


def test_runs_show_an_unknown_run_is_a_user_mistake(store: tuple[str, str, str]) -> None:
    uri, _, _ = store
    result = runner.invoke(app, ["runs", "show", "0" * 32, "--tracking-uri", uri])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"lolpop runs show: there is no run {'0' * 32!r} in ")


def test_console_lineage_without_a_store_exits_2(empty_folder: Path) -> None:
    # Through the real console entry point: exit code, one line on stderr, no traceback.
    done = subprocess.run(
        [str(Path(sys.executable).with_name("lolpop")), "lineage", "churn"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"lolpop lineage: no MLflow store at {empty_folder / 'mlflow.db'} "
        "(run a workflow first, or pass --tracking-uri)"
    ]
    assert list(empty_folder.iterdir()) == []


def test_approve_without_a_store_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    result = CliRunner().invoke(app, ["approve", "churn:1", "--reason", "ok"])
    assert result.exit_code == 2
    assert "lolpop approve: no MLflow store at" in result.output
    assert list(tmp_path.iterdir()) == []


def test_approve_of_a_version_the_registry_does_not_have_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A mistake in the arguments, as `lineage churn:99` says it (exit 2); it exited 1."""
    from mlflow import MlflowClient  # noqa: PLC0415 (heavy: this test makes a store)

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}").search_experiments()  # an empty store
    result = CliRunner().invoke(app, ["approve", "churn:99", "--reason", "ok"])
    assert result.exit_code == 2, result.output
    assert "the model registry has no version 99 of the model 'churn'" in result.output
