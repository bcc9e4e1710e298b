"""Quickstart: a typed workflow on scikit-learn's iris data, run on the local backend.

    load >> split >> (fit "logistic" & fit "baseline") >> pick the winner

Every arrow is checked twice: by mypy when you type-check this file, and by lolpop when
the program is built (a `WiringError` names both steps and both types). A step that
fails comes back as a `RunFailure` value naming the step's path; nothing is printed
unasked.

Run it: `python -m examples.quickstart.workflow` (from the repository's root).
"""

from __future__ import annotations

import sys

import pandas as pd
from attrs import frozen
from returns.pipeline import is_successful

from lolpop import Step, retry, run, step


@frozen
class Settings:
    """What a user chooses: how much data to hold out, and the seed."""

    test_size: float = 0.25
    seed: int = 0


@frozen
class Dataset:
    """Features and target, with the settings they were loaded under."""

    features: pd.DataFrame
    target: pd.Series
    settings: Settings


@frozen
class Split:
    """Train and test parts of a dataset."""

    x_train: pd.DataFrame
    x_test: pd.DataFrame
    y_train: pd.Series
    y_test: pd.Series
    seed: int


@frozen
class Scored:
    """A fitted model's name and its accuracy on the test part."""

    name: str
    accuracy: float


@frozen
class Report:
    """The winning model and every model's score."""

    winner: str
    scores: tuple[Scored, ...]


@step
def load_iris(settings: Settings) -> Dataset:
    """Load scikit-learn's bundled iris data."""
    from sklearn.datasets import load_iris as load  # noqa: PLC0415 (heavy: imported on use)

    bunch = load(as_frame=True)
    return Dataset(bunch.data, bunch.target, settings)


@step
def split(data: Dataset) -> Split:
    """Hold out a stratified test part."""
    from sklearn.model_selection import train_test_split  # noqa: PLC0415

    x_train, x_test, y_train, y_test = train_test_split(
        data.features,
        data.target,
        test_size=data.settings.test_size,
        random_state=data.settings.seed,
        stratify=data.target,
    )
    return Split(x_train, x_test, y_train, y_test, data.settings.seed)


@step
def fit_logistic(data: Split) -> Scored:
    """Fit a logistic regression and score it on the test part."""
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415
    from sklearn.metrics import accuracy_score  # noqa: PLC0415

    model = LogisticRegression(max_iter=500, random_state=data.seed).fit(data.x_train, data.y_train)
    return Scored("logistic", float(accuracy_score(data.y_test, model.predict(data.x_test))))


@step
def fit_baseline(data: Split) -> Scored:
    """Fit the majority-class baseline and score it on the test part."""
    from sklearn.dummy import DummyClassifier  # noqa: PLC0415
    from sklearn.metrics import accuracy_score  # noqa: PLC0415

    model = DummyClassifier(strategy="most_frequent").fit(data.x_train, data.y_train)
    return Scored("baseline", float(accuracy_score(data.y_test, model.predict(data.x_test))))


@step
def pick_winner(scores: tuple[Scored, Scored]) -> Report:
    """The model with the best accuracy wins."""
    best = max(scores, key=lambda scored: scored.accuracy)
    return Report(best.name, scores)


def make_program() -> Step[Settings, Report]:
    """The whole workflow as one typed program."""
    process = (retry(load_iris, attempts=3) >> split).named("process")
    train = ((fit_logistic & fit_baseline) >> pick_winner).named("train")
    return (process >> train).named("quickstart")


def main(settings: Settings | None = None) -> int:
    """Run the workflow on the local backend and print its report; 0 on success."""
    result = run(make_program(), settings or Settings())
    # `is_successful`, then `unwrap()` or `failure()`, keeps the report's type for mypy
    # (a `match` on `Success(report)` would make it Any, and a typo in it pass).
    if not is_successful(result):
        print(f"lolpop: {result.failure().message}", file=sys.stderr)
        return 1
    report = result.unwrap()
    for scored in report.scores:
        print(f"{scored.name:>10}: accuracy {scored.accuracy:.3f}")
    print(f"winner: {report.winner}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
