"""The data family's kits: each deliberately broken component is caught by exactly the law
that names it, with hypothesis' shrunk counterexample in the message.

- a transformer that changes its input frame: "never mutates its input";
- a splitter that forgets to pass its seed to its generator: "deterministic";
- a splitter whose train part also holds the valid rows: "parts are disjoint and cover
  every row";
- a "time" splitter that cuts the frame in its given order, never sorting by time:
  `time_ordered_law`;
- an encoder that scales numbers by the rows it transforms, and one whose fitted state
  learns from every frame it transforms: "fit sees the training split only";
- an encoder that renumbers the rows: "keeps the rows and the index";
- an encoder that codes each category from its text, so that categories fit never saw
  are told apart: "unseen categories encode alike".

The laws' own messages are checked on small hand-made frames, and `check_laws` makes its
tests in this module for a correct transformer.
"""

from __future__ import annotations

import sys
import zlib
from collections.abc import Callable

import attrs
import numpy as np
import pandas as pd
import pytest
from hypothesis import strategies as st

from lolpop import step
from lolpop.components.encoder import EncoderSettings, column_encoder
from lolpop.components.function_transformer import make_transformer
from lolpop.components.records import (
    DataSplitter,
    DataTransformer,
    FeatureEncoder,
    FittedEncoder,
    Labelled,
    Splits,
)
from lolpop.components.splitter import SplitterSettings, data_splitter
from lolpop.core.decorator import make_step
from lolpop.testing.laws import LawBroken, LawResult, check_laws, kit_for, run_laws
from lolpop.testing.laws.data import (
    ENCODER_KIT,
    SPLITTER_KIT,
    TRANSFORMER_KIT,
    EncoderExample,
    frames_to_split,
    keeps_index_law,
    stratified_law,
    time_ordered_law,
)
from lolpop.testing.profiles import scaled
from lolpop.testing.strategies import TARGET

#: A share of the profile's examples for each broken component's run of its kit.
_SHARE = 0.15


def only_broken(results: list[LawResult], law: str, finding: str) -> str:
    """Assert that `law` alone failed, saying `finding`, with hypothesis' example."""
    failed = {result.law: result.message for result in results if not result.passed}
    assert list(failed) == [law], failed
    message = failed[law]
    assert finding in message, message
    assert "Falsifying" in message or "Failing" in message, message
    return message


# --- broken components ------------------------------------------------------------------


def _mark_checked(frame: pd.DataFrame) -> pd.DataFrame:
    """Mark the rows as checked, in the caller's own frame (the bug)."""
    frame["checked"] = True
    return frame


def test_a_transformer_that_changes_its_input_breaks_never_mutates() -> None:
    mutating = DataTransformer(transform=make_step(_mark_checked, name="mark_checked"))
    results = run_laws(mutating, max_examples=scaled(_SHARE))
    message = only_broken(results, "never mutates its input", "changed its input in place")
    assert "checked" in message


def _unseeded_splitter(seed: int) -> DataSplitter:
    """A ratio split that takes a seed and forgets to give it to its generator (the bug)."""

    def split(frame: pd.DataFrame) -> Splits:
        order = np.random.default_rng().permutation(len(frame))  # seed not passed
        cut = len(frame) // 5

        def part(positions: np.ndarray) -> Labelled:
            rows = frame.iloc[np.sort(positions)]
            return Labelled(rows.drop(columns=[TARGET]), rows[TARGET])

        return Splits(part(order[2 * cut :]), part(order[cut : 2 * cut]), part(order[:cut]))

    return DataSplitter(split=make_step(split, name="split"))


def test_a_splitter_that_ignores_its_seed_breaks_deterministic() -> None:
    results = run_laws(_unseeded_splitter(seed=0), max_examples=scaled(_SHARE))
    only_broken(results, "deterministic", "two different outputs")


def _overlapping_splitter() -> DataSplitter:
    """lolpop's ratio split, with the valid rows added to train as well (the bug)."""
    honest = data_splitter(SplitterSettings(TARGET))

    def split(frame: pd.DataFrame) -> Splits:
        splits = honest.split(frame)
        train = Labelled(
            pd.concat([splits.train.features, splits.valid.features]),
            pd.concat([splits.train.target, splits.valid.target]),
        )
        return attrs.evolve(splits, train=train)

    return DataSplitter(split=make_step(split, name="split"))


def test_a_splitter_whose_parts_overlap_breaks_disjoint_and_covering() -> None:
    results = run_laws(_overlapping_splitter(), max_examples=scaled(_SHARE))
    message = only_broken(
        results, "parts are disjoint and cover every row", "in more than one part"
    )
    assert "in train and valid" in message


def _unsorted_time_splitter() -> DataSplitter:
    """A time split that cuts the frame in the order given, never sorting by time (the
    bug: the newest rows of an unsorted frame may land in train)."""

    def split(frame: pd.DataFrame) -> Splits:
        features, target = frame.drop(columns=[TARGET]), frame[TARGET]
        rows = len(frame)
        valid, test = rows - 2 * (rows // 5), rows - rows // 5

        def part(start: int, stop: int) -> Labelled:
            return Labelled(features.iloc[start:stop], target.iloc[start:stop])

        return Splits(part(0, valid), part(valid, test), part(test, rows))

    return DataSplitter(split=make_step(split, name="split"))


def test_a_time_splitter_that_leaks_the_future_breaks_time_ordered() -> None:
    results = run_laws(
        _unsorted_time_splitter(),
        frames_to_split(time_column="when", max_rows=10),
        laws=(time_ordered_law("when"),),
        max_examples=scaled(_SHARE),
    )
    only_broken(results, "time ordered by when", "later than the")


def _batch_scaling_encoder() -> FeatureEncoder:
    """lolpop's column encoder, but numbers are scaled by the mean and deviation of the
    rows being transformed (the bug: it learns from the test rows)."""
    honest = column_encoder()

    def transform(pair: tuple[FittedEncoder, pd.DataFrame]) -> pd.DataFrame:
        encoded = honest.transform(pair)
        numbers = pair[1].select_dtypes("number")
        spread = numbers.std(ddof=0).replace(0.0, 1.0)
        scaled_numbers = (numbers - numbers.mean()) / spread
        return encoded.assign(**{str(c): scaled_numbers[c] for c in numbers.columns})

    return attrs.evolve(honest, transform=make_step(transform, name="encode"))


def test_an_encoder_that_learns_from_the_rows_it_transforms_breaks_fit_sees_train_only() -> None:
    results = run_laws(_batch_scaling_encoder(), max_examples=scaled(_SHARE))
    only_broken(results, "fit sees the training split only", "learns from the rows it is given")


class _RunningCentre:
    """Centres numbers on the mean of every row it has seen, and keeps learning it."""

    def __init__(self, numbers: pd.DataFrame) -> None:
        self.total = numbers.fillna(0.0).sum()
        self.count = len(numbers)

    def transform(self, numbers: pd.DataFrame) -> pd.DataFrame:
        filled = numbers.fillna(0.0)
        centred = filled - self.total / self.count
        self.total = self.total + filled.sum()  # the bug: the fitted state moves
        self.count += len(filled)
        return centred


def _learning_encoder() -> FeatureEncoder:
    def fit(data: Labelled) -> FittedEncoder:
        numbers = data.features.select_dtypes("number")
        names = tuple(str(c) for c in numbers.columns)
        return FittedEncoder(_RunningCentre(numbers), names, names)

    def transform(pair: tuple[FittedEncoder, pd.DataFrame]) -> pd.DataFrame:
        fitted, frame = pair
        assert isinstance(fitted.transformer, _RunningCentre)
        return fitted.transformer.transform(frame[list(fitted.inputs)])

    return FeatureEncoder(
        fit=make_step(fit, name="fit_encoder"), transform=make_step(transform, name="encode")
    )


def test_an_encoder_whose_state_learns_while_transforming_breaks_fit_sees_train_only() -> None:
    results = run_laws(_learning_encoder(), max_examples=scaled(_SHARE))
    only_broken(results, "fit sees the training split only", "changed the fitted encoder")


def _numbers_encoder(
    encode: Callable[[FittedEncoder, pd.DataFrame], pd.DataFrame],
) -> FeatureEncoder:
    """An encoder that learns nothing but its columns, and encodes with `encode`."""

    def fit(data: Labelled) -> FittedEncoder:
        names = tuple(str(c) for c in data.features.columns)
        return FittedEncoder(None, names, names)

    def transform(pair: tuple[FittedEncoder, pd.DataFrame]) -> pd.DataFrame:
        return encode(*pair)

    return FeatureEncoder(
        fit=make_step(fit, name="fit_encoder"), transform=make_step(transform, name="encode")
    )


def _renumbered(fitted: FittedEncoder, frame: pd.DataFrame) -> pd.DataFrame:
    """The numbers, with the index renumbered from 0 (the bug)."""
    return frame[["num_0", "num_1"]].reset_index(drop=True)


def test_an_encoder_that_renumbers_the_rows_breaks_keeps_the_rows_and_the_index() -> None:
    results = run_laws(_numbers_encoder(_renumbered), max_examples=scaled(_SHARE))
    only_broken(results, "keeps the rows and the index", "encode to 2 rows at 0, 1 from")


def _hashed(fitted: FittedEncoder, frame: pd.DataFrame) -> pd.DataFrame:
    """The numbers, and each category as a number from its text: categories fit never
    saw get numbers of their own (the bug)."""
    codes = frame["cat_0"].map(lambda value: float(zlib.crc32(str(value).encode()) % 1000))
    return frame[["num_0", "num_1"]].assign(cat_0=codes.astype("float64"))


def test_an_encoder_that_tells_unseen_categories_apart_breaks_unseen_alike() -> None:
    results = run_laws(_numbers_encoder(_hashed), max_examples=scaled(_SHARE))
    only_broken(results, "unseen categories encode alike", "encode unlike another unseen")


# --- the laws on hand-made frames -------------------------------------------------------


def _frame(times: list[int], labels: list[int]) -> pd.DataFrame:
    rows = len(times)
    return pd.DataFrame(
        {"x": np.arange(rows, dtype=float), "when": times, TARGET: labels},
        index=pd.Index(range(100, 100 + rows)),
    )


def _fixed_splitter(train: list[int], valid: list[int], test: list[int]) -> DataSplitter:
    """Parts chosen by index label (whatever the frame)."""

    def split(frame: pd.DataFrame) -> Splits:
        def part(labels: list[int]) -> Labelled:
            rows = frame.loc[labels]
            return Labelled(rows.drop(columns=[TARGET]), rows[TARGET])

        return Splits(part(train), part(valid), part(test))

    return DataSplitter(split=make_step(split, name="split"))


def test_disjoint_law_names_the_rows_no_part_holds() -> None:
    frame = _frame([1, 2, 3, 4], [0, 1, 0, 1])
    law = next(law for law in SPLITTER_KIT.laws if law.name.startswith("parts are"))
    with pytest.raises(LawBroken, match=r"in no part \(index labels\): 103"):
        law.holds(_fixed_splitter([100], [101], [102]), frame)


def test_line_up_law_sees_a_target_shifted_by_one_row() -> None:
    def split(frame: pd.DataFrame) -> Splits:
        features = frame.drop(columns=[TARGET])
        shifted = pd.Series(np.roll(frame[TARGET].to_numpy(), 1), index=frame.index)
        whole = Labelled(features, shifted.rename(TARGET))
        empty = Labelled(features.iloc[:0], shifted.iloc[:0].rename(TARGET))
        return Splits(whole, empty, empty)

    law = next(law for law in SPLITTER_KIT.laws if law.name == "features and target line up")
    splitter = DataSplitter(split=make_step(split, name="split"))
    with pytest.raises(LawBroken, match="train part's target is not the frame's 'target'"):
        law.holds(splitter, _frame([1, 2, 3], [0, 1, 1]))


def test_target_law_sees_the_target_among_the_features() -> None:
    def split(frame: pd.DataFrame) -> Splits:
        whole = Labelled(frame, frame[TARGET])
        return Splits(whole, Labelled(frame.iloc[:0], frame[TARGET].iloc[:0]), whole)

    law = next(law for law in SPLITTER_KIT.laws if law.name == "target is not a feature")
    with pytest.raises(LawBroken, match="features hold the target column 'target'"):
        law.holds(DataSplitter(split=make_step(split, name="split")), _frame([1], [0]))


def test_target_law_sees_an_unnamed_target_left_among_the_features() -> None:
    """The target series has no name, so naming cannot give it away: its values can."""

    def split(frame: pd.DataFrame) -> Splits:
        unnamed = pd.Series(frame[TARGET].to_numpy(), index=frame.index)
        whole = Labelled(frame, unnamed)
        return Splits(whole, Labelled(frame.iloc[:0], unnamed.iloc[:0]), whole)

    law = next(law for law in SPLITTER_KIT.laws if law.name == "target is not a feature")
    with pytest.raises(LawBroken, match="the feature column 'target' holds the target's values"):
        law.holds(DataSplitter(split=make_step(split, name="split")), _frame([1, 2, 3], [0, 1, 1]))


def test_stratified_law_counts_each_class_per_part() -> None:
    # Half the frame is class 1, but the valid part holds class 0 only.
    frame = _frame(list(range(12)), [0, 1] * 6)
    lopsided = _fixed_splitter([108, 109, 110, 111], [100, 102, 104, 106], [101, 103, 105, 107])
    law = stratified_law(0.05)
    with pytest.raises(LawBroken, match=r"class 0 is 100.0% of the valid part \(4 of 4 rows\)"):
        law.holds(lopsided, frame)
    balanced = _fixed_splitter([100, 101, 102, 103, 104, 105, 106, 107], [108, 109], [110, 111])
    law.holds(balanced, frame)


def test_time_law_allows_equal_times_at_a_boundary_and_reads_the_frame_if_dropped() -> None:
    frame = _frame([1, 2, 2, 3], [0, 1, 0, 1])
    time_ordered_law("when").holds(_fixed_splitter([100, 101], [102], [103]), frame)

    def without_time(frame: pd.DataFrame) -> Splits:
        splits = _fixed_splitter([103], [101], [100, 102]).split(frame)
        return Splits(
            *(
                Labelled(p.features.drop(columns=["when"]), p.target)
                for p in (splits.train, splits.valid, splits.test)
            )
        )

    splitter = DataSplitter(split=make_step(without_time, name="split"))
    with pytest.raises(LawBroken, match=r"train part holds a row at when=.*3.*index.*103"):
        time_ordered_law("when").holds(splitter, frame)


def _drop_missing(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.dropna()


def _same_frame(frame: pd.DataFrame) -> pd.DataFrame:
    return frame


def test_keeps_index_law_is_offered_not_imposed() -> None:
    assert [law.name for law in TRANSFORMER_KIT.laws] == []
    dropping = make_transformer(_drop_missing)
    frame = pd.DataFrame({"x": [1.0, None, 3.0]}, index=[7, 8, 9])
    with pytest.raises(LawBroken, match=r"index labels are 7, 9, the input's 7, 8, 9"):
        keeps_index_law().holds(dropping, frame)


def test_unseen_categories_encode_alike_in_lolpops_encoder_with_infrequent_column() -> None:
    train = pd.DataFrame({"colour": ["red", "red", "blue"], "x": [1.0, 2.0, 3.0]})
    other = pd.DataFrame({"colour": ["green", "pink", "red"], "x": [0.0, 0.0, 0.0]})
    example = EncoderExample(Labelled(train, pd.Series([0, 1, 0])), other)
    law = next(law for law in ENCODER_KIT.laws if law.name == "unseen categories encode alike")
    for settings in (EncoderSettings(), EncoderSettings(max_categories=2)):
        law.holds(column_encoder(settings), example)
    # What column_encoder documents, and the law generalises: unseen, all zeros.
    encoder = column_encoder()
    encoded = encoder.transform((encoder.fit(example.train), other))
    assert encoded[["colour_blue", "colour_red"]].to_numpy().tolist()[:2] == [[0, 0], [0, 0]]


def test_each_kit_is_found_for_its_component_type() -> None:
    assert kit_for(data_splitter(SplitterSettings(TARGET))) is SPLITTER_KIT
    assert kit_for(make_transformer(_same_frame)) is TRANSFORMER_KIT
    assert kit_for(column_encoder()) is ENCODER_KIT


def test_encoder_examples_from_a_workflows_frames_pass_for_lolpops_encoder() -> None:
    encoder = column_encoder()
    assert ENCODER_KIT.from_frames is not None
    examples = ENCODER_KIT.from_frames(encoder, frames_to_split(), TARGET)
    results = run_laws(encoder, examples, max_examples=scaled(0.1))
    assert [r.message for r in results if not r.passed] == []


# --- check_laws -------------------------------------------------------------------------


@step
def _fill_missing(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.fillna({"num_0": 0.0})


_CASES = check_laws(
    DataTransformer(transform=_fill_missing), laws=(keeps_index_law(),), name="filler"
)


def test_check_laws_made_a_marked_test_per_law_here() -> None:
    module = vars(sys.modules[__name__])
    names = [case.test_name for case in _CASES]
    assert names == [
        "test_law__filler__deterministic",
        "test_law__filler__never_mutates_its_input",
        "test_law__filler__output_survives_pickling",
        "test_law__filler__keeps_the_index",
    ]
    for name in names:
        marks = getattr(module[name], "pytestmark", [])
        assert [mark.name for mark in marks] == ["lolpop_law"]


def test_a_strategy_of_the_wrong_shape_fails_the_law_not_the_kit() -> None:
    results = run_laws(data_splitter(SplitterSettings(TARGET)), st.just(pd.DataFrame({"x": [1.0]})))
    assert not any(result.passed for result in results)
    assert all("DataError" in result.message for result in results)
