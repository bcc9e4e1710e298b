"""The breast cancer example end to end through `lolpop run`, checked through MLflow's
own API: runs, nested trial runs, artifacts, the registered model and its alias, lineage
tags; a second run compared with the champion; a dry run that touches nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mlflow import MlflowClient
from typer.testing import CliRunner

from lolpop.cli import app

EXAMPLE = Path(__file__).parents[2] / "examples" / "breast_cancer" / "workflow.yaml"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding a copy of the example's config: its outputs are written beside it."""
    folder = tmp_path_factory.mktemp("breast_cancer")
    shutil.copy(EXAMPLE, folder / "workflow.yaml")
    return folder


def lolpop(workdir: Path, *args: str) -> str:
    """`lolpop run` of the example's copy in `workdir`, from elsewhere."""
    here = os.getcwd()
    os.chdir(workdir.parent)
    try:
        result = CliRunner().invoke(app, ["run", str(workdir / "workflow.yaml"), *args])
    finally:
        os.chdir(here)
    assert result.exit_code == 0, result.output
    return result.output


def test_a_dry_run_prints_the_plan_and_touches_nothing(workdir: Path) -> None:
    output = lolpop(workdir, "--backend", "dry-run")
    assert "train/tune" in output
    assert "deploy/promote" in output
    assert [path.name for path in workdir.iterdir()] == ["workflow.yaml"]


def test_the_first_run_records_everything_in_mlflow(workdir: Path) -> None:
    output = lolpop(workdir)
    assert "breast_cancer version 1 promoted to champion" in output
    client = MlflowClient(f"sqlite:///{workdir / 'mlflow.db'}")
    # The summary ends with where everything is, and how to look at it.
    store = f"sqlite:///{(workdir / 'mlflow.db').resolve()}"
    assert f"look at them with: mlflow ui --backend-store-uri {store}" in output
    assert f"data and prediction versions: {(workdir / '.lolpop' / 'store').resolve()}" in output
    experiment = client.get_experiment_by_name("breast_cancer")
    assert experiment is not None
    runs = client.search_runs([experiment.experiment_id])
    train = [r for r in runs if r.data.tags.get("lolpop.stage") == "train"]
    trials = [r for r in runs if r.data.tags.get("lolpop.kind") == "experiment"]
    assert len(train) == 1
    assert len(trials) == 2
    run = train[0]
    assert f"MLflow runs {run.info.run_id}" in output
    assert {t.data.tags["mlflow.parentRunId"] for t in trials} == {run.info.run_id}
    assert run.data.tags["lolpop.winning_experiment"] in {t.info.run_id for t in trials}
    assert run.data.tags["lolpop.model_version"] == "breast_cancer:1"
    assert run.data.tags["lolpop.dataset.breast_cancer-training-data"].startswith(
        "breast_cancer-training-data:1:"
    )
    assert run.data.params["C"] == "1.0"
    assert run.data.metrics["test_f1"] > run.data.metrics["baseline_f1"]
    folders = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"data_profile", "figures", "model"} <= folders
    reports = {a.path for a in client.list_artifacts(run.info.run_id, "data_profile")}
    assert reports == {"data_profile/profile.html", "data_profile/profile.json"}
    champion = client.get_model_version_by_alias("breast_cancer", "champion")
    assert int(champion.version) == 1
    assert champion.run_id == run.info.run_id


def test_the_second_run_is_compared_with_the_champion(workdir: Path) -> None:
    output = lolpop(workdir)
    # No better than the champion: rejected, so not registered (only approved ones are).
    assert "the candidate was not registered (f1 " in output
    client = MlflowClient(f"sqlite:///{workdir / 'mlflow.db'}")
    assert int(client.get_model_version_by_alias("breast_cancer", "champion").version) == 1
    assert [int(v.version) for v in client.search_model_versions("name='breast_cancer'")] == [1]
    experiment = client.get_experiment_by_name("breast_cancer")
    assert experiment is not None
    train = client.search_runs(
        [experiment.experiment_id],
        "tags.`lolpop.stage` = 'train'",
        order_by=["attributes.start_time DESC"],
    )
    run = train[0]
    assert run.data.tags["lolpop.promoted"] == "false"
    assert "lolpop.model_version" not in run.data.tags
    assert "model" in {a.path for a in client.list_artifacts(run.info.run_id)}  # still logged
    assert run.data.metrics["champion_test_f1"] == pytest.approx(run.data.metrics["test_f1"])


def test_the_champion_loads_with_plain_mlflow_in_a_fresh_process(workdir: Path) -> None:
    code = (
        "import mlflow, json\n"
        "from sklearn.datasets import load_breast_cancer\n"
        "mlflow.set_registry_uri(mlflow.get_tracking_uri())\n"
        "model = mlflow.pyfunc.load_model('models:/breast_cancer@champion')\n"
        "frame = load_breast_cancer(as_frame=True).data.head(5)\n"
        "print(json.dumps([int(v) for v in model.predict(frame)]))\n"
    )
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{workdir / 'mlflow.db'}"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [0, 0, 0, 0, 0]


def test_lineage_leads_from_the_model_to_its_run_data_and_experiment(workdir: Path) -> None:
    uri = f"sqlite:///{workdir / 'mlflow.db'}"
    result = CliRunner().invoke(app, ["lineage", "breast_cancer:1", "--tracking-uri", uri])
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.startswith("model breast_cancer version 1 (aliases: champion)")
    assert "approval: approved: no champion yet" in text
    assert "on dataset version breast_cancer-training-data:1:" in text
    assert "winning experiment: run " in text
    for odd in ("breast_cancer:", "breast_cancer:abc"):  # `churn:` was taken as the champion
        refused = CliRunner().invoke(app, ["lineage", odd, "--tracking-uri", uri])
        assert refused.exit_code == 2, refused.output
        assert "a version is a number" in refused.output
    missing = CliRunner().invoke(app, ["lineage", "nope:3", "--tracking-uri", uri])
    assert missing.exit_code == 2
    assert "no model 'nope:3'" in missing.output
    assert "its models: breast_cancer" in missing.output  # what it could have named
    config = CliRunner().invoke(app, ["lineage", "workflow.yaml", "--tracking-uri", uri])
    assert config.exit_code == 2
    assert "lineage takes a model's name (a config's `settings.model_name`)" in " ".join(
        config.output.split()
    )


def test_a_version_can_be_approved_and_promoted_by_hand(workdir: Path) -> None:
    config = workdir / "workflow.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("min_improvement: 0.005", "min_improvement: 0.005\n    register: always")
    )
    output = lolpop(workdir)  # registers the rejected candidate too, for a person to review
    assert "breast_cancer version 2 not promoted (f1 " in output
    uri = f"sqlite:///{workdir / 'mlflow.db'}"
    assert (
        MlflowClient(uri).get_model_version("breast_cancer", "2").tags["lolpop.approved"] == "false"
    )
    command = ["approve", "breast_cancer:2", "--reason", "looked at the plots", "--by", "ana"]
    done = CliRunner().invoke(app, [*command, "--promote", "--tracking-uri", uri])
    assert done.exit_code == 0, done.output
    assert "breast_cancer version 2 approved (aliases: champion)" in done.output
    version = MlflowClient(uri).get_model_version("breast_cancer", "2")
    assert version.tags["lolpop.approved"] == "true"
    assert version.tags["lolpop.approved_by"] == "ana"
    rejected = ["approve", "breast_cancer:1", "--reason", "old", "--reject", "--tracking-uri", uri]
    assert CliRunner().invoke(app, rejected).exit_code == 0
    refused = CliRunner().invoke(
        app, ["approve", "breast_cancer:1", "--reason", "x", "--reject", "--promote"]
    )
    assert refused.exit_code == 2
    # Rejecting the champion left it champion, and predict served it without a word.
    champion = ["approve", "breast_cancer:2", "--reason", "bad", "--reject", "--tracking-uri", uri]
    refused = CliRunner().invoke(app, champion)
    assert refused.exit_code == 2, refused.output
    assert "breast_cancer version 2 is the champion" in refused.output
    assert MlflowClient(uri).get_model_version("breast_cancer", "2").tags["lolpop.approved"] == (
        "true"
    )
    # An unknown version is a mistake in the arguments, with --promote too (it was exit 1).
    for more in ([], ["--promote"]):
        unknown = ["approve", "breast_cancer:99", "--reason", "x", "--tracking-uri", uri, *more]
        refused = CliRunner().invoke(app, unknown)
        assert refused.exit_code == 2, refused.output
        assert "no version 99" in refused.output
    # A decision with no reason (or a name of several lines) is not recorded.
    for empty in (["--reason", " "], ["--reason", "ok", "--by", "ana\nroot"]):
        refused = CliRunner().invoke(
            app, ["approve", "breast_cancer:1", *empty, "--tracking-uri", uri]
        )
        assert refused.exit_code == 2, refused.output
    assert MlflowClient(uri).get_model_version("breast_cancer", "1").tags["lolpop.approved"] == (
        "false"
    )
