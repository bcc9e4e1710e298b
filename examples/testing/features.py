"""A user's own feature step and hook checks, for the testing example.

`add_ratios` is the transformer `workflow.yaml` names (`type: function`); the three
checks are its `tests:` hooks. `test_features.py` checks `add_ratios` against the laws
lolpop ships for a transformer, and a hook against its own.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from lolpop.components.records import Splits


def add_ratios(frame: pd.DataFrame) -> pd.DataFrame:
    """Two ratios of the tumour measurements as new columns (a copy; the input is kept)."""
    return frame.assign(
        area_per_radius=frame["mean area"] / frame["mean radius"].where(frame["mean radius"] != 0),
        worst_to_mean_area=frame["worst area"] / frame["mean area"].where(frame["mean area"] != 0),
    )


def two_classes(frame: pd.DataFrame) -> str | None:
    """The data read holds both diagnoses, each at least ten times."""
    counts = frame["target"].value_counts()
    if len(counts) < 2 or counts.min() < 10:
        return f"expected both classes at least ten times each, got {counts.to_dict()}"
    return None


def test_part_has_both_classes(splits: Splits) -> str | None:
    """The test part can score a classifier: it holds both classes."""
    seen = splits.test.target.nunique()
    return None if seen == 2 else f"the test part holds {seen} class(es), not 2"


def better_than_chance(metrics: Mapping[str, float]) -> str | None:
    """The model's test f1 beats a coin (0.5)."""
    f1 = metrics.get("f1", 0.0)
    return None if f1 > 0.5 else f"test f1 is {f1:.3f}, not above 0.5"
