"""A data splitter: a frame into train, valid and test parts (`type: splitter`).

Design notes:

- Three methods. `ratio`: a seeded random permutation, `test_size` and `valid_size` of
  the rows to test and valid, the rest to train; with `stratify: true` each class of the
  target is split on its own by the same ratios, so each part keeps the class balance
  (every class's count in a part is within one row of its share). `time`: rows sorted by
  the time `column:`, oldest to train, newest to test, in the same ratios. `column`: the
  `column:` says each row's part (`train`, `valid` or `test`; each must have a row).
- Part sizes are `round(rows * size)` (halves rounded up), per class when stratified;
  train gets the rest. A part with a positive size that gets no row is refused with a
  `DataError` saying how many rows it would need; a size of 0 asks for an empty part.
- A time split never puts equal timestamps in two parts: a boundary that would fall
  inside a run of equal times moves to the nearer end of the run, so every test time is
  strictly after every valid time, and every valid time after every train time. Times
  are compared as they are (numbers, datetimes, or ISO strings, which sort like the
  times they spell).
- Features are every column but the target, the `column` method's part column, and
  the columns listed in `drop:`. Each part keeps the original frame's index labels, in
  the frame's order. Randomness comes only from `numpy.random.default_rng(seed)`: the
  same frame and settings give the same parts.
- Settings are checked when the component is built (`DefinitionError`); the frame is
  checked when it is split (`DataError`, naming the missing column and listing those
  present).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from attrs import frozen

from lolpop.components._errors import DataError
from lolpop.components._kinds import make_kind
from lolpop.components.records import DataSplitter, Labelled, Splits
from lolpop.config.registry import ComponentKind
from lolpop.core.decorator import make_step
from lolpop.errors import DefinitionError

_PARTS = ("train", "valid", "test")

_Positions = npt.NDArray[np.intp]


@frozen
class SplitterSettings:
    """`type: splitter`: how to split a frame into train, valid and test parts."""

    #: The target column.
    target: str
    method: Literal["ratio", "column", "time"] = "ratio"
    valid_size: float = 0.15
    test_size: float = 0.15
    #: Split each class of the target in the same ratios (method `ratio` only).
    stratify: bool = False
    #: Method `column`: the column naming each row's part; method `time`: the time column.
    column: str | None = None
    seed: int = 0
    #: Columns that are neither features nor target (ids, free text, leaks).
    drop: tuple[str, ...] = ()


def check_settings(settings: SplitterSettings) -> None:
    """Refuse settings that cannot split any frame, with `DefinitionError`."""
    for label, size in (("valid_size", settings.valid_size), ("test_size", settings.test_size)):
        if not 0.0 <= size < 1.0:
            raise DefinitionError(
                f"the splitter's {label} is a share of the rows, from 0 up to (not "
                f"including) 1; got {size!r}."
            )
    if settings.valid_size + settings.test_size >= 1.0:
        raise DefinitionError(
            f"the splitter's valid_size ({settings.valid_size!r}) and test_size "
            f"({settings.test_size!r}) add up to 1 or more, leaving no rows to train on."
        )
    if settings.method in ("column", "time") and settings.column is None:
        what = "the part of each row" if settings.method == "column" else "the time of each row"
        raise DefinitionError(
            f"the splitter's method {settings.method!r} needs `column:`, the column that "
            f"holds {what}."
        )
    if settings.method == "ratio" and settings.column is not None:
        raise DefinitionError(
            f"the splitter's `column:` ({settings.column!r}) is used by the methods "
            "'column' and 'time' only; remove it, or set `method:`."
        )
    if settings.stratify and settings.method != "ratio":
        raise DefinitionError(
            f"the splitter can stratify a ratio split only, not a {settings.method!r} split."
        )
    if settings.target == settings.column:
        raise DefinitionError(
            f"the splitter's target and `column:` are both {settings.target!r}; the target "
            "cannot also be the split column."
        )
    if settings.target in settings.drop:
        raise DefinitionError(
            f"the splitter's target {settings.target!r} is listed under `drop:` too."
        )


def _check_columns(frame: pd.DataFrame, settings: SplitterSettings) -> None:
    present = [str(name) for name in frame.columns]
    if frame.columns.has_duplicates:
        twice = sorted({str(name) for name in frame.columns[frame.columns.duplicated()]})
        raise DataError(
            f"the frame to split has more than one column named {', '.join(twice)}; "
            "rename them so that each column has its own name."
        )
    wanted = [("target", settings.target)]
    if settings.column is not None:
        wanted.append((f"{settings.method} column", settings.column))
    wanted.extend(("column to drop", name) for name in settings.drop)
    for role, name in wanted:
        if name not in frame.columns:
            raise DataError(
                f"the frame to split has no {role} {name!r}; its columns are: "
                f"{', '.join(present) or 'none'}."
            )


def _count(rows: int, size: float) -> int:
    """`round(rows * size)`, halves up (Python's `round` would round halves to even)."""
    return math.floor(rows * size + 0.5)


def _check_not_empty(
    parts: dict[str, _Positions], sizes: dict[str, float], rows: int, settings: SplitterSettings
) -> None:
    """Refuse a part that was asked for (a positive share) but got no row."""
    for part in _PARTS:
        if len(parts[part]) > 0 or sizes[part] <= 0:
            continue
        if settings.method == "time":
            why = "rows with equal times stay in one part; use larger shares or more rows"
        elif part == "train":
            why = "the valid and test parts take every row; use smaller shares or more rows"
        else:
            needed = math.ceil(0.5 / sizes[part])
            why = f"a {part} share of {sizes[part]:g} needs at least {needed} rows" + (
                " of some class when stratified" if settings.stratify else ""
            )
        raise DataError(f"{rows} rows are too few to split: the {part} part gets no row ({why}).")


def _ratio(
    rows: int, valid_size: float, test_size: float, rng: np.random.Generator
) -> dict[str, _Positions]:
    """Positions 0..rows-1 shuffled and cut: test first, then valid, the rest train."""
    order = rng.permutation(rows).astype(np.intp)
    n_test, n_valid = _count(rows, test_size), _count(rows, valid_size)
    return {
        "test": order[:n_test],
        "valid": order[n_test : n_test + n_valid],
        "train": order[n_test + n_valid :],
    }


def _stratified(
    target: pd.Series, valid_size: float, test_size: float, rng: np.random.Generator
) -> dict[str, _Positions]:
    """Each class (sorted, missing values as a class of their own) cut by the ratios."""
    codes, _ = pd.factorize(target, sort=True, use_na_sentinel=False)
    pieces: dict[str, list[_Positions]] = {part: [] for part in _PARTS}
    for code in range(int(codes.max()) + 1 if len(codes) else 0):
        members = np.flatnonzero(codes == code).astype(np.intp)
        cut = _ratio(len(members), valid_size, test_size, rng)
        for part in _PARTS:
            pieces[part].append(members[cut[part]])
    return {part: np.concatenate(pieces[part]).astype(np.intp) for part in _PARTS}


def _by_time(
    times: pd.Series, valid_size: float, test_size: float, where: str
) -> dict[str, _Positions]:
    """Oldest rows to train, newest to test; equal times never straddle a boundary."""
    if times.isna().any():
        raise DataError(
            f"the time column {where!r} has {int(times.isna().sum())} missing values; a time "
            "split needs a time for every row."
        )
    try:
        order = np.argsort(times.to_numpy(), kind="stable").astype(np.intp)
    except TypeError as error:
        raise DataError(
            f"the values of the time column {where!r} cannot be ordered ({error}); make it "
            "one type (numbers, datetimes, or ISO date strings)."
        ) from error
    ordered = times.to_numpy()[order]
    rows = len(order)

    def boundary(start: int, low: int) -> int:
        """`start`, or the nearer end of the run of equal times it falls in (but after
        `low`, so the part before keeps a row)."""
        if not 0 < start < rows or ordered[start] != ordered[start - 1]:
            return start
        back, forward = start, start
        while back > 0 and ordered[back - 1] == ordered[start]:
            back -= 1
        while forward < rows and ordered[forward] == ordered[start]:
            forward += 1
        return back if back > low and start - back < forward - start else forward

    valid_start = boundary(rows - _count(rows, test_size) - _count(rows, valid_size), 0)
    test_start = boundary(max(valid_start, rows - _count(rows, test_size)), valid_start)
    return {
        "train": order[:valid_start],
        "valid": order[valid_start:test_start],
        "test": order[test_start:],
    }


def _by_column(labels: pd.Series, where: str) -> dict[str, _Positions]:
    """Each row to the part its label names."""
    values = labels.astype(object)
    unknown = sorted({str(v) for v in values[~values.isin(_PARTS)].unique()})
    if unknown:
        shown = ", ".join(repr(v) for v in unknown[:5]) + (", ..." if len(unknown) > 5 else "")
        raise DataError(
            f"the split column {where!r} holds values other than 'train', 'valid' and "
            f"'test': {shown}."
        )
    parts = {part: np.flatnonzero((values == part).to_numpy()).astype(np.intp) for part in _PARTS}
    for part in _PARTS:
        if len(parts[part]) == 0:
            raise DataError(f"the split column {where!r} puts no row in the {part} part.")
    return parts


def _split(frame: pd.DataFrame, settings: SplitterSettings) -> Splits:
    _check_columns(frame, settings)
    rows = len(frame)
    if rows == 0:
        raise DataError("the frame to split has no rows.")
    sizes = {
        "train": 1.0 - settings.valid_size - settings.test_size,
        "valid": settings.valid_size,
        "test": settings.test_size,
    }
    rng = np.random.default_rng(settings.seed)
    if settings.method == "column":
        parts = _by_column(frame[settings.column], str(settings.column))
    elif settings.method == "time":
        parts = _by_time(
            frame[settings.column], settings.valid_size, settings.test_size, str(settings.column)
        )
    elif settings.stratify:
        parts = _stratified(frame[settings.target], settings.valid_size, settings.test_size, rng)
    else:
        parts = _ratio(rows, settings.valid_size, settings.test_size, rng)
    if settings.method != "column":
        _check_not_empty(parts, sizes, rows, settings)
    excluded = {settings.target, *settings.drop}
    if settings.method == "column":
        excluded.add(str(settings.column))
    features = [name for name in frame.columns if name not in excluded]

    def labelled(positions: _Positions) -> Labelled:
        # Sorted positions keep each part in the frame's own order.
        chosen = np.sort(positions)
        return Labelled(
            features=frame[features].iloc[chosen],
            target=frame[settings.target].iloc[chosen],
        )

    return Splits(
        train=labelled(parts["train"]),
        valid=labelled(parts["valid"]),
        test=labelled(parts["test"]),
    )


def data_splitter(settings: SplitterSettings) -> DataSplitter:
    """Splits a frame into train, valid and test parts (by ratio, time or a column)."""
    check_settings(settings)

    def split(frame: pd.DataFrame) -> Splits:
        """Split the frame into train, valid and test parts."""
        return _split(frame, settings)

    return DataSplitter(split=make_step(split, name="split"))


KINDS: tuple[ComponentKind, ...] = (
    make_kind(
        "splitter",
        SplitterSettings,
        data_splitter,
        "Splits a frame into train, valid and test parts (by ratio, time or a column).",
    ),
)
