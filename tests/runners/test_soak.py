"""Many consecutive local runs of a whole workflow in one process: no file handle
leaks, and memory stays bounded.

A workflow (load, check, split, tune, train, evaluate, register, promote, predict) runs
again and again in one fresh folder with MLflow in a SQLite file and the step cache on,
as `lolpop run` runs it. After a warm-up (imports, caches, the first database
connections), the open file descriptors must not grow at all, and resident memory must
grow by less than a bound over the rest of the runs.

`LOLPOP_SOAK_RUNS` runs (default 12, warm-up at run 6); `LOLPOP_SOAK_RUNS=200` is the
full soak (growth measured from run 20 to run 200).
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest
from returns.result import Success

from lolpop.backends import Local
from lolpop.config import load
from lolpop.runners.build import build_workflow

RUNS = int(os.environ.get("LOLPOP_SOAK_RUNS", "12"))
WARM = 20 if RUNS >= 100 else 6
#: Growth of resident memory allowed after the warm-up, in MiB.
MEMORY_BOUND = 40

WORKFLOW = """\
runner: classification
settings:
  model_name: soak
  target: target
  tracking_uri: sqlite:///{folder}/mlflow.db
  work_dir: {folder}/.lolpop
  approval:
    metric: f1
allow_outside: true
components:
  data:
    type: sklearn_dataset
    name: breast_cancer
  new_data:
    type: sklearn_dataset
    name: breast_cancer
  predictions:
    type: csv
    path: {folder}/predictions.csv
  trainer:
    type: sklearn_model
    estimator: sklearn.tree:DecisionTreeClassifier
    params: {{max_depth: 3, random_state: 0}}
  tuner:
    type: grid_search
    estimator: sklearn.tree:DecisionTreeClassifier
    metric: f1
    params: {{random_state: 0}}
    space:
      max_depth: [2, 3]
"""


def _open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def _resident_mib() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.soak
@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="reads /proc (Linux)")
def test_consecutive_runs_leak_no_files_and_keep_memory_bounded(tmp_path: Path) -> None:
    config = tmp_path / "workflow.yaml"
    config.write_text(WORKFLOW.format(folder=tmp_path), encoding="utf-8")
    program = build_workflow(load(str(config)).unwrap(), source=str(config)).unwrap()
    backend = Local(cache_dir=tmp_path / ".lolpop" / "cache", ledger=None, progress=False)
    files: list[int] = []
    memory: list[float] = []
    for _ in range(RUNS):
        result = backend.run(program, None)
        assert isinstance(result, Success), result
        gc.collect()
        files.append(_open_files())
        memory.append(_resident_mib())
    warm_files, warm_memory = files[WARM - 1], memory[WARM - 1]
    print(  # shown with -s: the figures behind the bounds
        f"soak: {RUNS} runs; open files at run {WARM} {warm_files}, max after {max(files[WARM - 1 :])}; "
        f"resident memory at run {WARM} {warm_memory:.1f} MiB, at run {RUNS} {memory[-1]:.1f} MiB"
    )
    assert max(files[WARM - 1 :]) <= warm_files, f"open files by run: {files}"
    growth = memory[-1] - warm_memory
    assert growth < MEMORY_BOUND, (
        f"resident memory grew by {growth:.1f} MiB from run {WARM} to run {RUNS}: "
        f"{[round(m) for m in memory]}"
    )
