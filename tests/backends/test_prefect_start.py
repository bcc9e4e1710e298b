"""Prefect's temporary server failing to start: the flow is started again once, and a
second failure is one lolpop error (exit 1 from `lolpop run`), never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import prefect
import pytest
from returns.result import Success
from typer.testing import CliRunner

from lolpop import run, step
from lolpop.backends import Prefect, prefect_backend
from lolpop.cli import app
from lolpop.errors import BackendError

TIMEOUT = RuntimeError("Timed out while attempting to connect to ephemeral Prefect API server.")


@step
def double(x: int) -> int:
    return 2 * x


def _flaky(real: Callable[..., object], failures: int) -> Callable[..., object]:
    """`prefect.flow`, whose flows fail to reach the server `failures` times first."""
    calls: list[int] = []

    def flow(**kwargs: object) -> Callable[[Callable[[], object]], Callable[..., object]]:
        def make(body: Callable[[], object]) -> Callable[..., object]:
            made = real(**kwargs)
            assert callable(made)
            wrapped = made(body)

            def call(**options: object) -> object:
                calls.append(1)
                if len(calls) <= failures:
                    raise TIMEOUT
                assert callable(wrapped)
                return wrapped(**options)

            return call

        return make

    return flow


@pytest.mark.usefixtures("prefect_server")
def test_a_server_that_fails_to_start_once_is_started_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(prefect_backend, "_SERVER_PAUSE", 0.0)
    monkeypatch.setattr(prefect, "flow", _flaky(prefect.flow, failures=1))
    assert run(double, 21, backend=Prefect(flow_name="flaky")) == Success(42)


def test_a_server_that_never_starts_is_one_lolpop_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prefect_backend, "_SERVER_PAUSE", 0.0)
    monkeypatch.setattr(prefect, "flow", _flaky(prefect.flow, failures=99))
    with pytest.raises(BackendError, match="temporary local server did not start") as raised:
        run(double, 21, backend=Prefect(flow_name="never"))
    assert "PREFECT_API_URL" in str(raised.value)


def test_lolpop_run_says_so_and_exits_1(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(prefect_backend, "_SERVER_PAUSE", 0.0)
    monkeypatch.setattr(prefect, "flow", _flaky(prefect.flow, failures=99))
    monkeypatch.chdir(tmp_path)
    example = Path(__file__).parents[2] / "examples" / "diabetes" / "workflow.yaml"
    result = CliRunner().invoke(app, ["run", str(example), "--backend", "prefect"])
    assert result.exit_code == 1
    assert "temporary local server did not start" in result.output
    assert "Traceback" not in result.output
