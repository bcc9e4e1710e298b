"""What MLflow costs a run: lolpop's way against the way it worked before, per operation.

Each sample is a fresh process (the costs measured are paid once per process: imports,
scans of the environment, schema checks), run alternately old, new, old, new... Each is
forked from the benchmark's own process, which has imported what both ways import
(mlflow, scikit-learn, lolpop's MLflow components, MLflow's SQL store modules) and done
nothing else with them, so no sample pays those imports again (40 samples: 164 s when
each was a new interpreter, ~50 s forked); the child prepares the operation untimed and
only the operation is timed:

- open an existing store: `make_client` on a sqlite database that holds a model
  (tracking and registry stores, under the database's lock). Old: MLflow's schema check
  (its whole alembic script folder loaded to learn the latest revision). New: the
  database's revision read with sqlite3 and compared with the latest one read from the
  migration files' text, MLflow's check skipped.
- create a new store: `make_client` on a database that does not exist (MLflow creates
  and migrates it on both sides: lolpop does not change this, the row shows it).
- log_model: the tracker's `log_model` of a fitted LogisticRegression (skops), in a run
  started untimed. Old: requirements from `mlflow.sklearn.get_default_pip_requirements`,
  MLflow's check of them (a scan of every installed distribution), skops imported as
  MLflow imports it (with pytest and dask). New: pins read with importlib.metadata for
  the model's distributions alone, the check skipped, skops imported without pytest and
  dask.
- load the champion: the registry's `load` of the champion version (digest checks
  included). Old: skops imported by MLflow (pytest and dask with it). New: through
  `import_skops`.

The old way is lolpop's current code with the three changes undone in that process
(`is_current_database` answering False, the previous requirements function, no skip of
the check, no `import_skops`), so both sides run the same steps otherwise.

Run: `python benchmarks/mlflow_costs.py [--quick] [--write benchmarks/RESULTS.md]`;
`--quick` does each operation once a way, all four in one process a way (two processes in
all, not eight: a smoke run whose figures mean nothing).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECTION = "mlflow-costs"
OPERATIONS = ("open_existing", "create_new", "log_model", "load_champion")
_LABELS = {
    "open_existing": "open an existing store",
    "create_new": "create a new store",
    "log_model": "log_model (skops)",
    "load_champion": "load the champion (skops)",
}
_MODEL = "costs"


def _undo(operation: str) -> None:
    """Put back the old way in this (child) process, for `operation`."""
    import mlflow.sklearn  # noqa: PLC0415 (the child's own imports)

    from lolpop.components import (  # noqa: PLC0415
        _mlflow,
        mlflow_repository,
        mlflow_tracker,
    )

    def old_requirements(serialization: str) -> list[str]:
        return list(
            mlflow.sklearn.get_default_pip_requirements(
                include_cloudpickle=serialization == "cloudpickle",
                include_skops=serialization == "skops",
            )
        )

    old: list[tuple[object, str, object]] = [
        (_mlflow, "is_current_database", lambda database: False),
    ]
    if operation == "log_model":
        old += [
            (mlflow_tracker, "model_requirements", old_requirements),
            (mlflow_tracker, "unchecked_requirements", nullcontext),
            (mlflow_tracker, "import_skops", lambda: None),
        ]
    if operation == "load_champion":
        old += [(mlflow_repository, "import_skops", lambda: None)]
    for module, name, value in old:
        assert hasattr(module, name), name
        setattr(module, name, value)


def _model() -> object:
    """A fitted model of the breast cancer data, as a `FittedModel`."""
    import numpy as np  # noqa: PLC0415
    from sklearn.datasets import load_breast_cancer  # noqa: PLC0415
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415

    from lolpop.components.records import Classification, FittedModel  # noqa: PLC0415

    data = load_breast_cancer(as_frame=True)
    estimator = LogisticRegression(max_iter=5000).fit(data.data, data.target)
    classes = tuple(np.unique(data.target))
    features = tuple(data.data.columns)
    return FittedModel(estimator, Classification, features, "target", classes, {})


def _setup(folder: str) -> None:
    """A store with a registered champion (a child process, untimed)."""
    from lolpop.components.mlflow_repository import (  # noqa: PLC0415
        MlflowRegistrySettings,
        mlflow_repository,
    )
    from lolpop.components.mlflow_tracker import MlflowSettings, mlflow_tracker  # noqa: PLC0415
    from lolpop.components.records import Promotion, RunSpec  # noqa: PLC0415

    uri = f"sqlite:///{folder}/mlflow.db"
    tracker = mlflow_tracker(MlflowSettings(uri, "costs"))
    run = tracker.start_run(RunSpec("champion"))
    logged = tracker.log_model((run, _model()))  # type: ignore[arg-type]  # a FittedModel
    tracker.end_run((run, "FINISHED"))
    repository = mlflow_repository(MlflowRegistrySettings(_MODEL, uri))
    repository.promote(Promotion(repository.register(logged), None))


def _child(operation: str, way: str, folder: str) -> float:
    """Seconds of `operation` done the `way` way in this process (after its imports)."""
    import mlflow  # noqa: PLC0415 (imported by both ways, before the clock)
    import mlflow.sklearn  # noqa: F401, PLC0415
    import sklearn.linear_model  # noqa: F401, PLC0415

    from lolpop.components import _mlflow  # noqa: PLC0415
    from lolpop.components.mlflow_repository import (  # noqa: PLC0415
        MlflowRegistrySettings,
        mlflow_repository,
    )
    from lolpop.components.mlflow_tracker import MlflowSettings, mlflow_tracker  # noqa: PLC0415
    from lolpop.components.records import RunSpec  # noqa: PLC0415

    if way == "old":
        _undo(operation)
    uri = f"sqlite:///{folder}/mlflow.db"
    for module in _mlflow._SQL_STORE_MODULES:  # imported by both ways before the lock
        __import__(module)
    if operation in ("open_existing", "create_new"):
        if operation == "create_new":
            fresh = tempfile.mkdtemp(prefix="new-", dir=folder)
            uri = f"sqlite:///{fresh}/mlflow.db"
        start = time.perf_counter()
        _mlflow.make_client(uri, uri)
        return time.perf_counter() - start
    if operation == "log_model":
        tracker = mlflow_tracker(MlflowSettings(uri, "costs"))
        run = tracker.start_run(RunSpec("timed"))
        model = _model()
        start = time.perf_counter()
        tracker.log_model((run, model))  # type: ignore[arg-type]  # a FittedModel
        took = time.perf_counter() - start
        tracker.end_run((run, "FINISHED"))
        return took
    repository = mlflow_repository(MlflowRegistrySettings(_MODEL, uri))
    champion = repository.get_alias("champion")
    assert champion is not None
    start = time.perf_counter()
    repository.load(champion)
    return time.perf_counter() - start


#: The environment of every sample (set before the shared imports, which read it).
_ENVIRONMENT = {"MLFLOW_DISABLE_TELEMETRY": "true", "MLFLOW_LOGGING_LEVEL": "WARNING"}


def _preload() -> None:
    """Import, in this (parent) process, what both ways import before the clock, so
    that each forked sample starts with them done (as a fresh process would do untimed)."""
    os.environ.update(_ENVIRONMENT)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import mlflow.sklearn  # noqa: F401, PLC0415 (the shared imports)
    import sklearn.linear_model  # noqa: F401, PLC0415

    from lolpop.components import (  # noqa: PLC0415
        _mlflow,
        mlflow_repository,  # noqa: F401
        mlflow_tracker,  # noqa: F401
    )

    for module in _mlflow._SQL_STORE_MODULES:
        __import__(module)


def _sample(operation: str, way: str, folder: str) -> float:
    """Seconds of `operation` done the `way` way in a child forked from this process
    (after `_preload`): a fresh process as far as the measured costs go (what is paid
    once per process: MLflow's schema check, the environment scan, skops's import, none
    done in the parent), without paying the shared imports again for every sample."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child: measure, report through the pipe, leave at once
        code = 0
        try:
            os.close(read)
            os.chdir(folder)
            took = _child(operation, way, folder)
            os.write(write, json.dumps(took).encode())
        except BaseException:  # reported by the exit code, with its traceback
            import traceback  # noqa: PLC0415

            traceback.print_exc()
            code = 1
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        answer = pipe.read()
    _, status = os.waitpid(child, 0)
    if os.waitstatus_to_exitcode(status) != 0 or not answer:
        raise RuntimeError(f"{operation} ({way}) failed (see its traceback above)")
    return float(json.loads(answer))


def _samples(operations: tuple[str, ...], way: str, folder: str) -> list[float]:
    """Seconds of each of `operations` done the `way` way, one after another in one
    fresh process (`--quick`'s smoke run: one process a way)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), **_ENVIRONMENT}
    command = [sys.executable, __file__, "--child", ",".join(operations), way, folder]
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=folder, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{', '.join(operations)} ({way}) failed:\n{done.stderr[-3000:]}")
    return [float(each) for each in json.loads(done.stdout.strip().splitlines()[-1])]


def measure(repeats: int, *, quick: bool = False) -> dict[str, dict[str, list[float]]]:
    """Seconds per operation and way, `repeats` fresh processes each, alternating;
    `quick`: every operation once a way, all in one process a way (a smoke run)."""
    samples: dict[str, dict[str, list[float]]] = {op: {"old": [], "new": []} for op in OPERATIONS}
    with tempfile.TemporaryDirectory(prefix="lolpop-mlflow-costs-") as folder:
        done = subprocess.run(
            [sys.executable, __file__, "--setup", folder],
            check=False,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT), "MLFLOW_DISABLE_TELEMETRY": "true"},
            cwd=folder,
        )
        if done.returncode != 0:
            raise RuntimeError(f"setup failed:\n{done.stderr[-3000:]}")
        if quick:
            for way in ("old", "new"):
                for operation, took in zip(
                    OPERATIONS, _samples(OPERATIONS, way, folder), strict=True
                ):
                    samples[operation][way].append(took)
            return samples
        _preload()
        for round_ in range(repeats):
            for operation in OPERATIONS:
                # Alternate which way goes first, so neither always follows the other.
                ways = ("old", "new") if round_ % 2 == 0 else ("new", "old")
                for way in ways:
                    samples[operation][way].append(_sample(operation, way, folder))
    return samples


def report(samples: dict[str, dict[str, list[float]]]) -> str:
    """A Markdown table of the medians."""
    lines = [
        "| operation (timed in a fresh process) | old way s | lolpop s | lolpop / old | saved s |",
        "|---|---:|---:|---:|---:|",
    ]
    for operation, ways in samples.items():
        old, new = statistics.median(ways["old"]), statistics.median(ways["new"])
        lines.append(
            f"| {_LABELS[operation]} | {old:.3f} | {new:.3f} | {new / old:.2f}x | {old - new:.3f} |"
        )
    return "\n".join(lines)


def _replace_section(path: str, name: str, body: str) -> None:
    """Replace the text between the section's markers (appended if they are missing)."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    if begin not in text:
        text = f"{text.rstrip()}\n\n## What MLflow costs a run\n\n{begin}\n{end}\n"
    head, _, rest = text.partition(begin)
    _, _, tail = rest.partition(end)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(f"{head}{begin}\n{body}\n{end}{tail}")


def main(argv: list[str] | None = None) -> None:
    """Measure and print the table (and write it into a results file if asked)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round (a smoke run)")
    parser.add_argument("--write", metavar="PATH", help="replace the table in this file")
    parser.add_argument("--child", nargs=3, metavar=("OPERATIONS", "WAY", "FOLDER"))
    parser.add_argument("--setup", metavar="FOLDER")
    args = parser.parse_args(argv)
    if args.setup:
        _setup(args.setup)
        return
    if args.child:
        operations, way, folder = args.child
        print(json.dumps([_child(each, way, folder) for each in operations.split(",")]))
        return
    repeats = 1 if args.quick else 5
    samples = measure(repeats, quick=args.quick)
    table = report(samples)
    versions = ", ".join(
        f"{name} {importlib.metadata.version(name)}"
        for name in ("mlflow", "scikit-learn", "skops", "SQLAlchemy", "alembic")
    )
    header = (
        f"Python {platform.python_version()} on {platform.machine()} ({os.cpu_count()} cores), "
        f"{versions}, {time.strftime('%Y-%m-%d')}; median of {repeats} fresh processes per "
        "way (each forked after the shared imports), old and new alternating; only the "
        "operation is timed (imports of mlflow, scikit-learn and lolpop done before the "
        "clock, on both sides). Old: lolpop's code "
        "with this change undone in the process. Command: "
        "`python benchmarks/mlflow_costs.py --write benchmarks/RESULTS.md`."
    )
    print(header)
    print(table)
    if args.write:
        _replace_section(args.write, SECTION, f"{header}\n\n{table}")


if __name__ == "__main__":
    main()
