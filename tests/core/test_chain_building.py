"""Building a chain with `>>` costs O(N): a `>>` does not copy the chain it extends.

The chain is flattened once, when first walked; what a walk sees (children, paths,
leaves, equality, hashing, labels) is what an eagerly flattened chain showed.
"""

from __future__ import annotations

import copy
import functools
import threading
import time

import pytest

from lolpop import Step, run
from lolpop.backends import Local
from lolpop.core import combinators
from lolpop.core.paths import leaves, steps
from lolpop.core.step import AnyStep, Seq
from tests.steps import double, inc, to_text


def _chain(length: int, link: Step[int, int] = inc) -> Step[int, int]:
    program = link
    for _ in range(length - 1):
        program = program >> link
    return program


def _paths(program: AnyStep) -> list[str]:
    return [visit.path for visit in leaves(program)]


def _children(program: AnyStep) -> list[AnyStep]:
    assert isinstance(program.node, Seq)
    return list(program.node.steps)


class _CountingSeq(Seq):
    """A `Seq` that counts the children and parts handed to it when it is made."""

    handed = 0

    def __init__(self, children: tuple[AnyStep, ...]) -> None:
        _CountingSeq.handed += len(children)
        super().__init__(children)

    @classmethod
    def joined(cls, *parts: AnyStep | Seq) -> Seq:
        _CountingSeq.handed += len(parts)
        return super().joined(*parts)


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> type[_CountingSeq]:
    monkeypatch.setattr(combinators, "Seq", _CountingSeq)
    _CountingSeq.handed = 0
    return _CountingSeq


def test_each_link_hands_a_constant_number_of_children(counting: type[_CountingSeq]) -> None:
    program = _chain(20_000)
    # O(N): a few per `>>` (copying the chain it extends would be about N^2 / 2 = 2e8)
    assert counting.handed <= 2 * 20_000
    assert len(_children(program)) == 20_000


def test_building_ten_times_the_steps_takes_about_ten_times_as_long() -> None:
    def seconds(length: int) -> float:
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            _chain(length)
            best = min(best, time.perf_counter() - start)
        return best

    ratio = seconds(20_000) / seconds(2_000)
    assert ratio < 20, ratio  # linear: about 10; copying on every `>>` made it ~25-100


def test_a_long_chain_is_one_flat_sequence() -> None:
    program = _chain(20_000)
    assert isinstance(program.node, Seq)
    assert all(child is inc for child in program.node.steps)
    assert program(0) == 20_000
    assert run(program, 0, backend=Local(ledger=None)).unwrap() == 20_000
    assert _paths(program)[:2] == ["inc", "inc#2"]
    assert _paths(program)[-1] == "inc#20000"
    assert sum(1 for _ in steps(program)) == 20_001


def test_any_grouping_makes_the_same_chain() -> None:
    links = [inc, double, inc, double, inc, double]
    left = functools.reduce(lambda a, b: a >> b, links)
    right = functools.reduce(lambda a, b: b >> a, reversed(links))
    grouped = (inc >> double) >> ((inc >> double) >> (inc >> double))
    flat: Step[int, int] = Step(Seq(tuple(links)), "", int, int)
    assert left == right == grouped == flat
    assert len({hash(left), hash(right), hash(grouped), hash(flat)}) == 1
    assert _paths(left) == _paths(right) == _paths(flat)
    assert left.label == right.label == "(inc >> … >> double)"
    assert left(1) == right(1) == flat(1)


def test_a_right_nested_chain_is_flat_too() -> None:
    program = inc
    for _ in range(20_000 - 1):
        program = inc >> program
    assert program == _chain(20_000)


def test_named_and_annotated_chains_stay_one_child() -> None:
    named = (inc >> double).named("prepare")
    timed = (inc >> double).with_timeout(5.0)
    program = inc >> named >> timed >> to_text
    assert isinstance(program.node, Seq)
    assert [child.label for child in program.node.steps] == [
        "inc",
        "prepare",
        "(inc >> double)",
        "to_text",
    ]
    assert _paths(program) == ["inc", "prepare/inc", "prepare/double", "inc#2", "double", "to_text"]


def test_a_chain_and_its_parts_keep_their_own_children() -> None:
    first = inc >> double
    longer = first >> to_text
    other = first >> inc
    assert [c.label for c in _children(other)] == ["inc", "double", "inc"]
    assert [c.label for c in _children(longer)] == ["inc", "double", "to_text"]
    assert [c.label for c in _children(first)] == ["inc", "double"]


def test_an_unwalked_chain_copies() -> None:
    chain = _chain(20_000)
    copied = copy.deepcopy(chain)  # as pickling does: by its flat steps, not recursively
    assert copied == _chain(20_000)
    assert copied(0) == 20_000


def test_threads_walking_a_chain_at_once_see_the_same_steps() -> None:
    program = _chain(50_000)
    seen: list[int] = []
    barrier = threading.Barrier(4)

    def walk() -> None:
        barrier.wait()
        node = program.node
        assert isinstance(node, Seq)
        seen.append(len(node.steps))

    threads = [threading.Thread(target=walk) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [50_000] * 4


def test_a_sequence_stays_immutable() -> None:
    node = (inc >> double).node
    with pytest.raises(AttributeError):
        node.steps = ()  # type: ignore[misc,union-attr]  # read-only on purpose
    assert repr(node) == f"Seq(steps=({inc!r}, {double!r}))"
