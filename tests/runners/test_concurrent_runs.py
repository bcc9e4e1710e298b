"""Two `lolpop run` processes started at once in one fresh folder (no MLflow database yet).

What is asserted, each time in a new folder:

- both exit 0: the database is created and migrated once, under a file lock, so the
  second process waits and finds the tables made (before the lock, one of the two failed
  in MLflow's alembic migrations: `duplicate column name`, `table ... already exists`);
- exactly one reports "promoted to champion", and the champion alias points at its
  version. The two runs train the same deterministic model on the same data, so the
  other can never beat it: either it compared with no champion and its promotion was
  refused because the champion moved meanwhile (compare-and-set on the alias), or it
  started after the first was promoted, compared with it, and the rule said no (no
  improvement), so it was not registered (only approved candidates are). Either way it
  is not promoted, for its own stated reason;
- every version either run reports is listed in the registry, and loads.

Two rounds by default (10-15 s a round on two cores: each process imports MLflow and
scikit-learn); `LOLPOP_CONCURRENT_RUNS=N` runs N (50 for a soak).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from mlflow import MlflowClient

from lolpop.components.mlflow_repository import MlflowRegistrySettings, mlflow_repository
from lolpop.components.records import ModelVersion

ROOT = Path(__file__).parents[2]
ROUNDS = int(os.environ.get("LOLPOP_CONCURRENT_RUNS", "2"))
MODEL = "concurrent"

WORKFLOW = f"""\
runner: classification
settings:
  model_name: {MODEL}
  target: target
  approval:
    metric: f1
components:
  data:
    type: sklearn_dataset
    name: breast_cancer
  trainer:
    type: sklearn_model
    estimator: sklearn.tree:DecisionTreeClassifier
    params: {{max_depth: 3, random_state: 0}}
"""

_DEPLOYED = re.compile(
    rf"deploy: (?:{MODEL} version (\d+) (promoted to champion|not promoted)"
    r"|the candidate was (not registered))(.*)"
)


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    # The session's MLflow store (conftest) is not this folder's: use the default,
    # `sqlite:///mlflow.db` in the folder the run starts in.
    env.pop("MLFLOW_TRACKING_URI", None)
    env.pop("MLFLOW_REGISTRY_URI", None)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    return env


def _start(folder: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", "from lolpop.cli import main; main()", "run", "workflow.yaml"],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_runs_at_once_in_a_fresh_folder_both_succeed_and_one_is_promoted(
    tmp_path: Path, round_: int
) -> None:
    (tmp_path / "workflow.yaml").write_text(WORKFLOW, encoding="utf-8")
    env = _environment()
    runs = [_start(tmp_path, env), _start(tmp_path, env)]
    outputs = [run.communicate(timeout=600) for run in runs]
    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, f"round {round_}: exit {run.returncode}\n{out}\n{err[-3000:]}"

    deployed = []
    for out, _ in outputs:
        found = _DEPLOYED.search(out)
        assert found is not None, out
        number = int(found.group(1)) if found.group(1) else None
        deployed.append((number, found.group(2) or found.group(3), found.group(4)))
    promoted = [entry for entry in deployed if entry[1] == "promoted to champion"]
    assert len(promoted) == 1, deployed
    other = next(entry for entry in deployed if entry[1] != "promoted to champion")
    # Refused by the compare-and-set (registered, approved, not promoted), or compared
    # with the first's champion and not better (not registered).
    if other[1] == "not promoted":
        assert "the champion moved" in other[2], other
    else:
        assert other[1] == "not registered", other
        assert "vs champion v" in other[2], other

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    listed = {int(v.version) for v in client.search_model_versions(f"name='{MODEL}'")}
    assert listed == {number for number, _, _ in deployed if number is not None}
    champion = client.get_model_version_by_alias(MODEL, "champion")
    assert int(champion.version) == promoted[0][0]

    repository = mlflow_repository(MlflowRegistrySettings(MODEL, tracking_uri=uri))
    for number in sorted(listed):
        model = repository.load(ModelVersion(MODEL, number, ""))
        assert model.target == "target"
