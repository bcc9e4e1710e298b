"""`lolpop runs list`: lolpop's stage runs in a tracking store, newest first, read through
MLflow's client; a missing store is one line and exit 2, and nothing is created."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lolpop.cli import app

runner = CliRunner()


def _make_store(folder: Path) -> tuple[str, dict[str, str]]:
    """A sqlite store of two workflows' stage runs (a train run with a nested trial, two
    later predict runs; another model's train run) and a run lolpop did not make, each
    started a second after the one before. Its URI, and the run ids by name."""
    from mlflow import MlflowClient  # noqa: PLC0415 (heavy: only these tests)

    uri = f"sqlite:///{folder / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    churn = client.create_experiment("churn", artifact_location=str(folder / "artifacts"))
    other = client.create_experiment("lolpop", artifact_location=str(folder / "other"))
    start = int(time.time() * 1000) - 3_600_000
    made: dict[str, str] = {}

    def stage_run(name: str, experiment: str, stage: str, at: int, **tags: str) -> str:
        run = client.create_run(
            experiment,
            start_time=start + at * 1000,
            run_name=name,
            tags={"lolpop.kind": "run", "lolpop.stage": stage, **tags},
        )
        run_id: str = run.info.run_id
        made[name if name not in made else f"{name}-2"] = run_id
        return run_id

    train = stage_run("churn-train", churn, "train", 0, **{"lolpop.model_version": "churn:1"})
    for name, value in (("test_f1", 0.62), ("test_roc_auc", 0.89), ("test_log_loss", 0.34)):
        client.log_metric(train, name, value)
    trial = client.create_run(
        churn,
        start_time=start + 1000,
        run_name="churn-train-trial-0",
        tags={"lolpop.kind": "experiment", "mlflow.parentRunId": train},
    ).info.run_id
    client.set_terminated(trial, "FINISHED", end_time=start + 2000)
    client.set_terminated(train, "FINISHED", end_time=start + 83_000)
    first = stage_run("churn-predict", churn, "predict", 100, **{"lolpop.model_version": "churn:1"})
    client.set_terminated(first, "FAILED", end_time=start + 104_000)
    stage_run("churn-predict", churn, "predict", 200)  # still running
    loans = stage_run("loans-train", other, "train", 300, **{"lolpop.model_version": "loans:4"})
    client.log_metric(loans, "test_rmse", 1.5)
    client.set_terminated(loans, "FINISHED", end_time=start + 301_000)
    made["by hand"] = client.create_run(other, start_time=start + 400_000).info.run_id
    return uri, made


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, str]]:
    return _make_store(tmp_path_factory.mktemp("store"))


def _rows(uri: str, *args: str) -> list[list[str]]:
    result = runner.invoke(app, ["runs", "list", "--tracking-uri", uri, *args])
    assert result.exit_code == 0, result.output
    return [line.split("  ") for line in result.stdout.splitlines()]


def _ids(uri: str, *args: str) -> list[str]:
    return [row[0] for row in _rows(uri, *args)[1:]]


def test_lists_the_stage_runs_of_every_experiment_newest_first(
    store: tuple[str, dict[str, str]],
) -> None:
    uri, made = store
    result = runner.invoke(app, ["runs", "list", "--tracking-uri", uri])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        *("run", "stage", "status", "started", "duration", "metrics", "model", "version")
    ]
    ids = [line.split()[0] for line in lines[1:]]
    # No trial (nested in its stage run), no run lolpop did not make.
    wanted = ("loans-train", "churn-predict-2", "churn-predict", "churn-train")
    assert ids == [made[name] for name in wanted]
    train = lines[4]
    assert " train " in train
    assert " FINISHED " in train
    assert " 1m 23s " in train
    # The main metrics (f1 before roc_auc, log_loss left to `runs show`), then the version.
    assert train.endswith("test_f1 0.6200, test_roc_auc 0.8900  churn:1")
    assert " FAILED " in lines[3]
    assert " 4s " in lines[3]
    assert lines[2].split()[2:3] == ["RUNNING"]
    assert " running " in lines[2]
    assert lines[2].endswith("  -")  # no metrics, no model version yet
    assert " test_rmse 1.5000 " in lines[1]
    assert lines[1].endswith(" loans:4")


def test_model_stage_and_limit_choose_the_runs(store: tuple[str, dict[str, str]]) -> None:
    uri, made = store
    assert _ids(uri, "--model", "churn") == [
        made["churn-predict-2"],
        made["churn-predict"],
        made["churn-train"],
    ]
    assert _ids(uri, "--stage", "train") == [made["loans-train"], made["churn-train"]]
    assert _ids(uri, "--model", "churn", "--stage", "train") == [made["churn-train"]]
    assert _ids(uri, "--model", "churn", "--limit", "1") == [made["churn-predict-2"]]
    assert _ids(uri, "-n", "2") == [made["loans-train"], made["churn-predict-2"]]


def test_runs_are_read_a_page_at_a_time_until_the_limit(
    store: tuple[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # One run a page: the filter drops the other model's run on the first page.
    monkeypatch.setattr("lolpop.cli.runs._PAGE", 1)
    uri, made = store
    assert _ids(uri, "--model", "churn", "--limit", "2") == [
        made["churn-predict-2"],
        made["churn-predict"],
    ]
    assert _ids(uri, "--stage", "train") == [made["loans-train"], made["churn-train"]]


def test_no_matching_run_is_said_plainly(store: tuple[str, dict[str, str]]) -> None:
    uri, _ = store
    result = runner.invoke(
        app, ["runs", "list", "--tracking-uri", uri, "--model", "churn", "--stage", "deploy"]
    )
    assert result.exit_code == 0
    assert result.stdout == f"no lolpop runs of model churn, stage deploy in {uri}\n"


def test_a_missing_store_is_one_line_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    result = runner.invoke(app, ["runs", "list"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"lolpop runs list: no MLflow store at {tmp_path / 'mlflow.db'} "
        "(run a workflow first, or pass --tracking-uri)\n"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "command",
    [("runs", "list"), ("lineage", "churn"), ("approve", "churn:1", "--reason", "ok")],
)
def test_a_database_store_without_its_driver_is_one_line_exit_2(
    command: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each ended in "unexpected error: ModuleNotFoundError: No module named 'psycopg2'"
    (exit 1, "may be a bug in lolpop"); check and run said what to install."""
    monkeypatch.setattr("lolpop.config.paths._installed", lambda module: False)
    uri = "postgresql://ana:hunter2@db:5432/mlflow"
    result = runner.invoke(app, [*command, "--tracking-uri", uri])
    assert result.exit_code == 2, result.output
    assert "needs the database driver 'psycopg2'" in result.stderr
    assert "pip install psycopg2-binary" in result.stderr
    assert "hunter2" not in result.output
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    "command",
    [("runs", "list"), ("lineage", "churn"), ("approve", "churn:1", "--reason", "ok")],
)
def test_a_store_of_a_scheme_mlflow_has_no_store_for_is_one_line_exit_2(
    command: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`runs` and `lineage` ended in "unexpected error:
    UnsupportedModelRegistryStoreURIException" (exit 1, "may be a bug in lolpop"),
    `approve` in MLflow's refusal (exit 1); none said which schemes lolpop can use."""
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, [*command, "--tracking-uri", "ftp://ana:hunter2@files/mlflow"])
    assert result.exit_code == 2, result.output
    assert "no MLflow store has the scheme ftp:" in result.stderr
    assert "unexpected error" not in result.output
    assert "hunter2" not in result.output
    assert result.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_the_store_comes_from_the_environment(
    store: tuple[str, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uri, made = store
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    result = runner.invoke(app, ["runs", "list", "--model", "loans"])
    assert result.exit_code == 0, result.output
    assert [line.split()[0] for line in result.stdout.splitlines()[1:]] == [made["loans-train"]]


CONFIG = """\
runner: regression
settings: {model_name: churn, target: y, index: id, tracking_uri: "sqlite:///runs/mlflow.db"}
components:
  data: {type: csv, path: data.csv}
  trainer: {type: sklearn_model, estimator: "sklearn.linear_model:Ridge"}
"""


def test_a_config_gives_its_store_and_its_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The config's relative store is its folder's, wherever the command runs from.
    project = tmp_path / "project"
    (project / "runs").mkdir(parents=True)
    (project / "workflow.yaml").write_text(CONFIG)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    missing = runner.invoke(app, ["runs", "list", "../project/workflow.yaml"])
    assert missing.exit_code == 2
    assert f"no MLflow store at {project / 'runs' / 'mlflow.db'} " in missing.stderr
    assert list((project / "runs").iterdir()) == []
    _, made = _make_store(project / "runs")
    result = runner.invoke(app, ["runs", "list", "../project/workflow.yaml"])
    assert result.exit_code == 0, result.output
    listed = [line.split()[0] for line in result.stdout.splitlines()[1:]]
    assert listed == [made["churn-predict-2"], made["churn-predict"], made["churn-train"]]
    other = runner.invoke(app, ["runs", "list", "../project/workflow.yaml", "-m", "loans"])
    assert [line.split()[0] for line in other.stdout.splitlines()[1:]] == [made["loans-train"]]
    assert list(elsewhere.iterdir()) == []


def test_a_bad_config_is_a_user_mistake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "workflow.yaml").write_text("runner: regression\nsettings: {nope: 1}\n")
    result = runner.invoke(app, ["runs", "list", "workflow.yaml"])
    assert result.exit_code == 2
    assert result.stderr.startswith("lolpop runs list: ")
    assert "nope" in result.stderr
    assert list(tmp_path.iterdir()) == [tmp_path / "workflow.yaml"]


def test_a_config_whose_code_cannot_be_imported_here_still_lists_its_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Listing runs needs the config's settings, not its components' code: a transformer
    # from a module not importable here (the worker's folder, a package not installed in
    # this shell) made `lolpop runs CONFIG` refuse with "No module named ...".
    project = tmp_path / "project"
    (project / "runs").mkdir(parents=True)
    (project / "workflow.yaml").write_text(
        CONFIG
        + "  transformer: {type: function, function: 'not_here:features', allow: [not_here]}\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    _, made = _make_store(project / "runs")
    listed = runner.invoke(app, ["runs", "list", "project/workflow.yaml"])
    assert listed.exit_code == 0, listed.output
    assert made["churn-train"] in listed.stdout
    ledger = runner.invoke(app, ["runs", "project/workflow.yaml"])
    assert ledger.exit_code == 0, ledger.output
    assert "no runs kept in" in ledger.stdout
