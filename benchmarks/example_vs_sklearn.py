"""The churn example's training against a plain scikit-learn script doing the same work.

Both run in one process on the churn CSV, alternating repeats:

- plain: read the CSV, lolpop's default split (stratified 70/15/15 with its seed,
  re-done with numpy: `benchmarks/plain/_workflow.split`), a ColumnTransformer (median
  imputation and scaling for numbers, most-frequent imputation and one-hot encoding for
  categories), a logistic regression for each C in (0.1, 1.0) scored by f1 on the
  valid part, the winner's test metrics;
- lolpop (memory): the classification runner's `train` stage with the churn example's
  components, tracked in memory: the same work, plus versioning the data, profiling it
  (JSON and HTML report), checking its rules, importance, a baseline, figures, a bias
  check and lolpop's step records;
- lolpop (MLflow): the same, tracked in MLflow (a SQLite file) with nested trial runs
  and the model logged.

Ratios: lolpop / plain. The extra work is the point of the framework; the ratio says
what it costs against the bare fit.

Run: `python benchmarks/example_vs_sklearn.py [--repeats 5] [--write benchmarks/RESULTS.md]`.
"""
# ruff: noqa: E402 (the imports follow the path and environment set-up above them)

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Protocol, runtime_checkable

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "benchmarks" / "plain"))

import pandas as pd
from _workflow import split
from attrs import evolve
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from step_overhead import _replace_section

from examples.churn.workflow import SETTINGS, make_components
from lolpop import run
from lolpop.components.local_repository import LocalRegistrySettings, local_registry
from lolpop.components.memory_tracker import memory_tracker
from lolpop.runners.supervised import classification_runner

DATA = ROOT / "examples" / "churn" / "data" / "customers.csv"
PARTS = ("train", "valid", "test")


@runtime_checkable
class _Predicts(Protocol):
    def predict(self, x: pd.DataFrame, /) -> pd.Series: ...


def plain() -> float:
    """The bare scikit-learn script; returns the winner's test f1."""
    frame = pd.read_csv(DATA)
    features = frame.drop(columns=["customer_id", "churned"])
    parts = split(frame, "churned", stratify=True)  # lolpop's default split, re-done
    x_train, x_valid, x_test = (features.loc[parts[name].index] for name in PARTS)
    y_train, y_valid, y_test = (parts[name]["churned"] for name in PARTS)
    numeric = [c for c in features.columns if features[c].dtype.kind in "if"]
    categorical = [c for c in features.columns if c not in numeric]
    best: tuple[float, _Predicts] | None = None
    for c in (0.1, 1.0):
        model = Pipeline(
            [
                (
                    "encode",
                    ColumnTransformer(
                        [
                            (
                                "numeric",
                                Pipeline(
                                    [
                                        ("impute", SimpleImputer(strategy="median")),
                                        ("scale", StandardScaler()),
                                    ]
                                ),
                                numeric,
                            ),
                            (
                                "categorical",
                                Pipeline(
                                    [
                                        ("impute", SimpleImputer(strategy="most_frequent")),
                                        ("onehot", OneHotEncoder(handle_unknown="ignore")),
                                    ]
                                ),
                                categorical,
                            ),
                        ]
                    ),
                ),
                ("model", LogisticRegression(C=c, max_iter=1000, random_state=0)),
            ]
        ).fit(x_train, y_train)
        assert isinstance(model, _Predicts)
        score = float(f1_score(y_valid, model.predict(x_valid)))
        if best is None or score > best[0]:
            best = (score, model)
    assert best is not None
    predicted = best[1].predict(x_test)
    accuracy_score(y_test, predicted)
    return float(f1_score(y_test, predicted))


def lolpop_train(tracking: str, scratch: Path) -> Callable[[], float]:
    """The runner's `train` stage in a fresh working folder (in `scratch`), memory or
    MLflow tracking."""

    def once() -> float:
        work = Path(tempfile.mkdtemp(prefix="run-", dir=scratch))
        settings = evolve(
            SETTINGS, work_dir=str(work / "work"), tracking_uri=f"sqlite:///{work / 'mlflow.db'}"
        )
        components = make_components(settings)
        if tracking == "memory":
            components = evolve(
                components,
                tracker=memory_tracker(),
                repository=local_registry(LocalRegistrySettings(str(work / "registry"), "churn")),
            )
        report = run(classification_runner(components, settings, "train"), None)
        trained = report.unwrap().trained
        assert trained is not None
        return trained.candidate.metrics["f1"]

    return once


def measure(repeats: int, scratch: Path, *, warm: bool = True) -> list[tuple[str, float, float]]:
    """(name, median seconds, test f1) of each, alternating repeats (lolpop's folders in
    `scratch`); `warm`: one untimed round first (imports, caches)."""
    contenders = {
        "plain scikit-learn": plain,
        "lolpop, memory tracking": lolpop_train("memory", scratch),
        "lolpop, MLflow tracking": lolpop_train("mlflow", scratch),
    }
    for fn in contenders.values() if warm else ():  # imports and caches
        fn()
    times: dict[str, list[float]] = {name: [] for name in contenders}
    scores: dict[str, float] = {}
    for _ in range(repeats):
        for name, fn in contenders.items():
            start = time.perf_counter()
            scores[name] = fn()
            times[name].append(time.perf_counter() - start)
    return [(name, statistics.median(times[name]), scores[name]) for name in contenders]


def table(results: list[tuple[str, float, float]], repeats: int) -> str:
    baseline = results[0][1]
    lines = [
        f"Python {platform.python_version()} on {platform.machine()}, {date.today()}, "
        f"median of {repeats} repeats",
        "",
        "| run | seconds | ratio to plain | test f1 |",
        "|---|---:|---:|---:|",
    ]
    for name, seconds, f1 in results:
        lines.append(f"| {name} | {seconds:.2f} | {seconds / baseline:.1f}x | {f1:.4f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="one repeat, no warm-up (a smoke run)")
    parser.add_argument("--write", help="a RESULTS.md whose section to replace")
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats
    with tempfile.TemporaryDirectory(prefix="lolpop-bench-example-") as scratch:
        results = measure(repeats, Path(scratch), warm=not args.quick)
    if len({round(f1, 9) for _, _, f1 in results}) != 1:  # the same work gives the same model
        sys.exit(f"the test f1 differs between the sides: {results}")
    body = table(results, repeats)
    print(body)
    if args.write:
        _replace_section(args.write, "example-vs-sklearn", body)


if __name__ == "__main__":
    main()
