"""A workflow that fails after its run started ends that run as FAILED: no run is left
marked as running."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from attrs import evolve
from mlflow import MlflowClient
from returns.pipeline import is_successful
from sklearn.linear_model import LogisticRegression
from typer.testing import CliRunner

from lolpop import make_step, run
from lolpop.cli import app
from lolpop.components.local_repository import LocalRegistrySettings, local_registry
from lolpop.components.memory_tracker import MemoryStore, memory_tracker
from lolpop.components.records import Classification, FittedModel, Labelled, ModelTrainer
from lolpop.components.sklearn_datasets import SklearnDatasetSettings, sklearn_dataset_connector
from lolpop.components.sklearn_trainer import sklearn_trainer
from lolpop.runners.supervised import SupervisedSettings, classification_runner, with_defaults

#: A small classification config, for the CLI.
IRIS = (
    "runner: classification\n"
    "settings: {model_name: iris, target: target}\n"
    "components:\n"
    "  data: {type: sklearn_dataset, name: iris}\n"
    "  trainer: {type: sklearn_model, estimator: 'sklearn.linear_model:LogisticRegression'}\n"
)


def failing_fit(data: Labelled) -> FittedModel[Classification]:
    raise RuntimeError("out of memory while fitting")


def test_a_failure_in_training_ends_the_training_run_as_failed(tmp_path: Path) -> None:
    settings = SupervisedSettings(
        model_name="iris", target="target", work_dir=str(tmp_path / "work")
    )
    working = sklearn_trainer(LogisticRegression)
    broken: ModelTrainer[Classification] = evolve(working, fit=make_step(failing_fit, name="fit"))
    runs = MemoryStore()
    components = evolve(
        with_defaults(
            Classification,
            settings,
            sklearn_dataset_connector(SklearnDatasetSettings("iris")),
            broken,
        ),
        tracker=memory_tracker(runs),
        repository=local_registry(LocalRegistrySettings(str(tmp_path / "registry"), "iris")),
    )
    result = run(classification_runner(components, settings, "train"), None)
    assert not is_successful(result)
    assert result.failure().path == "classification-train/train/fit"
    assert [(r.name, r.status) for r in runs.runs()] == [("iris-train", "FAILED")]


def test_a_run_that_failed_in_training_resumes_once_the_cause_is_fixed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's "fix the cause and resume": the training run, ended FAILED by the
    failure, refused every step the resume logged to it (`has ended with status
    FAILED`), however many times the run was resumed."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    (tmp_path / "workflow.yaml").write_text(
        IRIS + "  visualizer: {type: matplotlib_visualizer, folder: figures}\n"
    )
    (tmp_path / "figures").write_text("a file where the figures' folder goes")
    first = CliRunner().invoke(app, ["run", "workflow.yaml", "--stage", "train"])
    assert first.exit_code == 1, first.output
    assert "cannot create the figures folder" in first.output
    (tmp_path / "figures").unlink()
    resumed = CliRunner().invoke(
        app, ["run", "workflow.yaml", "--stage", "train", "--resume", "last"]
    )
    assert resumed.exit_code == 0, resumed.output
    assert (tmp_path / "figures").is_dir()
    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    ids = [e.experiment_id for e in client.search_experiments()]
    runs = client.search_runs(ids)
    assert sorted((r.info.run_name, r.info.status) for r in runs) == [("iris-train", "FINISHED")]
    assert runs[0].data.tags["lolpop.failed_step"] == "reopened"  # the one that failed


def test_an_interrupted_run_says_how_to_resume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C ended the run with exit 130 and no word of what to do next."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "workflow.yaml").write_text(IRIS)

    def interrupted(*args: object, **kwargs: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr("lolpop.cli._run_on", interrupted)
    result = CliRunner().invoke(app, ["run", "workflow.yaml"])
    assert result.exit_code == 130
    assert "lolpop run: interrupted; resume it with: lolpop run " in result.output
    assert "--resume last" in result.output


def test_an_interrupted_run_ends_its_mlflow_runs_and_resumes_into_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C left the training run RUNNING in MLflow (its UI showed it running) until a
    later `lolpop run` or `lolpop runs` swept it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    (tmp_path / "workflow.yaml").write_text(IRIS)

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # as Ctrl-C does, once the training run has started

    with monkeypatch.context() as patch:
        patch.setattr(MlflowClient, "log_batch", interrupted)
        first = CliRunner().invoke(app, ["run", "workflow.yaml", "--stage", "train"])
    assert first.exit_code == 130, first.output
    assert "lolpop run: interrupted" in first.output
    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    ids = [e.experiment_id for e in client.search_experiments()]
    (train,) = client.search_runs(ids)
    assert (train.info.run_name, train.info.status) == ("iris-train", "KILLED")
    assert f"marked the MLflow run {train.info.run_id} KILLED" in first.output
    resumed = CliRunner().invoke(
        app, ["run", "workflow.yaml", "--stage", "train", "--resume", "last"]
    )
    assert resumed.exit_code == 0, resumed.output
    (train,) = client.search_runs(ids)
    assert (train.info.run_name, train.info.status) == ("iris-train", "FINISHED")
    assert train.data.metrics  # logged into the run the interrupted one started


def test_a_terminated_run_ends_as_an_interrupted_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGTERM (what a scheduler or `kill` sends) ended the run with exit 143, no word
    of how to resume, and its MLflow run left RUNNING."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    (tmp_path / "workflow.yaml").write_text(IRIS)

    def terminated(*args: object, **kwargs: object) -> None:
        os.kill(os.getpid(), signal.SIGTERM)

    before = signal.getsignal(signal.SIGTERM)
    with monkeypatch.context() as patch:
        patch.setattr(MlflowClient, "log_batch", terminated)
        first = CliRunner().invoke(app, ["run", "workflow.yaml", "--stage", "train"])
    assert signal.getsignal(signal.SIGTERM) == before
    assert first.exit_code == 143, first.output
    assert "lolpop run: terminated; resume it with: lolpop run " in first.output
    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    (train,) = client.search_runs([e.experiment_id for e in client.search_experiments()])
    assert train.info.status == "KILLED"


def test_resume_last_picks_a_run_of_the_same_config_not_of_another_in_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two configs of the same shape in one folder keep their runs in one work folder.
    `--resume last` of the second took the first's failed run for its own and marked it
    resumed, and the first's own `--resume last` then found nothing to resume."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    (tmp_path / "workflow.yaml").write_text(
        IRIS + "  visualizer: {type: matplotlib_visualizer, folder: figures}\n"
    )
    (tmp_path / "other.yaml").write_text(
        IRIS.replace("model_name: iris", "model_name: iris_other")
        + "  visualizer: {type: matplotlib_visualizer, folder: other_figures}\n"
    )
    (tmp_path / "figures").write_text("a file where the figures' folder goes")
    failed = CliRunner().invoke(app, ["run", "workflow.yaml", "--stage", "train"])
    assert failed.exit_code == 1, failed.output
    other = CliRunner().invoke(app, ["run", "other.yaml", "--stage", "train", "--resume", "last"])
    assert other.exit_code == 2, other.output
    assert "no failed or unfinished run of this workflow" in other.output
    assert "other.yaml" in other.output
    planned = CliRunner().invoke(
        app, ["run", "other.yaml", "-s", "train", "--backend", "dry-run", "--resume", "last"]
    )
    assert planned.exit_code == 2, planned.output
    assert "no failed or unfinished run of this workflow" in planned.output
    (tmp_path / "figures").unlink()
    resumed = CliRunner().invoke(
        app, ["run", "workflow.yaml", "--stage", "train", "--resume", "last"]
    )
    assert resumed.exit_code == 0, resumed.output
    assert (tmp_path / "figures").is_dir()
    listed = CliRunner().invoke(app, ["runs", "workflow.yaml"]).output.splitlines()
    assert listed[0].split() == ["run", "started", "status", "steps", "resumes", "config"]
    assert [line.split()[-1] for line in listed[1:]] == ["workflow.yaml", "workflow.yaml"]
