# mypy: disable-error-code="possibly-undefined"
# (MLflow is imported, and used, only when tracking: `if tracking:` blocks mypy cannot pair)
"""The plain scripts' shared work: what `lolpop run <example>/workflow.yaml` declares, by hand.

One function, `main(example)`, does in order what the supervised runners' `build_all`
stage does for a scikit-learn dataset example (no new data to predict), with pandas,
scikit-learn, matplotlib and MLflow called directly:

- read the data (`sklearn.datasets.load_*(as_frame=True)`), check the config's rules
  (required columns, not null, allowed values, row count) and the default rules (no
  constant, all-missing or ID-like feature column);
- with tracking: an MLflow run (SQLite file `mlflow.db` in the working folder, artifacts
  under `mlartifacts/`), the dataset logged as a run input (`mlflow.data.from_pandas`);
- version the frame (Parquet, named by its SHA-256, under `.plain/store/`), profile it
  (`describe()` as JSON and HTML under `.plain/reports/`, logged as artifacts);
- split it as lolpop's default splitter does (`lolpop/components/splitter.py`, method
  `ratio`, valid 0.15, test 0.15, seed 0, stratified by class for classification: one
  `numpy.random.default_rng(0)` permutation per sorted class, test first, then valid,
  part sizes `floor(n * share + 0.5)`, each part in the frame's order), so both sides
  train and test on the same rows;
- encode as lolpop's default `column_encoder` does (numbers: median imputation and
  standard scaling; the examples have no categorical column), fitted on train;
- the grid: each point fitted on train (`random_state=0` where the estimator has one),
  every metric computed on valid, a nested MLflow run each; the first best by the
  config's metric wins;
- the winner's test metrics (all the task's metrics), permutation importance on the
  encoded test part (`n_repeats` 3, `random_state` 0), the baseline check (a
  `DummyClassifier(most_frequent)` / `DummyRegressor(mean)` scored by the same metric),
  the figures (confusion matrix, ROC and PR curves or residuals and predicted against
  actual, and the model's own feature importance; `matplotlib.figure.Figure`, no
  pyplot, PNG at 100 dpi) logged as artifacts;
- the encoder and the winner bundled in one `Pipeline`, logged with
  `mlflow.sklearn.log_model` (the same pinned requirements lolpop gives, so MLflow does
  not infer them; skops format, MLflow 3's default) and registered under the model
  name when approved: the deploy stage's rule (no champion yet, or the champion,
  loaded with `mlflow.sklearn.load_model` and scored on the same test rows, beaten by
  `min_improvement`); the alias `champion` then moves to it. Without tracking: the
  bundle pickled into `.plain/registry/`, the champion in `aliases.json`.

It prints `test <metric> <value>` for the benchmark to compare with lolpop's summary.

Differences kept on purpose (lolpop's extra guarantees, not declared work): lolpop
hashes and checks every value it caches, saves models with skops, records each step,
writes a run summary and tags; the plain script does none of that.
"""

from __future__ import annotations

import hashlib
import json
import math
import pickle
import sys
from collections.abc import Callable, Mapping, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
import pandas as pd
from attrs import frozen

if TYPE_CHECKING:
    from sklearn.compose import ColumnTransformer

Task = Literal["classification", "regression"]
Grid = Mapping[str, Sequence[float | int | None]]

_Floats = npt.NDArray[np.float64]
_Positions = npt.NDArray[np.intp]
_WIDTH, _HEIGHT = 6.4, 4.8


@runtime_checkable
class _FitTransformer(Protocol):
    def fit_transform(self, X: pd.DataFrame, /) -> pd.DataFrame: ...


def numeric_part(columns: Sequence[str]) -> tuple[str, object, Sequence[str]]:
    """The numeric part of lolpop's default encoder, for a `ColumnTransformer`: median
    imputation (empty columns kept), then scaling."""
    from sklearn.impute import SimpleImputer  # noqa: PLC0415
    from sklearn.pipeline import Pipeline  # noqa: PLC0415
    from sklearn.preprocessing import StandardScaler  # noqa: PLC0415

    steps = [
        ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
        ("scale", StandardScaler()),
    ]
    return ("numeric", Pipeline(steps), columns)


def encode_parts(
    encoder: ColumnTransformer, parts: Mapping[str, pd.DataFrame]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """`encoder` fitted on the train part: the train, valid and test parts encoded."""
    assert isinstance(encoder, _FitTransformer)  # scikit-learn's; the stub lacks it
    return (
        encoder.fit_transform(parts["train"]),
        encoder.transform(parts["valid"]),
        encoder.transform(parts["test"]),
    )


@frozen
class Example:
    """One example's declared work, as its `workflow.yaml` says it."""

    name: str
    task: Task
    #: The `sklearn.datasets` loader's name (`breast_cancer`).
    dataset: str
    #: The estimator's class, as `module:Class`.
    estimator: str
    params: Mapping[str, object]
    grid: Grid
    #: The metric that picks the trial and that the baseline is scored by.
    metric: str
    #: `binary` (positive class the second), `macro` (wine's metrics component).
    average: Literal["binary", "macro"] = "binary"
    #: The config's rules, as (column, allowed values or None) for `not_null` and
    #: `allowed_values`; `required` for required columns; `min_rows` for row_count.
    required: tuple[str, ...] = ()
    not_null: tuple[str, ...] = ()
    allowed: Mapping[str, tuple[int, ...]] = {}
    min_rows: int = 0
    #: The approval rule: a new version replaces the champion when it beats the
    #: champion's test metric by this much.
    min_improvement: float = 0.0
    #: The types skops (MLflow 3's default format) must be told to trust in the bundle.
    trusted: tuple[str, ...] = ("numpy.dtype",)


def save_version(frame: pd.DataFrame, store: Path) -> str:
    """`frame` as Parquet under `store`, named by its SHA-256: the digest."""
    store.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(store / "frame.tmp")
    digest = hashlib.sha256((store / "frame.tmp").read_bytes()).hexdigest()
    (store / "frame.tmp").replace(store / f"{digest}.parquet")
    return digest


def pinned_requirements() -> list[str]:
    """The model's requirements, pinned as lolpop gives them to `log_model` (so MLflow
    does not infer them: its inference loads the model in a subprocess and scans every
    installed distribution, ~10-20 s here)."""
    names = ("mlflow", "scikit-learn", "numpy", "scipy", "pandas", "skops")
    return [f"{name}=={version(name)}" for name in names]


def write_profile(described: pd.DataFrame, reports: Path) -> None:
    """A frame's `describe()` as JSON and HTML in the folder `reports`."""
    reports.mkdir(parents=True, exist_ok=True)
    (reports / "profile.json").write_text(described.to_json(), encoding="utf-8")
    (reports / "profile.html").write_text(described.to_html(), encoding="utf-8")


def _count(rows: int, size: float) -> int:
    return math.floor(rows * size + 0.5)


def _cut(rows: int, rng: np.random.Generator) -> dict[str, _Positions]:
    order = rng.permutation(rows).astype(np.intp)
    n_test, n_valid = _count(rows, 0.15), _count(rows, 0.15)
    return {
        "test": order[:n_test],
        "valid": order[n_test : n_test + n_valid],
        "train": order[n_test + n_valid :],
    }


def split(frame: pd.DataFrame, target: str, stratify: bool) -> dict[str, pd.DataFrame]:
    """lolpop's default split (see the module notes): part name -> rows of `frame`."""
    rng = np.random.default_rng(0)
    if stratify:
        codes, _ = pd.factorize(frame[target], sort=True)
        pieces: dict[str, list[_Positions]] = {"train": [], "valid": [], "test": []}
        for code in range(int(codes.max()) + 1):
            members = np.flatnonzero(codes == code).astype(np.intp)
            for part, rows in _cut(len(members), rng).items():
                pieces[part].append(members[rows])
        parts = {part: np.concatenate(found) for part, found in pieces.items()}
    else:
        parts = _cut(len(frame), rng)
    return {part: frame.iloc[np.sort(rows)] for part, rows in parts.items()}


def check(frame: pd.DataFrame, example: Example, target: str) -> list[str]:
    """The config's rules and the default feature rules: the problems found."""
    problems = [f"missing column {c}" for c in example.required if c not in frame.columns]
    problems += [f"{c} has missing values" for c in example.not_null if frame[c].isna().any()]
    for column, values in example.allowed.items():
        if not frame[column].isin(values).all():
            problems.append(f"{column} has values outside {values}")
    if len(frame) < example.min_rows:
        problems.append(f"{len(frame)} rows, fewer than {example.min_rows}")
    for column in frame.columns.drop(target):
        series = frame[column]
        if series.nunique(dropna=True) <= 1:
            problems.append(f"WARN {column} is constant")
        if series.isna().all():
            problems.append(f"WARN {column} is all missing")
        if series.dtype == object and series.nunique() == len(series):
            problems.append(f"WARN {column} looks like an id")
    return problems


def metrics(
    task: Task,
    average: Literal["binary", "macro"],
    truth: pd.Series,
    model: object,
    features: pd.DataFrame,
) -> dict[str, float]:
    """Every metric of the task, as lolpop's metrics component names them."""
    from sklearn import metrics as m  # noqa: PLC0415 (only this function needs it)

    predicted = model.predict(features)  # type: ignore[attr-defined]  # an estimator
    if task == "regression":
        found = {
            "mse": m.mean_squared_error(truth, predicted),
            "rmse": m.root_mean_squared_error(truth, predicted),
            "mae": m.mean_absolute_error(truth, predicted),
            "mape": m.mean_absolute_percentage_error(truth, predicted),
            "r2": m.r2_score(truth, predicted),
        }
        if (truth > -1).all() and (predicted > -1).all():
            found["msle"] = m.mean_squared_log_error(truth, predicted)
        return {k: float(v) for k, v in found.items()}
    classes = model.classes_  # type: ignore[attr-defined]  # a classifier
    matrix = model.predict_proba(features)  # type: ignore[attr-defined]  # a classifier
    positive = classes[1] if average == "binary" else 1
    found = {
        "accuracy": m.accuracy_score(truth, predicted),
        "f1": m.f1_score(truth, predicted, average=average, pos_label=positive, zero_division=0),
        "precision": m.precision_score(
            truth, predicted, average=average, pos_label=positive, zero_division=0
        ),
        "recall": m.recall_score(
            truth, predicted, average=average, pos_label=positive, zero_division=0
        ),
        "log_loss": m.log_loss(truth, matrix, labels=classes),
    }
    if average == "binary":
        hits = np.asarray(truth == classes[1])
        found["roc_auc"] = m.roc_auc_score(hits, matrix[:, 1])
        found["pr_auc"] = m.average_precision_score(hits, matrix[:, 1])
    else:
        indicator = np.asarray(truth.to_numpy()[:, None] == classes[None, :], dtype=int)
        found["roc_auc"] = m.roc_auc_score(
            truth, matrix, multi_class="ovr", average="macro", labels=classes
        )
        found["pr_auc"] = m.average_precision_score(indicator, matrix, average="macro")
    return {k: float(v) for k, v in found.items()}


def _better(metric: str, score: float, best: float) -> bool:
    lower = metric in {"rmse", "mse", "mae", "mape", "msle", "log_loss"}
    return score < best if lower else score > best


def _approved(example: Example, test: Mapping[str, float], champion: float | None) -> bool:
    """The deploy stage's rule: no champion yet, or better by `min_improvement`."""
    if champion is None:
        return True
    score = test[example.metric]
    lower = example.metric in {"rmse", "mse", "mae", "mape", "msle", "log_loss"}
    gain = champion - score if lower else score - champion
    return gain >= example.min_improvement


def figures(  # noqa: PLR0915 (four figures, drawn as lolpop draws them)
    task: Task, model: object, features: pd.DataFrame, truth: pd.Series, folder: Path
) -> list[Path]:
    """The task's figures as PNG files in `folder` (as lolpop's visualizer draws them)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415
    from sklearn import metrics as m  # noqa: PLC0415

    folder.mkdir(parents=True, exist_ok=True)
    drawn: list[Path] = []

    def save(name: str, draw: Callable[[Figure], None]) -> None:
        figure = Figure(figsize=(_WIDTH, _HEIGHT))
        FigureCanvasAgg(figure)
        draw(figure)
        figure.savefig(folder / f"{name}.png", format="png", dpi=100)
        drawn.append(folder / f"{name}.png")

    predicted = model.predict(features)  # type: ignore[attr-defined]  # an estimator
    if task == "classification":
        classes = model.classes_  # type: ignore[attr-defined]  # a classifier
        scores = model.predict_proba(features)[:, 1]  # type: ignore[attr-defined]
        hits = np.asarray(truth == classes[1])

        def confusion(figure: Figure) -> None:
            axes = figure.add_subplot()
            counts = m.confusion_matrix(truth, predicted, labels=classes)
            axes.imshow(counts, cmap="Blues")
            for (i, j), value in np.ndenumerate(counts):
                axes.text(j, i, str(value), ha="center", va="center")
            axes.set_xlabel("predicted")
            axes.set_ylabel("actual")
            axes.set_title("Confusion matrix")

        def roc(figure: Figure) -> None:
            axes = figure.add_subplot()
            fpr, tpr, _ = m.roc_curve(hits, scores)
            axes.plot(fpr, tpr, label=f"AUC {m.auc(fpr, tpr):.3f}")
            axes.plot([0, 1], [0, 1], linestyle="--")
            axes.legend()
            axes.set_title("ROC curve")

        def pr(figure: Figure) -> None:
            axes = figure.add_subplot()
            precision, recall, _ = m.precision_recall_curve(hits, scores)
            axes.plot(recall, precision)
            axes.set_title("Precision-recall curve")

        save("confusion_matrix", confusion)
        save("roc_curve", roc)
        save("pr_curve", pr)
    else:

        def residuals(figure: Figure) -> None:
            axes = figure.add_subplot()
            axes.scatter(predicted, truth - predicted, s=8)
            axes.axhline(0.0, linestyle="--")
            axes.set_title("Residuals")

        def against(figure: Figure) -> None:
            axes = figure.add_subplot()
            axes.scatter(truth, predicted, s=8)
            low, high = float(truth.min()), float(truth.max())
            axes.plot([low, high], [low, high], linestyle="--")
            axes.set_title("Predicted against actual")

        save("residuals", residuals)
        save("predicted_vs_actual", against)
    own = getattr(model, "feature_importances_", None)
    if own is None:
        own = np.abs(np.atleast_2d(model.coef_)).mean(axis=0)  # type: ignore[attr-defined]
    values = np.asarray(own, dtype=np.float64)
    order = np.argsort(-values, kind="stable")[:20]
    names = [str(features.columns[i]) for i in order]

    def importance(figure: Figure) -> None:
        height = max(3.0, 0.3 * len(names) + 1.2)
        figure.set_size_inches(_WIDTH, height)
        figure.subplots_adjust(left=0.4, right=0.95, bottom=0.6 / height, top=1 - 0.4 / height)
        axes = figure.add_subplot()
        axes.barh(range(len(names)), values[order][::-1])
        axes.set_yticks(range(len(names)), labels=names[::-1])
        axes.set_title(f"Feature importance (top {len(names)} of {len(values)})")

    save("feature_importance", importance)
    return drawn


def main(example: Example, argv: Sequence[str] | None = None) -> None:  # noqa: PLR0915 (one script's work, in order)
    """Run the example's declared work in the current folder (`--no-tracking`: no MLflow)."""
    import importlib  # noqa: PLC0415

    from sklearn.compose import ColumnTransformer  # noqa: PLC0415
    from sklearn.dummy import DummyClassifier, DummyRegressor  # noqa: PLC0415
    from sklearn.inspection import permutation_importance  # noqa: PLC0415
    from sklearn.model_selection import ParameterGrid  # noqa: PLC0415
    from sklearn.pipeline import Pipeline  # noqa: PLC0415

    tracking = "--no-tracking" not in (sys.argv[1:] if argv is None else argv)
    work = Path.cwd()
    if tracking:
        import mlflow  # noqa: PLC0415
        import mlflow.sklearn  # noqa: PLC0415
        from mlflow.data.pandas_dataset import from_pandas  # noqa: PLC0415

        mlflow.set_tracking_uri(f"sqlite:///{work / 'mlflow.db'}")
        if mlflow.get_experiment_by_name(example.name) is None:
            mlflow.create_experiment(example.name, artifact_location=str(work / "mlartifacts"))
        mlflow.set_experiment(example.name)

    datasets = importlib.import_module("sklearn.datasets")
    frame = getattr(datasets, f"load_{example.dataset}")(as_frame=True).frame
    target = "target"
    problems = check(frame, example, target)
    if any(not p.startswith("WARN") for p in problems):
        sys.exit(f"data checks failed: {problems}")

    if tracking:
        mlflow.start_run(run_name=f"{example.name}-train")
    dataset = f"{example.name}-training-data"
    save_version(frame, work / ".plain" / "store")
    reports = work / ".plain" / "reports" / dataset
    write_profile(frame.describe(), reports)
    if tracking:
        mlflow.log_input(from_pandas(frame, name=dataset, targets=target))
        mlflow.log_artifacts(str(reports), "data_profile")

    classify = example.task == "classification"
    parts = split(frame, target, stratify=classify)
    features = [c for c in frame.columns if c != target]
    encoder = ColumnTransformer(
        [numeric_part(features)], verbose_feature_names_out=False
    ).set_output(transform="pandas")
    x_train, x_valid, x_test = encode_parts(
        encoder, {part: rows[features] for part, rows in parts.items()}
    )
    y = {part: rows[target] for part, rows in parts.items()}

    module, _, name = example.estimator.partition(":")
    estimator = getattr(importlib.import_module(module), name)
    best: tuple[float, object] | None = None
    for number, point in enumerate(ParameterGrid(dict(example.grid))):
        params = {**example.params, **point}
        if "random_state" in estimator().get_params():
            params["random_state"] = 0
        model = estimator(**params).fit(x_train, y["train"])
        found = metrics(example.task, example.average, y["valid"], model, x_valid)
        if tracking:
            with mlflow.start_run(run_name=f"trial-{number}", nested=True):
                mlflow.log_params(point)
                mlflow.log_metrics(found)
        if best is None or _better(example.metric, found[example.metric], best[0]):
            best = (found[example.metric], model)
    assert best is not None
    winner = best[1]

    test = metrics(example.task, example.average, y["test"], winner, x_test)
    importance = permutation_importance(winner, x_test, y["test"], n_repeats=3, random_state=0)
    dummy = (
        DummyClassifier(strategy="most_frequent", random_state=0) if classify else DummyRegressor()
    )
    dummy.fit(x_train, y["train"])
    baseline = metrics(example.task, example.average, y["test"], dummy, x_test)[example.metric]
    drawn = figures(example.task, winner, x_test, y["test"], work / ".plain" / "figures")
    bundle = Pipeline([("encoder", encoder), ("model", winner)])
    summary = {**test, f"baseline_{example.metric}": baseline}
    summary |= {
        f"importance_{features[i]}": float(v) for i, v in enumerate(importance.importances_mean)
    }
    registry = work / ".plain" / "registry" / example.name
    if tracking:
        mlflow.log_params(winner.get_params())  # type: ignore[attr-defined]  # an estimator
        for path in drawn:
            mlflow.log_artifact(str(path), "figures")
        client = mlflow.MlflowClient()
        try:
            champion = client.get_model_version_by_alias(example.name, "champion")
        except mlflow.exceptions.MlflowException:
            champion = None
        if champion is not None:
            loaded = mlflow.sklearn.load_model(f"models:/{example.name}@champion")
            held = metrics(
                example.task, example.average, y["test"], loaded, parts["test"][features]
            )
            summary[f"champion_{example.metric}"] = held[example.metric]
        mlflow.log_metrics(summary)
        # Only an approved model is registered (lolpop's `register: approved`).
        approved = _approved(example, test, summary.get(f"champion_{example.metric}"))
        logged = mlflow.sklearn.log_model(
            bundle,
            name="model",
            registered_model_name=example.name if approved else None,
            skops_trusted_types=list(example.trusted),  # MLflow 3 saves with skops
            pip_requirements=pinned_requirements(),
        )
        if approved:
            registered = str(logged.registered_model_version)
            client.set_registered_model_alias(example.name, "champion", registered)
        mlflow.end_run()
    else:
        registry.mkdir(parents=True, exist_ok=True)
        aliases = registry / "aliases.json"
        known = json.loads(aliases.read_text(encoding="utf-8")) if aliases.exists() else {}
        held_score = None
        if "champion" in known:
            stored = (registry / f"{known['champion']}.pkl").read_bytes()
            loaded = pickle.loads(stored)  # this script's own file
            held = metrics(
                example.task, example.average, y["test"], loaded, parts["test"][features]
            )
            held_score = held[example.metric]
        number = len(list(registry.glob("*.pkl"))) + 1
        (registry / f"{number}.pkl").write_bytes(pickle.dumps(bundle, protocol=5))
        if _approved(example, test, held_score):
            aliases.write_text(json.dumps({"champion": number}), encoding="utf-8")
    print(f"test {example.metric} {test[example.metric]:.6f}", flush=True)
