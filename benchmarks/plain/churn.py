# mypy: disable-error-code="possibly-undefined"
# (MLflow is imported, and used, only when tracking: `if tracking:` blocks mypy cannot pair)
"""`examples/churn/workflow.yaml`'s declared work (the `build_all` stage) as a plain script.

Run it in a copy of the example's folder (it reads `data/customers.csv` and
`data/new_customers.csv`): `python benchmarks/plain/churn.py [--no-tracking]`.

In order, with pandas, scikit-learn, scipy, matplotlib and MLflow called directly (the
helpers shared with the other examples are `_workflow`'s):

- process: read `data/customers.csv` (`pandas.read_csv`); the config's rules (required
  columns, `customer_id` unique, `tenure_months` in 0..72, `contract` in its three
  values, `total_charges` missing in at most 5% of rows: a warning); with tracking an
  MLflow run (`mlflow.db`, artifacts under `mlartifacts/`) with the frame logged as a run
  input; the frame versioned (Parquet named by its SHA-256 under `.plain/store/`) and
  profiled (`describe(include="all")` as JSON and HTML, logged as artifacts);
- train: lolpop's default split (`_workflow.split`: ratio 0.7/0.15/0.15, seed 0,
  stratified by `churned`), the id column `customer_id` left out of the features; the
  default encoder as `column_encoder` builds it (numbers: median imputation, standard
  scaling; text columns: most-frequent imputation, one-hot with unseen categories
  ignored), fitted on train; the grid (`C` 0.1 and 1.0, `max_iter` 1000) scored on valid,
  a nested MLflow run per trial, the first best f1 wins; the winner's test metrics,
  permutation importance (3 repeats), the `most_frequent` baseline, the four figures,
  the bias check on the test rows (`region`: per group its size, selection rate and
  true positive rate; demographic parity and equal opportunity differences, logged as
  metrics); the encoder and the winner bundled in one `Pipeline`, compared with the
  champion (loaded from the registry, scored on the same test rows) and, when its f1
  beats it by 0.01 or there is none, logged with `mlflow.sklearn.log_model`, registered
  (tagged with the training data's digest, its lineage) and made the champion;
- predict: read `data/new_customers.csv`; load the champion (`models:/churn@champion`);
  refuse it if a feature is missing; a second MLflow run; count per text column the rows
  holding a category the champion's encoder never saw (logged as metrics
  `unseen_categories.<column>`); drift of each feature against the champion's training
  data (the stored Parquet its tag names): Kolmogorov-Smirnov for numbers, chi-squared
  (no Yates correction) on the category counts for text, drifted when p < 0.05, missing
  values left out; predict (class and one probability column per class); explain each
  row (the logistic regression's coefficient times each encoded value, and the
  intercept); the prediction file (`customer_id`, `prediction`, `probability_0`,
  `probability_1`, `model_version`) versioned as Parquet, logged as the run's input,
  checked (no missing prediction) and written to `.plain/predictions/churn.csv`; tags.
  Without tracking: the bundle pickled into `.plain/registry/`, the champion and its
  training data's digest in `aliases.json`.

It prints `test f1 <value>` for the benchmark to compare with lolpop's summary.

What differs from lolpop's run, on purpose (lolpop's extra guarantees, not declared
work): lolpop also applies the default feature rules only when no checker is configured
(here one is, so neither side does); it hashes and checks every value it caches, saves
models with skops and a signature it builds itself, records each step, checks a feature
column's text is not mistyped numbers, and writes a run summary and tags; none of that is
done here. The text columns are made `object` before the encoder (lolpop does the same
inside its bundle, with a function step of its own); permutation importance is computed
on the encoded test rows, as for the other examples.
"""

from __future__ import annotations

import json
import pickle
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from _workflow import (
    Example,
    _approved,
    _better,
    encode_parts,
    figures,
    metrics,
    numeric_part,
    pinned_requirements,
    save_version,
    split,
    write_profile,
)

EXAMPLE = Example(
    name="churn",
    task="classification",
    dataset="",
    estimator="sklearn.linear_model:LogisticRegression",
    params={"max_iter": 1000},
    grid={"C": (0.1, 1.0)},  # GRID, in ParameterGrid's order
    metric="f1",
    min_improvement=0.01,
    trusted=("numpy.dtype",),
)
GRID = (0.1, 1.0)
TARGET, INDEX, SENSITIVE = "churned", "customer_id", "region"
CONTRACTS = ("month-to-month", "one-year", "two-year")
P_VALUE = 0.05


def checked(frame: pd.DataFrame) -> list[str]:
    """The config's rules: the errors found (warnings are printed)."""
    required = (INDEX, "tenure_months", "monthly_charges", "contract")
    problems = [f"missing column {c}" for c in required if c not in frame.columns]
    if frame[INDEX].duplicated().any():
        problems.append(f"{INDEX} is not unique")
    tenure = frame["tenure_months"].dropna()
    if ((tenure < 0) | (tenure > 72)).any():
        problems.append("tenure_months outside 0..72")
    contract = frame["contract"].dropna()
    if not contract.isin(CONTRACTS).all():
        problems.append(f"contract has values outside {CONTRACTS}")
    if frame["total_charges"].isna().mean() > 0.05:
        print("WARN total_charges missing in more than 5% of rows", flush=True)
    return problems


def as_object(frame: pd.DataFrame, text: Sequence[str]) -> pd.DataFrame:
    """`frame` with its text columns as `object` holding `str` or NaN (the encoder's input)."""
    out = frame.copy()
    for name in text:
        column = out[name]
        out[name] = column.astype(object).where(column.notna(), np.nan)
    return out


def bias(groups: pd.Series, truth: pd.Series, predicted: pd.Series) -> dict[str, float]:
    """Per group of `groups`: size, selection rate, true positive rate; the differences."""
    selection: dict[str, float] = {}
    hit: dict[str, float] = {}
    for name, rows in groups.groupby(groups.astype(str)).groups.items():
        chosen = predicted.loc[rows] == 1
        selection[str(name)] = float(chosen.mean())
        positive = truth.loc[rows] == 1
        if positive.any():
            hit[str(name)] = float(chosen[positive].mean())
    found = {
        "bias_demographic_parity_difference": max(selection.values()) - min(selection.values())
    }
    if len(hit) >= 2:
        found["bias_equal_opportunity_difference"] = max(hit.values()) - min(hit.values())
    return found


def drift(reference: pd.DataFrame, current: pd.DataFrame) -> list[str]:
    """The drifted columns: KS for numbers, chi-squared on category counts for the rest."""
    from scipy.stats import chi2_contingency, ks_2samp  # noqa: PLC0415

    drifted: list[str] = []
    for name in reference.columns:
        ref, cur = reference[name].dropna(), current[name].dropna()
        if pd.api.types.is_numeric_dtype(ref.dtype) and pd.api.types.is_numeric_dtype(cur.dtype):
            p = float(ks_2samp(ref.to_numpy(np.float64), cur.to_numpy(np.float64)).pvalue)
        else:
            counts = pd.concat([ref.value_counts(), cur.value_counts()], axis=1).fillna(0)
            if len(counts) < 2:
                continue
            p = float(chi2_contingency(counts.to_numpy().T, correction=False).pvalue)
        if p < P_VALUE:
            drifted.append(str(name))
    return drifted


def unseen(bundle: object, frame: pd.DataFrame, text: Sequence[str]) -> dict[str, float]:
    """Per text column, the rows holding a category the bundle's encoder never saw."""
    encoder = bundle.named_steps["encoder"]  # type: ignore[attr-defined]  # a Pipeline
    onehot = encoder.named_transformers_["categorical"].named_steps["onehot"]
    return {
        f"unseen_categories.{name}": float(
            (frame[name].notna() & ~frame[name].isin(list(known))).sum()
        )
        for name, known in zip(text, onehot.categories_, strict=True)
    }


def contributions(bundle: object, frame: pd.DataFrame) -> pd.DataFrame:
    """Each row's log-odds split into the encoded features' contributions and a base."""
    steps = bundle.named_steps  # type: ignore[attr-defined]  # a Pipeline
    encoded = steps["encoder"].transform(frame)
    model = steps["model"]
    out = pd.DataFrame(
        encoded.to_numpy(np.float64) * np.asarray(model.coef_[0], dtype=np.float64),
        index=encoded.index,
        columns=encoded.columns,
    )
    out["base"] = float(model.intercept_[0])
    return out


def main(argv: Sequence[str] | None = None) -> None:  # noqa: PLR0915 (one script's work, in order)
    """Train, deploy if better, predict the new customers, in the current folder."""
    from sklearn.compose import ColumnTransformer  # noqa: PLC0415
    from sklearn.dummy import DummyClassifier  # noqa: PLC0415
    from sklearn.impute import SimpleImputer  # noqa: PLC0415
    from sklearn.inspection import permutation_importance  # noqa: PLC0415
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415
    from sklearn.pipeline import Pipeline  # noqa: PLC0415
    from sklearn.preprocessing import OneHotEncoder  # noqa: PLC0415

    tracking = "--no-tracking" not in (sys.argv[1:] if argv is None else argv)
    work = Path.cwd()
    plain = work / ".plain"
    if tracking:
        import mlflow  # noqa: PLC0415
        import mlflow.sklearn  # noqa: PLC0415
        from mlflow.data.pandas_dataset import from_pandas  # noqa: PLC0415

        mlflow.set_tracking_uri(f"sqlite:///{work / 'mlflow.db'}")
        if mlflow.get_experiment_by_name(EXAMPLE.name) is None:
            mlflow.create_experiment(EXAMPLE.name, artifact_location=str(work / "mlartifacts"))
        mlflow.set_experiment(EXAMPLE.name)
        client = mlflow.MlflowClient()

    # process
    frame = pd.read_csv("data/customers.csv")
    problems = checked(frame)
    if problems:
        sys.exit(f"data checks failed: {problems}")
    features = [c for c in frame.columns if c not in (TARGET, INDEX)]
    numbers = [c for c in features if pd.api.types.is_numeric_dtype(frame[c].dtype)]
    text = [c for c in features if c not in numbers]
    if tracking:
        mlflow.start_run(run_name=f"{EXAMPLE.name}-train")
    dataset = f"{EXAMPLE.name}-training-data"
    digest = save_version(frame, plain / "store")
    reports = plain / "reports" / dataset
    write_profile(frame.describe(include="all"), reports)
    if tracking:
        mlflow.log_input(from_pandas(frame, name=dataset, targets=TARGET))
        mlflow.log_artifacts(str(reports), "data_profile")

    # train
    parts = split(frame, TARGET, stratify=True)
    raw = {part: as_object(rows[features], text) for part, rows in parts.items()}
    y = {part: rows[TARGET] for part, rows in parts.items()}
    encoder = ColumnTransformer(
        [
            numeric_part(numbers),
            (
                "categorical",
                Pipeline(
                    [
                        (
                            "impute",
                            SimpleImputer(strategy="most_frequent", keep_empty_features=True),
                        ),
                        ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
                    ]
                ),
                text,
            ),
        ],
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    x_train, x_valid, x_test = encode_parts(encoder, raw)

    best: tuple[float, LogisticRegression] | None = None
    for number, c in enumerate(GRID):
        point = {"C": c}
        model = LogisticRegression(max_iter=1000, C=c, random_state=0)
        model.fit(x_train, y["train"])
        found = metrics("classification", "binary", y["valid"], model, x_valid)
        if tracking:
            with mlflow.start_run(run_name=f"trial-{number}", nested=True):
                mlflow.log_params(point)
                mlflow.log_metrics(found)
        if best is None or _better(EXAMPLE.metric, found[EXAMPLE.metric], best[0]):
            best = (found[EXAMPLE.metric], model)
    assert best is not None
    winner = best[1]

    test = metrics("classification", "binary", y["test"], winner, x_test)
    importance = permutation_importance(winner, x_test, y["test"], n_repeats=3, random_state=0)
    dummy = DummyClassifier(strategy="most_frequent", random_state=0).fit(x_train, y["train"])
    baseline = metrics("classification", "binary", y["test"], dummy, x_test)[EXAMPLE.metric]
    drawn = figures("classification", winner, x_test, y["test"], plain / "figures")
    predicted_test = pd.Series(winner.predict(x_test), index=x_test.index)
    summary = {**test, f"baseline_{EXAMPLE.metric}": baseline}
    summary |= bias(parts["test"][SENSITIVE], y["test"], predicted_test)
    summary |= {
        f"importance_{name}": float(v)
        for name, v in zip(x_test.columns, importance.importances_mean, strict=True)
    }
    bundle = Pipeline([("encoder", encoder), ("model", winner)])
    registry = plain / "registry" / EXAMPLE.name
    aliases = registry / "aliases.json"
    if tracking:
        mlflow.log_params(winner.get_params())
        for path in drawn:
            mlflow.log_artifact(str(path), "figures")
        try:
            client.get_model_version_by_alias(EXAMPLE.name, "champion")
            held_model: object | None = mlflow.sklearn.load_model(
                f"models:/{EXAMPLE.name}@champion"
            )
        except mlflow.exceptions.MlflowException:
            held_model = None
    else:
        known = json.loads(aliases.read_text(encoding="utf-8")) if aliases.exists() else {}
        held_model = (
            pickle.loads((registry / f"{known['champion']}.pkl").read_bytes())  # our own file
            if "champion" in known
            else None
        )
    if held_model is not None:
        held = metrics("classification", "binary", y["test"], held_model, raw["test"])
        summary[f"champion_{EXAMPLE.metric}"] = held[EXAMPLE.metric]
    approved = _approved(EXAMPLE, test, summary.get(f"champion_{EXAMPLE.metric}"))
    if tracking:
        mlflow.log_metrics(summary)
        logged = mlflow.sklearn.log_model(
            bundle,
            name="model",
            registered_model_name=EXAMPLE.name if approved else None,
            skops_trusted_types=list(EXAMPLE.trusted),
            pip_requirements=pinned_requirements(),
        )
        if approved:
            registered = str(logged.registered_model_version)
            client.set_model_version_tag(EXAMPLE.name, registered, "training_data", digest)
            client.set_registered_model_alias(EXAMPLE.name, "champion", registered)
        mlflow.end_run()
    else:
        registry.mkdir(parents=True, exist_ok=True)
        number = len(list(registry.glob("*.pkl"))) + 1
        (registry / f"{number}.pkl").write_bytes(pickle.dumps(bundle, protocol=5))
        if approved:
            aliases.write_text(json.dumps({"champion": number, "data": digest}), encoding="utf-8")
    print(f"test {EXAMPLE.metric} {test[EXAMPLE.metric]:.6f}", flush=True)
    predict(tracking, text, features)


def predict(tracking: bool, text: Sequence[str], features: Sequence[str]) -> None:
    """The predict stage: the new customers, with the champion."""
    work = Path.cwd()
    plain = work / ".plain"
    fresh = pd.read_csv("data/new_customers.csv")
    if tracking:
        import mlflow  # noqa: PLC0415
        import mlflow.sklearn  # noqa: PLC0415
        from mlflow.data.pandas_dataset import from_pandas  # noqa: PLC0415

        client = mlflow.MlflowClient()
        champion = client.get_model_version_by_alias(EXAMPLE.name, "champion")
        bundle: object = mlflow.sklearn.load_model(f"models:/{EXAMPLE.name}@champion")
        label, digest = champion.version, champion.tags["training_data"]
    else:
        registry = plain / "registry" / EXAMPLE.name
        known: Mapping[str, object] = json.loads(
            (registry / "aliases.json").read_text(encoding="utf-8")
        )
        bundle = pickle.loads((registry / f"{known['champion']}.pkl").read_bytes())  # our own
        label, digest = str(known["champion"]), str(known["data"])
    lacking = [name for name in features if name not in fresh.columns]
    if lacking:
        sys.exit(f"data/new_customers.csv lacks the features {lacking}")
    x = as_object(fresh[list(features)], text)
    if tracking:
        mlflow.start_run(run_name=f"{EXAMPLE.name}-predict")
        mlflow.log_metrics(unseen(bundle, x, text))
    else:
        unseen(bundle, x, text)
    reference = pd.read_parquet(plain / "store" / f"{digest}.parquet")
    drifted = drift(reference[list(features)], fresh[list(features)])
    classes = bundle.classes_  # type: ignore[attr-defined]  # a classifier's Pipeline
    predicted = bundle.predict(x)  # type: ignore[attr-defined]  # a Pipeline
    probabilities = bundle.predict_proba(x)  # type: ignore[attr-defined]  # a Pipeline
    contributions(bundle, x)
    output = fresh[[INDEX]].copy()
    output["prediction"] = predicted
    for position, name in enumerate(classes):
        output[f"probability_{name}"] = probabilities[:, position]
    output["model_version"] = f"{EXAMPLE.name}:{label}"
    saved = save_version(output, plain / "store")
    if output["prediction"].isna().any():
        sys.exit("missing predictions")
    target = plain / "predictions" / f"{EXAMPLE.name}.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    output.to_csv(target, index=False)
    if tracking:
        mlflow.log_input(from_pandas(output, name=f"{EXAMPLE.name}-predictions"))
        mlflow.set_tags({"model_version": label, "predictions": saved, "reference": digest})
        mlflow.end_run()
    print(f"predicted {len(output)} rows; drifted: {', '.join(drifted) or 'none'}", flush=True)


if __name__ == "__main__":
    main()
