"""Kits of the data family: the splitter, the transformer and the feature encoder.

Each kit's laws, besides the every-step ones (deterministic, never mutates its input,
output survives pickling):

- `DataSplitter` (example: a whole frame, features and the target column):
  the parts are disjoint and cover every row, by index label; each part's features and
  target line up, row for row, with the frame's own rows; the target is never a
  feature. Two laws hold only for some splitters, so they are offered rather than
  imposed (a law cannot read a component's settings): `stratified_law(tolerance)` for a
  splitter that stratifies, `time_ordered_law(column)` for a time split.
- `DataTransformer` (example: a whole frame): the every-step laws only. A transformer
  may drop rows on purpose (lolpop's function transformer is how a workflow drops rows
  with a missing target before the split), so keeping the index is not a law of the
  type; `keeps_index_law()` offers it for a row-wise transformer.
- `FeatureEncoder` (example: an `EncoderExample`, the training split and another
  frame of the same columns): transform keeps each frame's rows and index; fit sees
  the training split only (transforming other rows changes neither the fitted encoder
  nor the training rows' encoding, and no row's encoding depends on the rows it is
  transformed with); the fitted encoder survives pickling (read back, it encodes the
  same); an unseen category is no error, and every unseen category is encoded alike
  (lolpop's `column_encoder` writes all-zero one-hot columns, or its "infrequent"
  column when `max_categories` makes one: either way no unseen category is told from
  another).

Design notes:

- Rows are matched by index label, as lolpop's parts keep the frame's labels; the
  default examples give every frame unique, shuffled labels, so a splitter that resets
  or reorders them is seen. A law that looks rows up by label skips that look-up when
  the frame's labels repeat (a sample of real data may hold such a frame).
- The fitted encoder's state is compared by its pickled bytes, made afresh each time:
  `fingerprint` remembers a fitted object's digest by identity, so it would not see an
  object changed in place. Digests are also why the encoder's `exercise` (what the
  every-step laws compare) is the other frame's encoding, not the fitted encoder: a
  fitted scikit-learn object's digest (its skops bytes) changes when it is pickled and
  read back (skops numbers shared objects, and pickling unshares a float), so "output
  survives pickling" would fail on lolpop's own encoder. A law of the kit checks
  instead that the encoder, read back, encodes the same rows the same.
- Encodings are compared with a small tolerance (`_TOLERANCE`): an encoder that
  multiplies matrices (a PCA) may round a row differently in a batch of another size,
  which is not learning from the batch.
- The default examples match lolpop's default settings: the splitter's frames hold a
  classification target named `target` (2 or 3 classes, each at least four times),
  as `SplitterSettings(target="target")` expects; `frames_to_split` makes them, with a
  time column or a part column for the time and column methods.
- Examples are kept small and quick to shrink, since a broken law is shrunk by running
  the component again and again (a fit takes ~10 ms): frames are drawn as lists of
  rows (hypothesis shrinks by deleting rows), index labels are shuffled by one drawn
  seed rather than a drawn permutation, and the classes every frame needs are given to
  its first rows in turn.
"""

from __future__ import annotations

import copy
import hashlib
import math
import operator
import pickle
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence

import numpy as np
import pandas as pd
from attrs import frozen
from hypothesis import strategies as st

from lolpop.components.records import (
    DataSplitter,
    DataTransformer,
    FeatureEncoder,
    FittedEncoder,
    Labelled,
    Splits,
)
from lolpop.testing.laws import Kit, Law, broken, call, declare, fingerprint, show
from lolpop.testing.strategies import TARGET

#: Relative and absolute tolerance when two encodings of the same rows are compared.
_TOLERANCE = 1e-9

#: The parts of a split, in time order.
_PARTS = ("train", "valid", "test")


@frozen
class EncoderExample:
    """What a feature encoder is checked on: the training split it is fitted on, and
    another frame of the same feature columns that it only transforms."""

    train: Labelled
    other: pd.DataFrame


# --- examples ---------------------------------------------------------------------------

#: Categories the training split holds, and those another frame may hold (some unseen).
_SEEN = ("a", "b", "c")
_ANY = ("a", "b", "c", "d", "e")

_NUMBER = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


def _cells(
    missing: bool, categories: Sequence[str]
) -> tuple[st.SearchStrategy[float], st.SearchStrategy[str | None]]:
    """A number and a category cell (missing too, when `missing`)."""
    number: st.SearchStrategy[float] = _NUMBER
    category: st.SearchStrategy[str | None] = st.sampled_from(tuple(categories))
    if missing:
        number = st.one_of(number, st.just(math.nan))
        category = st.one_of(category, st.none())
    return number, category


@st.composite
def _whole_frame(
    draw: st.DrawFn,
    *,
    target: str,
    time_column: str | None,
    part_column: str | None,
    min_rows: int,
    max_rows: int,
) -> pd.DataFrame:
    classes = draw(st.integers(2, 3))
    number, category = _cells(True, _SEEN)
    row = st.tuples(
        number,
        _NUMBER,
        category,
        st.integers(0, classes - 1),
        st.integers(0, 10_000),
        st.sampled_from(_PARTS),
    )
    least = max(min_rows, 4 * classes)
    rows = draw(
        st.lists(
            row,
            min_size=least,
            max_size=max(least, max_rows),
            unique_by=operator.itemgetter(4) if time_column is not None else None,
        )
    )
    # Every class four times (the first rows take them in turn), every part once.
    labels = [i % classes if i < 4 * classes else cells[3] for i, cells in enumerate(rows)]
    parts = [_PARTS[i] if i < len(_PARTS) else cells[5] for i, cells in enumerate(rows)]
    order = draw(st.permutations(range(len(rows))))  # labels not in row order
    index = pd.Index([100 + position for position in order], dtype="int64")
    columns: dict[str, pd.Series] = {
        "num_0": pd.Series([cells[0] for cells in rows], index=index, dtype="float64"),
        "num_1": pd.Series([cells[1] for cells in rows], index=index, dtype="float64"),
        "cat_0": pd.Series([cells[2] for cells in rows], index=index, dtype="category"),
    }
    if time_column is not None:
        columns[time_column] = pd.Series([cells[4] for cells in rows], index=index)
    if part_column is not None:
        columns[part_column] = pd.Series(parts, index=index, dtype=object)
    columns[target] = pd.Series(labels, index=index, dtype="int64")
    return pd.DataFrame(columns)


def frames_to_split(
    *,
    target: str = TARGET,
    time_column: str | None = None,
    part_column: str | None = None,
    min_rows: int = 1,
    max_rows: int = 15,
) -> st.SearchStrategy[pd.DataFrame]:
    """Whole frames to split: features `num_0` (numbers, some missing), `num_1`
    (numbers) and `cat_0` (a category, some missing), and a classification target
    `target` of 2 or 3 classes, each at least four times (so that a stratified 15% part
    gets a row of each: a splitter refuses a part without one); from `min_rows` (or what
    the classes need) to `max_rows` rows, under unique index labels from 100 in a
    shuffled order (so that a splitter that resets, sorts or reads them as positions is
    seen).

    `time_column` adds a column of distinct times (integers), `part_column` a column
    naming each row's part (`train`, `valid` or `test`, each at least once): what the
    splitter's `time` and `column` methods read.

    >>> from hypothesis import given
    >>> @given(frames_to_split(time_column="when"))
    ... def law(frame: pd.DataFrame) -> None:
    ...     assert {"target", "when"} <= set(frame.columns) and frame["when"].is_unique
    >>> law()
    """
    return _whole_frame(
        target=target,
        time_column=time_column,
        part_column=part_column,
        min_rows=min_rows,
        max_rows=max_rows,
    )


def _features(
    rows: Sequence[tuple[float, float, str | None]], text: str, start: int
) -> pd.DataFrame:
    index = pd.RangeIndex(start, start + len(rows))
    return pd.DataFrame(
        {
            "num_0": pd.Series([cells[0] for cells in rows], index=index, dtype="float64"),
            "num_1": pd.Series([cells[1] for cells in rows], index=index, dtype="float64"),
            "cat_0": pd.Series([cells[2] for cells in rows], index=index, dtype=text),
        }
    )


@st.composite
def _encoder_example(draw: st.DrawFn) -> EncoderExample:
    text = draw(st.sampled_from(("str", "object")))
    missing = draw(st.booleans())
    number, seen = _cells(missing, _SEEN)
    _, any_category = _cells(missing, _ANY)
    train = draw(
        st.lists(st.tuples(number, number, seen, st.integers(0, 1)), min_size=2, max_size=12)
    )
    other = draw(st.lists(st.tuples(number, number, any_category), min_size=1, max_size=6))
    features = _features([cells[:3] for cells in train], text, 100)
    target = pd.Series([cells[3] for cells in train], index=features.index, name=TARGET)
    return EncoderExample(Labelled(features, target), _features(other, text, 100 + len(train)))


def encoder_examples(
    frames: st.SearchStrategy[pd.DataFrame] | None = None, target: str = TARGET
) -> st.SearchStrategy[EncoderExample]:
    """Examples for a feature encoder.

    From `frames` (whole frames holding the target column `target`), one drawn frame is
    the training split and another, without its target, the other frame. When None,
    lolpop's own: two number columns and a text column (`str` or `object` dtype), cells
    missing in some frames, the other frame's text holding categories the training
    split may lack.

    >>> from hypothesis import given
    >>> @given(encoder_examples())
    ... def law(example: EncoderExample) -> None:
    ...     assert list(example.other.columns) == list(example.train.features.columns)
    >>> law()
    """
    if frames is None:
        return _encoder_example()

    def pair(drawn: tuple[pd.DataFrame, pd.DataFrame]) -> EncoderExample:
        train, other = drawn
        return EncoderExample(
            Labelled(train.drop(columns=[target]), train[target]),
            other.drop(columns=[target], errors="ignore"),
        )

    return st.tuples(frames, frames).map(pair)


# --- shared helpers ---------------------------------------------------------------------


def _parts(splits: Splits) -> tuple[tuple[str, Labelled], ...]:
    return (("train", splits.train), ("valid", splits.valid), ("test", splits.test))


def _plain(value: object) -> object:
    """A numpy scalar as the Python value it holds (`3` in a message, not `np.int64(3)`)."""
    return value.item() if isinstance(value, np.generic) else value


def _some(values: Iterable[object], limit: int = 10) -> str:
    """The first `limit` values for a message, and how many there are in all."""
    listed = list(values)
    shown = ", ".join(repr(_plain(value)) for value in listed[:limit])
    return shown + (f", ... ({len(listed)} in all)" if len(listed) > limit else "")


def _same(first: pd.DataFrame, second: pd.DataFrame) -> bool:
    """Whether two encodings agree (labels, dtypes, and values up to `_TOLERANCE`)."""
    try:
        pd.testing.assert_frame_equal(
            first, second, check_exact=False, rtol=_TOLERANCE, atol=_TOLERANCE
        )
    except AssertionError:
        return False
    return True


def _shown(**frames: pd.DataFrame) -> str:
    """Frames for a message, each under its name (`with_other_rows` as "with other rows")."""
    return "\n".join(f"{name.replace('_', ' ')}:\n{show(frame)}" for name, frame in frames.items())


def _state(value: object) -> str:
    """A digest of `value` as it is now (its pickled bytes, made afresh)."""
    try:
        return hashlib.sha256(pickle.dumps(value)).hexdigest()
    except Exception:  # an unpicklable value (the pickling law reports it): by its digest
        return fingerprint(copy.deepcopy(value))


# --- DataSplitter -----------------------------------------------------------------------


def _split(splitter: DataSplitter, frame: pd.DataFrame) -> Splits:
    return call(splitter.split, frame)


def _disjoint_and_covering(splitter: DataSplitter, frame: pd.DataFrame) -> None:
    splits = _split(splitter, frame)
    wanted = Counter(frame.index.tolist())
    where: dict[Hashable, list[str]] = {}
    for name, part in _parts(splits):
        for label in part.features.index.tolist():
            where.setdefault(label, []).append(name)
    strangers = [label for label in where if label not in wanted]
    if strangers:
        broken(f"the parts hold rows the frame does not have (index labels): {_some(strangers)}")
    twice = [label for label, parts in where.items() if len(parts) > wanted[label]]
    if twice:
        shown = "; ".join(f"{label!r} in {' and '.join(where[label])}" for label in twice[:10])
        broken(f"rows are in more than one part (index label and parts): {shown}")
    lost = [label for label, count in wanted.items() if len(where.get(label, ())) < count]
    if lost:
        broken(
            f"rows of the frame are in no part (index labels): {_some(lost)}; the parts "
            f"have {len(splits.train)}, {len(splits.valid)} and {len(splits.test)} rows of "
            f"{len(frame)}"
        )


def _lined_up(splitter: DataSplitter, frame: pd.DataFrame) -> None:
    splits = _split(splitter, frame)
    for name, part in _parts(splits):
        features, target = part.features, part.target
        if not features.index.equals(target.index):
            broken(
                f"the {name} part's features and target are not row for row: features at "
                f"{_some(features.index)}, target at {_some(target.index)}"
            )
    if not frame.index.is_unique:
        return  # rows cannot be looked up by label
    for name, part in _parts(splits):
        inside = part.features.index.isin(frame.index)  # (strangers: the law above)
        rows = frame.loc[part.features.index[inside]]
        features = part.features[inside]
        shared = [column for column in features.columns if column in frame.columns]
        try:
            pd.testing.assert_frame_equal(
                features[shared], rows[shared], check_dtype=False, check_exact=True
            )
        except AssertionError as error:
            broken(f"the {name} part's features are not the frame's rows at their labels: {error}")
        if part.target.name in frame.columns:
            try:
                pd.testing.assert_series_equal(
                    part.target[inside],
                    rows[part.target.name],
                    check_dtype=False,
                    check_exact=True,
                    check_names=False,
                )
            except AssertionError as error:
                broken(
                    f"the {name} part's target is not the frame's {part.target.name!r} at its "
                    f"rows' labels: {error}"
                )


def _target_not_a_feature(splitter: DataSplitter, frame: pd.DataFrame) -> None:
    splits = _split(splitter, frame)
    for name, part in _parts(splits):
        if part.target.name is not None and part.target.name in part.features.columns:
            broken(
                f"the {name} part's features hold the target column {part.target.name!r} "
                f"(features: {_some(part.features.columns)}): a model would learn the "
                "answer from its input"
            )
        # An unnamed target gives no name away: the examples' target column, left among
        # the features with the target's values, does.
        unnamed = part.target.name is None and len(part.target) > 0
        if (
            unnamed
            and TARGET in part.features.columns
            and np.array_equal(part.features[TARGET].to_numpy(), part.target.to_numpy())
        ):
            broken(
                f"the feature column {TARGET!r} holds the target's values in every row of "
                f"the {name} part (its target series has no name): a model would learn the "
                "answer from its input"
            )


def stratified_law(tolerance: float = 0.05) -> Law[DataSplitter, pd.DataFrame]:
    """The law of a splitter that stratifies: in every non-empty part, each class's
    share is within `tolerance` of its share in the whole frame, plus one row of
    rounding (a part of 3 rows cannot hold a class at exactly 35%).

    Add it where the splitter stratifies: `check_laws(splitter, laws=(stratified_law(),))`.
    """

    def holds(splitter: DataSplitter, frame: pd.DataFrame) -> None:
        splits = _split(splitter, frame)
        name = splits.train.target.name
        whole = (
            frame[name]
            if name is not None and name in frame.columns
            else pd.concat([part.target for _, part in _parts(splits)])
        )
        totals = whole.value_counts(dropna=False)
        for part_name, part in _parts(splits):
            rows = len(part.target)
            if rows == 0:
                continue
            counts = part.target.value_counts(dropna=False)
            for label, total in totals.items():
                share, expected = counts.get(label, 0) / rows, total / len(whole)
                if abs(share - expected) > tolerance + 1 / rows:
                    broken(
                        f"class {_plain(label)!r} is {share:.1%} of the {part_name} part "
                        f"({counts.get(label, 0)} of {rows} rows) but {expected:.1%} of the "
                        f"frame ({total} of {len(whole)}); a stratified split keeps it within "
                        f"{tolerance:.1%} (and one row)"
                    )

    return Law(
        "stratified",
        f"Each class keeps its share of the frame in every non-empty part, within "
        f"{tolerance:g} (and one row of rounding).",
        holds,
    )


def _times(part: Labelled, frame: pd.DataFrame, column: str) -> pd.Series:
    if column in part.features.columns:
        return part.features[column].dropna()
    if column in frame.columns and frame.index.is_unique:
        return pd.Series(frame[column].loc[part.features.index]).dropna()
    broken(
        f"the time law looks for the column {column!r}, which neither the parts' features "
        f"nor the frame (with unique index labels) have; the frame's columns: "
        f"{_some(frame.columns)}"
    )


def time_ordered_law(column: str) -> Law[DataSplitter, pd.DataFrame]:
    """The law of a time split on `column`: it never puts a later row before an earlier
    one (every train row's time <= every valid row's <= every test row's).

    Add it where the splitter splits by time:
    `check_laws(splitter, frames_to_split(time_column="when"),
    laws=(time_ordered_law("when"),))`.
    """

    def holds(splitter: DataSplitter, frame: pd.DataFrame) -> None:
        splits = _split(splitter, frame)
        times = [(name, _times(part, frame, column)) for name, part in _parts(splits)]
        for position, (early_name, early) in enumerate(times):
            for late_name, late in times[position + 1 :]:
                if early.empty or late.empty or not early.max() > late.min():
                    continue
                broken(
                    f"the {early_name} part holds a row at {column}={_plain(early.max())!r} "
                    f"(index {_plain(early.idxmax())!r}), later than the {late_name} part's "
                    f"row at {column}={_plain(late.min())!r} (index "
                    f"{_plain(late.idxmin())!r}): a time split puts "
                    f"every {early_name} row at or before every {late_name} row"
                )

    return Law(
        f"time ordered by {column}",
        f"Every train row's {column} <= every valid row's <= every test row's.",
        holds,
    )


SPLITTER_KIT: Kit[DataSplitter, pd.DataFrame] = declare(
    Kit(
        name="splitter",
        subject=DataSplitter,
        exercise=_split,
        laws=(
            Law(
                "parts are disjoint and cover every row",
                "Every row of the frame (by index label) is in exactly one part.",
                _disjoint_and_covering,
            ),
            Law(
                "features and target line up",
                "Each part's features and target are the frame's own rows, row for row.",
                _lined_up,
            ),
            Law(
                "target is not a feature",
                "No part's features hold the target column.",
                _target_not_a_feature,
            ),
        ),
        examples=lambda _: frames_to_split(),
        from_frames=lambda _, frames, __: frames,
    )
)


# --- DataTransformer --------------------------------------------------------------------


def _transform(transformer: DataTransformer, frame: pd.DataFrame) -> pd.DataFrame:
    return call(transformer.transform, frame)


def keeps_index_law() -> Law[DataTransformer, pd.DataFrame]:
    """The law of a row-wise transformer: the output has the input's index labels, in
    order. Not a law of every transformer (one may drop rows on purpose); add it where
    yours keeps rows: `check_laws(transformer, laws=(keeps_index_law(),))`."""

    def holds(transformer: DataTransformer, frame: pd.DataFrame) -> None:
        output = _transform(transformer, frame)
        if not output.index.equals(frame.index):
            broken(
                f"the output's index labels are {_some(output.index)}, the input's "
                f"{_some(frame.index)}"
            )

    return Law("keeps the index", "The output has the input's index labels, in order.", holds)


TRANSFORMER_KIT: Kit[DataTransformer, pd.DataFrame] = declare(
    Kit(
        name="transformer",
        subject=DataTransformer,
        exercise=_transform,
        examples=lambda _: frames_to_split(),
        from_frames=lambda _, frames, __: frames,
    )
)


# --- FeatureEncoder ---------------------------------------------------------------------


def _fit(encoder: FeatureEncoder, example: EncoderExample) -> FittedEncoder:
    return call(encoder.fit, example.train)


def _encode(encoder: FeatureEncoder, fitted: FittedEncoder, frame: pd.DataFrame) -> pd.DataFrame:
    return call(encoder.transform, (fitted, frame))


def _encoder_exercise(encoder: FeatureEncoder, example: EncoderExample) -> pd.DataFrame:
    """Fit on the training split; encode the other frame (what every-step laws compare:
    a fit's randomness, a mutated input, an unpicklable output all show there)."""
    return _encode(encoder, _fit(encoder, example), example.other)


def _keeps_rows(encoder: FeatureEncoder, example: EncoderExample) -> None:
    fitted = _fit(encoder, example)
    for name, given in (
        ("training features", example.train.features),
        ("other frame", example.other),
    ):
        encoded = _encode(encoder, fitted, given)
        if not encoded.index.equals(given.index):
            broken(
                f"the {name} encode to {len(encoded)} rows at {_some(encoded.index)} "
                f"from {len(given)} rows at {_some(given.index)}"
            )


def _sees_train_only(encoder: FeatureEncoder, example: EncoderExample) -> None:
    train = example.train.features
    fitted = _fit(encoder, example)
    state = _state(fitted)
    alone = _encode(encoder, fitted, train)
    # The other frame's rows after the training rows: one call that both transforms
    # other rows and shows whether a row's encoding depends on the rows beside it.
    together = _encode(encoder, fitted, pd.concat([train, example.other], ignore_index=True))
    if _state(fitted) != state:
        broken(
            "transforming other rows changed the fitted encoder: it learned from rows it "
            f"was not fitted on; now: {show(fitted)}"
        )
    if len(alone) != len(train) or len(together) != len(train) + len(example.other):
        return  # rows lost or added: the law of rows says so
    # Compared by position: the index is the law of rows' to check.
    positions = pd.RangeIndex(len(train))
    head = together.iloc[: len(train)].set_axis(positions)
    if _same(alone.set_axis(positions), head):
        return
    again = _encode(encoder, fitted, train)
    if not _same(alone, again):
        broken(
            "the training rows encode differently once other rows were transformed:\n"
            f"{_shown(before=alone, after=again)}"
        )
    broken(
        "the training rows encode differently when other rows are transformed with them: "
        "the transform learns from the rows it is given, not only from fit\n"
        f"{_shown(alone=alone, with_other_rows=head.set_axis(train.index))}"
    )


def _fitted_survives_pickling(encoder: FeatureEncoder, example: EncoderExample) -> None:
    fitted = _fit(encoder, example)
    try:
        back = pickle.loads(pickle.dumps(fitted))  # its own bytes, just made
    except Exception as error:  # any reason pickling fails is the finding
        broken(f"the fitted encoder does not pickle ({error!r}): {show(fitted)}")
    frame = pd.concat([example.train.features, example.other], ignore_index=True)
    before, after = _encode(encoder, fitted, frame), _encode(encoder, back, frame)
    if not _same(before, after):
        broken(
            "the fitted encoder, pickled and read back, encodes the same rows differently:\n"
            f"{_shown(fitted=before, read_back=after)}"
        )


def _is_categorical(column: pd.Series) -> bool:
    dtype = column.dtype
    return (
        pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
        or isinstance(dtype, pd.CategoricalDtype)
    )


def _unseen(train: pd.Series, other: pd.Series) -> pd.Series:
    """Where `other` holds a category that `train` lacks (compared as values and as
    text, since an encoder may read `1` and `"1"` as one category)."""
    seen = set(train.dropna().tolist())
    text = {str(value) for value in seen}
    flags = [
        not pd.isna(value) and value not in seen and str(value) not in text
        for value in other.astype(object)
    ]
    return pd.Series(flags, index=other.index, dtype=bool)


def _unseen_alike(encoder: FeatureEncoder, example: EncoderExample) -> None:
    train, other = example.train.features, example.other
    variant = other.copy()
    found: dict[str, list[str]] = {}
    for column in other.columns:
        if column not in train.columns or not _is_categorical(other[column]):
            continue
        unseen = _unseen(train[column], other[column])
        if not unseen.any():
            continue
        found[str(column)] = sorted({str(v) for v in other[column][unseen]})
        sentinel = "<unseen>"
        while sentinel in set(map(str, other[column].dropna())):
            sentinel = f"<{sentinel}>"
        values = variant[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.cat.add_categories([sentinel])
        variant[column] = values.mask(unseen, sentinel)
    if not found:
        return  # no category to check on this example
    # One call, so that both halves meet the encoder in one state, among the same rows.
    both = pd.concat([other, variant], ignore_index=True)
    encoded = _encode(encoder, _fit(encoder, example), both)
    if len(encoded) != len(both):
        return  # rows lost or added: the law of rows says so
    given = encoded.iloc[: len(other)].set_axis(other.index)
    instead = encoded.iloc[len(other) :].set_axis(other.index)
    if not _same(given, instead):
        unseen_text = "; ".join(f"{column}: {', '.join(v)}" for column, v in found.items())
        broken(
            f"unseen categories ({unseen_text}) encode unlike another unseen category "
            "('<unseen>' in their place): an encoder knows only the categories it was "
            f"fitted on\n{_shown(as_given=given, replaced=instead)}"
        )


ENCODER_KIT: Kit[FeatureEncoder, EncoderExample] = declare(
    Kit(
        name="encoder",
        subject=FeatureEncoder,
        exercise=_encoder_exercise,
        laws=(
            Law(
                "keeps the rows and the index",
                "Transform gives each frame's rows back, at its index labels, in order.",
                _keeps_rows,
            ),
            Law(
                "fit sees the training split only",
                "Transforming another frame changes neither the fitted encoder nor the "
                "training rows' encoding, and no row's encoding depends on the rows it is "
                "transformed with.",
                _sees_train_only,
            ),
            Law(
                "fitted encoder survives pickling",
                "The fitted encoder pickles, and read back encodes every frame the same.",
                _fitted_survives_pickling,
            ),
            Law(
                "unseen categories encode alike",
                "A category fit never saw is no error, and encodes like any other unseen "
                "category (lolpop's column_encoder: all-zero one-hot columns, or its "
                "'infrequent' column).",
                _unseen_alike,
            ),
        ),
        examples=lambda _: encoder_examples(),
        from_frames=lambda _, frames, target: encoder_examples(frames, target),
    )
)


__all__: Sequence[str] = (
    "ENCODER_KIT",
    "SPLITTER_KIT",
    "TRANSFORMER_KIT",
    "EncoderExample",
    "encoder_examples",
    "frames_to_split",
    "keeps_index_law",
    "stratified_law",
    "time_ordered_law",
)
