"""A bare step's laws when the step raises: a step may refuse some examples (the laws
compare its refusals like outputs), but one that raised on every example drawn was never
checked, and fails every law that ran it, naming the error it raised.

The step that always raises is the README's hook with one bug: it reads the column
`label`, where the frames drawn hold `target`.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from hypothesis import strategies as st

from examples.testing.features import two_classes
from lolpop import step
from lolpop.testing.laws import LawBroken, LawResult, law_cases, run_laws
from lolpop.testing.profiles import scaled
from lolpop.testing.strategies import Column, Schema, frames_of

#: A share of the profile's examples for each run of a step's laws.
_SHARE = 0.2

LABELLED = Schema((Column("target", "integer", min=0, max=1),), max_rows=30)

STEP_LAW_NAMES = ["deterministic", "never mutates its input", "output survives pickling"]


def two_labels(frame: pd.DataFrame) -> str | None:
    """`two_classes`, reading a column the frames do not have (the bug)."""
    counts = frame["label"].value_counts()
    return None if len(counts) == 2 else f"expected two classes, got {counts.to_dict()}"


def halve_even(x: int) -> int:
    """Half of an even number; an odd one is refused, by design."""
    if x % 2:
        raise ValueError(f"{x} is odd")
    return x // 2


def _messages(results: list[LawResult]) -> dict[str, str]:
    return {r.law: r.message for r in results if not r.passed}


def _every_example(message: str, error: str) -> int:
    """How many examples the message says the step raised on, after checking that it
    says "every example" and shows `error`."""
    found = re.search(r"raised on every example drawn \((\d+) of (\d+)\): (.*)", message)
    assert found is not None, message
    assert found.group(1) == found.group(2), message
    assert found.group(3).startswith(error), message
    return int(found.group(1))


def test_a_step_that_raises_on_every_example_breaks_every_law() -> None:
    results = run_laws(step(two_labels), frames_of(LABELLED), max_examples=scaled(_SHARE))
    failed = _messages(results)
    assert list(failed) == STEP_LAW_NAMES, failed
    for message in failed.values():
        assert _every_example(message, "KeyError: 'label'") > 1


def test_the_pytest_tests_of_a_step_that_always_raises_fail() -> None:
    # What `check_laws` makes: a test per law that runs its case.
    cases = law_cases(step(two_labels), frames_of(LABELLED), max_examples=scaled(_SHARE))
    assert [case.law.name for case in cases] == STEP_LAW_NAMES
    for case in cases:
        with pytest.raises(LawBroken) as caught:
            case.run()
        _every_example(str(caught.value), "KeyError: 'label'")


def test_a_step_that_refuses_some_examples_keeps_every_law() -> None:
    results = run_laws(step(halve_even), st.integers(), max_examples=scaled(_SHARE))
    assert [r.law for r in results] == STEP_LAW_NAMES
    assert not _messages(results)


def test_a_correct_step_keeps_every_law() -> None:
    results = run_laws(step(two_classes), frames_of(LABELLED), max_examples=scaled(_SHARE))
    assert [r.law for r in results] == STEP_LAW_NAMES
    assert not _messages(results)


def test_one_example_refused_is_every_example() -> None:
    # One example drawn, refused: the laws saw no output at all, so they checked nothing.
    results = run_laws(step(halve_even), st.just(3), max_examples=1)
    failed = _messages(results)
    assert list(failed) == STEP_LAW_NAMES, failed
    for message in failed.values():
        assert _every_example(message, "ValueError: 3 is odd") == 1


def test_one_example_answered_keeps_every_law() -> None:
    results = run_laws(step(halve_even), st.just(4), max_examples=1)
    assert not _messages(results)
