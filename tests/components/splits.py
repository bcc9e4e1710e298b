"""Fixed train/valid/test splits of scikit-learn's bundled data, for component tests."""

from __future__ import annotations

from functools import cache

import pandas as pd
from sklearn.datasets import load_breast_cancer, load_diabetes

from lolpop.components.records import Labelled, Splits


def split_at(features: pd.DataFrame, target: pd.Series, cuts: tuple[int, int]) -> Splits:
    """Rows before the first cut train, up to the second valid, the rest test."""
    first, second = cuts
    return Splits(
        Labelled(features.iloc[:first], target.iloc[:first]),
        Labelled(features.iloc[first:second], target.iloc[first:second]),
        Labelled(features.iloc[second:], target.iloc[second:]),
    )


@cache
def cancer() -> Splits:
    """Breast cancer: 300 train, 130 valid, 139 test rows."""
    bunch = load_breast_cancer(as_frame=True)
    return split_at(bunch.data, bunch.target, (300, 430))


@cache
def diabetes() -> Splits:
    """Diabetes: 250 train, 100 valid, 92 test rows."""
    bunch = load_diabetes(as_frame=True)
    return split_at(bunch.data, bunch.target, (250, 350))
