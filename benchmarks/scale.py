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
over the frame's in-memory size (`memory_usage(deep=True)`); the CPU time (user and
system, every thread) of the whole process, which a busy machine stretches much less than
the wall time. BLAS and OpenMP use one thread on both sides.

Per step (lolpop's side): an `Observer` (`StepWatch`, given to `Local`) notes, for each
leaf step call, the duration the run's ledger records, the CPU time of the step's thread
(on a busy machine wall times stretch, CPU times much less), the resident memory it left
held (after less before: its output and the copies it kept, less what it freed; freed
memory that the allocator keeps is reused, so this undercounts) and how far it raised
the process's peak. The step table lists the slowest steps at each size and each one's
growth between sizes: (CPU time ratio) / (row ratio), 1.00 growing as fast as the rows,
above ~1.3 faster. A copy of a frame between steps shows as held memory in frames.

Run: `python benchmarks/scale.py [--repeats 5] [--million] [--write benchmarks/RESULTS.md]`;
`--million` adds 10^6 rows, run at most `--repeats-million` times (5; ~2 minutes a pair);
`--quick`: 10^3 rows, one repeat, writes nothing unless `--write` (a smoke run: its
figures mean nothing); `--compare-root PATH` adds lolpop from another checkout (e.g. a
`git worktree` of an older commit) as a third side.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
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


def _rss() -> int:
    """This process's resident memory now, in bytes (0 where /proc is missing)."""
    try:
        pages = int(Path("/proc/self/statm").read_text(encoding="ascii").split()[1])
    except OSError:
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def _peak() -> int:
    """This process's peak resident memory so far, in bytes (`ru_maxrss`: KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class StepWatch:
    """A lolpop `Observer`: each leaf step's duration (as the run's ledger records it), its
    CPU time (its thread's: less disturbed by other processes on a busy machine), the
    memory it left held (resident memory after it less before it: its output and any
    copies it kept, less what it freed) and how far it raised the process's peak."""

    def __init__(self) -> None:
        # By path and thread: the items of a `map_each` share a path and may run at once.
        self._before: dict[tuple[str, int], tuple[float, int, int]] = {}
        self.steps: list[dict[str, float | str]] = []

    def step_started(self, path: str) -> None:
        """Note the memory as the step starts."""
        self._before[path, threading.get_ident()] = (time.thread_time(), _rss(), _peak())

    def step_finished(  # noqa: PLR0917 (the Observer protocol's signature)
        self,
        path: str,
        started: float,
        duration: float,
        attempt: int,
        error: Exception | None,
        kept: object = None,
    ) -> None:
        """Record the step's duration and memory."""
        now = (time.thread_time(), _rss(), _peak())
        cpu, rss, peak = self._before.pop((path, threading.get_ident()), now)
        self.steps.append(
            {
                "step": path,
                "seconds": duration,
                "cpu": now[0] - cpu,
                "held": now[1] - rss,
                "raised": now[2] - peak,
            }
        )


#: The step records of the lolpop side's run (filled by `_lolpop`).
_WATCH = StepWatch()


def _lolpop(frame: pd.DataFrame) -> float:
    """lolpop's train pipeline doing the same work; the test f1."""
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415 (timed with the side)

    from lolpop import run  # noqa: PLC0415
    from lolpop.backends.local_backend import Local  # noqa: PLC0415
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
        backend = Local(observer=_WATCH)
        outcome = run(train_pipeline(parts), TrainingData(started, frame), backend=backend)
        trained = outcome.unwrap()
        return float(trained.candidate.metrics["f1"])


_SIDES: dict[str, Callable[[pd.DataFrame], float]] = {"plain": _plain, "lolpop": _lolpop}


def _side(name: str, rows: int) -> None:
    """One side, in this process: print its figures as one JSON line."""
    frame = make_frame(rows)
    frame_bytes = int(frame.memory_usage(deep=True).sum())
    started = time.perf_counter()
    f1 = _SIDES[name](frame)
    work = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime  # the whole process's, every thread's
    peak = usage.ru_maxrss * 1024  # KiB on Linux
    figures = {"work": work, "cpu": cpu, "peak": peak, "frame": frame_bytes, "f1": f1}
    print(json.dumps({**figures, "steps": _WATCH.steps}))


#: A side's figures (work, wall, cpu, peak, frame, f1), and each step's (lolpop's side only):
#: seconds, cpu, held and raised, summed over its calls (a `map_each` calls a step twice).
Figures = dict[str, float]
StepFigures = dict[str, dict[str, float]]
#: (rows, side, median figures, median step figures) per size and side.
Results = list[tuple[int, str, Figures, StepFigures]]


def _by_step(calls: Sequence[dict[str, float | str]]) -> StepFigures:
    """The calls' figures summed per step."""
    steps: StepFigures = {}
    for call in calls:
        summed = steps.setdefault(str(call["step"]), {})
        for key, value in call.items():
            if key != "step":
                summed[key] = summed.get(key, 0.0) + float(value)
    return steps


def _once(side: str, rows: int, root: Path) -> tuple[Figures, StepFigures]:
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
    printed = json.loads(done.stdout.strip().splitlines()[-1])
    figures: Figures = {key: float(value) for key, value in printed.items() if key != "steps"}
    return {**figures, "wall": wall}, _by_step(printed.get("steps", []))


def _median_steps(runs: Sequence[StepFigures]) -> StepFigures:
    """Each step's median figures over the runs that called it."""
    paths = dict.fromkeys(path for run in runs for path in run)
    return {
        path: {
            key: statistics.median(run[path][key] for run in runs if path in run)
            for key in next(run[path] for run in runs if path in run)
        }
        for path in paths
    }


def measure(sizes: Sequence[int], repeats: Callable[[int], int], compare: Path | None) -> Results:
    """(rows, side, median figures, median step figures) for each size and side, the
    sides alternating; `repeats(rows)` runs of each."""
    sides: list[tuple[str, str, Path]] = [("plain", "plain", ROOT), ("lolpop", "lolpop", ROOT)]
    if compare is not None:
        sides.append((f"lolpop ({compare.name})", "lolpop", compare))
    results: Results = []
    for rows in sizes:
        runs: dict[str, list[tuple[Figures, StepFigures]]] = {label: [] for label, _, _ in sides}
        for _ in range(repeats(rows)):
            for label, side, root in sides:
                runs[label].append(_once(side, rows, root))
                print(f"{rows} rows, {label}: {runs[label][-1][0]}", file=sys.stderr, flush=True)
        for label, _, _ in sides:
            figures = [run[0] for run in runs[label]]
            median = {key: statistics.median(run[key] for run in figures) for key in figures[0]}
            results.append((rows, label, median, _median_steps([run[1] for run in runs[label]])))
    return results


def table(results: Results, repeats: str) -> str:
    """The section for RESULTS.md: the sides at each size, then lolpop's steps."""
    lines = [
        f"Python {platform.python_version()} on {platform.machine()} ({os.cpu_count()} cores), "
        f"pandas {pd.__version__}, {date.today()}, median of {repeats} alternating runs, "
        "each a fresh process; tracking in memory (no MLflow)",
        "",
        "| rows | side | wall s (whole process) | ratio | work s | ratio | CPU s (whole process) "
        "| ratio | peak MiB | ratio | frame MiB | peak / frame | test f1 |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    plain: dict[int, Figures] = {rows: m for rows, side, m, _ in results if side == "plain"}
    for rows, side, m, _ in results:
        base = plain[rows]
        lines.append(
            f"| {rows:,} | {side} | {m['wall']:.2f} | {m['wall'] / base['wall']:.2f}x "
            f"| {m['work']:.2f} | {m['work'] / base['work']:.2f}x "
            f"| {m['cpu']:.2f} | {m['cpu'] / base['cpu']:.2f}x "
            f"| {m['peak'] / _MIB:.0f} | {m['peak'] / base['peak']:.2f}x "
            f"| {m['frame'] / _MIB:.1f} | {m['peak'] / m['frame']:.1f} | {m['f1']:.4f} |"
        )
    lolpop = [(rows, m, steps) for rows, side, m, steps in results if side == "lolpop"]
    if lolpop and lolpop[-1][2]:
        lines += ["", *step_table(lolpop)]
    return "\n".join(lines)


_MIB = 1024 * 1024
#: Steps shown: the slowest at the largest size, those taking at least this share of the work.
_SHOWN = 0.01


def step_table(lolpop: Sequence[tuple[int, Figures, StepFigures]]) -> list[str]:
    """lolpop's slowest steps at each size: CPU seconds (the step's thread; wall seconds
    in brackets), how the CPU time grows against the rows between sizes (1.00: as fast
    as the rows), and at the largest size the memory each step left held and how far
    it raised the process's peak, in MiB and in frames."""
    rows, figures, steps = lolpop[-1]
    shown = sorted(
        (path for path, step in steps.items() if step["cpu"] >= _SHOWN * figures["work"]),
        key=lambda path: -steps[path]["cpu"],
    )
    sizes = [size for size, _, _ in lolpop]
    pairs = list(itertools.pairwise(lolpop))
    head = [
        "step",
        *(f"{size:,}: cpu s (wall)" for size in sizes),
        *(f"growth {a:,} -> {b:,}" for (a, _, _), (b, _, _) in pairs),
        f"held at {rows:,}: MiB (frames)",
        f"raised peak at {rows:,}: MiB",
    ]
    lines = ["| " + " | ".join(head) + " |", "|---" + "|---:" * (len(head) - 1) + "|"]
    for path in shown:
        cells = [f"`{path}`"]
        for _, _, at in lolpop:
            step = at.get(path)
            cells.append(f"{step['cpu']:.3f} ({step['seconds']:.3f})" if step else "")
        for (a, _, small), (b, _, large) in pairs:
            before, after = small.get(path), large.get(path)
            grown = (
                f"{after['cpu'] / before['cpu'] / (b / a):.2f}"
                if before and after and before["cpu"] > 0
                else ""
            )
            cells.append(grown)
        step = steps[path]
        cells.append(f"{step['held'] / _MIB:.0f} ({step['held'] / figures['frame']:.2f})")
        cells.append(f"{step['raised'] / _MIB:.0f}")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


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
    parser.add_argument(
        "--repeats-million", type=int, default=5, help="at most this many runs at 10^6 rows"
    )
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
        sizes, repeats, million = [1_000], 1, 1
    else:
        sizes = args.sizes or [10_000, 100_000, *([1_000_000] if args.million else [])]
        repeats, million = args.repeats, min(args.repeats, args.repeats_million)
    results = measure(
        sizes, lambda rows: million if rows >= 1_000_000 else repeats, args.compare_root
    )
    counts = sorted({million if rows >= 1_000_000 else repeats for rows in sizes})
    body = table(results, " or ".join(map(str, counts)))
    print(body)
    if args.write:
        _replace_section(args.write, "scale", body)


if __name__ == "__main__":
    main()
