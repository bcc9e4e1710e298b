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
  are numbers or datetimes, compared as they are; a column of text is refused (a
  `DataError` naming it and showing a value) rather than sorted as text, where
  `11/30/2021` comes after `01/15/2023`: dates are parsed where they are read (the
  connector's `parse_dates`/`date_format`).
- Features are every column but the target, the `column` method's part column, and
  the columns listed in `drop:`; the `time` method's column stays among them (a law
  checks the parts' times through it). A time splitter is a `TimeSplitter`, a
  `DataSplitter` that names its time column, so that the supervised runners drop it from
  the features after the split (a user's own splitter may say the same by building
  one). Each part keeps the original frame's index labels, in the frame's order.
  Randomness comes only from `numpy.random.default_rng(seed)`: the same frame and
  settings give the same parts.
- Settings are checked when the component is built (`DefinitionError`); the frame is
  checked when it is split (`DataError`, naming the missing column and listing those
  present).
- The target is checked before any row is placed: a target missing (or infinite) in
  some rows is refused, naming the column, the count and some of the rows' index
  labels (so are an infinite value in a numeric feature, a missing one being the
  encoder's to impute, and a few text values in a column of numbers, which split into
  parts where the column is text in one and numbers in another), rather than dropped
  (bad input loses no data silently) or left for
  scikit-learn to refuse later without a name. A stratified split (the classification
  runner's) refuses a target of one class. A frame with no rows (a filter before the
  split took them all) is refused too, listing its columns.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal, TypeAlias

from attrs import frozen

from lolpop._lazy import np, pd
from lolpop.components._errors import (
    DataError,
    count_rows,
    in_rows,
    numbers_and_text,
    show_values,
    typos_among_numbers,
)
from lolpop.components._kinds import make_kind
from lolpop.components.records import DataSplitter, Labelled, Splits
from lolpop.config.registry import ComponentKind
from lolpop.core.decorator import make_step
from lolpop.errors import DefinitionError

_PARTS = ("train", "valid", "test")


@frozen
class TimeSplitter(DataSplitter):
    """A splitter that orders rows by a time column: the column a workflow must never make
    a feature (the test part's times lie past every training time)."""

    #: The column the rows are ordered by.
    time_column: str


def time_column_of(splitter: DataSplitter) -> str | None:
    """The time column `splitter` orders rows by, when it says (a `TimeSplitter`)."""
    return splitter.time_column if isinstance(splitter, TimeSplitter) else None


if TYPE_CHECKING:
    import numpy.typing as npt

_Positions: TypeAlias = "npt.NDArray[np.intp]"


@frozen
class SplitterSettings:
    """`type: splitter`: how to split a frame into train, valid and test parts."""

    #: The target column.
    target: str
    #: `ratio`: random rows, by the sizes; `time`: by the time `column`; `column`: as it says.
    method: Literal["ratio", "column", "time"] = "ratio"
    #: The share of rows in the valid part (0 to 1).
    valid_size: float = 0.15
    #: The share of rows in the test part (0 to 1).
    test_size: float = 0.15
    #: Split each class of the target in the same ratios (method `ratio` only).
    stratify: bool = False
    #: Method `column`: the column naming each row's part; method `time`: the time column.
    column: str | None = None
    #: Seeds the random order of method `ratio` (the same seed, the same parts).
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


def _some_names(names: Iterable[object], limit: int = 8) -> str:
    """Column names for a message: the first `limit`, and how many there are in all."""
    shown = [str(name) for name in names]
    more = f", ... ({len(shown)} in all)" if len(shown) > limit else ""
    return ", ".join(shown[:limit]) + more


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


def _check_target(frame: pd.DataFrame, settings: SplitterSettings) -> None:
    """Refuse a target that is missing or infinite in some rows, or (when stratified, a
    classification split) holds one class only: no part of the split could use it."""
    target = frame[settings.target]
    name = settings.target
    missing = target.isna().to_numpy()
    if missing.any():
        count = int(missing.sum())
        raise DataError(
            f"the target {name!r} is missing in {in_rows(missing, frame.index)}; a row "
            "without a target can be neither learned from nor scored. Drop or fill those rows "
            "before the split (for example with a function_transformer).",
            column=name,
            rows=count,
        )
    if pd.api.types.is_numeric_dtype(target.dtype) and not pd.api.types.is_bool_dtype(target.dtype):
        infinite = np.isinf(target.to_numpy(dtype=np.float64))
        if infinite.any():
            count = int(infinite.sum())
            raise DataError(
                f"the target {name!r} is infinite in {in_rows(infinite, frame.index)}; no "
                "model learns from an infinite value. Fix or drop those rows before the split.",
                column=name,
                rows=count,
            )
    if settings.stratify and (
        pd.api.types.is_object_dtype(target.dtype) or pd.api.types.is_string_dtype(target.dtype)
    ):
        typos = typos_among_numbers(target)
        if typos.any():
            raise DataError(
                f"the target {name!r} holds {numbers_and_text(target, typos)}: labels that are "
                "numbers with a few mistaken values, each of which would be a class of its "
                "own. Fix or drop those rows before the split.",
                column=name,
                rows=int(typos.sum()),
            )
    if settings.stratify and pd.api.types.is_float_dtype(target.dtype):
        values = target.to_numpy(dtype=np.float64)
        fractions = values != np.round(values)
        if fractions.any():
            count = int(fractions.sum())
            raise DataError(
                f"the target {name!r} holds fractional numbers in {count_rows(count)} of "
                f"{len(frame)} ({show_values(target[fractions].tolist())}), which are not "
                "class labels: a classification workflow needs labels; for a quantity, use "
                "`runner: regression` (a stratified split keeps each label's share, and "
                "each number here would be a class of its own).",
                column=name,
                rows=count,
            )
    if settings.stratify and len(frame) > 0:
        classes = target.drop_duplicates().tolist()
        if len(classes) < 2:
            raise DataError(
                f"the target {name!r} holds one class only ({show_values(classes)} "
                f"in all {len(frame)} rows); a classifier needs at least two classes to "
                "learn to tell apart. Check the data, or the filter that made it.",
                column=name,
                rows=len(frame),
            )


def _check_features(frame: pd.DataFrame, features: Iterable[str]) -> None:
    """Refuse, counted over the whole frame, a feature column of numbers with a few text
    values (typos, which split into parts where the column looks like categories in one
    and numbers in another), and an infinite value in a numeric one (a missing value is
    fine: the encoder imputes it; an infinite one no step can use)."""
    for name in features:
        column = frame[name]
        if pd.api.types.is_object_dtype(column.dtype) or pd.api.types.is_string_dtype(column.dtype):
            typos = typos_among_numbers(column)
            if typos.any():
                raise DataError(
                    f"the feature column {name!r} holds {numbers_and_text(column, typos)}: it "
                    "looks numeric with a few mistaken values. Fix or drop those rows (leave a "
                    "value empty to have it imputed); if its values are categories, give the "
                    "column the dtype 'category' (`dtypes:` on a CSV connector).",
                    column=name,
                    rows=int(typos.sum()),
                )
            continue
        if not pd.api.types.is_float_dtype(column.dtype):
            continue
        infinite = np.isinf(column.to_numpy(dtype=np.float64, na_value=np.nan))
        if infinite.any():
            count = int(infinite.sum())
            raise DataError(
                f"the feature column {name!r} is infinite in "
                f"{in_rows(infinite, frame.index)}; no "
                "model learns from an infinite value. Replace them (with an empty value, to "
                "have them imputed) or drop those rows before the split.",
                column=name,
                rows=count,
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


def _check_every_class_in_every_part(
    target: pd.Series, parts: dict[str, _Positions], sizes: dict[str, float], name: str
) -> None:
    """Refuse a stratified split where a part asked for (a positive share) got no row of
    some class: its scores would never see that class (an f1 of 0 and no ROC area on a
    test part without positives), and a model would be compared and promoted by them."""
    codes, classes = pd.factorize(target, sort=True, use_na_sentinel=False)
    for code, label in enumerate(classes.tolist()):
        lacking = [
            part for part in _PARTS if sizes[part] > 0 and not (codes[parts[part]] == code).any()
        ]
        if not lacking:
            continue
        rows = int((codes == code).sum())
        shares = " and ".join(f"{part} ({sizes[part]:g})" for part in lacking)
        raise DataError(
            f"the class {label!r} of the target {name!r} has {count_rows(rows)}, too few to be "
            f"in every part of the stratified split: the {' and '.join(lacking)} "
            f"part{'s get' if len(lacking) > 1 else ' gets'} none of them (shares: {shares}). "
            "Add rows of that class, drop it, or give the parts larger shares.",
            column=name,
            rows=rows,
        )


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
    """Each class (sorted) cut by the ratios (`_check_target` refused missing ones)."""
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
    dtype = times.dtype
    if not (
        pd.api.types.is_datetime64_any_dtype(dtype)
        or pd.api.types.is_timedelta64_dtype(dtype)
        or isinstance(dtype, pd.PeriodDtype)
        or (pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype))
    ):
        present = times.dropna()
        example = f" (e.g. {present.iloc[0]!r})" if len(present) else ""
        raise DataError(
            f"the time column {where!r} holds {dtype} values{example}, not datetimes or "
            "numbers: sorted as text, '11/30/2021' comes after '01/15/2023'. Parse it "
            f"where it is read (the connector's `parse_dates: [{where}]`, and "
            "`date_format:` for a format such as '%m/%d/%Y'), or convert it with a "
            "transformer before the split.",
            column=where,
        )
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
            "one type (numbers or datetimes)."
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
        raise DataError(
            f"the frame to split has no rows (it has the {len(frame.columns)} columns "
            f"{_some_names(frame.columns)}); a filter before the split (a transformer, a "
            "query) may have removed every row.",
            rows=0,
        )
    _check_target(frame, settings)
    excluded = {settings.target, *settings.drop}
    if settings.method == "column":
        excluded.add(str(settings.column))
    features = [name for name in frame.columns if name not in excluded]
    _check_features(frame, features)
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
    if settings.method == "ratio" and settings.stratify:
        _check_every_class_in_every_part(frame[settings.target], parts, sizes, settings.target)

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

    step = make_step(split, name="split")
    if settings.method == "time" and settings.column is not None:
        return TimeSplitter(split=step, time_column=settings.column, target=settings.target)
    return DataSplitter(split=step, target=settings.target)


KINDS: tuple[ComponentKind, ...] = (
    make_kind(
        "splitter",
        SplitterSettings,
        data_splitter,
        "Splits a frame into train, valid and test parts (by ratio, time or a column).",
    ),
)
