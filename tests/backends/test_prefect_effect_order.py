"""In a flow, the Prefect backend runs effects in the order they are written, as the Local
backend does: an `end_run` bound after a `log_params` on the same run never overtakes it,
though neither reads the other's value (before, it could: "run ... has ended with status
FINISHED: nothing more can be logged to it", now and then, on a busy machine)."""

from __future__ import annotations

import threading
import time

import pytest

from lolpop import run
from lolpop.backends import Local, Prefect
from lolpop.core.decorator import make_step
from lolpop.core.flow import Flow
from lolpop.core.step import Step

pytestmark = pytest.mark.usefixtures("prefect_server")


def _logged(events: list[str]) -> Step[int, int]:
    """open -> (slow log, fast log) -> close, on one 'run': each effect reads only the
    open's value, so only their order in the flow puts the logs before the close."""
    lock = threading.Lock()

    def effect(name: str, pause: float) -> Step[int, int]:
        def act(value: int) -> int:
            time.sleep(pause)
            with lock:
                events.append(name)
            return value

        act.__name__ = name
        return make_step(act, name=name, effect=True)

    f = Flow(int, "tracked")
    opened = f.call(effect("open", 0.0), f.input)
    f.call(effect("log_params", 0.3), opened)
    f.call(effect("log_metrics", 0.0), opened)
    return f.build(f.call(effect("close", 0.0), opened))


def test_effects_in_a_flow_run_in_their_written_order_on_prefect() -> None:
    on_local: list[str] = []
    assert run(_logged(on_local), 1, backend=Local()).unwrap() == 1
    on_prefect: list[str] = []
    assert run(_logged(on_prefect), 1, backend=Prefect()).unwrap() == 1
    assert on_prefect == on_local == ["open", "log_params", "log_metrics", "close"]
