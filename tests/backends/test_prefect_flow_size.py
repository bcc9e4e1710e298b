"""Prefect sends the flow (pickled) with every task it submits to a task runner in another
process (Dask's workers, in the flow run's context). The flow's function must not hold
the run's futures: once resolved, they carry every result so far (each trial's model),
which made every later task of a search on Dask ship ~20 MB (issue 16)."""

from __future__ import annotations

import cloudpickle  # type: ignore[import-untyped]  # no stubs; what Prefect and Dask pickle with
import pytest

from lolpop import run
from lolpop.backends import Prefect
from lolpop.core.decorator import make_step
from lolpop.core.flow import Flow

pytestmark = pytest.mark.usefixtures("prefect_server")

_BIG = 4_000_000


def test_the_flow_sent_with_each_task_does_not_carry_earlier_results() -> None:
    def big(seed: int) -> bytes:
        return bytes([seed % 256]) * _BIG

    def flow_size(data: bytes) -> int:
        """The size of the flow's function as Prefect would send it with a task submitted
        now (the rest of the flow is its settings and its task runner), after the big
        value was resolved."""
        del data  # only its place in the flow matters
        from prefect.context import FlowRunContext  # noqa: PLC0415

        context = FlowRunContext.get()
        assert context is not None
        assert context.flow is not None
        return len(cloudpickle.dumps(context.flow.fn))

    f = Flow(int, "shipped")
    data = f.call(make_step(big), f.input)
    f.apply(len, data)  # glue: the flow's thread resolves the big value's future
    size = f.call(make_step(flow_size), data)
    program = f.build(size)
    assert run(program, 1, backend=Prefect()).unwrap() < _BIG // 10
