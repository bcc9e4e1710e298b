"""Leaf paths: unique, stable, and the same in failures as in `leaves()`."""

from __future__ import annotations

import pytest

from lolpop import Step, both, branch, map_each, retry, run, step
from lolpop.core.paths import leaves
from tests.steps import inc, is_even


def test_paths_join_named_scopes_and_number_repeats() -> None:
    tune = (inc >> inc).named("tune")
    train = (inc >> tune >> tune >> inc).named("train")
    program = (train >> inc).named("workflow")
    assert [visit.path for visit in leaves(program)] == [
        "workflow/train/inc",
        "workflow/train/tune/inc",
        "workflow/train/tune/inc#2",
        "workflow/train/tune#2/inc",
        "workflow/train/tune#2/inc#2",
        "workflow/train/inc#2",
        "workflow/inc",
    ]


def test_anonymous_compositions_add_no_segment() -> None:
    @step
    def first(pair: tuple[int, int]) -> int:
        return pair[0]

    program = (inc & inc) >> both(inc, inc) >> first >> branch(is_even, inc, inc).named("pick")
    assert [v.path for v in leaves(program)] == [
        "inc", "inc#2", "inc#3", "inc#4", "first", "pick/is_even", "pick/inc", "pick/inc#2",
    ]  # fmt: skip
    assert program(1) == 4


def test_every_path_of_a_program_is_unique() -> None:
    program = map_each(retry(inc >> inc)) >> map_each(inc)
    paths = [v.path for v in leaves(program)]
    assert len(paths) == len(set(paths)) == 3


@pytest.mark.parametrize("position", range(6))
def test_failure_path_matches_the_leaves_walk(position: int) -> None:
    @step
    def boom(x: int) -> int:
        raise RuntimeError("no")

    parts: list[Step[int, int]] = [inc] * 6
    parts[position] = boom.named("inc")
    program = (parts[0] >> parts[1] >> parts[2]).named("a") >> (parts[3] >> parts[4] >> parts[5])
    expected = [v.path for v in leaves(program)][position]
    assert run(program, 0).failure().path == expected
