"""Integrity by digest: what lolpop wrote is what it loads, or it refuses, naming the file.

Each attack is first shown working without lolpop's checks (its payload, loaded the
plain way, leaves a marker file), then shown refused by lolpop with the marker absent:

(a) an MLflow model whose MLmodel was switched to cloudpickle beside an evil model.pkl;
(b) a store blob replaced by an evil pickle, its record re-marked (format, digest, size);
(c) a valid model file of another model swapped in;
(d) damaged store records (truncated, garbage, another name or number, no blob).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import os
import pathlib
import pickle
import shutil
import signal
import subprocess
import sys
import urllib.parse
from pathlib import Path
from typing import Literal

import mlflow.sklearn
import numpy as np
import pandas as pd
import pytest
import yaml
from mlflow import MlflowClient
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from lolpop.components._mlflow import TrackingError
from lolpop.components._trust import FRAME_PICKLE_GLOBALS
from lolpop.components.local_repository import (
    LocalRegistrySettings,
    RegistryError,
    local_registry,
)
from lolpop.components.mlflow_repository import (
    MlflowRegistrySettings,
    check_sklearn_flavor,
    mlflow_repository,
)
from lolpop.components.mlflow_tracker import MlflowSettings, mlflow_tracker
from lolpop.components.records import (
    Artifact,
    Classification,
    FittedModel,
    ModelArtifact,
    ModelRepository,
    ModelVersion,
    RunRef,
    RunSpec,
    TaskKind,
)
from lolpop.components.version_store import LocalStore, StoreError, local_store
from lolpop.errors import StepFailure

# --- payloads ----------------------------------------------------------------------------


class Touch:
    """Pickles to a call of `pathlib.Path.touch(marker)`: unpickling it creates the marker."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return (pathlib.Path.touch, (self.marker,))


class System:
    """Pickles to `os.system("touch <marker>")`."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return (os.system, (f"touch '{self.marker}'",))


class Marked:
    """A class whose instances create their marker when skops builds them."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __setstate__(self, state: dict[str, str]) -> None:
        Path(state["marker"]).touch()
        self.__dict__.update(state)


PAYLOADS = {"Path.touch": Touch, "os.system": System}


def evil_pickle(kind: str, marker: Path) -> bytes:
    data = pickle.dumps(PAYLOADS[kind](marker), protocol=5)
    assert data.startswith(b"\x80\x05")  # what the store's format check looks for
    return data


def reproduce(load: object, marker: Path) -> None:
    """Show the payload works when loaded without lolpop's checks, then clear its marker."""
    assert callable(load)
    assert not marker.exists()
    with contextlib.suppress(Exception):
        load()
    assert marker.exists(), "the payload did not run: the attack is not reproduced"
    marker.unlink()


def cause(raised: pytest.ExceptionInfo[StepFailure]) -> BaseException:
    return raised.value.failure.cause


# --- the store's files ----------------------------------------------------------------------


def record_file(root: Path, name: str, number: int) -> Path:
    return root / "refs" / name / f"{number}.json"


def blob_file(root: Path, digest: str) -> Path:
    return root / "objects" / digest[:2] / digest


def put_blob(root: Path, data: bytes) -> str:
    """What an attacker with write access does: a new blob, named by its digest."""
    digest = hashlib.sha256(data).hexdigest()
    blob_file(root, digest).parent.mkdir(parents=True, exist_ok=True)
    blob_file(root, digest).write_bytes(data)
    return digest


def remark(root: Path, name: str, number: int, data: bytes, form: str) -> None:
    """Point a record at `data` (a new blob), with the format, digest and size it needs."""
    path = record_file(root, name, number)
    record = json.loads(path.read_text())
    record.update(digest=put_blob(root, data), size=len(data))
    record["metadata"]["format"] = form
    path.write_text(json.dumps(record))


# --- (b) store blobs replaced by pickles ---------------------------------------------------


@pytest.mark.parametrize("payload", sorted(PAYLOADS))
def test_a_frame_blob_replaced_by_an_evil_pickle_is_refused(tmp_path: Path, payload: str) -> None:
    root, marker = tmp_path / "store", tmp_path / "pwned"
    store = local_store(root)
    store.save_frame(("train", pd.DataFrame({"x": [1.0, 2.0]})))
    data = evil_pickle(payload, marker)
    remark(root, "train", 1, data, "pickle")
    reproduce(lambda: pickle.loads(data), marker)

    (listed,) = store.versions("train")  # a valid record: format, digest and size agree
    assert listed.metadata["format"] == "pickle"
    with pytest.raises(StepFailure) as raised:
        store.load_frame(listed)
    error = cause(raised)
    assert isinstance(error, StoreError)
    assert "'train' version 1" in str(error)
    assert str(blob_file(root, listed.digest)) in str(error)
    assert "does not load from a pickle" in str(error)
    assert not marker.exists()


@pytest.mark.parametrize("payload", sorted(PAYLOADS))
def test_an_object_blob_replaced_by_an_evil_pickle_is_refused(tmp_path: Path, payload: str) -> None:
    root, marker = tmp_path / "store", tmp_path / "pwned"
    store = local_store(root)
    store.save_object(("encoder", {"weights": [1.0, 2.0]}))
    data = evil_pickle(payload, marker)
    remark(root, "encoder", 1, data, "pickle")
    reproduce(lambda: pickle.loads(data), marker)

    (listed,) = store.versions("encoder")
    with pytest.raises(StepFailure) as raised:
        store.load_object(listed)
    error = cause(raised)
    assert isinstance(error, StoreError)
    assert "'encoder' version 1" in str(error)
    assert "lolpop no longer loads pickled objects" in str(error)
    assert not marker.exists()


@pytest.mark.parametrize(("kind", "form"), [("frame", "parquet"), ("object", "skops")])
def test_a_pickle_behind_a_record_naming_a_safe_format_is_refused_before_decoding(
    tmp_path: Path, kind: str, form: str
) -> None:
    root, marker = tmp_path / "store", tmp_path / "pwned"
    store = LocalStore(root)
    if kind == "frame":
        store.save_frame("data", pd.DataFrame({"x": [1.0]}))
    else:
        store.save_object("data", [1, 2])
    data = evil_pickle("Path.touch", marker)
    remark(root, "data", 1, data, form)  # the format says safe, the bytes are a pickle
    (listed,) = store.versions("data")
    with pytest.raises(StoreError) as raised:
        store.load_frame(listed) if kind == "frame" else store.load_object(listed)
    assert f"its record says {form}" in str(raised.value)
    assert str(blob_file(root, listed.digest)) in str(raised.value)
    assert not marker.exists()


def test_a_skops_blob_of_an_untrusted_type_is_refused(tmp_path: Path) -> None:
    skops = importlib.import_module("skops.io")  # ships no type information
    root, marker = tmp_path / "store", tmp_path / "pwned"
    store = LocalStore(root)
    store.save_object("model", {"w": 1})
    data = skops.dumps(Marked(str(marker)))
    trusted = [f"{Marked.__module__}.{Marked.__qualname__}"]
    reproduce(lambda: skops.loads(data, trusted=trusted), marker)
    remark(root, "model", 1, data, "skops")
    (listed,) = store.versions("model")
    with pytest.raises(StoreError) as raised:
        store.load_object(listed)
    assert "Marked" in str(raised.value)
    assert "trusted_types" in str(raised.value)
    assert not marker.exists()
    # The store's own list comes from code: a store given the type loads it (once reviewed).
    assert isinstance(LocalStore(root, trusted).load_object(listed), Marked)
    marker.unlink()


def test_a_frame_pickle_reaching_for_methods_through_getattr_is_refused(tmp_path: Path) -> None:
    class Reach:
        def __reduce__(self) -> tuple[object, tuple[object, ...]]:
            return (getattr, (pd.DataFrame, "to_pickle"))

    root = tmp_path / "store"
    store = LocalStore(root)
    store.save_frame("data", pd.DataFrame({"x": [1.0]}))
    remark(root, "data", 1, pickle.dumps(Reach(), protocol=5), "pickle")
    with pytest.raises(StoreError, match="getattr\\(DataFrame, 'to_pickle'\\)"):
        store.load_frame(store.versions("data")[0])


def misplaced_block_pickle() -> bytes:
    """A frame pickle of allowed classes only, whose block claims column 100,000,000 of 2."""
    # pandas' internals (no public API, no type stubs builds such a frame)
    placement = importlib.import_module("pandas._libs.internals").BlockPlacement
    manager_class = importlib.import_module("pandas.core.internals").BlockManager
    new_block = importlib.import_module("pandas.core.internals.blocks").new_block
    block = new_block(
        np.arange(6.0).reshape(2, 3), placement=placement(np.array([0, 100_000_000])), ndim=2
    )
    axes = [pd.Index(["a", "b"]), pd.RangeIndex(3)]
    manager = manager_class((block,), axes, verify_integrity=False)
    frame = getattr(pd.DataFrame, "_from_mgr")(manager, axes=manager.axes)  # noqa: B009 (no stub)
    return pickle.dumps(frame, protocol=5)


def test_a_frame_pickle_with_a_block_placed_out_of_bounds_is_refused(tmp_path: Path) -> None:
    data = misplaced_block_pickle()
    blob = tmp_path / "blob.pkl"
    blob.write_bytes(data)
    # Loaded the plain way, the first column access writes out of bounds: the process dies.
    crash = "import pickle, sys; pickle.loads(open(sys.argv[1], 'rb').read())['b']"
    done = subprocess.run([sys.executable, "-c", crash, str(blob)], check=False, timeout=120)
    assert done.returncode == -signal.SIGSEGV

    root = tmp_path / "store"
    store = LocalStore(root)
    store.save_frame("data", pd.DataFrame({"x": [1.0]}))
    remark(root, "data", 1, data, "pickle")
    with pytest.raises(StoreError) as raised:
        store.load_frame(store.versions("data")[0])
    assert "its blocks do not hold each column exactly once" in str(raised.value)
    assert "'data' version 1" in str(raised.value)


def test_a_frame_pickle_with_categorical_codes_out_of_bounds_is_refused(tmp_path: Path) -> None:
    categorical = pd.Categorical([1.5, 2.5, 1.5])
    categorical._ndarray[0] = 120  # past the 2 categories
    data = pickle.dumps(pd.DataFrame({"c": categorical}), protocol=5)
    # Loaded the plain way, it reads memory past the categories.
    leaked = np.asarray(pickle.loads(data)["c"])
    assert not set(leaked.tolist()) <= {1.5, 2.5}

    root = tmp_path / "store"
    store = LocalStore(root)
    store.save_frame("data", pd.DataFrame({"x": [1.0]}))
    remark(root, "data", 1, data, "pickle")
    with pytest.raises(StoreError, match="codes outside its categories"):
        store.load_frame(store.versions("data")[0])


def test_objects_are_saved_with_skops_and_frames_pickle_only_allowed_values(
    tmp_path: Path,
) -> None:
    store = LocalStore(tmp_path)
    version = store.save_object("thing", {"a": np.arange(3)})
    assert version.metadata["format"] == "skops"
    assert blob_file(tmp_path, version.digest).read_bytes().startswith(b"PK\x03\x04")
    # A frame Parquet cannot hold is pickled, and loads back through the restricted
    # unpickler (checked when it is saved).
    odd = pd.DataFrame({0: pd.Series(["a", None], dtype=object), "when": pd.Timestamp(0)})
    pickled = store.save_frame("odd", odd)
    assert pickled.metadata["format"] == "pickle"
    pd.testing.assert_frame_equal(store.load_frame(pickled), odd)
    # A value the restricted unpickler would refuse is refused when saved, by column.
    paths = pd.DataFrame({"path": pd.Series([Path("a"), Path("b")], dtype=object)})
    with pytest.raises(StoreError) as raised:
        store.save_frame("paths", paths)
    assert "'path'" in str(raised.value)
    assert "pathlib" in str(raised.value)
    assert store.versions("paths") == ()


def test_every_global_a_frame_pickle_may_name_exists_and_none_runs_arbitrary_code() -> None:
    forbidden = {
        ("builtins", name) for name in ("eval", "exec", "open", "__import__", "compile")
    } | {("os", "system"), ("pandas", "read_pickle"), ("numpy", "load"), ("pickle", "loads")}
    assert not FRAME_PICKLE_GLOBALS & forbidden
    for module, name in FRAME_PICKLE_GLOBALS:
        assert hasattr(importlib.import_module(module), name), f"{module}.{name}"


# --- (d) damaged records ---------------------------------------------------------------------


def _truncated(record: bytes) -> bytes:
    return record[: len(record) // 2]


def _emptied(record: bytes) -> bytes:
    return b""


def _garbage(record: bytes) -> bytes:
    return b"\x00\xff not a record \x17"


def _other_name(record: bytes) -> bytes:
    return json.dumps({**json.loads(record), "name": "other"}).encode()


def _other_number(record: bytes) -> bytes:
    return json.dumps({**json.loads(record), "number": 7}).encode()


def _array(record: bytes) -> bytes:
    return b"[1, 2]"


def _no_format(record: bytes) -> bytes:
    return json.dumps({**json.loads(record), "metadata": {}}).encode()


def _bad_digest(record: bytes) -> bytes:
    return json.dumps({**json.loads(record), "digest": "../../etc/passwd"}).encode()


DAMAGE = {
    "truncated": (_truncated, "not valid JSON"),
    "emptied": (_emptied, "it is empty"),
    "garbage": (_garbage, "not valid JSON"),
    "another name": (_other_name, "records 'other' version 1"),
    "another number": (_other_number, "records 'data' version 7"),
    "not an object": (_array, "not an object"),
    "no format": (_no_format, "format None"),
    "a bad digest": (_bad_digest, "not a SHA-256"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_record_is_an_error_naming_it_never_a_skipped_version(
    tmp_path: Path, damage: str
) -> None:
    change, message = DAMAGE[damage]
    store = local_store(tmp_path)
    store.save_frame(("data", pd.DataFrame({"x": [1.0]})))
    store.save_frame(("data", pd.DataFrame({"x": [2.0]})))
    path = record_file(tmp_path, "data", 1)
    path.write_bytes(change(path.read_bytes()))
    with pytest.raises(StepFailure) as raised:
        store.versions("data")  # before: version 1 silently dropped, version 2 listed alone
    error = cause(raised)
    assert isinstance(error, StoreError)
    assert str(path) in str(error)
    assert message in str(error)


@pytest.mark.parametrize("damage", ["missing", "another size"])
def test_a_record_whose_blob_is_missing_or_resized_is_an_error(tmp_path: Path, damage: str) -> None:
    store = LocalStore(tmp_path)
    version = store.save_frame("data", pd.DataFrame({"x": [1.0]}))
    blob = blob_file(tmp_path, version.digest)
    if damage == "missing":
        blob.unlink()
    else:
        blob.write_bytes(blob.read_bytes() + b"more")
    with pytest.raises(StoreError) as raised:
        store.versions("data")
    assert str(record_file(tmp_path, "data", 1)) in str(raised.value)
    assert str(blob) in str(raised.value)


def test_a_claim_is_skipped_and_an_empty_record_is_damage(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    first = store.save_frame("data", pd.DataFrame({"x": [1.0]}))
    claim = record_file(tmp_path, "data", 2).with_suffix(".claim")
    claim.write_bytes(b"")  # a number claimed by a writer that was killed
    assert store.versions("data") == (first,)
    assert store.save_frame("data", pd.DataFrame({"x": [2.0]})).number == 3
    # A record cut to nothing cannot be told from anything else: refused, naming it.
    record_file(tmp_path, "data", 1).write_bytes(b"")
    with pytest.raises(StoreError) as raised:
        store.versions("data")
    assert str(record_file(tmp_path, "data", 1)) in str(raised.value)
    assert "'data' version 1" in str(raised.value)


# --- (c) local registry: another model swapped in ---------------------------------------------


@pytest.fixture(scope="module")
def iris() -> tuple[pd.DataFrame, pd.Series]:
    data = load_iris(as_frame=True)
    return data.data, data.target


def fitted(iris: tuple[pd.DataFrame, pd.Series], c: float) -> FittedModel[TaskKind]:
    features, target = iris
    estimator = LogisticRegression(C=c, max_iter=300).fit(features, target)
    return FittedModel(estimator, Classification, tuple(features.columns), "target", (0, 1, 2))


def test_a_local_registry_refuses_another_models_file_swapped_in(
    tmp_path: Path, iris: tuple[pd.DataFrame, pd.Series]
) -> None:
    repo = local_registry(LocalRegistrySettings(root=str(tmp_path), model_name="iris"))
    weak, strong = fitted(iris, 0.001), fitted(iris, 10.0)
    repo.register(ModelArtifact("runs:/a/model", RunRef("a", "x"), weak))
    v2 = repo.register(ModelArtifact("runs:/b/model", RunRef("b", "x"), strong))
    store_root = tmp_path / "store"
    registration = tmp_path / "models" / "iris" / "versions" / "2.json"
    assert (
        json.loads(registration.read_text())["sha256"]
        == json.loads(record_file(store_root, "iris", 2).read_text())["digest"]
    )

    # The swap: version 2's record now names version 1's blob (a valid model in itself).
    first = json.loads(record_file(store_root, "iris", 1).read_text())
    second = json.loads(record_file(store_root, "iris", 2).read_text())
    second.update(digest=first["digest"], size=first["size"])
    record_file(store_root, "iris", 2).write_text(json.dumps(second))
    swapped = LocalStore(store_root).load_object(LocalStore(store_root).versions("iris")[1])
    assert isinstance(swapped, FittedModel)
    assert np.array_equal(
        np.asarray(swapped.estimator.predict(iris[0])), np.asarray(weak.estimator.predict(iris[0]))
    )

    with pytest.raises(StepFailure) as raised:
        repo.load(v2)
    error = cause(raised)
    assert isinstance(error, RegistryError)
    assert "'iris' version 2" in str(error)
    assert str(registration) in str(error)
    assert str(record_file(store_root, "iris", 2)) in str(error)


def test_a_local_registry_refuses_a_blob_overwritten_with_another_model(
    tmp_path: Path, iris: tuple[pd.DataFrame, pd.Series]
) -> None:
    repo = local_registry(LocalRegistrySettings(root=str(tmp_path), model_name="iris"))
    v1 = repo.register(ModelArtifact("runs:/a/model", RunRef("a", "x"), fitted(iris, 0.001)))
    v2 = repo.register(ModelArtifact("runs:/b/model", RunRef("b", "x"), fitted(iris, 10.0)))
    store = LocalStore(tmp_path / "store")
    one, two = store.versions("iris")
    blob = blob_file(tmp_path / "store", two.digest)
    blob.write_bytes(blob_file(tmp_path / "store", one.digest).read_bytes())
    two_size = blob.stat().st_size
    record = json.loads(record_file(tmp_path / "store", "iris", 2).read_text())
    record["size"] = two_size  # keep the listing happy: only the digest can tell
    record_file(tmp_path / "store", "iris", 2).write_text(json.dumps(record))
    with pytest.raises(StepFailure) as raised:
        repo.load(v2)
    assert isinstance(cause(raised), StoreError)
    assert "corrupt" in str(cause(raised))
    assert str(blob) in str(cause(raised))
    assert repo.load(v1).features == tuple(iris[0].columns)


def test_a_local_registration_without_a_digest_is_refused(
    tmp_path: Path, iris: tuple[pd.DataFrame, pd.Series]
) -> None:
    repo = local_registry(LocalRegistrySettings(root=str(tmp_path), model_name="iris"))
    version = repo.register(ModelArtifact("runs:/a/model", RunRef("a", "x"), fitted(iris, 1.0)))
    registration = tmp_path / "models" / "iris" / "versions" / "1.json"
    record = json.loads(registration.read_text())
    del record["sha256"]
    registration.write_text(json.dumps(record))
    with pytest.raises(StepFailure) as raised:
        repo.load(version)
    assert isinstance(cause(raised), RegistryError)
    assert "records no model digest" in str(cause(raised))
    assert str(registration) in str(cause(raised))


# --- (a) and (c) MLflow ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A temporary sqlite database for this module (a new one costs ~3 s); each test logs
    its own runs and registers its own model name."""
    return f"sqlite:///{tmp_path_factory.mktemp('integrity')}/mlflow.db"


def log_and_register(
    uri: str,
    name: str,
    models: list[FittedModel[TaskKind]],
    serialization: Literal["skops", "cloudpickle"] = "skops",
) -> tuple[ModelRepository, list[ModelVersion], list[Path]]:
    """Log each model in its own run (skops unless told), register each; their folders."""
    tracker = mlflow_tracker(MlflowSettings(uri, "integrity", serialization=serialization))
    repo = mlflow_repository(MlflowRegistrySettings(name, uri))
    client = MlflowClient(tracking_uri=uri)
    versions, folders = [], []
    for model in models:
        run = tracker.start_run(RunSpec(name))
        artifact = tracker.log_model((run, model))
        tracker.end_run((run, "FINISHED"))
        versions.append(repo.register(artifact))
        location = client.get_run(run.run_id).info.artifact_uri
        folders.append(Path(urllib.parse.urlparse(location).path) / "model")
    return repo, versions, folders


def switch_to_cloudpickle(folder: Path, payload: bytes) -> None:
    """The attack: MLmodel says cloudpickle, and model.pkl is the payload."""
    mlmodel = yaml.safe_load((folder / "MLmodel").read_text())
    for flavor in ("sklearn", "python_function"):
        mlmodel["flavors"][flavor].pop("skops_trusted_types", None)
    mlmodel["flavors"]["sklearn"].update(
        serialization_format="cloudpickle", pickled_model="model.pkl"
    )
    mlmodel["flavors"]["python_function"]["model_path"] = "model.pkl"
    (folder / "MLmodel").write_text(yaml.safe_dump(mlmodel))
    (folder / "model.pkl").write_bytes(payload)


def refusal(raised: pytest.ExceptionInfo[StepFailure]) -> str:
    error = cause(raised)
    assert isinstance(error, TrackingError)
    return str(error)


def test_mlflow_model_switched_to_cloudpickle_with_an_evil_pickle_is_refused(
    uri: str, tmp_path: Path, iris: tuple[pd.DataFrame, pd.Series]
) -> None:
    marker = tmp_path / "pwned"
    repo, (version,), (folder,) = log_and_register(uri, "switched", [fitted(iris, 1.0)])
    assert (folder / "model.skops").exists()
    switch_to_cloudpickle(folder, evil_pickle("Path.touch", marker))
    reproduce(lambda: mlflow.sklearn.load_model(str(folder)), marker)

    with pytest.raises(StepFailure) as raised:
        repo.load(version)
    message = refusal(raised)
    assert "version 1 of the model 'switched'" in message
    assert "'model.pkl', which lolpop did not write (a pickle, beside a skops model" in message
    assert not marker.exists()

    # The attacker also removes model.skops and rewrites the manifest to list the new
    # files: the manifest no longer has the digest the registry recorded.
    (folder / "model.skops").unlink()
    files = {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.iterdir()
        if p.name != "lolpop-manifest.json"
    }
    manifest = json.dumps({"files": dict(sorted(files.items()))}, indent=2)
    (folder / "lolpop-manifest.json").write_text(manifest)
    with pytest.raises(StepFailure) as raised:
        repo.load(version)
    message = refusal(raised)
    assert "lolpop-manifest.json was changed" in message
    assert not marker.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"serialization_format": "cloudpickle"}, "serialized with 'cloudpickle'"),
        ({"pickled_model": "model.pkl"}, "names the model file 'model.pkl'"),
        ({"code": "code"}, "names code to import"),
    ],
)
def test_an_mlmodel_that_would_load_otherwise_than_recorded_is_refused(
    tmp_path: Path, change: dict[str, str], message: str
) -> None:
    # Behind the digest (which already refuses any change to a file lolpop wrote), the
    # MLmodel lolpop wrote is read once more for what it would make MLflow do.
    flavor = {"serialization_format": "skops", "pickled_model": "model.skops", "code": None}
    mlmodel = {"flavors": {"sklearn": {**flavor, **change}}}
    (tmp_path / "MLmodel").write_text(yaml.safe_dump(mlmodel))
    with pytest.raises(TrackingError, match=message) as raised:
        check_sklearn_flavor(str(tmp_path), "skops", "version 3 of the model 'm'")
    assert "version 3 of the model 'm'" in str(raised.value)
    (tmp_path / "MLmodel").write_text(yaml.safe_dump({"flavors": {"sklearn": flavor}}))
    check_sklearn_flavor(str(tmp_path), "skops", "version 3 of the model 'm'")


def test_mlflow_cloudpickle_model_replaced_by_an_evil_pickle_is_refused_before_unpickling(
    uri: str, tmp_path: Path, iris: tuple[pd.DataFrame, pd.Series]
) -> None:
    marker = tmp_path / "pwned"
    repo, (version,), (folder,) = log_and_register(
        uri, "cloudpickled", [fitted(iris, 1.0)], serialization="cloudpickle"
    )
    assert repo.load(version).features == tuple(iris[0].columns)  # the intact one loads
    (folder / "model.pkl").write_bytes(evil_pickle("os.system", marker))
    reproduce(lambda: mlflow.sklearn.load_model(str(folder)), marker)
    with pytest.raises(StepFailure) as raised:
        repo.load(version)
    message = refusal(raised)
    assert "its file 'model.pkl' was changed" in message
    assert "version 1 of the model 'cloudpickled'" in message
    assert not marker.exists()


def test_mlflow_model_file_of_another_model_swapped_in_is_refused(
    uri: str, iris: tuple[pd.DataFrame, pd.Series]
) -> None:
    weak, strong = fitted(iris, 0.001), fitted(iris, 10.0)
    repo, (_, second), (weak_folder, strong_folder) = log_and_register(
        uri, "swapped", [weak, strong]
    )
    shutil.copyfile(weak_folder / "model.skops", strong_folder / "model.skops")
    # Without lolpop's check the other model loads and is used unchecked.
    loaded = mlflow.sklearn.load_model(str(strong_folder))
    assert np.array_equal(loaded.predict(iris[0]), np.asarray(weak.estimator.predict(iris[0])))
    with pytest.raises(StepFailure) as raised:
        repo.load(second)
    message = refusal(raised)
    assert "version 2 of the model 'swapped'" in message
    assert "its file 'model.skops' was changed" in message

    # The whole folder of the other model, manifest and all: its manifest is not the one
    # this version recorded.
    shutil.rmtree(strong_folder)
    shutil.copytree(weak_folder, strong_folder)
    with pytest.raises(StepFailure) as raised:
        repo.load(second)
    assert "lolpop-manifest.json was changed" in refusal(raised)


def test_mlflow_version_without_a_recorded_digest_is_refused(
    uri: str, iris: tuple[pd.DataFrame, pd.Series]
) -> None:
    repo, (version,), _ = log_and_register(uri, "undigested", [fitted(iris, 1.0)])
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    client.delete_model_version_tag("undigested", "1", "lolpop.model_sha256")
    with pytest.raises(StepFailure) as raised:
        repo.load(version)
    message = refusal(raised)
    assert "lolpop loads only models whose digest it recorded" in message
    assert "Re-register the model with lolpop" in message
    # A version registered by MLflow's own client (no lolpop tags) is refused alike.
    source = str(client.get_model_version("undigested", "1").source)
    created = client.create_model_version("undigested", source=source)
    with pytest.raises(StepFailure, match="lolpop loads only models whose digest"):
        repo.load(ModelVersion("undigested", int(created.version), source))


def test_mlflow_register_refuses_a_model_without_a_digest(
    uri: str, iris: tuple[pd.DataFrame, pd.Series]
) -> None:
    tracker = mlflow_tracker(MlflowSettings(uri, "integrity"))
    run = tracker.start_run(RunSpec("hand-made"))
    tracker.end_run((run, "FINISHED"))
    by_hand = ModelArtifact(f"runs:/{run.run_id}/model", run, fitted(iris, 1.0))
    repo = mlflow_repository(MlflowRegistrySettings("hand-made", uri))
    with pytest.raises(StepFailure) as raised:
        repo.register(by_hand)
    assert "lolpop registers only models whose digest it recorded" in refusal(raised)
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    assert client.search_registered_models(filter_string="name = 'hand-made'") == []


def test_mlflow_tracker_records_model_and_artifact_digests(
    uri: str, tmp_path: Path, iris: tuple[pd.DataFrame, pd.Series]
) -> None:
    tracker = mlflow_tracker(MlflowSettings(uri, "integrity"))
    client = MlflowClient(tracking_uri=uri)
    report = tmp_path / "report.html"
    report.write_text("<p>fine</p>")
    figures = tmp_path / "figures"
    figures.mkdir()
    (figures / "roc.png").write_bytes(b"png")
    run = tracker.start_run(RunSpec("digests"))
    tracker.log_artifact((run, Artifact(str(report), "reports")))
    tracker.log_artifact((run, Artifact(str(figures))))
    logged = tracker.log_model((run, fitted(iris, 1.0)))
    tracker.end_run((run, "FINISHED"))
    tags = client.get_run(run.run_id).data.tags
    assert tags["lolpop.sha256.reports/report.html"] == hashlib.sha256(b"<p>fine</p>").hexdigest()
    assert tags["lolpop.sha256.figures/roc.png"] == hashlib.sha256(b"png").hexdigest()
    assert (logged.digest, logged.serialization) == (
        tags["lolpop.model_sha256"],
        tags["lolpop.model_format"],
    )
    assert logged.serialization == "skops"
    manifest = Path(client.download_artifacts(run.run_id, "model/lolpop-manifest.json"))
    assert hashlib.sha256(manifest.read_bytes()).hexdigest() == logged.digest
    listed = json.loads(manifest.read_text())["files"]
    assert {"MLmodel", "model.skops", "lolpop.json"} <= set(listed)
