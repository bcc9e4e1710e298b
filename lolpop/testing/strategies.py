"""Hypothesis strategies for the data components take, and for lolpop's own records.

Data:

- `frames_of(schema)`: frames of a declared `Schema`, a tuple of `Column`s (a name, a
  kind, whether cells may be missing, bounds, categories, uniqueness, order) and how
  many rows;
- `classification_data(classes, imbalance=...)` and `regression_data(...)`: features
  of a schema with a target (a `Labelled`); `frames_with_target(...)`: the same as one
  frame holding the target column (what a splitter takes); `splits(...)`: the three
  parts a splitter makes (a `Splits`);
- `frames(...)` and `labelled(...)`: the first strategies of the kit, kept as they are
  (columns named by kind: `num_0`, `num_1`, ..., `cat_0`, ...; lolpop's property tests
  draw their examples from them).

lolpop's records:

- `steps()`: small pure `Step[int, int]` programs built with the combinators;
- `configs()`: workflow configs (as the mapping a YAML file holds) for the
  `classification` runner over built-in components, which `lolpop.config` loads.

Design notes:

- A column's dtype follows its kind, as pandas reads such data: number `float64`,
  integer `int64` (`Int64` when nullable), boolean `bool` (`boolean` when nullable),
  category a `CategoricalDtype` of the declared categories, text `str` (pandas' string
  dtype), datetime `datetime64[us]` (naive). Missing cells are NaN, `pd.NA` or NaT, as
  the dtype holds them, and only in columns declared `nullable`.
- Defaults keep laws about data from being laws about float overflow: numbers and
  integers within +-1e6, text of at most 12 characters (any that UTF-8 encodes, so no
  lone surrogates, which pyarrow refuses), datetimes from 2000 through 2030.
- Shrinking reads well: a law broken by one row shrinks to a frame of that row, of
  simple values (0, False, the first category, the empty text, 2000-01-01), and a cell
  that may be missing shrinks to a value. A frame is a list of rows, each with a die
  (kept unless it says 0), and a cell that may be missing is a value with a die
  (missing when it says 3). Hypothesis deletes a list's items by removing a few
  consecutive choices at a time, at most five, so it could not delete a row of more
  columns than that in front of the row that matters; it sets one die to 0 instead,
  and shrinks it toward 0, so a present cell is simpler than a missing one. (Measured
  on 30 seeds, a law broken by one row of a 13-column schema: one row every time;
  without the row dice, up to six.) `hypothesis.extra.pandas.data_frames` draws about
  seven times slower (2.0 s against 0.29 s for 100 frames of four columns) and cannot
  keep a column sorted, so it is not used.
- Labelled data holds every class at least `min_per_class` times (3 by default), so a
  stratified split gives every part every class; with `imbalance` the last class is the
  minority, holding that share of the rows (to the row), and every other class at least
  as many rows as it.
- A schema that cannot be drawn (a unique boolean column of three rows, a category
  column without categories, bounds the wrong way round) is refused when it is
  declared, with `DefinitionError`, rather than left to fail as hypothesis' health check.

>>> from hypothesis import find
>>> age = Column("age", "integer", min=0, max=120)
>>> city = Column("city", "category", categories=("Oslo", "Lima"))
>>> schema = Schema((age, city), max_rows=20)
>>> find(frames_of(schema), lambda frame: (frame["age"] > 60).any())
   age  city
0   61  Oslo
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from datetime import datetime
from typing import Literal, TypeAlias

import pandas as pd
from attrs import frozen
from hypothesis import currently_in_test_context, note
from hypothesis import strategies as st

from lolpop.components.metrics import METRICS
from lolpop.components.model_checker import STRATEGIES
from lolpop.components.records import Labelled, Splits, Task
from lolpop.core.combinators import both, branch, identity, map_each
from lolpop.core.decorator import make_step
from lolpop.core.step import AnyStep, Both, Branch, Fanout, Identity, Leaf, MapEach, Seq, Step
from lolpop.errors import DefinitionError

_CATEGORIES = ("a", "b", "c", "d", "e")

#: The name of the target column (of a `Labelled`'s target, of `frames_with_target`).
TARGET = "target"

#: What a column holds.
ColumnKind: TypeAlias = Literal["number", "integer", "boolean", "category", "text", "datetime"]
#: How a schema's frames are indexed: `range` (0, 1, 2, ...) or `shuffled` (unique
#: labels from 100, in a drawn order: a component that resets or reorders the index,
#: or reads labels as positions, is seen).
IndexKind: TypeAlias = Literal["range", "shuffled"]

#: The default bounds of number and integer columns.
NUMBER_BOUND = 1_000_000
#: The default bounds of text length.
TEXT_LENGTH = (0, 12)
#: The default bounds of datetime columns.
TIME_RANGE = (datetime(2000, 1, 1), datetime(2030, 12, 31, 23, 59, 59))
#: Where `shuffled` index labels start (never a position of a small frame).
_FIRST_LABEL = 100
_INT64 = (-(2**63), 2**63 - 1)


# --- schemas ------------------------------------------------------------------------------


@frozen
class Column:
    """One column of a `Schema`: its name, what it holds, and how it may vary.

    - `kind`: `number` (floats), `integer`, `boolean`, `category` (one of
      `categories`), `text` or `datetime`.
    - `nullable`: cells may be missing (never, when False).
    - `min`, `max`: inclusive bounds of the values (number, integer, datetime) or of the
      text's length (text); None: the defaults (`NUMBER_BOUND`, `TEXT_LENGTH`,
      `TIME_RANGE`).
    - `unique`: no value repeats in the column (an id); not with `nullable`.
    - `sorted`: the column's values ascend down the frame (a time series' clock; number,
      integer or datetime, and not `nullable`).

    >>> Column("age", "integer", min=0, max=120).dtype
    'int64'
    >>> Column("city", "category").dtype
    Traceback (most recent call last):
    ...
    lolpop.errors.DefinitionError: the category column 'city' needs its `categories`.
    """

    name: str
    kind: ColumnKind = "number"
    nullable: bool = False
    min: float | datetime | None = None
    max: float | datetime | None = None
    categories: tuple[str, ...] = ()
    unique: bool = False
    sorted: bool = False

    def __attrs_post_init__(self) -> None:
        _check_column(self)

    @property
    def dtype(self) -> str | pd.CategoricalDtype:
        """The pandas dtype of the column's series."""
        match self.kind:
            case "number":
                return "float64"
            case "integer":
                return "Int64" if self.nullable else "int64"
            case "boolean":
                return "boolean" if self.nullable else "bool"
            case "category":
                return pd.CategoricalDtype(list(self.categories))
            case "text":
                return "str"
            case "datetime":
                return "datetime64[us]"

    def capacity(self) -> float:
        """How many distinct values the column can hold (`math.inf`: more than any frame)."""
        match self.kind:
            case "boolean":
                return 2
            case "category":
                return len(self.categories)
            case "integer":
                low, high = _number_bounds(self)
                return high - low + 1
            case "number":
                low, high = _number_bounds(self)
                return 1 if low == high else math.inf
            case "text":
                return 1 if _number_bounds(self)[1] == 0 else math.inf
            case "datetime":
                first, last = _time_bounds(self)
                return 1 if first == last else math.inf


def _refusal(column: Column, message: str) -> DefinitionError:
    return DefinitionError(f"the {column.kind} column {column.name!r} {message}")


def _number_bound(column: Column, label: str, bound: object, default: int) -> float:
    """A number or integer column's bound, or a text column's length bound."""
    if bound is None:
        return default
    if isinstance(bound, bool) or not isinstance(bound, int | float) or not math.isfinite(bound):
        raise _refusal(column, f"takes finite numbers as bounds; `{label}` is {bound!r}.")
    if column.kind in ("integer", "text") and not isinstance(bound, int):
        raise _refusal(column, f"takes whole numbers as bounds; `{label}` is {bound!r}.")
    return bound


def _number_bounds(column: Column) -> tuple[float, float]:
    """The inclusive bounds of a number or integer column's values, or of a text column's
    length, defaults filled in."""
    low, high = (-NUMBER_BOUND, NUMBER_BOUND) if column.kind != "text" else TEXT_LENGTH
    return (
        _number_bound(column, "min", column.min, low),
        _number_bound(column, "max", column.max, high),
    )


def _time_bound(column: Column, label: str, bound: object, default: datetime) -> datetime:
    if bound is None:
        return default
    if not isinstance(bound, datetime):
        raise _refusal(column, f"takes datetimes as bounds; `{label}` is {bound!r}.")
    if bound.tzinfo is not None:
        raise _refusal(column, f"holds naive datetimes; `{label}` {bound!r} has a time zone.")
    return bound


def _time_bounds(column: Column) -> tuple[datetime, datetime]:
    """The inclusive bounds of a datetime column's values, defaults filled in."""
    return (
        _time_bound(column, "min", column.min, TIME_RANGE[0]),
        _time_bound(column, "max", column.max, TIME_RANGE[1]),
    )


def _check_column(column: Column) -> None:
    """Refuse a column that no frame can hold, naming what is wrong."""
    if not column.name:
        raise DefinitionError(f"a column's name is a non-empty string; got {column.name!r}.")
    if column.kind == "category":
        if not column.categories:
            raise _refusal(column, "needs its `categories`.")
        if len(set(column.categories)) != len(column.categories):
            raise _refusal(column, f"lists a category twice: {column.categories!r}.")
    elif column.categories:
        raise _refusal(column, "takes no `categories` (a category column does).")
    if column.kind in ("boolean", "category"):
        if column.min is not None or column.max is not None:
            raise _refusal(column, "takes no `min` or `max`.")
    elif column.kind == "datetime":
        first, last = _time_bounds(column)
        if first > last:
            raise _refusal(column, f"has bounds the wrong way round: min {first} > max {last}.")
    else:
        low, high = _number_bounds(column)
        if low > high:
            raise _refusal(column, f"has bounds the wrong way round: min {low!r} > max {high!r}.")
        if column.kind == "text" and low < 0:
            raise _refusal(column, f"has a length below 0: min {low!r}.")
        if column.kind == "integer" and (low < _INT64[0] or high > _INT64[1]):
            raise _refusal(column, f"has bounds beyond int64: {low!r} to {high!r}.")
    if column.unique and column.nullable:
        raise _refusal(column, "cannot be both `unique` and `nullable` (missing cells repeat).")
    if column.sorted and column.kind not in ("number", "integer", "datetime"):
        raise _refusal(column, "cannot be `sorted` (number, integer and datetime columns can).")
    if column.sorted and column.nullable:
        raise _refusal(
            column, "cannot be both `sorted` and `nullable` (a missing cell has no place)."
        )


@frozen
class Schema:
    """The columns of a frame, and how many rows it may have (`min_rows` to `max_rows`).

    `index`: `range` (0, 1, 2, ...), or `shuffled` (unique labels from 100 in a drawn
    order, so that a component that resets or reorders the index is seen).

    >>> Schema((Column("x"), Column("x")))
    Traceback (most recent call last):
    ...
    lolpop.errors.DefinitionError: a schema names each column once; 'x' is named twice.
    """

    columns: tuple[Column, ...]
    min_rows: int = 1
    max_rows: int = 30
    index: IndexKind = "range"

    def __attrs_post_init__(self) -> None:
        seen: set[str] = set()
        for column in self.columns:
            if column.name in seen:
                raise DefinitionError(
                    f"a schema names each column once; {column.name!r} is named twice."
                )
            seen.add(column.name)
        if not 0 <= self.min_rows <= self.max_rows:
            raise DefinitionError(
                f"a schema's rows go from min_rows to max_rows (0 or more); got "
                f"{self.min_rows} to {self.max_rows}."
            )
        for column in self.columns:
            if column.unique and column.capacity() < self.min_rows:
                raise DefinitionError(
                    f"the unique {column.kind} column {column.name!r} has "
                    f"{column.capacity():g} distinct values, fewer than the schema's "
                    f"min_rows ({self.min_rows})."
                )

    @property
    def names(self) -> tuple[str, ...]:
        """The columns' names, in order."""
        return tuple(column.name for column in self.columns)


#: The features of labelled data when no schema is given.
DEFAULT_FEATURES = (Column("num_0"), Column("num_1"))


#: A die of four faces: a row is kept, or a cell present, unless it says 0 (or 3).
_dice = st.integers(0, 3)


def _values(column: Column) -> st.SearchStrategy[object]:
    """The cells of a column: its values, or (when nullable) missing (None)."""
    values: st.SearchStrategy[object]
    match column.kind:
        case "number":
            low, high = _number_bounds(column)
            values = st.floats(low, high, allow_nan=False, allow_infinity=False)
        case "integer":
            low, high = _number_bounds(column)
            values = st.integers(int(low), int(high))
        case "boolean":
            values = st.booleans()
        case "category":
            values = st.sampled_from(column.categories)
        case "text":
            low, high = _number_bounds(column)
            values = st.text(st.characters(codec="utf-8"), min_size=int(low), max_size=int(high))
        case "datetime":
            values = st.datetimes(*_time_bounds(column))
    if not column.nullable:
        return values
    # A cell is a value and a die: missing when the die says 3 (a quarter of the cells).
    # The value is drawn either way, so that a present cell is as short a choice
    # sequence as a missing one and simpler (die 0): a counterexample's cells shrink to
    # values, and show a missing one only where it matters.
    return st.tuples(values, _dice).map(_cell)


def _cell(drawn: tuple[object, int]) -> object:
    value, die = drawn
    return None if die == 3 else value


def _series(column: Column, cells: list[object], index: pd.Index) -> pd.Series:
    if column.sorted:
        cells = sorted(cells)  # type: ignore[type-var]  # one orderable kind, never None
    return pd.Series(cells, index=index, dtype=column.dtype, name=column.name)


def _index(schema: Schema, rows: int, order: Sequence[int]) -> pd.Index:
    if schema.index == "range":
        return pd.RangeIndex(rows)
    return pd.Index([_FIRST_LABEL + position for position in order], dtype="int64")


def _kept(schema: Schema, drawn: list[tuple[int, tuple[object, ...]]]) -> list[tuple[object, ...]]:
    """The rows whose die is not 0, and as many more (the first ones) as `min_rows` asks."""
    wanted = [die != 0 for die, _ in drawn]
    short = schema.min_rows - sum(wanted)
    for position, keep in enumerate(wanted):
        if short <= 0:
            break
        if not keep:
            wanted[position], short = True, short - 1
    return [row for keep, (_, row) in zip(wanted, drawn, strict=True) if keep]


@st.composite
def _frame_of(
    draw: st.DrawFn, schema: Schema, rows: st.SearchStrategy[list[tuple[int, tuple[object, ...]]]]
) -> pd.DataFrame:
    kept = _kept(schema, draw(rows))
    order: Sequence[int] = range(len(kept))
    if schema.index == "shuffled":
        order = draw(st.permutations(order))
    index = _index(schema, len(kept), order)
    return pd.DataFrame(
        {
            column.name: _series(column, [row[i] for row in kept], index)
            for i, column in enumerate(schema.columns)
        },
        index=index,
    )


def frames_of(schema: Schema) -> st.SearchStrategy[pd.DataFrame]:
    """Frames that `schema` declares: its columns, in order, with their dtypes, and
    `min_rows` to `max_rows` rows.

    A failing law shrinks to a frame of the rows it needs, of simple values (see the
    module's example).

    >>> from hypothesis import given
    >>> @given(frames_of(Schema((Column("when", "datetime", sorted=True),), min_rows=2)))
    ... def law(frame: pd.DataFrame) -> None:
    ...     assert frame["when"].is_monotonic_increasing and len(frame) >= 2
    >>> law()
    """
    keys = tuple(_row_item(i) for i, column in enumerate(schema.columns) if column.unique)
    row = st.tuples(_dice, st.tuples(*(_values(column) for column in schema.columns)))
    rows = st.lists(row, min_size=schema.min_rows, max_size=schema.max_rows, unique_by=keys or None)
    return _frame_of(schema, rows)


def _row_item(i: int) -> Callable[[tuple[int, tuple[object, ...]]], object]:
    def item(drawn: tuple[int, tuple[object, ...]]) -> object:
        return drawn[1][i]

    return item


# --- labelled data ------------------------------------------------------------------------


def _with_rows(schema: Schema | None, least: int, target: str, default_max: int) -> Schema:
    """The features' schema, with at least `least` rows (refused when it cannot have them)."""
    if schema is None:
        return Schema(DEFAULT_FEATURES, min_rows=least, max_rows=max(default_max, 2 * least))
    if target in schema.names:
        raise DefinitionError(
            f"the features' schema has a column named {target!r}, the target's name; "
            "rename one of them."
        )
    if schema.max_rows < least:
        raise DefinitionError(
            f"the features' schema allows at most {schema.max_rows} rows; this data needs "
            f"at least {least} (raise max_rows)."
        )
    return Schema(schema.columns, max(schema.min_rows, least), schema.max_rows, schema.index)


def _label_set(classes: int | Sequence[Hashable]) -> tuple[Hashable, ...]:
    if isinstance(classes, int):
        labels: tuple[Hashable, ...] = tuple(range(classes))
    elif isinstance(classes, str):
        raise DefinitionError(f"`classes` is a count or a sequence of labels; got {classes!r}.")
    else:
        labels = tuple(classes)
    if len(labels) < 2 or len(set(labels)) != len(labels):
        raise DefinitionError(
            f"classification needs two or more distinct classes; got {classes!r}."
        )
    return labels


def _least_rows(labels: Sequence[Hashable], imbalance: float | None, per_class: int) -> int:
    """The fewest rows that hold every class `per_class` times (and the minority share)."""
    if per_class < 1:
        raise DefinitionError(f"min_per_class is at least 1; got {per_class}.")
    if imbalance is None:
        return per_class * len(labels)
    if not 0.0 < imbalance <= 1.0 / len(labels):
        raise DefinitionError(
            f"imbalance is the minority class's share of the rows, above 0 and at most "
            f"1/{len(labels)} (so that it is the minority); got {imbalance!r}."
        )
    return max(per_class * len(labels), math.ceil(per_class / imbalance))


@st.composite
def _labels(
    draw: st.DrawFn,
    rows: int,
    labels: tuple[Hashable, ...],
    imbalance: float | None,
    per_class: int,
) -> list[Hashable]:
    """`rows` labels: each class `per_class` times (or the minority's share), the rest
    drawn; in a drawn order (which shrinks to the classes in turn)."""
    if imbalance is None:
        fixed = [label for label in labels for _ in range(per_class)]
        free = labels
    else:
        # The last class is the minority; every other class has at least as many rows.
        minority = min(round(imbalance * rows), rows // len(labels))
        fixed = [label for label in labels for _ in range(minority)]
        free = labels[:-1]
    rest = draw(
        st.lists(st.sampled_from(free), min_size=rows - len(fixed), max_size=rows - len(fixed))
    )
    return draw(st.permutations(fixed + rest))


@st.composite
def _classified(
    draw: st.DrawFn,
    *,
    schema: Schema,
    labels: tuple[Hashable, ...],
    imbalance: float | None,
    per_class: int,
    target: str,
) -> Labelled:
    features = draw(frames_of(schema))
    drawn = draw(_labels(len(features), labels, imbalance, per_class))
    return Labelled(features, pd.Series(drawn, index=features.index, name=target))


def classification_data(
    classes: int | Sequence[Hashable] = 2,
    *,
    imbalance: float | None = None,
    schema: Schema | None = None,
    min_per_class: int = 3,
    target: str = TARGET,
) -> st.SearchStrategy[Labelled]:
    """Features of `schema` (by default two number columns, `num_0` and `num_1`) and a
    classification target named `target`.

    `classes`: how many (labels `0 .. classes - 1`) or the labels themselves. Every
    class is present at least `min_per_class` times, so that a stratified split gives
    every part every class. `imbalance`: the last class is the minority, holding that
    share of the rows (to the nearest row; at most `1 / classes`), every other class at
    least as many. The schema's `min_rows` is raised to what the classes need; a schema
    whose `max_rows` cannot hold them is refused (`DefinitionError`).

    >>> from hypothesis import given
    >>> @given(classification_data(2, imbalance=0.1))
    ... def law(data: Labelled) -> None:
    ...     counts = data.target.value_counts()
    ...     assert counts[1] >= 3 and abs(counts[1] - 0.1 * len(data)) <= 1
    >>> law()
    """
    labels = _label_set(classes)
    least = _least_rows(labels, imbalance, min_per_class)
    features = _with_rows(schema, least, target, default_max=40)
    return _classified(
        schema=features, labels=labels, imbalance=imbalance, per_class=min_per_class, target=target
    )


@st.composite
def _regressed(draw: st.DrawFn, schema: Schema, target: Column) -> Labelled:
    features = draw(frames_of(schema))
    rows = len(features)
    values = draw(st.lists(_values(target), min_size=rows, max_size=rows, unique=target.unique))
    return Labelled(features, _series(target, values, features.index))


def regression_data(
    *, schema: Schema | None = None, target: Column = Column(TARGET)
) -> st.SearchStrategy[Labelled]:
    """Features of `schema` (by default two number columns, `num_0` and `num_1`) and a
    regression target as `target` declares it: a number or integer column, never
    missing (by default floats within +-1e6, named `target`).

    >>> from hypothesis import given
    >>> @given(regression_data(target=Column("price", min=0, max=100)))
    ... def law(data: Labelled) -> None:
    ...     assert data.target.name == "price" and data.target.between(0, 100).all()
    >>> law()
    """
    if target.kind not in ("number", "integer") or target.nullable:
        raise DefinitionError(
            f"a regression target is a number or integer column that is never missing; "
            f"got a{' nullable' if target.nullable else ''} {target.kind} column."
        )
    features = _with_rows(schema, 1, target.name, default_max=40)
    if target.unique and target.capacity() < features.max_rows:
        raise DefinitionError(
            f"the unique target {target.name!r} has {target.capacity():g} distinct values, "
            f"fewer than the features' max_rows ({features.max_rows})."
        )
    return _regressed(features, target)


def _whole(data: Labelled) -> pd.DataFrame:
    name = str(data.target.name)
    if name in data.features.columns:
        raise DefinitionError(
            f"the features hold a column named {name!r}, the target's name; rename one."
        )
    return data.features.assign(**{name: data.target})


def frames_with_target(
    data: st.SearchStrategy[Labelled] | None = None,
) -> st.SearchStrategy[pd.DataFrame]:
    """Whole frames, the features and then the target column (named `target` unless
    `data` names it otherwise), as a splitter takes them; from `data` (by default
    `classification_data()`).

    >>> from hypothesis import given
    >>> @given(frames_with_target(regression_data()))
    ... def law(frame: pd.DataFrame) -> None:
    ...     assert list(frame.columns) == ["num_0", "num_1", "target"]
    >>> law()
    """
    return (classification_data() if data is None else data).map(_whole)


# --- splits -------------------------------------------------------------------------------

_PARTS = ("train", "valid", "test")


def _part(data: Labelled, positions: list[int]) -> Labelled:
    chosen = sorted(positions)
    return Labelled(data.features.iloc[chosen], data.target.iloc[chosen])


@st.composite
def _split(draw: st.DrawFn, data: st.SearchStrategy[Labelled], stratify: bool | None) -> Splits:
    whole = draw(data)
    rows = len(whole)
    by_class = not pd.api.types.is_float_dtype(whole.target.dtype) if stratify is None else stratify
    order: list[int] = draw(st.permutations(range(rows)))
    # The first rows in the drawn order of each group (each class, or every row) go to
    # train, valid and test in turn, so that every part has one; the rest are drawn.
    groups = whole.target.to_numpy() if by_class else [None] * rows
    dealt: dict[object, int] = {}
    parts: dict[str, list[int]] = {part: [] for part in _PARTS}
    rest: list[int] = []
    for position in order:
        group = groups[position]
        count = dealt.get(group, 0)
        if count < len(_PARTS):
            parts[_PARTS[count]].append(position)
            dealt[group] = count + 1
        else:
            rest.append(position)
    chosen = draw(st.lists(st.sampled_from(_PARTS), min_size=len(rest), max_size=len(rest)))
    for position, part in zip(rest, chosen, strict=True):
        parts[part].append(position)
    return Splits(*(_part(whole, parts[part]) for part in _PARTS))


def splits(
    data: st.SearchStrategy[Labelled] | None = None, *, stratify: bool | None = None
) -> st.SearchStrategy[Splits]:
    """The train, valid and test parts of labelled data (by default
    `classification_data()`): the same columns, disjoint index labels that together are
    the data's, each part's rows in the data's order.

    Every part has a row (when the data has three). `stratify` (by default: when the
    target is not of floats) puts every class that has three rows in every part.

    >>> from hypothesis import given
    >>> @given(splits(classification_data(3)))
    ... def law(parts: Splits) -> None:
    ...     for part in (parts.train, parts.valid, parts.test):
    ...         assert set(part.target) == {0, 1, 2}
    >>> law()
    """
    return _split(classification_data() if data is None else data, stratify)


# --- the first strategies (kept as they are: lolpop's property tests draw from them) -----


def _numbers(allow_missing: bool) -> st.SearchStrategy[float]:
    finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
    return st.one_of(finite, st.just(float("nan"))) if allow_missing else finite


def _categories(allow_missing: bool) -> st.SearchStrategy[str | None]:
    letters: st.SearchStrategy[str | None] = st.sampled_from(_CATEGORIES)
    return st.one_of(letters, st.none()) if allow_missing else letters


@st.composite
def _frame(
    draw: st.DrawFn, numeric: int, categorical: int, rows: int, missing: bool
) -> pd.DataFrame:
    columns: dict[str, list[float] | list[str | None]] = {}
    for i in range(numeric):
        columns[f"num_{i}"] = draw(st.lists(_numbers(missing), min_size=rows, max_size=rows))
    for i in range(categorical):
        columns[f"cat_{i}"] = draw(st.lists(_categories(missing), min_size=rows, max_size=rows))
    frame = pd.DataFrame(columns, index=pd.RangeIndex(rows))
    for i in range(categorical):
        frame[f"cat_{i}"] = frame[f"cat_{i}"].astype(object)
    return frame


def frames(
    *,
    numeric: int = 2,
    categorical: int = 1,
    min_rows: int = 1,
    max_rows: int = 40,
    missing: bool = False,
) -> st.SearchStrategy[pd.DataFrame]:
    """Frames with `numeric` float columns (`num_0`, ...) and `categorical` columns of
    short strings (`cat_0`, ..., object dtype, from `a` to `e`).

    `missing=True` lets any cell be missing (NaN in numbers, None in categories).

    >>> from hypothesis import given
    >>> @given(frames(numeric=1, categorical=1, min_rows=2))
    ... def law(frame: pd.DataFrame) -> None:
    ...     assert list(frame.columns) == ["num_0", "cat_0"] and len(frame) >= 2
    >>> law()
    """
    return st.integers(min_rows, max_rows).flatmap(
        lambda rows: _frame(numeric, categorical, rows, missing)
    )


@st.composite
def _labelled(
    draw: st.DrawFn,
    *,
    task: Task,
    classes: int,
    numeric: int,
    categorical: int,
    rows: int,
    missing: bool,
) -> Labelled:
    features = draw(_frame(numeric, categorical, rows, missing))
    if task == "classification":
        # Every class three times, the rest drawn, then shuffled (by hypothesis).
        fixed = [label for label in range(classes) for _ in range(3)]
        rest = draw(st.lists(st.integers(0, classes - 1), min_size=rows - len(fixed)))
        labels = draw(st.permutations(fixed + rest[: rows - len(fixed)]))
        target = pd.Series(labels, index=features.index, name=TARGET, dtype="int64")
    else:
        values = draw(st.lists(_numbers(False), min_size=rows, max_size=rows))
        target = pd.Series(values, index=features.index, name=TARGET, dtype="float64")
    return Labelled(features, target)


def labelled(
    task: Task = "classification",
    *,
    classes: int = 2,
    numeric: int = 2,
    categorical: int = 0,
    min_rows: int = 20,
    max_rows: int = 60,
    missing: bool = False,
) -> st.SearchStrategy[Labelled]:
    """Features (as `frames` makes them) with a target named `target`.

    Classification targets are the integers `0 .. classes - 1`, each at least three
    times; regression targets are finite floats. (`classification_data` and
    `regression_data` take a declared schema, an imbalance and any labels.)
    """
    low = max(min_rows, 3 * classes if task == "classification" else 1)
    return st.integers(low, max(low, max_rows)).flatmap(
        lambda rows: _labelled(
            task=task,
            classes=classes,
            numeric=numeric,
            categorical=categorical,
            rows=rows,
            missing=missing,
        )
    )


# --- programs -----------------------------------------------------------------------------
#
# Leaves are pure functions of small integers, named for what they do (`add_3`,
# `times_-2`, `mod_3_is_1`), and kept per name: building a checked step costs about a
# millisecond (beartype compiles its wrapper), and a cached leaf is as good as a new one.


@functools.cache
def _leaf(kind: str, k: int) -> Step[int, int]:
    def add(x: int) -> int:
        return x + k

    def times(x: int) -> int:
        return x * k

    def mod(x: int) -> int:
        return x % k

    def neg(x: int) -> int:
        return -x

    chosen: dict[str, tuple[Callable[[int], int], str]] = {
        "add": (add, f"add_{k}"),
        "times": (times, f"times_{k}"),
        "mod": (mod, f"mod_{k}"),
        "neg": (neg, "neg"),
    }
    fn, name = chosen[kind]
    return make_step(fn, name=name)


@functools.cache
def _predicate(modulus: int, residue: int) -> Step[int, bool]:
    def is_residue(x: int) -> bool:
        return x % modulus == residue

    return make_step(is_residue, name=f"mod_{modulus}_is_{residue}")


def _sum(pair: tuple[int, int]) -> int:
    return pair[0] + pair[1]


def _diff(pair: tuple[int, int]) -> int:
    return pair[0] - pair[1]


def _larger(pair: tuple[int, int]) -> int:
    return max(pair)


def _total(items: Sequence[int]) -> int:
    return sum(items)


def _largest(items: Sequence[int]) -> int:
    return max(items, default=0)


def _pair(x: int) -> tuple[int, int]:
    return (x, x + 1)


@functools.cache
def _merge(name: str) -> Step[tuple[int, int], int]:
    fns = {"sum": _sum, "diff": _diff, "larger": _larger}
    return make_step(fns[name], name=name)


@functools.cache
def _fold(name: str) -> Step[Sequence[int], int]:
    fns = {"total": _total, "largest": _largest}
    return make_step(fns[name], name=name)


@functools.cache
def _spread(count: int) -> Step[int, list[int]]:
    def spread(x: int) -> list[int]:
        return [x + i for i in range(count)]

    return make_step(spread, name=f"spread_{count}")


@functools.cache
def _splitter() -> Step[int, tuple[int, int]]:
    return make_step(_pair, name="pair")


_int_leaves: st.SearchStrategy[Step[int, int]] = st.one_of(
    st.integers(-9, 9).map(lambda k: _leaf("add", k)),
    st.integers(-3, 3).map(lambda k: _leaf("times", k)),
    st.integers(2, 5).map(lambda k: _leaf("mod", k)),
    st.just(_leaf("neg", 0)),
    st.just(identity(int)),
)
_predicates = st.integers(2, 4).flatmap(
    lambda m: st.integers(0, m - 1).map(lambda r: _predicate(m, r))
)
_merges = st.sampled_from(("sum", "diff", "larger")).map(_merge)
_folds = st.sampled_from(("total", "largest")).map(_fold)
_spreads = st.integers(0, 3).map(_spread)
_names = st.sampled_from(("a", "b", "c"))


@st.composite
def _programs(draw: st.DrawFn, leaves: int) -> Step[int, int]:
    """A program of at most `leaves` leaves (a merge, fold, spread or predicate not
    counted); it shrinks to a single leaf.

    Written as recursion by hand rather than with `st.recursive`, whose strategy's repr
    (which hypothesis makes for its reports) runs to tens of kilobytes here.
    """
    if leaves < 2 or draw(st.integers(0, 3)) == 0:
        return draw(_int_leaves)
    shape = draw(st.sampled_from(("then", "fanout", "both", "map_each", "branch", "named")))
    if shape == "map_each":
        return draw(_spreads) >> map_each(draw(_programs(leaves - 1))) >> draw(_folds)
    if shape == "named":
        return draw(_programs(leaves - 1)).named(draw(_names))
    share = draw(st.integers(1, leaves - 1))
    left, right = draw(_programs(share)), draw(_programs(leaves - share))
    if shape == "then":
        return left >> right
    if shape == "fanout":
        return (left & right) >> draw(_merges)
    if shape == "both":
        return _splitter() >> both(left, right) >> draw(_merges)
    return branch(draw(_predicates), left, right)


def show_program(program: AnyStep) -> str:
    """A program written out in the combinators' notation, every leaf by name.

    >>> show_program(_leaf("add", 2) >> (_leaf("neg", 0) & identity(int)) >> _merge("sum"))
    '(add_2 >> (neg & identity) >> sum)'
    """
    match program.node:
        case Leaf():
            return program.label
        case Identity():
            body = "identity"
        case Seq(parts):
            body = "(" + " >> ".join(show_program(part) for part in parts) + ")"
        case Fanout(left, right):
            body = f"({show_program(left)} & {show_program(right)})"
        case Both(left, right):
            body = f"both({show_program(left)}, {show_program(right)})"
        case MapEach(inner):
            body = f"map_each({show_program(inner)})"
        case Branch(predicate, if_true, if_false):
            arms = ", ".join(show_program(arm) for arm in (predicate, if_true, if_false))
            body = f"branch({arms})"
        case _:
            body = program.label
    return f"{body}.named({program.name!r})" if program.name else body


def _noted(program: Step[int, int]) -> Step[int, int]:
    # A failing test's report shows a drawn step as `_noted(<...>)` (or, drawn from a
    # composite strategy, as every field of every node: dozens of lines); the note
    # above it shows the whole program on one line.
    if currently_in_test_context():
        note(f"program: {show_program(program)}")
    return program


def steps(*, max_leaves: int = 6) -> st.SearchStrategy[Step[int, int]]:
    """Small pure `Step[int, int]` programs: leaves (`add_k`, `times_k`, `mod_k`, `neg`,
    `identity`) composed with `>>`, `&` (then a merge), `both`, `map_each` (between a
    spread and a fold), `branch` and `.named`, up to `max_leaves` leaves.

    Each program is a function of its input alone, so every backend must give the same
    output for it; a failing test's report notes the program drawn (`show_program`), as
    a step's repr shows only its label. Programs shrink toward a single leaf.

    >>> from hypothesis import given, strategies as st
    >>> @given(steps(), st.integers(-100, 100))
    ... def law(program: Step[int, int], x: int) -> None:
    ...     assert program(x) == program(x)
    >>> law()
    """
    return _programs(max_leaves).map(_noted)


# --- configs ------------------------------------------------------------------------------
#
# The strategies are made once: a slot's drawn settings hold what does not depend on
# the rest of the config, and `_complete` adds what does (the target, the model's name,
# the approval metric), so a draw builds no strategy (which costs more than drawing).

#: Classifiers a config may name, each with the values drawn for its parameters.
_CLASSIFIERS: Mapping[str, Mapping[str, tuple[object, ...]]] = {
    "sklearn.linear_model:LogisticRegression": {
        "max_iter": (100, 500, 1000),
        "C": (1.0, 0.1, 10.0),
    },
    "sklearn.tree:DecisionTreeClassifier": {
        "max_depth": (None, 2, 3, 5),
        "min_samples_leaf": (1, 2, 5),
    },
    "sklearn.ensemble:RandomForestClassifier": {
        "n_estimators": (10, 50),
        "max_depth": (None, 3, 5),
    },
}
_CLASSIFICATION_METRICS = METRICS["classification"]
_RULE_KINDS = ("required_columns", "not_null", "row_count", "unique")
#: Where a config's outputs go (inside the project folder, as `lolpop check` asks).
_WORK = ".lolpop"


def _optional(**fields: st.SearchStrategy[object]) -> st.SearchStrategy[dict[str, object]]:
    """Mappings holding any of `fields` (none, once shrunk)."""
    return st.fixed_dictionaries({}, optional=fields)


def _typed(tag: str, **fields: st.SearchStrategy[object]) -> st.SearchStrategy[dict[str, object]]:
    """A component's mapping: its `type:` and any of `fields`."""
    return st.fixed_dictionaries({"type": st.just(tag)}, optional=fields)


_params = {
    estimator: _optional(**{key: st.sampled_from(values) for key, values in table.items()})
    for estimator, table in _CLASSIFIERS.items()
}
_spaces = {
    estimator: {
        key: st.lists(st.sampled_from(values), min_size=1, unique=True)
        for key, values in table.items()
    }
    for estimator, table in _CLASSIFIERS.items()
}
_estimators = st.sampled_from(tuple(_CLASSIFIERS))
_trainer_extras = _optional(
    task=st.sampled_from(("auto", "classification")), seed=st.integers(0, 9)
)


@st.composite
def _trainers(draw: st.DrawFn) -> dict[str, object]:
    estimator = draw(_estimators)
    trainer: dict[str, object] = {"type": "sklearn_model", "estimator": estimator}
    params = draw(_params[estimator])
    if params:
        trainer["params"] = params
    return trainer | draw(_trainer_extras)


_search_kinds = st.sampled_from(("grid_search", "random_search"))
_search_extras = _optional(n_jobs=st.sampled_from((1, -1)), seed=st.integers(0, 9))
_trials = _optional(n_trials=st.integers(1, 5))


@st.composite
def _tuners(draw: st.DrawFn) -> dict[str, object]:
    estimator = draw(_estimators)
    kind = draw(_search_kinds)
    searched = draw(
        st.lists(st.sampled_from(tuple(_CLASSIFIERS[estimator])), min_size=1, unique=True)
    )
    space = {key: draw(_spaces[estimator][key]) for key in searched}
    tuner: dict[str, object] = {
        "type": kind,
        "estimator": estimator,
        "metric": draw(st.sampled_from(_CLASSIFICATION_METRICS)),
        "space": space,
    }
    # A parameter is searched or fixed, never both.
    params = {key: value for key, value in draw(_params[estimator]).items() if key not in space}
    if params:
        tuner["params"] = params
    if kind == "random_search":
        tuner |= draw(_trials)
    return tuner | draw(_search_extras)


#: Every slot a config may fill besides `data` and `trainer`, with what is drawn for it.
_SLOTS: Mapping[str, st.SearchStrategy[object]] = {
    "splitter": _optional(
        valid_size=st.sampled_from((0.15, 0.1, 0.2)),
        test_size=st.sampled_from((0.15, 0.1, 0.2)),
        stratify=st.booleans(),
        seed=st.integers(0, 9),
    ),
    "encoder": _typed(
        "column_encoder",
        impute_numeric=st.sampled_from(("median", "mean", "most_frequent")),
        scale=st.booleans(),
        impute_categorical=st.sampled_from(("most_frequent", "constant")),
        max_categories=st.none() | st.integers(2, 20),
    ),
    "metrics": _typed(
        "classification_metrics",
        metrics=st.lists(st.sampled_from(_CLASSIFICATION_METRICS), unique=True),
        average=st.sampled_from(("macro", "micro", "weighted")),
    ),
    "tuner": _tuners(),
    "checker": st.lists(st.sampled_from(_RULE_KINDS), max_size=3, unique=True),
    "explainer": _typed(
        "permutation_explainer", n_repeats=st.integers(1, 5), seed=st.integers(0, 9)
    ),
    "baseline": st.fixed_dictionaries(
        {
            "type": st.just("baseline_checker"),
            "metric": st.sampled_from(_CLASSIFICATION_METRICS),
        },
        optional={"strategy": st.sampled_from(STRATEGIES["classification"])},
    ),
    "visualizer": _optional(dpi=st.sampled_from((72, 100))),
    "profiler": _typed("pandas_profiler", bins=st.integers(1, 20), top=st.integers(0, 20)),
    "drift": _typed(
        "drift",
        p_value=st.sampled_from((0.05, 0.01)),
        categorical_test=st.sampled_from(("chi2", "psi")),
    ),
    "notifier": _typed(
        "log_notifier",
        stream=st.sampled_from(("logging", "stdout", "stderr")),
        min_level=st.sampled_from(("INFO", "WARNING", "ERROR")),
    ),
    "tracker": st.just({"type": "memory"}),
    "store": st.just({"type": "local_store", "root": f"{_WORK}/store"}),
    "repository": st.just({"type": "local_registry", "root": f"{_WORK}/registry"}),
    "new_data": st.just({"type": "csv"}),
}
_slots = st.fixed_dictionaries({"trainer": _trainers()}, optional=_SLOTS)


@frozen
class _Facts:
    """What a config's slots depend on: the model's name, the target, the id column and
    the approval metric."""

    model: str
    target: str
    index: str | None
    metric: str


def _rule(kind: str, target: str) -> dict[str, object]:
    match kind:
        case "row_count":
            return {"kind": kind, "min": 10}
        case "unique":
            return {"kind": kind, "columns": [target], "severity": "WARN"}
        case _:
            return {"kind": kind, "columns": [target]}


def _fields(drawn: dict[object, object]) -> dict[str, object]:
    return {str(key): value for key, value in drawn.items()}


def _complete(name: str, drawn: object, facts: _Facts) -> dict[str, object]:
    """A slot's drawn settings with what depends on the rest of the config added."""
    match name, drawn:
        case "splitter", dict():
            drop = {"drop": [facts.index]} if facts.index is not None else {}
            return {"type": "splitter", "target": facts.target, **drop, **_fields(drawn)}
        case "metrics", dict() if isinstance(drawn.get("metrics"), list):
            names = [facts.metric, *drawn["metrics"]]
            chosen = sorted(set(names), key=_CLASSIFICATION_METRICS.index)
            return {**_fields(drawn), "metrics": chosen}
        case "checker", list(kinds):
            rules = [_rule(str(kind), facts.target) for kind in kinds]
            return {"type": "rules_checker", "rules": rules}
        case "visualizer", dict():
            folder = f"{_WORK}/figures/{facts.model}"
            return {"type": "matplotlib_visualizer", "folder": folder, **_fields(drawn)}
        case "tracker", dict():
            return {**_fields(drawn), "experiment": facts.model}
        case "repository", dict():
            return {**_fields(drawn), "model_name": facts.model}
        case "new_data", dict():
            return {**_fields(drawn), "path": f"data/new_{facts.model}.csv"}
        case _, dict():
            return _fields(drawn)
    raise AssertionError(f"no completion of the slot {name!r} drawn as {drawn!r}")


_model_names = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
_sources = st.sampled_from(("sklearn_dataset", "csv", "parquet"))
_datasets = st.sampled_from(("iris", "wine", "breast_cancer"))
_targets = st.sampled_from((TARGET, "label", "churned"))
_indexes = st.none() | st.just("id")
_approvals = _optional(
    min_improvement=st.sampled_from((0.0, 0.005, 0.01, 0.05)), manual=st.booleans()
)
_settings_extras = _optional(stop_on_error=st.booleans(), refit_on_all_data=st.booleans())
_backends: st.SearchStrategy[dict[str, object] | None] = st.none() | st.sampled_from(
    ({"type": "local", "max_workers": 2}, {"type": "dry-run"})
)


@st.composite
def _config(draw: st.DrawFn) -> dict[str, object]:
    model = draw(_model_names)
    source = draw(_sources)
    if source == "sklearn_dataset":
        data: dict[str, object] = {"type": source, "name": draw(_datasets)}
        facts = _Facts(model, TARGET, None, draw(st.sampled_from(_CLASSIFICATION_METRICS)))
    else:
        data = {"type": source, "path": f"data/{model}.{source}"}
        target, index = draw(_targets), draw(_indexes)
        facts = _Facts(model, target, index, draw(st.sampled_from(_CLASSIFICATION_METRICS)))
    settings: dict[str, object] = {
        "model_name": model,
        "target": facts.target,
        "approval": {"metric": facts.metric, **draw(_approvals)},
    }
    if facts.index is not None:
        settings["index"] = facts.index
    settings |= draw(_settings_extras)
    slots = draw(_slots)
    components = {"data": data, "trainer": slots.pop("trainer")}
    components |= {name: _complete(name, drawn, facts) for name, drawn in slots.items()}
    tuner = components.get("tuner")
    if isinstance(tuner, dict):
        # With a tuner, its best candidate is the model: the trainer is of its estimator,
        # and gives no parameter the tuner's candidates lack (the runner refuses that).
        drawn_trainer = components["trainer"]
        assert isinstance(drawn_trainer, dict)  # `_trainers` draws a mapping
        trainer = {k: v for k, v in drawn_trainer.items() if k != "params"}
        trainer["estimator"] = tuner["estimator"]
        if "params" in tuner:
            trainer["params"] = dict(tuner["params"])
        components["trainer"] = trainer
    if "new_data" in components:
        path = f"{_WORK}/predictions/{model}.csv"
        components["predictions"] = {"type": "csv", "path": path}
    config: dict[str, object] = {"runner": "classification", "settings": settings}
    backend = draw(_backends)
    if backend is not None:
        config["backend"] = dict(backend)
    config["components"] = components
    return config


def configs() -> st.SearchStrategy[dict[str, object]]:
    """Valid workflow configs for the `classification` runner over built-in components,
    as the mapping a YAML file holds: `lolpop.config` loads them (dump one with
    `yaml.safe_dump`), and the runner builds them.

    Each has a model name, a target and an approval metric, the data (an sklearn data
    set, a CSV or a Parquet file under `data/`) and a trainer (a logistic regression, a
    decision tree or a random forest); any of the other slots may be filled (splitter,
    encoder, metrics, tuner, checker, explainer, baseline, visualizer, profiler, drift,
    notifier, tracker, store, repository, new data with its predictions), each with
    some of its settings. Output paths stay under `.lolpop/`. Configs shrink toward the
    smallest: the data and the trainer only.

    >>> import yaml
    >>> from hypothesis import given
    >>> from lolpop.config import load_text
    >>> @given(configs())
    ... def law(config: dict[str, object]) -> None:
    ...     assert load_text(yaml.safe_dump(config)).unwrap().runner == "classification"
    >>> law()
    """
    return _config()


__all__: Sequence[str] = (
    "DEFAULT_FEATURES",
    "NUMBER_BOUND",
    "TARGET",
    "TEXT_LENGTH",
    "TIME_RANGE",
    "Column",
    "ColumnKind",
    "IndexKind",
    "Schema",
    "classification_data",
    "configs",
    "frames",
    "frames_of",
    "frames_with_target",
    "labelled",
    "regression_data",
    "show_program",
    "splits",
    "steps",
)
