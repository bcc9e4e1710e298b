"""Resource version control in a local, content-addressed store (`type: local_store`).

Layout under the store's root:

    objects/<d[:2]>/<d>            blobs, each named by the SHA-256 `d` of its bytes
    refs/<name>/<number>.json      version records (`records.Version` as JSON)

Design notes:

- Content-addressed and deduplicated: a blob's name is its digest, so identical content
  is written once however many versions point at it. Saving content identical to the
  *latest* version of a name returns that version (no new number); anything else gets
  the next number (1, 2, ...), even content that an older version already has (its
  blob is shared). So the versions of a name read as a history of changes.
- Frames are stored as Parquet when Parquet gives them back exactly (pandas'
  `assert_frame_equal` with exact values, dtypes, index and column types, flags and
  `attrs`, checked by reading the bytes back before saving), and as a pickle (protocol 5)
  otherwise. Parquet is the canonical form: its bytes depend on the frame's values, not
  on how the frame was built (two equal frames with different internal block layouts
  pickle differently but write the same Parquet), it is the same for the same frame
  every time, and reading it runs no code. It cannot hold everything a frame can, so
  the pickle is the fallback: with pandas 3, an `object` column of strings comes back as
  the `str` dtype (such frames skip the Parquet attempt), and non-string or duplicate
  column names or mixed-type columns do not write at all. A pickled frame is still
  deterministic (the same frame, or a copy of it, pickles to the same bytes), but two
  equal frames built differently may not share a version. A frame blob says its own
  format (Parquet begins with `PAR1`); a version's `metadata["format"]` records it too.
- Objects are pickled (protocol 5). Trust boundary: loading a pickle (an object, or a
  frame Parquet could not hold) runs code chosen by whoever wrote it. The digest check
  proves a blob is the one its version names, not that its writer is trusted: load only
  from stores that you (or code you trust) wrote. Some objects pickle differently in
  another process (a set of strings is ordered by the per-process string hash), which
  only costs a missed deduplication.
- Atomic writes: a blob is written to a temporary file in its own folder, flushed,
  fsync'd and moved into place with `os.replace` (then the folder is fsync'd); a version
  record is written the same way and only once its blob is in place. A process killed at
  any point leaves at most a stray temporary file (names beginning with `.`), which no
  reader looks at, or an empty claimed record (below); never a half-written version.
- Concurrency: a version number is claimed by creating its record file with
  `O_CREAT | O_EXCL`, which exactly one process can do; a loser tries the next number.
  The claimed (still empty) file is then replaced by the full record. A process killed
  between the two leaves an empty record: `versions` skips it and that number stays
  unused. Two processes saving identical content at once may both make a version.
- `versions(name)` lists only complete records (valid JSON naming this name and number)
  whose blob exists with the recorded size; `load_*` reads the whole blob and refuses it,
  naming the version, unless its SHA-256 is the recorded digest.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import re
import time
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from attrs import frozen

from lolpop.components._files import write_atomically as durable_write
from lolpop.components._kinds import make_kind
from lolpop.components.records import ResourceVersionControl, Version
from lolpop.config.registry import ComponentKind
from lolpop.core.decorator import make_step
from lolpop.errors import DefinitionError, LolpopError

FRAME = "frame"
OBJECT = "object"

_PARQUET_MAGIC = b"PAR1"
_DIGEST = re.compile(r"[0-9a-f]{64}")
_REF_FILE = re.compile(r"([1-9][0-9]*)\.json")
#: Bytes handed to one `os.write`: small enough that a write is never one huge syscall.
_CHUNK = 8 * 1024 * 1024
_MAX_NAME = 200


class StoreError(LolpopError):
    """A stored version is missing, damaged, of another kind, or cannot be saved."""


@frozen
class LocalStoreSettings:
    """`type: local_store`: a content-addressed store of frames and objects in a folder."""

    root: str = ".lolpop/store"


# --- names and records ---------------------------------------------------------------


def check_resource_name(name: str, what: str = "resource name") -> str:
    """`name` if it can name a folder of the store, else a `DefinitionError`.

    >>> check_resource_name("iris-train")
    'iris-train'
    """
    problem = ""
    if not name:
        problem = "it is empty"
    elif "/" in name or "\\" in name or (os.altsep is not None and os.altsep in name):
        problem = "it holds a path separator"
    elif ".." in name:
        problem = "it holds '..'"
    elif name.startswith("."):
        problem = "it begins with '.' (the store's temporary files do)"
    elif "\0" in name:
        problem = "it holds a NUL character"
    elif len(name) > _MAX_NAME:
        problem = f"it is longer than {_MAX_NAME} characters"
    if problem:
        raise DefinitionError(
            f"{name!r} cannot be a {what}: {problem}. Use a plain name such as "
            "'training-data' or 'churn_model'."
        )
    return name


def describe_version(version: Version) -> str:
    """`'train' version 3 (frame, sha256 1a2b3c4d5e6f...)`: how errors name a version."""
    return (
        f"{version.name!r} version {version.number} ({version.kind}, "
        f"sha256 {version.digest[:12]}...)"
    )


def _version_to_json(version: Version) -> bytes:
    record = {
        "name": version.name,
        "number": version.number,
        "digest": version.digest,
        "kind": version.kind,
        "size": version.size,
        "created": version.created,
        "metadata": dict(version.metadata),
    }
    return json.dumps(record, indent=2, sort_keys=True).encode("utf-8")


def _version_from_json(data: bytes) -> Version | None:
    """The version a record holds, or None for an empty, torn or malformed record."""
    try:
        record = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(record, dict):
        return None
    name, number, digest = record.get("name"), record.get("number"), record.get("digest")
    kind, size, created = record.get("kind"), record.get("size"), record.get("created")
    metadata = record.get("metadata", {})
    if not (
        isinstance(name, str)
        and isinstance(number, int)
        and isinstance(digest, str)
        and _DIGEST.fullmatch(digest)
        and kind in (FRAME, OBJECT)
        and isinstance(size, int)
        and isinstance(created, int | float)
        and isinstance(metadata, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())
    ):
        return None
    return Version(name, number, digest, str(kind), size, float(created), metadata)


# --- files ---------------------------------------------------------------------------


def _write_chunks(fd: int, data: bytes) -> None:
    """Write all of `data` to the open file `fd` (`os.write` may write less than asked)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view[:_CHUNK])
        view = view[written:]


def write_atomically(path: Path, data: bytes) -> None:
    """Put `data` at `path` whole or not at all, flushed to disk (temporary file, fsync,
    `os.replace`, fsync of the folder: `lolpop.components._files`)."""

    def fill(temporary: Path) -> None:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        fd = os.open(temporary, flags, 0o644)
        try:
            _write_chunks(fd, data)
        finally:
            os.close(fd)

    durable_write(path, fill, durable=True)


# --- serialization -------------------------------------------------------------------


def _same_frame(original: pd.DataFrame, back: pd.DataFrame) -> bool:
    """Whether `back` is `original` exactly: values, dtypes, index, flags and attrs."""
    try:
        pd.testing.assert_frame_equal(
            original,
            back,
            check_exact=True,
            check_index_type=True,
            check_column_type=True,
            check_names=True,
            check_categorical=True,
            check_freq=True,
            check_flags=True,
        )
        if original.attrs != back.attrs:
            return False
    except (AssertionError, ValueError, TypeError):
        return False
    # assert_frame_equal takes None and NaN as equal in object columns; a store must not.
    for position in range(original.shape[1]):
        column = original.iloc[:, position]
        if column.dtype == object:
            missing = column.isna().to_numpy()
            before = [type(value) for value in column.to_numpy()[missing]]
            after = [type(value) for value in back.iloc[:, position].to_numpy()[missing]]
            if before != after:
                return False
    return True


def _exact_parquet(frame: pd.DataFrame) -> bytes | None:
    """`frame` as Parquet bytes if Parquet gives it back exactly, else None."""
    buffer = io.BytesIO()
    try:
        frame.to_parquet(buffer, engine="pyarrow", compression="snappy")
        data = buffer.getvalue()
        back = pd.read_parquet(io.BytesIO(data), engine="pyarrow")
    except Exception:
        # pyarrow refuses what it cannot hold with many exception types (ArrowInvalid,
        # ArrowTypeError, ArrowNotImplementedError, pandas' ValueError, ...): all of them
        # mean the same here, that the frame is pickled instead.
        return None
    return data if _same_frame(frame, back) else None


def _holds_object_strings(frame: pd.DataFrame) -> bool:
    """Whether an `object` column holds strings, which pandas 3 reads back as `str`.

    A shortcut past the Parquet round trip for the common frames that would fail it.
    """
    return any(
        pd.api.types.is_object_dtype(dtype)
        and pd.api.types.infer_dtype(frame.iloc[:, position], skipna=True) == "string"
        for position, dtype in enumerate(frame.dtypes)
    )


def encode_frame(frame: pd.DataFrame) -> tuple[bytes, str]:
    """`frame`'s stored bytes and their format (`parquet`, else `pickle`)."""
    data = None if _holds_object_strings(frame) else _exact_parquet(frame)
    if data is not None:
        return data, "parquet"
    return pickle.dumps(frame, protocol=5), "pickle"


def _decode_frame(version: Version, data: bytes) -> pd.DataFrame:
    if data[: len(_PARQUET_MAGIC)] == _PARQUET_MAGIC:
        return pd.read_parquet(io.BytesIO(data), engine="pyarrow")
    # The digest was checked: these are the bytes this store saved (see the trust boundary).
    value = pickle.loads(data)
    if not isinstance(value, pd.DataFrame):
        raise StoreError(
            f"{describe_version(version)} does not hold a frame but a {type(value).__name__}."
        )
    return value


# --- the store -----------------------------------------------------------------------


class LocalStore:
    """A content-addressed store of frames and objects under one folder.

    >>> import tempfile
    >>> store = LocalStore(tempfile.mkdtemp())
    >>> first = store.save_object("greeting", "hello")
    >>> store.save_object("greeting", "hello") == first
    True
    >>> [v.number for v in store.versions("greeting")], store.load_object(first)
    ([1], 'hello')
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalStore({str(self.root)!r})"

    def blob_path(self, digest: str) -> Path:
        """Where the blob of this digest is (or would be)."""
        return self.root / "objects" / digest[:2] / digest

    def _refs(self, name: str) -> Path:
        return self.root / "refs" / check_resource_name(name)

    # -- reading --

    def versions(self, name: str) -> tuple[Version, ...]:
        """Every complete version of `name`, by number."""
        folder = self._refs(name)
        try:
            entries = list(os.scandir(folder))
        except FileNotFoundError:
            return ()
        found: list[Version] = []
        for entry in entries:
            match = _REF_FILE.fullmatch(entry.name)
            if match is None:
                continue
            try:
                data = Path(entry.path).read_bytes()
            except OSError:
                continue
            version = _version_from_json(data)
            if (
                version is not None
                and version.name == name
                and version.number == int(match.group(1))
                and self._has_blob(version)
            ):
                found.append(version)
        return tuple(sorted(found, key=lambda v: v.number))

    def latest(self, name: str) -> Version | None:
        """The version of `name` with the highest number, if any."""
        found = self.versions(name)
        return found[-1] if found else None

    def _has_blob(self, version: Version) -> bool:
        try:
            return self.blob_path(version.digest).stat().st_size == version.size
        except OSError:
            return False

    def read_blob(self, version: Version) -> bytes:
        """The bytes of `version`, checked against its digest."""
        if _DIGEST.fullmatch(version.digest) is None:
            raise StoreError(
                f"{version.name!r} version {version.number} has the digest "
                f"{version.digest!r}, which is not a SHA-256 hex digest: it is not a "
                f"version of the store at {str(self.root)!r}."
            )
        path = self.blob_path(version.digest)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise StoreError(
                f"cannot load {describe_version(version)}: its blob {str(path)!r} is "
                f"missing. The store at {str(self.root)!r} was damaged, or this version "
                "was saved to another store."
            ) from None
        except OSError as error:
            raise StoreError(f"cannot load {describe_version(version)}: {error}") from error
        actual = hashlib.sha256(data).hexdigest()
        if actual != version.digest:
            raise StoreError(
                f"refusing to load {describe_version(version)}: its blob {str(path)!r} is "
                f"corrupt (its SHA-256 is {actual[:12]}..., {len(data)} bytes; the version "
                f"records {version.digest[:12]}..., {version.size} bytes)."
            )
        return data

    def _check_kind(self, version: Version, kind: str) -> None:
        if version.kind != kind:
            raise StoreError(
                f"{describe_version(version)} is an {version.kind}, not a {kind}: load it "
                f"with load_{version.kind}."
            )

    def load_frame(self, version: Version) -> pd.DataFrame:
        """The frame `version` holds."""
        self._check_kind(version, FRAME)
        return _decode_frame(version, self.read_blob(version))

    def load_object(self, version: Version) -> object:
        """The object `version` holds (unpickled: load only from stores you trust)."""
        self._check_kind(version, OBJECT)
        # The digest was checked: these are the bytes this store saved (see the trust boundary).
        return pickle.loads(self.read_blob(version))

    # -- writing --

    def save_frame(self, name: str, frame: pd.DataFrame) -> Version:
        """Save `frame` as a version of `name` (the latest one again if it is unchanged)."""
        check_resource_name(name)
        data, form = encode_frame(frame)
        return self.save_bytes(name, data, FRAME, {"format": form})

    def save_object(self, name: str, value: object, *, reuse_latest: bool = True) -> Version:
        """Save a picklable `value` as a version of `name` (the latest again if unchanged,
        unless `reuse_latest` is False: then always a new version, sharing the blob)."""
        check_resource_name(name)
        try:
            data = pickle.dumps(value, protocol=5)
        except (pickle.PicklingError, TypeError, AttributeError) as error:
            raise StoreError(
                f"cannot save a {type(value).__name__} as {name!r}: it cannot be pickled ({error})."
            ) from error
        return self.save_bytes(name, data, OBJECT, {"format": "pickle"}, reuse_latest=reuse_latest)

    def save_bytes(
        self,
        name: str,
        data: bytes,
        kind: str,
        metadata: Mapping[str, str],
        *,
        reuse_latest: bool = True,
    ) -> Version:
        """Store `data` and record it as a version of `name` of this `kind`."""
        digest = hashlib.sha256(data).hexdigest()
        latest = self.latest(name) if reuse_latest else None
        if latest is not None and latest.digest == digest and latest.kind == kind:
            return latest
        try:
            self._put_blob(digest, data)
            return self._publish(name, digest, kind, len(data), metadata)
        except OSError as error:
            raise StoreError(
                f"cannot save {name!r} to the store at {str(self.root)!r}: {error}"
            ) from error

    def _put_blob(self, digest: str, data: bytes) -> None:
        path = self.blob_path(digest)
        try:
            if path.stat().st_size == len(data):
                return
        except FileNotFoundError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, data)

    def _publish(
        self, name: str, digest: str, kind: str, size: int, metadata: Mapping[str, str]
    ) -> Version:
        folder = self._refs(name)
        folder.mkdir(parents=True, exist_ok=True)
        number = self._next_number(folder)
        while True:
            path = folder / f"{number}.json"
            try:
                # The claim: exactly one process creates this file; the others move on.
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
            except FileExistsError:
                number += 1
                continue
            break
        version = Version(name, number, digest, kind, size, time.time(), dict(metadata))
        write_atomically(path, _version_to_json(version))
        return version

    @staticmethod
    def _next_number(folder: Path) -> int:
        """One more than every number claimed in `folder`, complete or not."""
        numbers = [
            int(match.group(1))
            for entry in os.scandir(folder)
            if (match := _REF_FILE.fullmatch(entry.name)) is not None
        ]
        return max(numbers, default=0) + 1


# --- the component -------------------------------------------------------------------


def _save_steps(store: LocalStore) -> ResourceVersionControl:
    def save_frame(named: tuple[str, pd.DataFrame]) -> Version:
        """Save a frame as the next version of a name (the latest again if unchanged)."""
        return store.save_frame(named[0], named[1])

    def load_frame(version: Version) -> pd.DataFrame:
        """The frame a version holds, its digest checked."""
        return store.load_frame(version)

    def save_object(named: tuple[str, object]) -> Version:
        """Save a picklable object as the next version of a name (the latest if unchanged)."""
        return store.save_object(named[0], named[1])

    def load_object(version: Version) -> object:
        """The object a version holds, its digest checked (unpickled: trusted stores only)."""
        return store.load_object(version)

    def versions(name: str) -> tuple[Version, ...]:
        """Every complete version of a name, by number."""
        return store.versions(name)

    return ResourceVersionControl(
        save_frame=make_step(save_frame, effect=True),
        load_frame=make_step(load_frame),
        save_object=make_step(save_object, effect=True),
        load_object=make_step(load_object),
        versions=make_step(versions),
    )


def local_store(root: str | Path) -> ResourceVersionControl:
    """Version control of frames and objects in the content-addressed store at `root`.

    >>> import tempfile, pandas as pd
    >>> store = local_store(tempfile.mkdtemp())
    >>> version = store.save_frame(("scores", pd.DataFrame({"x": [1.5, 2.5]})))
    >>> version.number, version.kind, version.metadata["format"]
    (1, 'frame', 'parquet')
    >>> store.load_frame(version)["x"].tolist()
    [1.5, 2.5]
    """
    return _save_steps(LocalStore(root))


def local_store_from_settings(settings: LocalStoreSettings) -> ResourceVersionControl:
    """Version control of frames and objects in a local content-addressed store."""
    return local_store(settings.root)


KINDS: tuple[ComponentKind, ...] = (
    make_kind(
        "local_store",
        LocalStoreSettings,
        local_store_from_settings,
        "Versions frames (Parquet, else pickle) and objects (pickle) by content in a folder.",
    ),
)
