"""A 16-trial search on Dask with 1 and 2 workers, against Local, from a YAML config
through the command line (issue 16: with 2 workers faster than with 1).

Each side is one whole `lolpop run workflow.yaml` process, in a fresh copy of a folder
holding the config and its data (a fresh MLflow SQLite file each time):

- the data: 4,000 rows x 20 numeric columns and a binary target (generated with numpy,
  seed 0), as a CSV file;
- the workflow: the classification runner's `build_all` with the defaults a config
  gets (MLflow tracking, the local data store, no profile or figures), and a grid
  search of 16 points of a random forest (`n_estimators` 100, `max_depth` in (4, 8, 12,
  None), `min_samples_leaf` in (1, 5), `max_features` in (sqrt, 0.5)), scored by f1
  on the valid part; each trial is a step of its own (`train/tune/trial`). (200 trees
  until 2026-12-02: the same verdict in two short runs that morning, 0.79x (one repeat)
  against 0.85x (two), but ~40% longer, 118 s a repeat against 82 s, in a suite that
  must fit in 15 minutes; `--trees 200` runs it);
- `local`: the config as written (`Local`: the trials share its worker threads, one per
  core);
- `dask-1`, `dask-2`: the same config with `backend: {type: prefect, task_runner: dask,
  dask_workers: N}`: a temporary `LocalCluster` of N one-thread worker processes, started
  by the run (its start is part of the run's time), each trial a task on a worker. Both
  report to one Prefect server started before the first run (its start is reported,
  not counted).

Figures: each side's median wall time, and dask-2 / dask-1 (below 1: a second worker
makes the search faster). The machine has 2 cores, so a second worker can at most halve
the trials' part of the run; the rest (start-up, MLflow, the Prefect server's work,
the cluster's start) does not shrink.

Run: `python benchmarks/dask_trials.py [--repeats 5] [--trees 100] [--write
benchmarks/RESULTS.md]`.
`--quick` runs a 4-point search of 10-tree forests once on `local` only (no server, no
cluster) and writes nothing: it checks that the benchmark runs.
"""
# ruff: noqa: E402 (the imports follow the path set-up above them)

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from prefect_whole import _environment, _lolpop, prefect_server
from step_overhead import _replace_section

SECTION = "dask-trials"

#: The search: 16 points (4 x 2 x 2).
SPACE = """\
    space:
      max_depth: [4, 8, 12, null]
      min_samples_leaf: [1, 5]
      max_features: [sqrt, 0.5]
"""
#: `--quick`'s search: 4 points.
QUICK_SPACE = """\
    space:
      max_depth: [4, null]
      min_samples_leaf: [1, 5]
"""

WORKFLOW = """\
runner: classification
settings: {{model_name: forest, target: y}}
{backend}components:
  data: {{type: csv, path: data.csv}}
  trainer:
    type: sklearn_model
    estimator: "sklearn.ensemble:RandomForestClassifier"
    params: {{n_estimators: {trees}}}
  tuner:
    type: grid_search
    estimator: "sklearn.ensemble:RandomForestClassifier"
    metric: f1
    params: {{n_estimators: {trees}}}
{space}"""

SIDES = ("local", "dask-1", "dask-2")


def _data(rows: int) -> str:
    """The CSV text of the generated data: 20 normal columns, the target the sign of a
    noisy linear mix of the first 8 and of two products."""
    import numpy as np  # noqa: PLC0415 (heavy: on use)

    random = np.random.default_rng(0)
    features = random.normal(size=(rows, 20))
    mixed = features[:, :8] @ random.normal(size=8) + features[:, 0] * features[:, 1]
    target = (mixed + features[:, 2] * features[:, 3] + random.normal(size=rows)) > 0
    header = ",".join([*(f"x{k}" for k in range(features.shape[1])), "y"])
    lines = [header]
    for row, label in zip(features, target, strict=True):
        lines.append(",".join([*(f"{value:.5f}" for value in row), str(int(label))]))
    return "\n".join(lines) + "\n"


#: The forests' size: in the measured search, and in `--quick`'s.
TREES, QUICK_TREES = 100, 10


def _config(side: str, space: str, trees: int = TREES) -> str:
    backend = ""
    if side.startswith("dask-"):
        workers = side.removeprefix("dask-")
        backend = f"backend: {{type: prefect, task_runner: dask, dask_workers: {workers}}}\n"
    return WORKFLOW.format(backend=backend, space=space, trees=trees)


def run_once(side: str, data: str, space: str, env: Mapping[str, str], trees: int = TREES) -> float:
    """One whole `lolpop run` of `side` in a fresh folder: its wall seconds."""
    folder = Path(tempfile.mkdtemp(prefix="lolpop-bench-dask-trials-"))
    try:
        (folder / "data.csv").write_text(data, encoding="utf-8")
        (folder / "workflow.yaml").write_text(_config(side, space, trees), encoding="utf-8")
        command = _lolpop("run", str(folder / "workflow.yaml"), "--quiet")
        started = time.perf_counter()
        done = subprocess.run(
            command, env=dict(env), cwd=folder, capture_output=True, text=True, check=False
        )
        took = time.perf_counter() - started
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return took


def measure(  # noqa: PLR0917 (a benchmark's own helper, called once)
    sides: tuple[str, ...],
    data: str,
    space: str,
    env: Mapping[str, str],
    repeats: int,
    trees: int = TREES,
) -> dict[str, list[float]]:
    """Each side's wall seconds, alternating the order every repeat."""
    times: dict[str, list[float]] = {side: [] for side in sides}
    for repeat in range(repeats):
        for side in sides if repeat % 2 == 0 else tuple(reversed(sides)):
            times[side].append(run_once(side, data, space, env, trees))
        print(", ".join(f"{side} {each[-1]:.2f} s" for side, each in times.items()), flush=True)
    return times


def table(
    times: Mapping[str, list[float]], server_start: float, repeats: int, trees: int = TREES
) -> str:
    """The results as a Markdown section."""
    medians = {side: statistics.median(each) for side, each in times.items()}
    rows = "\n".join(
        f"| {side} | {medians[side]:.2f} | {min(times[side]):.2f}-{max(times[side]):.2f} |"
        for side in times
    )
    ratio = medians["dask-2"] / medians["dask-1"]
    verdict = "met" if ratio < 1 else "not met"
    return (
        f"Python {platform.python_version()} on {platform.machine()}, {date.today()}, "
        f"median of {repeats} alternating repeats, forests of {trees} trees; the Prefect "
        "server started in "
        f"{server_start:.1f} s (not counted)\n\n"
        "| side | wall s (median) | range |\n|---|---:|---:|\n"
        f"{rows}\n\n"
        f"dask-2 / dask-1: {ratio:.2f}x; "
        f"dask-1 / local: {medians['dask-1'] / medians['local']:.2f}x. "
        f"Target (issue 16): a 16-trial search on Dask faster with 2 workers than with 1: "
        f"{verdict}.\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--trees", type=int, default=TREES, help="each forest's size")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--write", type=Path, help="replace this benchmark's section there")
    arguments = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="lolpop-bench-dask-home-"))
    try:
        if arguments.quick:
            took = run_once("local", _data(300), QUICK_SPACE, _environment(home, None), QUICK_TREES)
            print(f"quick: local, a 4-point search, {took:.2f} s (figures mean nothing)")
            return
        with prefect_server(home) as server:
            started = server.wait()
            if started is None:
                sys.exit(f"the Prefect server did not start; see {home / 'server.log'}")
            url, server_start = started
            env = _environment(home, url)
            times = measure(SIDES, _data(4000), SPACE, env, arguments.repeats, arguments.trees)
        section = table(times, server_start, arguments.repeats, arguments.trees)
        print(section)
        if arguments.write is not None:
            _replace_section(str(arguments.write), SECTION, section)
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
