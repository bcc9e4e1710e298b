"""Local backend: the items of a `map_each` of pure steps run on the run's worker threads
once one item is worth a thread; effects stay in the calling thread, in order.

A search's trials are such items (`lolpop.components.tuner`), so the Local backend
spreads them over its workers as the Prefect backend spreads them over its task runner.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import cast

from lolpop import Step, make_step, map_each, run
from lolpop.backends import Local
from lolpop.core._interpret import WORTH_A_THREAD
from lolpop.core.failure import RunFailure
from tests.steps import upper

_SLOW = 20 * WORTH_A_THREAD


def _probe(threads: list[str], *, effect: bool = False, fail_on: int = -1) -> Step[int, int]:
    """A step noting its thread, sleeping its input's number of `_SLOW`s, failing on
    `fail_on`."""

    def probe(x: int) -> int:
        threads.append(threading.current_thread().name)
        time.sleep(_SLOW)
        if x == fail_on:
            raise ValueError(f"item {x} is bad")
        return 10 * x

    return make_step(probe, name="probe", effect=effect)


def _on_workers(threads: list[str]) -> int:
    return sum(name.startswith("lolpop") for name in threads)


def test_slow_pure_items_run_on_worker_threads_and_keep_their_order() -> None:
    threads: list[str] = []
    outcome = run(map_each(_probe(threads)), list(range(6)), backend=Local(max_workers=3))
    assert outcome.unwrap() == [0, 10, 20, 30, 40, 50]
    assert _on_workers(threads) >= 1, threads


def test_effects_run_one_after_another_in_the_calling_thread() -> None:
    threads: list[str] = []
    outcome = run(map_each(_probe(threads, effect=True)), [1, 2, 3], backend=Local(max_workers=3))
    assert outcome.unwrap() == [10, 20, 30]
    assert _on_workers(threads) == 0, threads


def test_quick_items_stay_in_the_calling_thread() -> None:
    threads: list[str] = []

    def quick(x: int) -> int:
        threads.append(threading.current_thread().name)
        return x

    backend, on_workers = Local(max_workers=3), []
    for _ in range(5):
        threads.clear()
        outcome = run(map_each(make_step(quick)), list(range(50)), backend=backend)
        assert outcome.unwrap() == list(range(50))
        on_workers.append(_on_workers(threads))
    # A first item the machine happens to stall past the threshold shares the rest out:
    # allow it once or twice.
    assert on_workers.count(0) >= 3, on_workers


def test_the_first_failing_item_is_the_one_reported() -> None:
    threads: list[str] = []
    program = map_each(_probe(threads, fail_on=2)).named("each")
    outcome = run(program, [0, 1, 2, 3, 4], backend=Local(max_workers=3))
    assert isinstance(failure := outcome.failure(), RunFailure)
    assert failure.path == "each/probe"
    assert "item 2 is bad" in str(failure.cause)


_NOT_A_LIST = {
    "str": ("abc", "character"),
    "bytes": (b"ab", "byte"),
    "dict": ({"a": "x"}, "key"),
    "set": ({"a", "b"}, "order"),
}


def test_map_each_refuses_text_mappings_and_sets_instead_of_mapping_their_parts() -> None:
    # A str is a `Sequence[str]` to mypy, so `map_each(step_on_str)` takes one: mapping
    # its characters is a silently wrong result, as are a dict's keys and a set's order.
    for value, says in _NOT_A_LIST.values():
        # (mypy refuses the others: a YAML-built or untyped program may still pass them)
        outcome = run(map_each(upper), cast("Sequence[str]", value), backend=Local())
        failure = outcome.failure()
        assert isinstance(failure, RunFailure), value
        assert failure.path == "<map_each>"
        assert f"got a value of type {type(value).__name__}:" in failure.message
        assert says in failure.message
    assert run(map_each(upper), ["a", "b"]).unwrap() == ["A", "B"]
    assert run(map_each(upper), ("a",)).unwrap() == ["A"]
