"""The classification workflow at scale against a plain pandas + scikit-learn script.

Generated data (`make_frame`): N rows x 55 columns (40 float columns with 5% missing,
4 integer columns, 10 text categories of 5 to 32 values with 5% missing, and a binary
target that depends on some of them), the same rows on both sides (one seed). Each run is
a fresh process (`--side`), so its wall time and peak memory (`ru_maxrss`) are the whole
process's: the interpreter, the imports, making the frame and the work.

- plain: a stratified 70/15/15 split (train_test_split twice); a ColumnTransformer
  (median imputation and scaling for numbers, most-frequent imputation and dense one-hot
  encoding for categories) fitted on train by `fit_transform`; test transformed; a
  logistic regression fitted on train; the test metrics lolpop reports (accuracy, f1,
  precision, recall, roc_auc, pr_auc, log_loss).
- lolpop: `train_pipeline` (Python API, Local backend) with the same work: the data
  splitter (stratified 70/15/15), the column encoder, `sklearn_trainer(LogisticRegression)`,
  the classification metrics; tracking in memory (`memory_tracker`: tracking off, no
  MLflow) and a local registry in a temporary folder (asked for a champion; none). It
  also encodes the valid part (plain does not: nothing uses it without a tuner), bundles
  the encoder with the model and keeps lolpop's step records.

Figures: medians of alternating runs; ratios lolpop / plain at each size; peak memory
over the frame's in-memory size (`memory_usage(deep=True)`). BLAS and OpenMP use one thread
on both sides.

Run: `python benchmarks/scale.py [--repeats 5] [--million] [--write benchmarks/RESULTS.md]`;
`--quick`: 10^3 rows, one repeat, writes nothing unless `--write` (a smoke run: its
figures mean nothing); `--compare-root PATH` adds lolpop from another checkout (e.g. a
`git worktree` of an older commit) as a third side.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent

#: One thread for BLAS and OpenMP in every side's process (the machine has 2 cores).
_THREADS = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


TARGET = "target"


def make_frame(rows: int, seed: int = 0) -> pd.DataFrame:
    """`rows` x 55 columns: numbers, categories, missing values and a binary target."""
    rng = np.random.default_rng(seed)
    columns: dict[str, object] = {}
    signal = np.zeros(rows)
    for i in range(40):
        values = rng.normal(loc=i % 7, scale=1 + i % 3, size=rows)
        if i < 5:
            signal += values / (1 + i % 3)
        values[rng.random(rows) < 0.05] = np.nan
        columns[f"num_{i:02d}"] = values
    for i in range(4):
        columns[f"int_{i}"] = rng.integers(0, 100 * (i + 1), size=rows)
    for i in range(10):
        levels = np.array([f"c{i}_{j}" for j in range(5 + 3 * i)], dtype=object)
        picked = rng.integers(0, len(levels), size=rows)
        if i < 2:
            signal += (picked % 3 == 0) * 1.5
        values = levels[picked]
        values[rng.random(rows) < 0.05] = None
        columns[f"cat_{i}"] = values
    noisy = signal + rng.normal(scale=2.0, size=rows)
    columns[TARGET] = (noisy > np.median(noisy)).astype(np.int64)
    return pd.DataFrame(columns)


def _plain(frame: pd.DataFrame) -> float:
    """The plain script's work; the test f1."""
    from sklearn.compose import ColumnTransformer  # noqa: PLC0415 (timed with the side)
    from sklearn.impute import SimpleImputer  # noqa: PLC0415
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415
    from sklearn.metrics import (  # noqa: PLC0415
        accuracy_score,
        average_precision_score,
        f1_score,
        log_loss,
        precision_score,
        recall_score,
        roc_auc_score,
    )
    from sklearn.model_selection import train_test_split  # noqa: PLC0415
    from sklearn.pipeline import Pipeline  # noqa: PLC0415
    from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: PLC0415

    features, target = frame.drop(columns=[TARGET]), frame[TARGET]
    x_rest, x_test, y_rest, y_test = train_test_split(
        features, target, test_size=0.15, random_state=0, stratify=target
    )
    x_train, _, y_train, _ = train_test_split(
        x_rest, y_rest, test_size=0.15 / 0.85, random_state=0, stratify=y_rest
    )
    numeric = [c for c in features.columns if features[c].dtype.kind in "if"]
    categorical = [c for c in features.columns if c not in numeric]
    numbers = Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())])
    categories = Pipeline(
        [
            ("impute", SimpleImputer(strategy="most_frequent")),
            ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
        ]
    )
    encoder = ColumnTransformer([("numeric", numbers, numeric), ("cat", categories, categorical)])
    encoded_train = encoder.fit_transform(x_train)  # type: ignore[attr-defined]  # stubs lack it
    encoded_test = encoder.transform(x_test)
    model = LogisticRegression(max_iter=1000).fit(encoded_train, y_train)
    predicted = model.predict(encoded_test)
    probability = model.predict_proba(encoded_test)
    positive = probability[:, 1]
    accuracy_score(y_test, predicted)
    precision_score(y_test, predicted)
    recall_score(y_test, predicted)
    roc_auc_score(y_test, positive)
    average_precision_score(y_test, positive)
    log_loss(y_test, probability)
    return float(f1_score(y_test, predicted))


def _lolpop(frame: pd.DataFrame) -> float:
    """lolpop's train pipeline doing the same work; the test f1."""
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415 (timed with the side)

    from lolpop import run  # noqa: PLC0415
    from lolpop.components.encoder import column_encoder  # noqa: PLC0415
    from lolpop.components.local_repository import (  # noqa: PLC0415
        LocalRegistrySettings,
        local_registry,
    )
    from lolpop.components.memory_tracker import memory_tracker  # noqa: PLC0415
    from lolpop.components.metrics import classification_metrics  # noqa: PLC0415
    from lolpop.components.records import RunSpec  # noqa: PLC0415
    from lolpop.components.sklearn_trainer import sklearn_trainer  # noqa: PLC0415
    from lolpop.components.splitter import SplitterSettings, data_splitter  # noqa: PLC0415
    from lolpop.pipelines.train import (  # noqa: PLC0415
        TrainComponents,
        TrainingData,
        train_pipeline,
    )

    with tempfile.TemporaryDirectory(prefix="lolpop-scale-") as folder:
        parts = TrainComponents(
            splitter=data_splitter(SplitterSettings(TARGET, stratify=True)),
            encoder=column_encoder(),
            trainer=sklearn_trainer(LogisticRegression, {"max_iter": 1000}),
            evaluator=classification_metrics(),
            tracker=memory_tracker(),
            repository=local_registry(LocalRegistrySettings(str(Path(folder) / "reg"), "scale")),
        )
        started = parts.tracker.start_run(RunSpec("scale"))
        trained = run(train_pipeline(parts), TrainingData(started, frame)).unwrap()
        return float(trained.candidate.metrics["f1"])


_SIDES: dict[str, Callable[[pd.DataFrame], float]] = {"plain": _plain, "lolpop": _lolpop}


def _side(name: str, rows: int) -> None:
    """One side, in this process: print its figures as one JSON line."""
    frame = make_frame(rows)
    frame_bytes = int(frame.memory_usage(deep=True).sum())
    started = time.perf_counter()
    f1 = _SIDES[name](frame)
    work = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"work": work, "peak": peak_kib * 1024, "frame": frame_bytes, "f1": f1}))


def _once(side: str, rows: int, root: Path) -> dict[str, float]:
    """One fresh process of `side` on `rows` rows (lolpop imported from `root`)."""
    environment = {**os.environ, **_THREADS, "PYTHONPATH": str(root)}
    command = [sys.executable, str(Path(__file__).resolve()), "--side", side, "--rows", str(rows)]
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=root, env=environment, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{side} at {rows} rows failed:\n{done.stderr[-3000:]}")
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return {**figures, "wall": wall}


def measure(
    sizes: Sequence[int], repeats: int, compare: Path | None
) -> list[tuple[int, str, dict[str, float]]]:
    """(rows, side, median figures) for each size and side, the sides alternating."""
    sides: list[tuple[str, str, Path]] = [("plain", "plain", ROOT), ("lolpop", "lolpop", ROOT)]
    if compare is not None:
        sides.append((f"lolpop ({compare.name})", "lolpop", compare))
    results = []
    for rows in sizes:
        runs: dict[str, list[dict[str, float]]] = {label: [] for label, _, _ in sides}
        for _ in range(repeats):
            for label, side, root in sides:
                runs[label].append(_once(side, rows, root))
                print(f"{rows} rows, {label}: {runs[label][-1]}", file=sys.stderr, flush=True)
        for label, _, _ in sides:
            median = {
                key: statistics.median(run[key] for run in runs[label]) for key in runs[label][0]
            }
            results.append((rows, label, median))
    return results


def table(results: list[tuple[int, str, dict[str, float]]], repeats: int) -> str:
    """The section for RESULTS.md."""
    lines = [
        f"Python {platform.python_version()} on {platform.machine()} ({os.cpu_count()} cores), "
        f"pandas {pd.__version__}, {date.today()}, median of {repeats} alternating runs, "
        "each a fresh process; tracking in memory (no MLflow)",
        "",
        "| rows | side | wall s (whole process) | ratio | work s | ratio | peak MiB | ratio "
        "| frame MiB | peak / frame | test f1 |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    plain: dict[int, dict[str, float]] = {rows: m for rows, side, m in results if side == "plain"}
    mib = 1024 * 1024
    for rows, side, m in results:
        base = plain[rows]
        lines.append(
            f"| {rows:,} | {side} | {m['wall']:.2f} | {m['wall'] / base['wall']:.2f}x "
            f"| {m['work']:.2f} | {m['work'] / base['work']:.2f}x "
            f"| {m['peak'] / mib:.0f} | {m['peak'] / base['peak']:.2f}x "
            f"| {m['frame'] / mib:.1f} | {m['peak'] / m['frame']:.1f} | {m['f1']:.4f} |"
        )
    return "\n".join(lines)


def _replace_section(path: str, name: str, body: str) -> None:
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    text = Path(path).read_text(encoding="utf-8")
    if begin not in text:
        text += (
            f"\n## The classification workflow at scale (`benchmarks/scale.py`)\n\n{begin}\n{end}\n"
        )
    head, _, rest = text.partition(begin)
    _, _, tail = rest.partition(end)
    Path(path).write_text(f"{head}{begin}\n{body}\n{end}{tail}", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="10^3 rows, one repeat")
    parser.add_argument("--million", action="store_true", help="10^6 rows too (minutes)")
    parser.add_argument("--sizes", type=int, nargs="+", help="these row counts instead")
    parser.add_argument("--compare-root", type=Path, help="lolpop from this checkout too")
    parser.add_argument("--write", help="a RESULTS.md whose section to replace")
    parser.add_argument("--side", choices=sorted(_SIDES), help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.side is not None:
        _side(args.side, args.rows)
        return
    if args.quick:
        sizes, repeats = [1_000], 1
    else:
        sizes = args.sizes or [10_000, 100_000, *([1_000_000] if args.million else [])]
        repeats = args.repeats
    body = table(measure(sizes, repeats, args.compare_root), repeats)
    print(body)
    if args.write:
        _replace_section(args.write, "scale", body)


if __name__ == "__main__":
    main()
