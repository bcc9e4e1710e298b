"""The fewest-features work as a typed lolpop workflow: `fewest_plain.py`'s, step by step.

    load >> split >> scale >> tune >> evaluate

Each step is a plain function made a `Step` by `@step` (its types checked when called,
the wiring checked when `>>` joins two steps), run by `lolpop.run` on the local backend
with its defaults. No runner, no components, no tracking, no figures: the same calls to
scikit-learn as the plain script, in the same order, with the same seeds, so it prints
the same metrics.

Run: `python benchmarks/plain/fewest_lolpop.py`.
"""

from __future__ import annotations

import sys

import pandas as pd
from attrs import frozen
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from lolpop import run, step


@frozen
class Data:
    """The features and the target."""

    features: pd.DataFrame
    target: pd.Series


@frozen
class Split:
    """Train, valid and test parts."""

    x_train: pd.DataFrame
    x_valid: pd.DataFrame
    x_test: pd.DataFrame
    y_train: pd.Series
    y_valid: pd.Series
    y_test: pd.Series


@frozen
class Scaled:
    """The parts' features scaled to train's means and deviations."""

    x_train: pd.DataFrame
    x_valid: pd.DataFrame
    x_test: pd.DataFrame
    split: Split


@frozen
class Tuned:
    """The grid's winner by f1 on valid."""

    model: LogisticRegression
    score: float
    scaled: Scaled


@frozen
class Evaluated:
    """The winner's test metrics."""

    f1: float
    accuracy: float
    roc_auc: float


@step
def load(seed: int) -> Data:
    """scikit-learn's breast cancer data."""
    bunch = load_breast_cancer(as_frame=True)
    features, target = bunch.data, bunch.target
    return Data(features, target)


@step
def split(data: Data) -> Split:
    """Stratified: 15% test, then 15% of the rows to valid, the rest train."""
    x_rest, x_test, y_rest, y_test = train_test_split(
        data.features, data.target, test_size=0.15, random_state=0, stratify=data.target
    )
    x_train, x_valid, y_train, y_valid = train_test_split(
        x_rest, y_rest, test_size=0.15 / 0.85, random_state=0, stratify=y_rest
    )
    return Split(x_train, x_valid, x_test, y_train, y_valid, y_test)


@step
def scale(parts: Split) -> Scaled:
    """A `StandardScaler` fitted on train, applied to every part."""
    scaler = StandardScaler().fit(parts.x_train)
    x_train, x_valid, x_test = (
        pd.DataFrame(scaler.transform(x), index=x.index, columns=x.columns)
        for x in (parts.x_train, parts.x_valid, parts.x_test)
    )
    return Scaled(x_train, x_valid, x_test, parts)


@step
def tune(scaled: Scaled) -> Tuned:
    """A logistic regression for each C in (0.1, 1.0); the first best f1 on valid wins."""
    best: Tuned | None = None
    for c in (0.1, 1.0):
        model = LogisticRegression(C=c, max_iter=1000, random_state=0)
        model.fit(scaled.x_train, scaled.split.y_train)
        score = float(f1_score(scaled.split.y_valid, model.predict(scaled.x_valid)))
        if best is None or score > best.score:
            best = Tuned(model, score, scaled)
    assert best is not None
    return best


@step
def evaluate(tuned: Tuned) -> Evaluated:
    """The winner's test f1, accuracy and ROC AUC."""
    x_test, y_test = tuned.scaled.x_test, tuned.scaled.split.y_test
    predicted = tuned.model.predict(x_test)
    return Evaluated(
        float(f1_score(y_test, predicted)),
        float(accuracy_score(y_test, predicted)),
        float(roc_auc_score(y_test, tuned.model.predict_proba(x_test)[:, 1])),
    )


def main() -> None:
    """Run the workflow; print the winner's test metrics (or the failure)."""
    result = run(load >> split >> scale >> tune >> evaluate, 0)
    evaluated = result.value_or(None)
    if evaluated is None:
        sys.exit(f"failed: {result}")
    print(
        f"test f1 {evaluated.f1:.6f} accuracy {evaluated.accuracy:.6f} "
        f"roc_auc {evaluated.roc_auc:.6f}"
    )


if __name__ == "__main__":
    main()
