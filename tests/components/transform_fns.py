"""Small frame functions that the function transformer's tests reference by name."""

from __future__ import annotations

import pandas as pd


def add_ratio(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the column `ratio` = a / b."""
    return frame.assign(ratio=frame["a"] / frame["b"])


def scale_in_place(frame: pd.DataFrame) -> pd.DataFrame:
    """Double `a`, changing the frame it is given."""
    frame["a"] = frame["a"] * 2
    return frame


def count_rows(frame: pd.DataFrame) -> int:
    """Not a transformer: returns a number."""
    return len(frame)


def combine(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    """Not a transformer: takes two frames."""
    return pd.concat([left, right])


NOT_A_FUNCTION = 3
