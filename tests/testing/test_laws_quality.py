"""The quality family's kits (`lolpop.testing.laws.quality`): sound comparers, checkers
and profilers keep every law; each deliberately broken one is caught by exactly the law
that names it, with hypothesis' shrunk counterexample in the message."""

from __future__ import annotations

import attrs
import numpy as np
import pandas as pd
from hypothesis import assume, find, given
from hypothesis import strategies as st

from lolpop import make_step
from lolpop.components.data_checker import CheckerSettings, Rule, rules_checker
from lolpop.components.drift import DriftSettings, drift_comparer
from lolpop.components.profiler import ProfilerSettings, pandas_profiler
from lolpop.components.records import DataComparer, DriftReport, Profile
from lolpop.testing.laws import LawResult, check_laws, kit_for, run_laws
from lolpop.testing.laws.quality import (
    CHECKER,
    COMPARER,
    MIN_VALUES,
    PROFILER,
    SHIFT,
    DriftExample,
    shift,
)
from lolpop.testing.profiles import scaled
from lolpop.testing.strategies import frames

DRIFT = drift_comparer(DriftSettings())

# One pytest test per law of a checker of several rules.
check_laws(
    rules_checker(
        CheckerSettings(
            (
                Rule("not_null", columns=("num_0", "cat_0"), max_missing_fraction=0.5),
                Rule("range", columns=("num_1",), min=-1e3, max=1e3, severity="WARN"),
                Rule("allowed_values", columns=("cat_0",), values=("a", "b")),
            )
        )
    ),
    name="checker of three rules",
)


def _failed(results: list[LawResult]) -> dict[str, str]:
    return {r.law: r.message for r in results if not r.passed}


def _caught_by_exactly(results: list[LawResult], law: str, finding: str) -> str:
    failed = _failed(results)
    assert list(failed) == [law], failed
    message = failed[law]
    assert finding in message
    assert "Falsifying example" in message or "Failing test case" in message
    return message


def _with_verdict(drifted: bool) -> DataComparer:
    """A comparer that runs the sound tests, then flags every column (or none)."""

    def compare(pair: tuple[pd.DataFrame, pd.DataFrame]) -> DriftReport:
        report = DRIFT.compare(pair)
        return DriftReport(tuple(attrs.evolve(c, drifted=drifted) for c in report.columns))

    return attrs.evolve(DRIFT, compare=make_step(compare, name="compare"))


def test_a_comparer_that_flags_identical_data_is_caught() -> None:
    results = run_laws(_with_verdict(True), max_examples=scaled(0.1))
    message = _caught_by_exactly(
        results, "identical data never drifts", "a frame compared with a copy of itself drifts"
    )
    assert "ColumnDrift(column='num_0'" in message


def test_a_comparer_blind_to_a_shift_is_caught() -> None:
    results = run_laws(_with_verdict(False), max_examples=scaled(0.1))
    message = _caught_by_exactly(results, "a shifted column drifts", "is not flagged as drifted")
    assert f"moved by {SHIFT:g} standard deviations" in message


def test_sound_comparers_keep_every_law() -> None:
    psi = drift_comparer(DriftSettings(categorical_test="psi"))
    assert kit_for(psi) is COMPARER
    assert not _failed(run_laws(psi, max_examples=scaled(0.1)))
    # Set to compare one column only, a comparer says nothing of a shift elsewhere.
    one = drift_comparer(DriftSettings(columns=("cat_0",)))
    assert not _failed(run_laws(one, max_examples=scaled(0.05)))


@given(frames(numeric=2, categorical=1, max_rows=8, missing=True))
def test_shift_moves_one_column_by_its_spread_on_enough_values(frame: pd.DataFrame) -> None:
    assume(frame["num_0"].count() > 0)
    reference, current = shift(DriftExample(frame, "num_0"))
    assert reference["num_0"].count() >= MIN_VALUES
    # Rows repeated whole: the same distribution, in every column.
    repeats = len(reference) // len(frame)
    pd.testing.assert_frame_equal(reference, pd.concat([frame] * repeats, ignore_index=True))
    pd.testing.assert_frame_equal(current.drop(columns="num_0"), reference.drop(columns="num_0"))
    values = reference["num_0"].dropna()
    top = float(values.abs().max())
    constant = values.nunique() == 1
    spread = max(1.0, top) if constant else top * float((values / top).std())
    moved = (current["num_0"] - reference["num_0"]).dropna()
    assert (moved > 0).all()
    np.testing.assert_allclose(moved, SHIFT * spread)
    unmoved = shift(DriftExample(frame, None))
    assert unmoved[0].equals(frame)
    assert unmoved[1].equals(frame)


def test_comparer_examples_from_a_workflows_frames() -> None:
    assert COMPARER.from_frames is not None
    few = pd.DataFrame({"x": [1.0, None, 3.0], "name": ["a", "b", "c"]})
    example = find(COMPARER.from_frames(DRIFT, st.just(few), "name"), lambda _: True)
    assert example.column == "x"
    assert example.frame.equals(few)  # the frame as drawn: a counterexample shows it
    words = pd.DataFrame({"name": ["a", "b"]})
    assert find(COMPARER.from_frames(DRIFT, st.just(words), "name"), lambda _: True).column is None


def test_a_profiler_whose_counts_do_not_add_up_is_caught() -> None:
    sound = pandas_profiler(ProfilerSettings(bins=3, top=2))
    assert kit_for(sound) is PROFILER

    def profile(frame: pd.DataFrame) -> Profile:
        made = sound.profile(frame)
        return attrs.evolve(made, rows=made.rows - 1)  # off by one

    off_by_one = attrs.evolve(sound, profile=make_step(profile, name="profile"))
    results = run_laws(off_by_one, max_examples=scaled(0.1))
    _caught_by_exactly(results, "counts add up", "the profile counts 0 rows in a frame of 1")


def test_a_checker_has_the_every_step_laws() -> None:
    checker = rules_checker(CheckerSettings((Rule("row_count", min=2),)))
    assert kit_for(checker) is CHECKER
    results = run_laws(checker, max_examples=scaled(0.05))
    assert [r.law for r in results] == [
        "deterministic",
        "never mutates its input",
        "output survives pickling",
    ]
    assert all(r.passed for r in results)
