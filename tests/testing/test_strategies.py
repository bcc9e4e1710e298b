"""The testing kit's strategies: frames follow their schema, labelled data its classes,
splits are disjoint, failing laws shrink to small frames, programs and configs are valid."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st
from returns.pipeline import is_successful

from lolpop import Step, branch, make_step, run
from lolpop.backends import Local
from lolpop.components.records import Labelled, Splits
from lolpop.config import load, load_text
from lolpop.core.paths import steps as steps_of
from lolpop.core.step import Both, Branch, Fanout, MapEach, Seq
from lolpop.errors import DefinitionError
from lolpop.runners.build import build_workflow
from lolpop.testing.profiles import scaled
from lolpop.testing.strategies import (
    Column,
    Schema,
    classification_data,
    configs,
    frames,
    frames_of,
    frames_with_target,
    labelled,
    regression_data,
    show_program,
    splits,
    steps,
)

START, END = datetime(2020, 1, 1), datetime(2020, 12, 31)
CITIES = ("Oslo", "Lima", "Pune")
SCHEMA = Schema(
    (
        Column("price", min=0.5, max=99.5),
        Column("score", nullable=True),
        Column("count", "integer", min=-3, max=3),
        Column("maybe_count", "integer", nullable=True),
        Column("flag", "boolean"),
        Column("maybe_flag", "boolean", nullable=True),
        Column("city", "category", categories=CITIES),
        Column("maybe_city", "category", nullable=True, categories=("x", "y")),
        Column("note", "text", min=1, max=4),
        Column("maybe_note", "text", nullable=True),
        Column("when", "datetime", min=START, max=END, sorted=True),
        Column("seen", "datetime", nullable=True),
        Column("id", "integer", min=0, max=10_000, unique=True),
    ),
    min_rows=2,
    max_rows=12,
)
NULLABLE = [column.name for column in SCHEMA.columns if column.nullable]
#: For `find`: no database, and no explain phase (it traces every line pandas runs, about
#: ten times slower than the search and the shrinking together).
FIND = settings(database=None, phases=(Phase.generate, Phase.shrink))
#: For `find` where the example found need not be the smallest.
SEARCH = settings(database=None, phases=(Phase.generate,))
SIMPLE = Schema(
    (
        Column("num"),
        Column("cat", "category", categories=("a", "b")),
        Column("flag", "boolean"),
        Column("note", "text"),
    ),
    max_rows=30,
)


# --- frames of a schema -------------------------------------------------------------------


@given(frames_of(SCHEMA))
def test_frames_follow_their_schema(frame: pd.DataFrame) -> None:
    assert list(frame.columns) == list(SCHEMA.names)
    assert {name: frame[name].dtype for name in SCHEMA.names} == {
        column.name: pd.Series([], dtype=column.dtype).dtype for column in SCHEMA.columns
    }
    assert SCHEMA.min_rows <= len(frame) <= SCHEMA.max_rows
    assert frame.index.equals(pd.RangeIndex(len(frame)))
    for column in SCHEMA.columns:
        if not column.nullable:
            assert frame[column.name].notna().all(), column.name
    assert frame["price"].between(0.5, 99.5).all()
    assert frame["count"].between(-3, 3).all()
    assert set(frame["city"]) <= set(CITIES)
    assert list(frame["city"].cat.categories) == list(CITIES)
    assert set(frame["maybe_city"].dropna()) <= {"x", "y"}
    assert frame["note"].str.len().between(1, 4).all()
    assert frame["maybe_note"].dropna().str.len().le(12).all()
    assert frame["when"].between(START, END).all()
    assert frame["when"].is_monotonic_increasing
    assert frame["seen"].dropna().between(datetime(2000, 1, 1), datetime(2031, 1, 1)).all()
    assert frame["id"].is_unique


def test_nullable_columns_do_miss_values() -> None:
    found = find(
        frames_of(SCHEMA),
        lambda frame: all(frame[name].isna().any() for name in NULLABLE),
        settings=SEARCH,
    )
    assert all(found[name].isna().any() for name in NULLABLE)


@given(frames_of(Schema((Column("x", "integer"),), min_rows=0, max_rows=8, index="shuffled")))
def test_a_shuffled_index_holds_unique_labels_that_are_no_positions(frame: pd.DataFrame) -> None:
    assert sorted(frame.index) == list(range(100, 100 + len(frame)))


def test_a_frame_may_have_no_rows() -> None:
    empty = find(
        frames_of(Schema(SCHEMA.columns, min_rows=0)), lambda f: len(f) == 0, settings=SEARCH
    )
    assert len(empty) == 0
    assert list(empty.columns) == list(SCHEMA.names)


@pytest.mark.parametrize(
    ("declare", "says"),
    [
        (lambda: Column("c", "category"), "needs its `categories`"),
        (lambda: Column("c", "category", categories=("a", "a")), "lists a category twice"),
        (lambda: Column("n", categories=("a",)), "takes no `categories`"),
        (lambda: Column("b", "boolean", min=0), "takes no `min` or `max`"),
        (lambda: Column("n", min=3, max=1), "the wrong way round"),
        (lambda: Column("n", min=float("inf")), "finite numbers"),
        (lambda: Column("i", "integer", max=2.5), "whole numbers"),
        (lambda: Column("t", "text", min=-1), "length below 0"),
        (lambda: Column("d", "datetime", min=3), "takes datetimes"),
        (lambda: Column("d", "datetime", min=END, max=START), "the wrong way round"),
        (lambda: Column("n", nullable=True, unique=True), "both `unique` and `nullable`"),
        (lambda: Column("t", "text", sorted=True), "cannot be `sorted`"),
        (lambda: Column("d", "datetime", nullable=True, sorted=True), "both `sorted`"),
        (lambda: Schema((Column("x"), Column("x"))), "'x' is named twice"),
        (lambda: Schema((Column("x"),), min_rows=5, max_rows=2), "min_rows to max_rows"),
        (
            lambda: Schema((Column("b", "boolean", unique=True),), min_rows=3),
            "2 distinct values, fewer than the schema's min_rows (3)",
        ),
    ],
)
def test_a_schema_no_frame_can_have_is_refused(declare: Callable[[], object], says: str) -> None:
    with pytest.raises(DefinitionError) as refused:
        declare()
    assert says in str(refused.value)


# --- shrinking ----------------------------------------------------------------------------


def test_a_law_broken_by_one_row_shrinks_to_that_row_of_simple_values() -> None:
    frame = find(frames_of(SIMPLE), lambda f: (f["num"] > 10).any(), settings=FIND)
    assert len(frame) <= 3
    assert frame.to_dict("records") == [{"num": 11.0, "cat": "a", "flag": False, "note": ""}]


def test_a_wide_frame_shrinks_to_its_one_row_with_no_missing_cell() -> None:
    frame = find(
        frames_of(Schema(SCHEMA.columns, min_rows=1, max_rows=30)),
        lambda f: ((f["price"] > 10) & f["flag"]).any(),
        settings=FIND,
    )
    assert len(frame) == 1
    assert frame.notna().all().all()


def test_a_law_broken_by_two_rows_shrinks_to_at_most_three() -> None:
    frame = find(
        frames_of(SIMPLE),
        lambda f: (f["num"] > 10).sum() >= 2 and f["flag"].any(),
        settings=FIND,
    )
    assert 2 <= len(frame) <= 3


def test_labelled_data_shrinks_to_the_rows_its_classes_need() -> None:
    data = find(
        classification_data(2),
        lambda d: (d.features["num_0"] > 10).any(),
        settings=FIND,
    )
    assert len(data) == 6
    assert sorted(data.target) == [0, 0, 0, 1, 1, 1]


# --- labelled data ------------------------------------------------------------------------


def _aligned(data: Labelled) -> None:
    assert data.target.index.equals(data.features.index)
    assert data.target.name == "target"


@given(classification_data(3, min_per_class=4))
def test_every_class_is_present_at_least_k_times(data: Labelled) -> None:
    _aligned(data)
    counts = data.target.value_counts()
    assert set(counts.index) == {0, 1, 2}
    assert counts.min() >= 4
    assert list(data.features.columns) == ["num_0", "num_1"]


@given(
    classification_data(
        ("no", "yes"), schema=Schema((Column("city", "category", categories=CITIES),))
    )
)
def test_labels_and_features_may_be_declared(data: Labelled) -> None:
    _aligned(data)
    assert set(data.target) == {"no", "yes"}
    assert list(data.features.columns) == ["city"]
    assert data.features["city"].dtype == "category"


@pytest.mark.parametrize(("classes", "share"), [(2, 0.1), (2, 0.5), (3, 0.2), (4, 0.05)])
def test_imbalance_gives_the_minority_its_share(classes: int, share: float) -> None:
    @settings(max_examples=scaled(0.25))
    @given(classification_data(classes, imbalance=share))
    def law(data: Labelled) -> None:
        counts = data.target.value_counts()
        minority = counts[classes - 1]
        assert abs(minority - share * len(data)) <= 1
        assert minority >= 3
        assert (counts >= minority).all()
        assert len(counts) == classes

    law()


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda: classification_data(2, imbalance=0.6), "at most 1/2"),
        (lambda: classification_data(1), "two or more distinct classes"),
        (lambda: classification_data("ab"), "a count or a sequence"),
        (lambda: classification_data(2, min_per_class=0), "min_per_class is at least 1"),
        (
            lambda: classification_data(3, schema=Schema((Column("x"),), max_rows=5)),
            "at most 5 rows; this data needs at least 9",
        ),
        (
            lambda: classification_data(schema=Schema((Column("target"),))),
            "a column named 'target'",
        ),
        (lambda: regression_data(target=Column("y", "text")), "number or integer column"),
        (lambda: regression_data(target=Column("y", nullable=True)), "never missing"),
    ],
)
def test_labelled_data_that_cannot_be_drawn_is_refused(
    make: Callable[[], object], says: str
) -> None:
    with pytest.raises(DefinitionError) as refused:
        make()
    assert says in str(refused.value)


@given(
    regression_data(
        schema=Schema((Column("a", "integer"),), min_rows=2, max_rows=9),
        target=Column("price", "integer", min=0, max=9),
    )
)
def test_a_regression_target_follows_its_declaration(data: Labelled) -> None:
    assert data.target.name == "price"
    assert data.target.dtype == "int64"
    assert data.target.between(0, 9).all()
    assert 2 <= len(data) <= 9
    assert data.target.index.equals(data.features.index)


@given(frames_with_target())
def test_whole_frames_hold_the_features_and_the_target(frame: pd.DataFrame) -> None:
    assert list(frame.columns) == ["num_0", "num_1", "target"]
    assert frame["target"].value_counts().min() >= 3


def test_the_first_strategies_keep_their_columns() -> None:
    frame = find(frames(numeric=2, categorical=2), lambda f: True, settings=SEARCH)
    assert list(frame.columns) == ["num_0", "num_1", "cat_0", "cat_1"]
    data = find(labelled(classes=3), lambda d: True, settings=SEARCH)
    assert set(data.target) == {0, 1, 2}


# --- splits -------------------------------------------------------------------------------


def _parts(parts: Splits) -> tuple[Labelled, Labelled, Labelled]:
    return parts.train, parts.valid, parts.test


@given(splits(classification_data(3)))
def test_splits_are_disjoint_and_give_every_part_every_class(parts: Splits) -> None:
    labels = [list(part.features.index) for part in _parts(parts)]
    every = sorted(label for part in labels for label in part)
    assert every == list(range(len(every)))  # disjoint, and together the data's rows
    for part in _parts(parts):
        assert list(part.features.columns) == ["num_0", "num_1"]
        assert part.target.index.equals(part.features.index)
        assert part.features.index.is_monotonic_increasing
        assert set(part.target) == {0, 1, 2}


@given(splits(regression_data(schema=Schema((Column("x"),), min_rows=3, max_rows=20))))
def test_unstratified_splits_give_every_part_a_row(parts: Splits) -> None:
    sizes = [len(part) for part in _parts(parts)]
    assert min(sizes) >= 1
    labels = [set(part.features.index) for part in _parts(parts)]
    assert not labels[0] & labels[1]
    assert not labels[0] & labels[2]
    assert not labels[1] & labels[2]


# --- programs -----------------------------------------------------------------------------

SEQUENTIAL = Local(max_workers=1, ledger=None, progress=False)


def _add_one(x: int) -> int:
    return x + 1


def _negate(x: int) -> int:
    return -x


def _is_even(x: int) -> bool:
    return x % 2 == 0


def _sum(pair: tuple[int, int]) -> int:
    return pair[0] + pair[1]


@settings(max_examples=scaled(0.5))
@given(steps(), st.integers(-50, 50))
def test_programs_are_pure_int_programs_that_run_alike_on_a_backend(
    program: Step[int, int], x: int
) -> None:
    assert program.in_type is int
    assert program.out_type is int
    direct = program(x)
    assert isinstance(direct, int)
    assert program(x) == direct
    assert run(program, x, backend=SEQUENTIAL).unwrap() == direct


@pytest.mark.parametrize("node", [Seq, Fanout, Both, MapEach, Branch])
def test_programs_use_every_combinator(node: type) -> None:
    program = find(
        steps(),
        lambda p: any(isinstance(s.node, node) for s in steps_of(p)),
        settings=FIND,
    )
    assert any(isinstance(s.node, node) for s in steps_of(program))


def test_a_program_is_shown_whole() -> None:
    add, neg = make_step(_add_one, name="add_1"), make_step(_negate, name="neg")
    program = branch(make_step(_is_even), add >> neg, (add & neg) >> make_step(_sum))
    assert show_program(program.named("p")) == (
        "branch(_is_even, (add_1 >> neg), ((add_1 & neg) >> _sum)).named('p')"
    )


def test_a_failing_law_notes_the_program_it_was_given() -> None:
    @settings(FIND)
    @given(steps())
    def law(program: Step[int, int]) -> None:
        assert not any(isinstance(s.node, Fanout) for s in steps_of(program))

    with pytest.raises(AssertionError) as failed:
        law()
    shown = [note for note in failed.value.__notes__ if note.startswith("program: ")]
    assert len(shown) == 1
    assert " & " in shown[0]


# --- configs ------------------------------------------------------------------------------


@settings(max_examples=scaled(0.5))
@given(configs())
def test_configs_load(config: dict[str, object]) -> None:
    loaded = load_text(yaml.safe_dump(config), source="generated.yaml")
    assert is_successful(loaded), loaded
    workflow = loaded.unwrap()
    assert workflow.runner == "classification"
    assert {"data", "trainer"} <= set(workflow.components)


def test_configs_build_and_load_from_a_file(tmp_path: Path) -> None:
    with contextlib.chdir(tmp_path):

        @settings(max_examples=scaled(0.2))
        @given(configs())
        def builds(config: dict[str, object]) -> None:
            path = tmp_path / "workflow.yaml"
            path.write_text(yaml.safe_dump(config, sort_keys=False))
            loaded = load(path)
            assert is_successful(loaded), loaded
            built = build_workflow(loaded.unwrap(), source=str(path))
            assert is_successful(built), built

        builds()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["workflow.yaml"]
