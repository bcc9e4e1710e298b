"""Laws of the metadata trackers, checked on the in-memory one (fast), and the agreement
of the shared name rules with MLflow's own validators (so both trackers keep MLflow's
contract).

- params logged are read back equal (as their `str`, cut only past MLflow's limit);
- metrics logged are read back equal (the latest value per key; NaN stays NaN);
- tags merge: a later value for a key wins, other keys are kept;
- logging never changes the values passed in (the mappings are not mutated);
- `check_key` accepts exactly the names MLflow accepts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from hypothesis import given
from hypothesis import strategies as st

from lolpop.components._mlflow import (
    MAX_KEY_LENGTH,
    MAX_PARAM_LENGTH,
    TrackingError,
    check_key,
    fit_value,
)
from lolpop.components.memory_tracker import MemoryStore, memory_tracker
from lolpop.components.records import RunSpec

_KEY_ALPHABET = "abcXYZ019_-. :/"
keys = st.text(alphabet="abcxyz_", min_size=1, max_size=12)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
)
params = st.dictionaries(keys, scalars, max_size=8)
metrics = st.dictionaries(keys, st.floats(allow_infinity=False), max_size=8)
tags = st.dictionaries(keys, st.text(alphabet=st.characters(codec="utf-8"), max_size=30))


#: One tracker for every example (building one makes eight checked steps); each example
#: starts its own run.
STORE = MemoryStore()
TRACKER = memory_tracker(STORE)


def same_metric(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@given(params)
def test_params_are_read_back_as_their_str(
    values: dict[str, str | int | float | bool | None],
) -> None:
    run = TRACKER.start_run(RunSpec("law"))
    before = dict(values)
    TRACKER.log_params((run, values))
    assert values == before
    assert STORE.run(run.run_id).params == {k: str(v) for k, v in values.items()}


@given(st.lists(metrics, min_size=1, max_size=4))
def test_metrics_are_read_back_latest_first(batches: list[dict[str, float]]) -> None:
    run = TRACKER.start_run(RunSpec("law"))
    expected: dict[str, float] = {}
    for batch in batches:
        TRACKER.log_metrics((run, batch))
        expected.update(batch)
    recorded = STORE.run(run.run_id)
    assert recorded.metrics.keys() == expected.keys()
    assert all(same_metric(recorded.metrics[k], v) for k, v in expected.items())
    for key in expected:
        logged = [batch[key] for batch in batches if key in batch]
        assert len(recorded.metric_history[key]) == len(logged)


@given(tags, st.lists(tags, max_size=4))
def test_tags_merge_and_the_later_value_wins(
    first: dict[str, str], later: list[dict[str, str]]
) -> None:
    run = TRACKER.start_run(RunSpec("law", first))
    expected: dict[str, str] = dict(first)
    for batch in later:
        TRACKER.set_tags((run, batch))
        expected.update(batch)
    recorded: Mapping[str, str] = STORE.run(run.run_id).tags
    assert {k: v for k, v in recorded.items() if k != "mlflow.runName"} == expected


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200), st.integers(40, 150))
def test_a_fitted_value_is_within_the_limit_and_unchanged_when_short(
    value: str, limit: int
) -> None:
    fitted = fit_value(value, limit)
    assert len(fitted) <= limit
    if len(value) <= limit:
        assert fitted == value
    else:
        assert fitted.startswith(value[: limit // 4])
        assert fitted.endswith(f"[truncated from {len(value)} chars]")


@given(
    st.one_of(
        st.text(alphabet=_KEY_ALPHABET, max_size=12),
        st.text(max_size=6),
        st.text(alphabet="ab", min_size=MAX_KEY_LENGTH - 1, max_size=MAX_KEY_LENGTH + 1),
    )
)
def test_check_key_accepts_exactly_what_mlflow_accepts(key: str) -> None:
    # MLflow's private validators: pinned to mlflow 3.17 by the project's dependencies.
    from mlflow.exceptions import MlflowException  # noqa: PLC0415 (heavy: imported on use)
    from mlflow.utils.validation import _validate_param  # noqa: PLC0415

    try:
        _validate_param(key, "v")  # type: ignore[no-untyped-call]  # MLflow leaves it unannotated
        mlflow_accepts = True
    except MlflowException:
        mlflow_accepts = False
    try:
        check_key("param", key)
        lolpop_accepts = True
    except TrackingError:
        lolpop_accepts = False
    assert lolpop_accepts == mlflow_accepts, key


def test_a_long_param_is_cut_to_mlflow_s_limit() -> None:
    store = MemoryStore()
    tracker = memory_tracker(store)
    run = tracker.start_run(RunSpec("long"))
    tracker.log_params((run, {"p": "y" * (MAX_PARAM_LENGTH + 1)}))
    assert len(store.run(run.run_id).params["p"]) == MAX_PARAM_LENGTH
