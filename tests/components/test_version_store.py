"""The local content-addressed store: round trips, deduplication, numbering, refusal of
damaged blobs, and a store that survives killed and concurrent writers."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cattrs.errors import ClassValidationError

from lolpop import StepFailure
from lolpop.components.records import ResourceVersionControl, Version
from lolpop.components.version_store import (
    KINDS,
    LocalStore,
    LocalStoreSettings,
    StoreError,
    local_store,
)
from lolpop.config.converter import make_converter, problems_of
from lolpop.config.records import ComponentConfig
from lolpop.config.registry import Registry
from lolpop.errors import DefinitionError

REPO = Path(__file__).resolve().parents[2]


def blobs(root: Path) -> list[Path]:
    """Every complete blob file (temporary files begin with '.')."""
    return sorted(
        p for p in (root / "objects").rglob("*") if p.is_file() and not p.name.startswith(".")
    )


def cause(raised: pytest.ExceptionInfo[StepFailure]) -> BaseException:
    return raised.value.failure.cause


def typed_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "x": [1.5, np.nan, -3.25, 0.0],
            "n": np.array([1, 2, 3, 4], dtype="int64"),
            "flag": [True, False, True, True],
            "colour": pd.Categorical(["red", "blue", "red", None], categories=["red", "blue"]),
            "label": pd.Series(["a", "b", None, "d"], dtype="str"),
            "when": pd.to_datetime(["2024-01-01", "2024-02-01", "NaT", "2024-04-01"]),
            "count": pd.array([1, None, 3, 4], dtype="Int64"),
        },
        index=pd.Index(["r1", "r2", "r3", "r4"], name="row", dtype="str"),
    )


# --- round trips -----------------------------------------------------------------------


def test_a_frame_round_trips_exactly_as_parquet(tmp_path: Path) -> None:
    store = local_store(tmp_path)
    frame = typed_frame()
    version = store.save_frame(("train", frame))
    assert (version.name, version.number, version.kind) == ("train", 1, "frame")
    assert version.metadata == {"format": "parquet"}
    assert len(version.digest) == 64
    assert (
        version.size == (tmp_path / "objects" / version.digest[:2] / version.digest).stat().st_size
    )
    back = store.load_frame(version)
    pd.testing.assert_frame_equal(back, frame, check_exact=True)
    assert back.dtypes.to_dict() == frame.dtypes.to_dict()
    assert back.index.name == "row"
    assert back.index.tolist() == ["r1", "r2", "r3", "r4"]


def test_a_frame_parquet_cannot_hold_exactly_is_pickled_and_round_trips(tmp_path: Path) -> None:
    store = local_store(tmp_path)
    # An object column of strings with None (pandas 3 would read it back as `str`), a
    # MultiIndex and integer column names: none of it survives Parquet exactly.
    frame = pd.DataFrame({0: pd.Series(["a", None, "c"], dtype=object), 1: [1.0, 2.0, np.nan]})
    frame.index = pd.MultiIndex.from_tuples([("a", 1), ("a", 2), ("b", 1)], names=["g", "i"])
    version = store.save_frame(("odd", frame))
    assert version.metadata == {"format": "pickle"}
    back = store.load_frame(version)
    pd.testing.assert_frame_equal(back, frame, check_exact=True)
    assert back[0].tolist() == ["a", None, "c"]
    assert back[0].dtype == object


def test_same_frame_gives_the_same_bytes_and_an_equal_copy_too(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    frame = typed_frame()
    first = store.save_frame("train", frame)
    # Built column by column: other internal blocks, same Parquet bytes, same version.
    rebuilt = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        rebuilt[column] = frame[column]
    assert store.save_frame("train", rebuilt) == first
    assert store.save_frame("train", frame.copy()) == first
    assert len(blobs(tmp_path)) == 1


def test_an_object_round_trips(tmp_path: Path) -> None:
    store = local_store(tmp_path)
    value = {"weights": np.arange(6.0).reshape(2, 3), "classes": ("a", "b"), "n": 3}
    version = store.save_object(("encoder", value))
    assert (version.kind, version.number, version.metadata) == ("object", 1, {"format": "skops"})
    back = store.load_object(version)
    assert isinstance(back, dict)
    assert back["classes"] == ("a", "b")
    assert back["n"] == 3
    np.testing.assert_array_equal(back["weights"], value["weights"])


def test_an_object_the_store_cannot_load_back_is_refused_by_name(tmp_path: Path) -> None:
    store = local_store(tmp_path)
    with pytest.raises(StepFailure) as raised:
        store.save_object(("fn", lambda x: x))
    assert isinstance(cause(raised), StoreError)
    assert "'fn'" in str(cause(raised))
    assert "<lambda>" in str(cause(raised))  # skops saves it, but would not load it
    assert store.versions("fn") == ()


# --- deduplication and numbering --------------------------------------------------------


def test_identical_content_is_stored_once_and_numbers_count_changes(tmp_path: Path) -> None:
    store = local_store(tmp_path)
    one = pd.DataFrame({"a": [1, 2, 3]})
    two = pd.DataFrame({"a": [1, 2, 4]})
    v1 = store.save_frame(("data", one))
    assert store.save_frame(("data", one)) == v1  # unchanged: the latest version again
    assert len(blobs(tmp_path)) == 1
    v2 = store.save_frame(("data", two))
    v3 = store.save_frame(("data", one))  # a change back: a new number, the blob shared
    assert [v1.number, v2.number, v3.number] == [1, 2, 3]
    assert v3.digest == v1.digest
    assert len(blobs(tmp_path)) == 2
    assert [v.number for v in store.versions("data")] == [1, 2, 3]
    assert store.versions("data") == (v1, v2, v3)
    assert store.versions("nothing-saved") == ()
    # Names are independent; the same content under another name shares the blob.
    assert store.save_frame(("other", one)).number == 1
    assert len(blobs(tmp_path)) == 2


def test_a_frame_and_an_object_of_one_name_are_told_apart(tmp_path: Path) -> None:
    store = local_store(tmp_path)
    frame_version = store.save_frame(("thing", pd.DataFrame({"a": [1]})))
    object_version = store.save_object(("thing", [1, 2]))
    assert (frame_version.number, object_version.number) == (1, 2)
    with pytest.raises(StepFailure) as raised:
        store.load_frame(object_version)
    assert isinstance(cause(raised), StoreError)
    assert "'thing' version 2" in str(cause(raised))


# --- damage ------------------------------------------------------------------------------


def test_a_corrupt_blob_is_refused_naming_the_version(tmp_path: Path) -> None:
    store = local_store(tmp_path)
    store.save_frame(("data", pd.DataFrame({"a": [1.0, 2.0]})))
    version = store.save_frame(("data", pd.DataFrame({"a": [3.0, 4.0]})))
    blob = tmp_path / "objects" / version.digest[:2] / version.digest
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size: only the digest can tell
    blob.write_bytes(bytes(data))
    with pytest.raises(StepFailure) as raised:
        store.load_frame(version)
    error = cause(raised)
    assert isinstance(error, StoreError)
    assert "'data' version 2" in str(error)
    assert "corrupt" in str(error)
    assert version.digest[:12] in str(error)
    # The intact version 1 still loads.
    assert store.load_frame(store.versions("data")[0])["a"].tolist() == [1.0, 2.0]


def test_a_missing_blob_is_refused_on_load_and_on_listing(tmp_path: Path) -> None:
    store = local_store(tmp_path)
    version = store.save_object(("model", {"w": 1}))
    (tmp_path / "objects" / version.digest[:2] / version.digest).unlink()
    with pytest.raises(StepFailure) as raised:
        store.load_object(version)
    assert isinstance(cause(raised), StoreError)
    assert "'model' version 1" in str(cause(raised))
    assert "missing" in str(cause(raised))
    # Listed, it is damage too (not a version silently gone): the error names the record.
    with pytest.raises(StepFailure) as raised:
        store.versions("model")
    assert isinstance(cause(raised), StoreError)
    assert str(tmp_path / "refs" / "model" / "1.json") in str(cause(raised))
    assert "missing" in str(cause(raised))


def test_a_forged_digest_cannot_escape_the_store(tmp_path: Path) -> None:
    store = local_store(tmp_path)
    forged = Version("x", 1, "../../etc/passwd", "object", 10, 0.0)
    with pytest.raises(StepFailure) as raised:
        store.load_object(forged)
    assert isinstance(cause(raised), StoreError)
    assert "not a SHA-256" in str(cause(raised))


def test_temp_files_and_claims_are_never_listed_and_torn_records_are_refused(
    tmp_path: Path,
) -> None:
    store = local_store(tmp_path)
    v1 = store.save_object(("data", 1))
    v2 = store.save_object(("data", 2))
    refs = tmp_path / "refs" / "data"
    (refs / ".3.json.0123abcd.tmp").write_text('{"name": "data", "number": 3')
    (refs / "3.claim").write_bytes(b"")  # a number claimed by a writer that was killed
    (refs / "4.claim").write_bytes(b"")
    (refs / "notes.txt").write_text("not a version")
    (tmp_path / "objects" / "ab").mkdir(parents=True, exist_ok=True)
    (tmp_path / "objects" / "ab" / ".abc.tmp").write_bytes(b"half a blob")
    assert store.versions("data") == (v1, v2)
    v5 = store.save_object(("data", 3))
    assert v5.number == 5  # numbers 3 and 4 were claimed
    assert store.versions("data") == (v1, v2, v5)
    assert store.load_object(v5) == 3
    assert not (refs / "5.claim").exists()  # removed once its record was in place
    # A record is written whole (temporary file, then os.replace), so a torn one, or an
    # empty one, is damage: refused, naming the file, never skipped.
    (refs / "4.json").write_bytes(b"")
    with pytest.raises(StepFailure) as raised:
        store.versions("data")
    assert isinstance(cause(raised), StoreError)
    assert str(refs / "4.json") in str(cause(raised))
    assert "it is empty" in str(cause(raised))
    (refs / "4.json").write_text('{"name": "data", "number": 4, "dig')
    with pytest.raises(StepFailure) as raised:
        store.versions("data")
    assert isinstance(cause(raised), StoreError)
    assert str(refs / "4.json") in str(cause(raised))
    assert "not valid JSON" in str(cause(raised))


@pytest.mark.parametrize("name", ["", "a/b", "..", "../up", "a\\b", ".hidden", "x" * 201])
def test_bad_names_are_refused(tmp_path: Path, name: str) -> None:
    store = local_store(tmp_path)
    with pytest.raises(StepFailure) as raised:
        store.save_object((name, 1))
    assert isinstance(cause(raised), DefinitionError)
    with pytest.raises(StepFailure) as raised:
        store.versions(name)
    assert isinstance(cause(raised), DefinitionError)
    assert not (tmp_path / "refs").exists() or not any((tmp_path / "refs").iterdir())


# --- killed and concurrent writers --------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    import lolpop.components.version_store as vs

    root, marker, stage = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    store = vs.LocalStore(root)
    store.save_object("big", b"first")
    store.save_object("big", b"second")
    if stage == "blob":
        # Stop half-way through writing the 50 MB blob's temporary file.
        original = vs._write_chunks
        def slow(fd, data):
            if len(data) > 1_000_000:
                os.write(fd, data[: len(data) // 2])
                marker.touch()
                time.sleep(60)
            original(fd, data)
        vs._write_chunks = slow
    else:
        # Stop after the blob is in place and the number claimed, before the record.
        original = vs.write_atomically
        def slow(path, data):
            if path.suffix == ".json":
                marker.touch()
                time.sleep(60)
            original(path, data)
        vs.write_atomically = slow
    store.save_object("big", b"x" * 50_000_000)
    """
)


def run_child(code: str, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-c", code, *args], env=env)


def kill_when(child: subprocess.Popen[bytes], ready: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not ready.exists():
        assert child.poll() is None, "the child ended before it was killed"
        assert time.monotonic() < deadline, "the child never reached the point to kill it at"
        time.sleep(0.01)
    os.kill(child.pid, signal.SIGKILL)
    assert child.wait(timeout=30) == -signal.SIGKILL


def check_every_version_loads(store: LocalStore, name: str) -> tuple[Version, ...]:
    listed = store.versions(name)
    for version in listed:
        store.load_object(version)  # reads and verifies the digest
    return listed


def test_writers_killed_mid_write_leave_no_half_version(tmp_path: Path) -> None:
    # Two children at once (they spend most of their time importing pandas): one killed
    # half-way through a 50 MB blob, one after its blob and its number, before its record.
    children = {
        stage: run_child(CHILD, str(tmp_path / stage), str(tmp_path / f"{stage}.ready"), stage)
        for stage in ("blob", "record")
    }
    for stage, child in children.items():
        kill_when(child, tmp_path / f"{stage}.ready")

    store = LocalStore(tmp_path / "blob")
    stray = list((tmp_path / "blob" / "objects").rglob(".*.tmp"))
    assert len(stray) == 1
    assert 0 < stray[0].stat().st_size < 50_000_000  # half-written, really
    listed = check_every_version_loads(store, "big")
    assert [v.number for v in listed] == [1, 2]
    assert [store.load_object(v) for v in listed] == [b"first", b"second"]
    # The store goes on: the same content saves whole now, as version 3.
    version = store.save_object("big", b"x" * 50_000_000)
    assert version.number == 3
    assert store.load_object(version) == b"x" * 50_000_000

    store = LocalStore(tmp_path / "record")
    assert (tmp_path / "record" / "refs" / "big" / "3.claim").read_bytes() == b""  # claimed
    assert not (tmp_path / "record" / "refs" / "big" / "3.json").exists()  # never recorded
    assert [v.number for v in check_every_version_loads(store, "big")] == [1, 2]
    assert store.save_object("big", b"after").number == 4


LOOP = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import lolpop.components.version_store as vs

    store = vs.LocalStore(sys.argv[1])
    start, go = int(sys.argv[2]), Path(sys.argv[3])
    while not go.exists():
        time.sleep(0.005)
    for i in range(start, start + 10_000):
        store.save_object("loop", bytes([i % 251]) * 3_000_000 + str(i).encode())
    """
)


def test_writers_killed_at_random_points_leave_only_whole_versions(tmp_path: Path) -> None:
    root = tmp_path / "store"
    store = LocalStore(root)
    chance = random.Random(7)
    # Started together (their imports overlap); each saves only once told to.
    children = [
        run_child(LOOP, str(root), str(n * 10_000), str(tmp_path / f"go{n}")) for n in range(2)
    ]
    seen = 0
    for n, child in enumerate(children):
        (tmp_path / f"go{n}").touch()
        deadline = time.monotonic() + 60
        while len(store.versions("loop")) < seen + 2:
            assert child.poll() is None
            assert time.monotonic() < deadline
            time.sleep(0.002)
        time.sleep(chance.uniform(0.0, 0.02))
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        listed = check_every_version_loads(store, "loop")
        assert [v.number for v in listed] == sorted({v.number for v in listed})
        assert len(listed) >= seen + 2
        seen = len(listed)


def save_ten(root: str, worker: int, barrier: multiprocessing.synchronize.Barrier) -> None:
    store = LocalStore(root)
    barrier.wait()
    for i in range(10):
        store.save_object("shared", {"worker": worker, "i": i})


def test_two_processes_saving_at_once_get_distinct_numbers(tmp_path: Path) -> None:
    # spawn, not fork: by now the test session runs threads (Prefect, Dask), and a forked
    # child may inherit a lock one of them held.
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    workers = [
        context.Process(target=save_ten, args=(str(tmp_path), worker, barrier)) for worker in (0, 1)
    ]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=60)
        assert process.exitcode == 0
    store = LocalStore(tmp_path)
    listed = store.versions("shared")
    assert [v.number for v in listed] == list(range(1, 21))
    objects = [store.load_object(v) for v in listed]
    loaded = [d for d in objects if isinstance(d, dict)]
    assert len(loaded) == 20
    assert sorted((d["worker"], d["i"]) for d in loaded) == [
        (w, i) for w in (0, 1) for i in range(10)
    ]
    # Each worker's own saves keep their order.
    for worker in (0, 1):
        assert [d["i"] for d in loaded if d["worker"] == worker] == list(range(10))


# --- the component --------------------------------------------------------------------------


def test_settings_decode_through_the_converter_and_build_the_component(tmp_path: Path) -> None:
    converter = make_converter(Registry(KINDS))
    config = converter.structure({"type": "local_store", "root": str(tmp_path)}, ComponentConfig)
    assert config.settings == LocalStoreSettings(root=str(tmp_path))
    component = KINDS[0].build(config.settings)
    assert isinstance(component, ResourceVersionControl)
    assert component.save_object(("x", 1)).number == 1
    assert (tmp_path / "refs" / "x" / "1.json").exists()
    default = converter.structure({"type": "local_store"}, ComponentConfig)
    assert default.settings == LocalStoreSettings(root=".lolpop/store")
    with pytest.raises(ClassValidationError) as raised:
        converter.structure({"type": "local_store", "path": "x"}, ComponentConfig)
    assert "path" in str(problems_of(raised.value))


def test_saves_are_effects_and_loads_are_not(tmp_path: Path) -> None:
    store = local_store(tmp_path)
    assert store.save_frame.meta.effect
    assert store.save_object.meta.effect
    assert not store.load_frame.meta.effect
    assert not store.load_object.meta.effect
    assert not store.versions.meta.effect
