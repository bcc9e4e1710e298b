"""The step cache's codec: what it writes reads back as the same value (one object where
there was one), what it does not know it refuses both ways, and its digests tell apart
what a step could tell apart, the same in every process.
"""

from __future__ import annotations

import collections
import json
import math
import os
import pickle
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import attrs
import numpy as np
import pandas as pd
import pytest
from returns.result import Failure, Success
from sklearn.linear_model import LogisticRegression

from lolpop.backends._codec import _MAGIC, Unencodable, decode, digest, encode
from lolpop.backends.cache import MISS, Identity, StepCache, key_of
from lolpop.backends.records import StepStatus
from lolpop.components.records import (
    Classification,
    FittedModel,
    Level,
    ModelVersion,
    Regression,
    RunRef,
    Status,
    TaskKind,
    Trial,
    TuningResult,
)
from lolpop.secret import Secret


def round_trip(value: object) -> object:
    return decode(encode(value))


def crafted(tree: object, *parts: bytes) -> bytes:
    """Bytes in the codec's layout (its magic, the tree's length, the tree, each part)."""
    text = json.dumps(tree).encode()
    chunks = [_MAGIC, len(text).to_bytes(8, "big"), text]
    for part in parts:
        chunks += [len(part).to_bytes(8, "big"), part]
    return b"".join(chunks)


def shape_of(value: object) -> object:
    """A value's types, all the way down (what `==` does not compare: 1 == 1.0 == True)."""
    if isinstance(value, list | tuple):
        return (type(value), [shape_of(item) for item in value])
    if isinstance(value, dict):
        return (dict, [(shape_of(k), shape_of(v)) for k, v in value.items()])
    return type(value)


@pytest.fixture(scope="module")
def fitted() -> FittedModel[Classification]:
    features = pd.DataFrame(
        {"a": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0], "b": [1.0, 0.0, 1.0, 0.0, 1.0, 0.0]}
    )
    target = pd.Series([0, 0, 0, 1, 1, 1], name="y")
    estimator = LogisticRegression().fit(features, target)
    return FittedModel(estimator, Classification, ("a", "b"), "y", (0, 1), {"C": 1.0})


def mixed_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "n": [1, 2, 3],
            "x": [0.5, -1.25, 3.0],
            "flag": [True, False, True],
            "city": pd.Categorical(["paris", "oslo", "paris"]),
            "when": pd.to_datetime(["2024-01-01", "2024-02-29", "2024-12-31"]),
            "count": pd.array([1, None, 3], dtype="Int64"),
            "label": pd.Series(["ann", "bob", None], dtype=object),
        },
        index=pd.Index([10, 20, 30], name="id"),
    )


# --- round trips -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        False,
        0,
        -7,
        2**200,
        -(3**150),
        1.5,
        math.inf,
        -math.inf,
        "",
        "héllo ✓ \x00 \n",
        b"",
        b"\x00\xff binary",
    ],
    ids=repr,
)
def test_a_plain_value_reads_back_equal_and_of_its_type(value: object) -> None:
    decoded = round_trip(value)
    assert decoded == value
    assert type(decoded) is type(value)


def test_nan_reads_back_as_nan() -> None:
    decoded = round_trip(math.nan)
    assert isinstance(decoded, float)
    assert math.isnan(decoded)


def test_negative_zero_keeps_its_sign() -> None:
    decoded = round_trip(-0.0)
    assert isinstance(decoded, float)
    assert math.copysign(1.0, decoded) == -1.0


def test_nested_containers_keep_tuples_lists_and_key_types() -> None:
    value = {
        "a": [1, (2, 3.0), [True, None]],
        4: ((), [b"x", ("deep", [{}])]),
        2.5: "float key",
        (1, "two"): "tuple key",
        None: "none key",
    }
    decoded = round_trip(value)
    assert decoded == value
    assert shape_of(decoded) == shape_of(value)


@pytest.mark.parametrize(
    "record",
    [
        RunRef("r-1", "exp", "nightly"),
        ModelVersion("churn", 3, "runs:/r-1/model", "r-1", ("champion",), {"team": "ml"}),
        ModelVersion("churn", 1, "file:/tmp/m"),
    ],
    ids=repr,
)
def test_a_lolpop_record_reads_back_equal(record: object) -> None:
    decoded = round_trip(record)
    assert type(decoded) is type(record)
    assert decoded == record


def test_a_metrics_mapping_reads_back_equal() -> None:
    metrics = {"accuracy": 0.93, "f1": 0.91, "log_loss": 0.2}
    assert round_trip(metrics) == metrics


def test_a_fitted_model_reads_back_and_predicts_the_same(
    fitted: FittedModel[Classification],
) -> None:
    decoded = round_trip(fitted)
    assert isinstance(decoded, FittedModel)
    assert decoded.task is Classification
    assert (decoded.features, decoded.target, decoded.classes, decoded.params) == (
        fitted.features,
        fitted.target,
        fitted.classes,
        fitted.params,
    )
    new = pd.DataFrame({"a": [0.5, 4.5, 2.5], "b": [1.0, 0.0, 0.0]})
    np.testing.assert_array_equal(decoded.estimator.predict(new), fitted.estimator.predict(new))


@pytest.mark.parametrize("member", [Status.OK, Status.WARN, Status.ERROR, Level.ERROR], ids=repr)
def test_a_lolpop_int_enum_reads_back_as_the_same_member(member: object) -> None:
    assert round_trip(member) is member


def test_a_lolpop_str_enum_reads_back_as_the_same_member() -> None:
    assert round_trip(StepStatus.SUCCEEDED) is StepStatus.SUCCEEDED


@pytest.mark.parametrize("task", [Classification, Regression])
def test_a_task_class_reads_back_as_itself(task: type[TaskKind]) -> None:
    assert round_trip(task) is task


@pytest.mark.parametrize(
    "result",
    [Success(RunRef("r", "e")), Success(None), Failure("no data"), Failure({"code": 3})],
    ids=repr,
)
def test_a_returns_result_reads_back_equal(result: object) -> None:
    decoded = round_trip(result)
    assert type(decoded) is type(result)
    assert decoded == result


def test_a_frame_of_mixed_dtypes_reads_back_equal() -> None:
    frame = mixed_frame()
    decoded = round_trip(frame)
    assert isinstance(decoded, pd.DataFrame)
    pd.testing.assert_frame_equal(decoded, frame)


def test_a_frame_of_plain_columns_reads_back_equal() -> None:
    frame = mixed_frame().drop(columns=["label"])  # no object strings: written as Parquet
    decoded = round_trip(frame)
    assert isinstance(decoded, pd.DataFrame)
    pd.testing.assert_frame_equal(decoded, frame)


@pytest.mark.parametrize(
    "series",
    [
        pd.Series([1.0, 2.5, None], name="score", index=["a", "b", "c"]),
        pd.Series(pd.Categorical(["x", "y", "x"]), name=("multi", 1)),
        pd.Series(["p", "q"], dtype=object, name=None),
    ],
    ids=["floats", "category", "unnamed-objects"],
)
def test_a_series_reads_back_equal_with_its_name(series: pd.Series) -> None:
    decoded = round_trip(series)
    assert isinstance(decoded, pd.Series)
    pd.testing.assert_series_equal(decoded, series)


@pytest.mark.parametrize(
    "array",
    [
        np.arange(12, dtype=np.int32).reshape(3, 4),
        np.array([[0.5, np.nan], [np.inf, -0.0]]),
        np.array([True, False]),
        np.array(["ab", "c"]),
        np.array(["2024-01-01", "NaT"], dtype="datetime64[s]"),
        np.zeros((0, 3)),
        np.asfortranarray(np.arange(6.0).reshape(2, 3)),
    ],
    ids=["int32-2d", "float-special", "bool", "unicode", "datetime", "empty", "fortran"],
)
def test_an_array_reads_back_equal_in_dtype_and_shape(array: np.ndarray) -> None:
    decoded = round_trip(array)
    assert isinstance(decoded, np.ndarray)
    assert (decoded.dtype, decoded.shape) == (array.dtype, array.shape)
    np.testing.assert_array_equal(decoded, array)


@pytest.mark.parametrize(
    "scalar",
    [np.int64(-3), np.uint8(200), np.float32(0.1), np.bool_(True), np.str_("text")],
    ids=repr,
)
def test_a_numpy_scalar_reads_back_equal(scalar: np.generic) -> None:
    assert round_trip(scalar) == scalar


def test_a_numpy_float64_reads_back_equal() -> None:
    assert round_trip(np.float64(1.5)) == 1.5


def test_a_numpy_scalar_keeps_its_digest_through_a_round_trip() -> None:
    assert digest(round_trip(np.int64(3))) == digest(np.int64(3))


# --- shared references -------------------------------------------------------------------


def test_an_object_met_twice_reads_back_as_one_object(
    fitted: FittedModel[Classification],
) -> None:
    trials = tuple(
        Trial(n, {"C": c}, score, fitted)
        for n, (c, score) in enumerate([(0.1, 0.7), (1.0, 0.9), (10.0, 0.8)])
    )
    decoded = round_trip(TuningResult("f1", trials, trials[1]))
    assert isinstance(decoded, TuningResult)
    assert decoded.best is decoded.trials[1]
    assert decoded.trials.index(decoded.best) == 1


def test_a_model_shared_by_trials_reads_back_as_one_model(
    fitted: FittedModel[Classification],
) -> None:
    trials = (Trial(0, {}, 0.5, fitted), Trial(1, {}, 0.6, fitted))
    decoded = round_trip(TuningResult("f1", trials, trials[0]))
    assert isinstance(decoded, TuningResult)
    assert decoded.trials[0].model is decoded.trials[1].model


def test_a_frame_met_twice_reads_back_as_one_frame() -> None:
    frame = mixed_frame()
    decoded = round_trip([frame, {"again": frame}])
    assert isinstance(decoded, list)
    assert decoded[0] is decoded[1]["again"]


# --- refusals ----------------------------------------------------------------------------


@attrs.frozen
class UserRecord:
    """An attrs record defined outside lolpop."""

    name: str


class UserPoint(NamedTuple):
    x: int
    y: int


@pytest.mark.parametrize(
    "value",
    [
        UserRecord("mine"),
        {1, 2},
        frozenset({"a"}),
        np.array([1, "a"], dtype=object),
        object(),
        [1, {"nested": {3}}],
        Secret("codec-test-secret-never-written"),
        pd.Timestamp("2024-01-01"),
        UserRecord,
    ],
    ids=[
        "user-attrs",
        "set",
        "frozenset",
        "object-array",
        "object",
        "nested-set",
        "secret",
        "timestamp",
        "user-class",
    ],
)
def test_a_value_outside_what_lolpop_passes_is_unencodable(value: object) -> None:
    with pytest.raises(Unencodable):
        encode(value)


def test_a_tuple_subclass_from_outside_lolpop_is_not_silently_made_a_tuple() -> None:
    point = UserPoint(1, 2)
    try:
        decoded = round_trip(point)
    except Unencodable:
        return
    assert type(decoded) is UserPoint


def test_a_mapping_subclass_from_outside_lolpop_is_not_silently_made_a_dict() -> None:
    counts: collections.defaultdict[str, int] = collections.defaultdict(int, {"a": 1})
    try:
        decoded = round_trip(counts)
    except Unencodable:
        return
    assert type(decoded) is collections.defaultdict


def test_an_int_beyond_the_str_digit_limit_has_a_key_or_none() -> None:
    assert key_of(Identity("step", True), 10**5000) is not None


@pytest.mark.parametrize(
    "ref",
    ["os:system", "subprocess:Popen", "builtins:eval", "lolpop_codec_probe:Thing"],
)
@pytest.mark.parametrize("kind", ["record", "class", "enum"])
def test_decoding_a_class_outside_lolpop_is_refused_and_imports_nothing(
    ref: str, kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "ran"
    probe = tmp_path / "lolpop_codec_probe.py"
    probe.write_text(f"open({str(marker)!r}, 'w').close()\nclass Thing:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    touch = {"t": "list", "v": ["touch", str(marker)]}
    tree = {"t": kind, "c": ref, "v": [["args", touch], ["command", f"touch {marker}"]], "i": 0}
    if kind == "enum":
        tree["v"] = f"touch {marker}"
    with pytest.raises(ValueError, match="outside lolpop"):
        decode(crafted(tree))
    assert not marker.exists()
    assert "lolpop_codec_probe" not in sys.modules


@pytest.mark.parametrize(
    "ref",
    [
        "lolpop.backends.cache:Path",  # a lolpop module imports it from pathlib
        "lolpop.backends._codec:encode",  # a function, not a class
        "lolpop.components.records:Status.__class__",
    ],
)
def test_decoding_a_name_that_is_not_a_lolpop_class_is_refused(ref: str) -> None:
    with pytest.raises(ValueError, match="lolpop"):
        decode(crafted({"t": "class", "c": ref}))


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"LPC",
        b"PK\x03\x04 a zip, not a cached value",
        b"LPC1" + (5).to_bytes(8, "big") + b"{oops",
        b"LPC1" + (4).to_bytes(8, "big") + b"\xff\xfe\xfd\xfc",
        crafted([1, 2]),
        crafted(7),
        crafted({"t": "pickle", "v": "cos\nsystem\n"}),
        crafted({"t": "record", "c": "lolpop.components.records:Status", "v": []}),
        crafted({"t": "enum", "c": "lolpop.components.records:RunRef", "v": 1}),
    ],
    ids=[
        "empty",
        "short",
        "zip",
        "bad-json",
        "not-utf8",
        "list-tree",
        "int-tree",
        "unknown-kind",
        "enum-as-record",
        "record-as-enum",
    ],
)
def test_decoding_bytes_encode_did_not_write_raises_value_error(data: bytes) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 (any message: the point is the type)
        decode(data)


@pytest.mark.parametrize(
    "tree",
    [
        {"t": "ref", "i": 7},
        {"t": "int"},
        {"t": "bytes", "p": 3},
        {"t": "list", "v": 5},
        {"t": "class", "c": "lolpop.no_such_module:Thing"},
    ],
    ids=["dangling-ref", "missing-field", "missing-part", "not-a-list", "missing-module"],
)
def test_decoding_a_malformed_tree_raises_value_error(tree: object) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        decode(crafted(tree))


def os_system_pickle(command: str) -> bytes:
    """A pickle that calls `os.system(command)` when loaded by an unrestricted unpickler."""
    return b"cos\nsystem\n(" + pickle.dumps(command, protocol=0)[:-1] + b"tR."


def test_a_frame_pickle_naming_another_global_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    data = crafted({"t": "frame", "f": "pickle", "p": 0}, os_system_pickle(f"touch {marker}"))
    with pytest.raises(ValueError, match=r"os\.system"):
        decode(data)
    assert not marker.exists()


def test_decoding_a_foreign_frame_pickle_raises_value_error(tmp_path: Path) -> None:
    data = crafted({"t": "frame", "f": "pickle", "p": 0}, os_system_pickle("true"))
    with pytest.raises(ValueError):  # noqa: PT011
        decode(data)


# --- digests -----------------------------------------------------------------------------


def test_equal_values_built_apart_have_equal_digests(
    fitted: FittedModel[Classification],
) -> None:
    def build() -> object:
        return {
            "frame": mixed_frame(),
            "run": RunRef("r", "e"),
            "array": np.arange(5.0),
            "status": Status.WARN,
            "result": Success((1, [2.0], b"3")),
            "model": fitted,
        }

    assert digest(build()) == digest(build())


@pytest.mark.parametrize(
    "change",
    [
        lambda f: f.assign(n=[1, 2, 4]),
        lambda f: f.assign(label=["ann", "bob", "cy"]),
        lambda f: f.astype({"n": "float64"}),
        lambda f: f.astype({"count": "float64"}),
        lambda f: f.rename(columns={"x": "y"}),
        lambda f: f.set_axis([10, 20, 31]),
        lambda f: f.iloc[::-1],
        lambda f: f[["x", "n", "flag", "city", "when", "count", "label"]],
        lambda f: f.iloc[:2],
    ],
    ids=[
        "cell",
        "object-cell",
        "dtype",
        "nullable-dtype",
        "renamed-column",
        "index",
        "row-order",
        "column-order",
        "fewer-rows",
    ],
)
def test_a_changed_frame_has_another_digest(change: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    frame = mixed_frame()
    assert digest(change(frame)) != digest(frame)


def test_an_int_and_a_str_column_name_have_other_digests() -> None:
    assert digest(pd.DataFrame({1: [1, 2]})) != digest(pd.DataFrame({"1": [1, 2]}))


def test_a_renamed_index_has_another_digest() -> None:
    frame = mixed_frame()
    assert digest(frame.rename_axis("key")) != digest(frame)


def test_a_frame_digest_does_not_follow_display_options() -> None:
    frame = pd.DataFrame({"name": [0.123456789], "x": [1]})
    before = digest(frame)
    with pd.option_context("display.precision", 2):
        assert digest(frame) == before


def test_a_series_name_is_in_its_digest() -> None:
    assert digest(pd.Series([1, 2], name="a")) != digest(pd.Series([1, 2], name="b"))


def test_values_equal_in_python_but_of_other_types_have_other_digests() -> None:
    assert len({digest(1), digest(1.0), digest(True), digest(Status.WARN)}) == 4
    assert digest([1, 2]) != digest((1, 2))


def make_scaler(factor: float) -> Callable[[float], float]:
    def scale(x: float) -> float:
        return x * factor

    return scale


def test_a_function_of_the_same_code_and_closure_has_the_same_digest() -> None:
    assert digest(make_scaler(2.0)) == digest(make_scaler(2.0))


def test_a_function_closing_over_another_value_has_another_digest() -> None:
    assert digest(make_scaler(2.0)) != digest(make_scaler(3.0))


def test_a_function_with_another_constant_has_another_digest() -> None:
    def plus_one(x: int) -> int:
        return x + 1

    first = plus_one

    def plus_one(x: int) -> int:  # type: ignore[no-redef]  # same name, other constant
        return x + 2

    assert digest(first) != digest(plus_one)


def test_a_function_with_another_default_has_another_digest() -> None:
    def make(threshold: float) -> Callable[[float], bool]:
        def above(x: float, t: float = threshold) -> bool:
            return x > t

        return above

    assert digest(make(0.5)) != digest(make(0.9))


def test_a_secret_value_does_not_enter_a_digest() -> None:
    def make_notifier(url: Secret) -> Callable[[str], str]:
        def notify(text: str) -> str:
            return f"{url.reveal()} <- {text}"

        return notify

    one = Secret("codec-test-webhook-one")
    other = Secret("codec-test-webhook-two")
    assert digest({"url": one}) == digest({"url": other})
    assert digest(make_notifier(one)) == digest(make_notifier(other))


FRESH_SOURCE = """
import pandas as pd
from lolpop.components.records import ModelVersion, RunRef
frame = pd.DataFrame(
    {
        "n": [1, 2, 3],
        "city": pd.Categorical(["paris", "oslo", "paris"]),
        "when": pd.to_datetime(["2024-01-01", "2024-02-29", "2024-12-31"]),
        "count": pd.array([1, None, 3], dtype="Int64"),
        "label": pd.Series(["ann", "bob", None], dtype=object),
    },
    index=pd.Index(["a", "b", "c"], name="id"),
)
record = ModelVersion("churn", 3, "runs:/r/m", "r", ("champion",), {"team": "ml"})
run = RunRef("r", "exp")
"""


def digests_in_fresh_process(source: str, names: str, seed: str) -> list[str]:
    """The digests of `names` (comma-separated) after running `source` in a new Python."""
    script = f"{source}\nfrom lolpop.backends._codec import digest\nprint(*[digest(v) for v in ({names},)])"
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=Path.cwd(),
    )
    return done.stdout.split()


def test_a_digest_is_the_same_in_a_fresh_process() -> None:
    here: dict[str, object] = {}
    exec(FRESH_SOURCE, here)  # the same values, built the same way, here
    names = ["frame", "record", "run"]
    expected = [digest(here[name]) for name in names]
    assert digests_in_fresh_process(FRESH_SOURCE, ", ".join(names), seed="4242") == expected


SET_LITERAL_SOURCE = """
def is_fruit(x):
    return x in {"apple", "banana", "cherry", "damson"}
"""


def test_a_function_testing_membership_in_a_set_literal_has_one_digest_across_processes() -> None:
    first = digests_in_fresh_process(SET_LITERAL_SOURCE, "is_fruit", seed="0")
    second = digests_in_fresh_process(SET_LITERAL_SOURCE, "is_fruit", seed="1")
    assert first == second


# --- the step cache ----------------------------------------------------------------------

KEY = "ab" + "0" * 62


def test_a_kept_value_is_got_back_by_its_key(tmp_path: Path) -> None:
    cache = StepCache(tmp_path)
    value = {"run": RunRef("r", "e"), "frame": mixed_frame()}
    sha = cache.put(value, KEY)
    found, found_sha = cache.get(KEY)
    assert found_sha == sha
    assert isinstance(found, dict)
    assert found["run"] == value["run"]
    pd.testing.assert_frame_equal(found["frame"], mixed_frame())


def test_an_unencodable_value_is_not_kept(tmp_path: Path) -> None:
    cache = StepCache(tmp_path)
    assert cache.put({1, 2}, KEY) is None
    assert cache.get(KEY) == (MISS, "")


def test_a_changed_blob_is_a_miss(tmp_path: Path) -> None:
    cache = StepCache(tmp_path)
    sha = cache.put(RunRef("r", "e"), KEY)
    assert sha is not None
    (blob,) = (tmp_path / "objects").rglob(sha)
    blob.write_bytes(encode(RunRef("r", "forged")))
    found, _ = cache.get(KEY)
    assert found is MISS


def test_an_expired_key_is_a_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = StepCache(tmp_path)
    cache.put(RunRef("r", "e"), KEY)
    later = time.time() + 120
    monkeypatch.setattr(time, "time", lambda: later)
    assert cache.get(KEY, max_age=60)[0] is MISS
    assert cache.get(KEY, max_age=600)[0] == RunRef("r", "e")


def test_a_key_whose_blob_is_gone_is_a_miss(tmp_path: Path) -> None:
    cache = StepCache(tmp_path)
    sha = cache.put(RunRef("r", "e"), KEY)
    assert sha is not None
    (blob,) = (tmp_path / "objects").rglob(sha)
    blob.unlink()
    assert cache.get(KEY)[0] is MISS


def test_an_unknown_key_is_a_miss(tmp_path: Path) -> None:
    assert StepCache(tmp_path).get(KEY) == (MISS, "")


def test_a_kept_numpy_float_is_got_back(tmp_path: Path) -> None:
    cache = StepCache(tmp_path)
    cache.put({"mean": np.float64(0.25)}, KEY)
    assert cache.get(KEY)[0] == {"mean": 0.25}


def test_a_fresh_digest_sees_a_model_changed_in_place() -> None:
    model = LogisticRegression(C=1.0)
    first = digest(model)
    model.set_params(C=2.0)  # in place: a step's output is never changed so, a test's may be
    assert digest(model) == first  # remembered: written once per object
    assert digest(model, remembered=False) != first
