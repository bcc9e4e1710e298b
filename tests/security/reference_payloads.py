"""Code that a hostile config tries to reach: each object leaves a marker file when it runs.

The marker goes to the folder named by `LOLPOP_TEST_MARKERS`; the tests point it at an
empty folder and assert it stays empty wherever lolpop must not call referenced code.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from lolpop.config.registry import ComponentKind


def leave_marker(what: str) -> None:
    """Create the marker file `what` in the markers folder."""
    folder = os.environ.get("LOLPOP_TEST_MARKERS")
    if folder:
        (Path(folder) / what).touch()


def touch_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame function that leaves a marker when called."""
    leave_marker("touch_frame")
    return frame


class MarkingClassifier(ClassifierMixin, BaseEstimator):
    """An estimator class that leaves a marker when made."""

    def __init__(self, C: float = 1.0) -> None:
        leave_marker("MarkingClassifier")
        self.C = C

    def fit(self, X: pd.DataFrame, y: pd.Series) -> MarkingClassifier:
        self.model_ = LogisticRegression(C=self.C, max_iter=500).fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X: pd.DataFrame) -> object:
        return self.model_.predict(X)


#: A reference that walks through a module this one imports (refused).
imported_os = os

NOT_A_KIND = ComponentKind
