r"""Resource version control in a local, content-addressed store (`type: local_store`).

Layout under the store's root:

    objects/<d[:2]>/<d>            blobs, each named by the SHA-256 `d` of its bytes
    refs/<name>/<number>.json      version records (`records.Version` as JSON)
    refs/<name>/<number>.claim     a number claimed by a writer (empty; gone once the
                                   record is in place)

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
  equal frames built differently may not share a version.
- Objects are saved with skops (`skops.io`, format `skops`), never pickled. skops
  writes a zip of JSON and arrays whose member names and ids change from one call to
  the next; the store renames them in the order they appear and fixes the zip's
  timestamps, so the same object saves to the same bytes (and deduplicates). An
  object skops cannot save, or would not load back, is a `StoreError` when it is saved.
- Trust boundary: loading runs no code chosen by whoever wrote the store. The format a
  version's record names (`metadata["format"]`) is the only one its blob is decoded as,
  and the blob must begin like that format (Parquet `PAR1`, a skops zip `PK\x03\x04`, a
  pickle `\x80\x05`), else a `StoreError` names the version and the blob. An object is
  loaded by skops, which constructs only types it trusts: skops' defaults, lolpop's list
  (`lolpop.components._trust.STORE_TRUSTED_TYPES`) and the `trusted_types` the store is
  given, all from code, never from the record. A record saying `pickle` for an object
  (written by lolpop before it used skops, or edited) is refused. A pickled frame is
  loaded by a restricted unpickler that resolves only the classes and reconstructors
  of `_trust.FRAME_PICKLE_GLOBALS` (pandas, NumPy and pyarrow values, plain Python
  values; nothing that reads files, imports or unpickles). Arrow arrays in it are
  validated as they are rebuilt, and the frame's block layout and categorical codes
  before it is returned: pandas takes them from the pickle as they are and indexes
  memory with them unchecked (a crafted layout crashes the process). A frame whose
  pickle names anything else is refused when it is saved, naming its column. The
  digest proves a blob is the one its record names; the format checks and the
  restricted loaders keep an edited record (format, digest and size changed together)
  from running code. The zoneinfo time zones a pickled frame may hold are looked up in
  the system's time zone database by name, as zoneinfo does for any zone.
- Atomic writes: a blob is written to a temporary file in its own folder, flushed,
  fsync'd and moved into place with `os.replace` (then the folder is fsync'd); a version
  record is written the same way and only once its blob is in place. A process killed at
  any point leaves at most a stray temporary file (names beginning with `.`), which no
  reader looks at, or a claim (below); never a half-written version.
- Concurrency: a version number is claimed by creating its claim file
  (`<number>.claim`) with `O_CREAT | O_EXCL`, which exactly one process can do; a loser
  tries the next number. The record is then put in place atomically and the claim
  removed. A process killed between the two leaves the claim: `versions` does not read
  claims, and that number stays unused. Two processes saving identical content at once
  may both make a version. (Earlier stores claimed the record file itself, so a killed
  writer left an empty record; such a record is now refused like any other damage, its
  error saying to remove it: an empty record cannot be told from one cut to nothing.)
- `versions(name)` lists every record. A record that is empty, is not valid JSON, does
  not validate, or names another name or number, and a record whose blob is missing or
  has another size, is damage: a `StoreError` naming the version (name and number) and
  the record file, never a silently skipped version (a skipped version would make, say,
  drift compare against an older reference without a word). `load_*` reads the whole
  blob and refuses it, naming the version and the blob, unless its SHA-256 is the
  recorded digest.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import json
import os
import pickle
import re
import time
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Protocol, TypeGuard, cast

from attrs import field, frozen

from lolpop._lazy import np, pd
from lolpop.components._files import write_atomically as durable_write
from lolpop.components._kinds import make_kind
from lolpop.components._trust import FRAME_PICKLE_GLOBALS, STORE_TRUSTED_TYPES
from lolpop.components.records import ResourceVersionControl, Version
from lolpop.config.records import OUTPUT_PATH
from lolpop.config.registry import ComponentKind
from lolpop.core.decorator import make_step
from lolpop.errors import DefinitionError, LolpopError

FRAME = "frame"
OBJECT = "object"

PARQUET = "parquet"
PICKLE = "pickle"
SKOPS = "skops"
#: The formats a record may name for each kind; `pickle` objects are known, never loaded.
_FORMATS = {FRAME: (PARQUET, PICKLE), OBJECT: (SKOPS, PICKLE)}
#: The formats lolpop loads each kind from.
_LOADABLE = {FRAME: (PARQUET, PICKLE), OBJECT: (SKOPS,)}
#: How each format's bytes begin (Parquet also ends with its magic).
_MAGIC = {PARQUET: b"PAR1", SKOPS: b"PK\x03\x04", PICKLE: b"\x80\x05"}
#: The fixed timestamp of a canonical skops zip's members (the zip format's earliest).
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_DIGEST = re.compile(r"[0-9a-f]{64}")
_REF_FILE = re.compile(r"([1-9][0-9]*)\.json")
_CLAIM_FILE = re.compile(r"([1-9][0-9]*)\.claim")
#: Bytes handed to one `os.write`: small enough that a write is never one huge syscall.
_CHUNK = 8 * 1024 * 1024
_MAX_NAME = 200


class StoreError(LolpopError):
    """A stored version is missing, damaged, of another kind, or cannot be saved."""


@frozen
class LocalStoreSettings:
    """`type: local_store`: a content-addressed store of frames and objects in a folder."""

    #: The store's folder (created when missing).
    root: str = field(default=".lolpop/store", metadata=OUTPUT_PATH)
    #: Types skops may load beyond its defaults and lolpop's own (only types you reviewed).
    trusted_types: tuple[str, ...] = ()


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


def damaged_record(path: Path, problem: str) -> StoreError:
    """The error for the version record at `path` (`refs/<name>/<number>.json`), which
    holds no version: it names the version and the file."""
    match = _REF_FILE.fullmatch(path.name)
    which = f"{path.parent.name!r} version {match.group(1)}" if match else "a version"
    return StoreError(
        f"the record of {which}, {str(path)!r}, is damaged: {problem}. A record is "
        "written whole or not at all, so this one was changed or cut after it was written "
        "(or, if it is empty, it may be a number claimed by a writer of an older lolpop that "
        "was killed). The store does not skip it, since later steps would then use another "
        "version without a word: restore the record from a backup, or remove it if that "
        "version is not wanted."
    )


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _record_problem(record: object) -> str:
    """What keeps a decoded record from being a version ('' if nothing)."""
    if not isinstance(record, dict):
        return f"it holds a JSON {type(record).__name__}, not an object"
    name, number, digest = record.get("name"), record.get("number"), record.get("digest")
    kind, size, created = record.get("kind"), record.get("size"), record.get("created")
    metadata = record.get("metadata")
    if not isinstance(name, str) or not name:
        return "its name is not a non-empty string"
    if not _is_int(number) or number < 1:
        return "its number is not a positive integer"
    if not isinstance(digest, str) or _DIGEST.fullmatch(digest) is None:
        return "its digest is not a SHA-256 hex digest"
    if not isinstance(kind, str) or kind not in _FORMATS:
        return f"its kind {kind!r} is not {FRAME!r} or {OBJECT!r}"
    if not _is_int(size) or size < 0:
        return "its size is not a number of bytes"
    if isinstance(created, bool) or not isinstance(created, int | float):
        return "its creation time is not a number"
    if not isinstance(metadata, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
    ):
        return "its metadata is not an object of strings"
    form, known = metadata.get("format"), _FORMATS[kind]
    if form not in known:
        return f"its format {form!r} is not one a {kind} is stored in ({', '.join(known)})"
    return ""


def _version_from_json(data: bytes, path: Path) -> Version:
    """The version the record at `path` holds (`StoreError` naming it if it holds none)."""
    if not data.strip():
        raise damaged_record(path, "it is empty")
    try:
        record = json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise damaged_record(path, f"it is not valid JSON ({error})") from None
    problem = _record_problem(record)
    if problem:
        raise damaged_record(path, problem)
    return Version(
        record["name"],
        record["number"],
        record["digest"],
        record["kind"],
        record["size"],
        float(record["created"]),
        record["metadata"],
    )


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
        return data, PARQUET
    return pickle.dumps(frame, protocol=5), PICKLE


class _RefusedGlobal(pickle.UnpicklingError):
    """A pickle names a global that lolpop does not load from a pickle."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def _zone_getattr(owner: object, name: str) -> object:
    """`getattr` as a pickled frame may call it: for `ZoneInfo._unpickle` only."""
    from zoneinfo import ZoneInfo  # noqa: PLC0415 (only pickles of time zones need it)

    if owner is ZoneInfo and name == "_unpickle":
        return getattr(ZoneInfo, name)
    raise _RefusedGlobal(
        f"getattr({getattr(owner, '__qualname__', type(owner).__name__)}, {name!r})"
    )


def _validated_arrow_array(data: object) -> object:
    """pyarrow's `_restore_array(data)`, then a full validation (offsets, lengths, UTF-8)."""
    restore = importlib.import_module("pyarrow.lib")._restore_array
    array: object = restore(data)
    validate = getattr(array, "validate", None)
    if not callable(validate):
        raise pickle.UnpicklingError("pyarrow rebuilt something that is not an array")
    validate(full=True)
    return array


class _FrameUnpickler(pickle.Unpickler):
    """Resolves only the globals of `FRAME_PICKLE_GLOBALS`; anything else is refused."""

    def find_class(self, module: str, name: str) -> object:
        if (module, name) not in FRAME_PICKLE_GLOBALS:
            raise _RefusedGlobal(f"{module}.{name}")
        if (module, name) == ("builtins", "getattr"):
            return _zone_getattr
        if (module, name) == ("pyarrow.lib", "_restore_array"):
            return _validated_arrow_array
        return super().find_class(module, name)

    def persistent_load(self, pid: object) -> object:
        raise _RefusedGlobal(f"a persistent id ({pid!r})")


def unpickle_frame(data: bytes) -> object:
    """What a frame's pickle holds, through the restricted unpickler (`_RefusedGlobal`)."""
    return _FrameUnpickler(io.BytesIO(data)).load()


def _categorical_problem(values: object) -> str:
    """Codes of a categorical outside its categories ('' if none, or not a categorical).

    pandas reads `categories[code]` with compiled code that does not check bounds.
    """
    if not isinstance(values, pd.Categorical):
        return ""
    codes = np.asarray(values.codes)
    if codes.size and (int(codes.min()) < -1 or int(codes.max()) >= len(values.categories)):
        return "a categorical holds codes outside its categories"
    return ""


def _index_problem(index: object) -> str:
    if isinstance(index, pd.MultiIndex):
        return next((p for level in index.levels if (p := _index_problem(level))), "")
    if isinstance(index, pd.CategoricalIndex):
        return _categorical_problem(index.array)
    return ""


def _layout_problem(frame: pd.DataFrame) -> str:
    """What makes an unpickled frame's internals inconsistent ('' if nothing).

    pandas takes a pickle's block layout as it is and, on the first column access, writes
    through it with compiled code that does not check bounds: a block placed beyond the
    columns corrupts memory. So the layout (and categorical codes) are checked before the
    frame is used at all; nothing here triggers that first access.
    """
    blocks = getattr(getattr(frame, "_mgr", None), "blocks", None)
    if not isinstance(blocks, tuple):
        return "it has no block layout"
    rows, placed = len(frame.index), list[int]()
    for block in blocks:
        locs = getattr(getattr(block, "mgr_locs", None), "as_array", None)
        values: object = getattr(block, "values", None)
        shape = getattr(values, "shape", None)
        if not isinstance(locs, np.ndarray) or not isinstance(shape, tuple) or not shape:
            return "a block has no placement or no shape"
        items = shape[0] if len(shape) == 2 else 1
        if items != len(locs) or shape[-1] != rows:
            return "a block's shape does not match its placement and the index"
        placed.extend(int(position) for position in locs)
        if problem := _categorical_problem(values):
            return problem
    if sorted(placed) != list(range(len(frame.columns))):
        return "its blocks do not hold each column exactly once"
    return (
        _index_problem(frame.index) or _index_problem(frame.columns) or _attrs_problem(frame.attrs)
    )


def _attrs_problem(value: object) -> str:
    """A frame's `attrs` may hold frames and indexes too: check those the same way."""
    if isinstance(value, pd.DataFrame):
        return _layout_problem(value)
    if isinstance(value, pd.Index):
        return _index_problem(value)
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return next((p for item in value if (p := _attrs_problem(item))), "")
    return _categorical_problem(value)


def _refused_columns(frame: pd.DataFrame) -> list[str]:
    """The columns of `frame` whose own pickle the restricted unpickler refuses."""
    refused = []
    for position in range(frame.shape[1]):
        try:
            unpickle_frame(pickle.dumps(frame.iloc[:, [position]], protocol=5))
        except Exception:  # refused, or failed otherwise: this column cannot be stored
            refused.append(repr(frame.columns[position]))
    return refused


def _check_frame_pickle(name: str, frame: pd.DataFrame, data: bytes) -> None:
    """Refuse to save a pickled frame that the store would refuse to load."""
    try:
        unpickle_frame(data)
    except Exception as error:
        what = error.what if isinstance(error, _RefusedGlobal) else f"{error!r}"
        columns = _refused_columns(frame)
        where = (
            f"its column{'s' if len(columns) > 1 else ''} {', '.join(columns)}"
            if columns
            else "its index, column labels or attrs"
        )
        raise StoreError(
            f"cannot save the frame {name!r}: Parquet cannot hold it exactly, and its pickle "
            f"needs {what} (from {where}), which lolpop does not load from a pickle: it loads "
            "only pandas', NumPy's and pyarrow's own values and plain Python values there "
            "(lolpop.components._trust.FRAME_PICKLE_GLOBALS). Convert those values (for "
            "example to strings, or a pandas or NumPy dtype) before saving."
        ) from error


class _SkopsIO(Protocol):
    """What lolpop calls of `skops.io` (skops ships no type information)."""

    def dumps(self, obj: object) -> bytes: ...

    def loads(self, data: bytes, trusted: Sequence[str] | None = None) -> object: ...

    def get_untrusted_types(self, *, data: bytes) -> list[str]: ...


def _skops_io() -> _SkopsIO:
    """`skops.io`, imported on use, without pytest and dask (`import_skops`: ~1 s less)."""
    from lolpop.components._skops import import_skops  # noqa: PLC0415 (on use, as skops)

    import_skops()
    return cast("_SkopsIO", importlib.import_module("skops.io"))


def canonical_skops(data: bytes) -> bytes:
    """A skops file with its member names, object ids and timestamps made canonical.

    skops names arrays and byte strings by `id()` or a random UUID and stamps each zip
    member with the clock: the same object gives other bytes on every call. Here members
    are renamed `0.npy`, `1.bin`, ... and ids renumbered 1, 2, ... in the order the
    schema first names them, and the zip is rewritten with fixed timestamps and
    attributes. Both maps are one to one, so the file loads to the same object. A file
    with a member its schema does not name is returned unchanged.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    schema = json.loads(members.pop("schema.json"))
    names: dict[str, str] = {}
    ids: dict[int, int] = {}

    def walk(node: object) -> object:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        renamed: dict[str, object] = {}
        for key, value in node.items():
            if key == "file" and isinstance(value, str) and value in members:
                suffix = PurePosixPath(value).suffix
                renamed[key] = names.setdefault(value, f"{len(names)}{suffix}")
            elif key == "__id__" and _is_int(value):
                renamed[key] = ids.setdefault(value, len(ids) + 1)
            else:
                renamed[key] = walk(value)
        return renamed

    canonical = walk(schema)
    if set(names) != set(members):
        return data
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as target:
        entries = [(new, members[old]) for old, new in names.items()]
        entries.append(("schema.json", json.dumps(canonical, indent=2).encode("utf-8")))
        for member, content in entries:
            info = zipfile.ZipInfo(member, date_time=_ZIP_EPOCH)
            info.create_system = 3  # Unix, on every platform
            info.external_attr = 0o644 << 16
            target.writestr(info, content)
    return buffer.getvalue()


def _untrusted(skops: _SkopsIO, data: bytes, trusted: Sequence[str]) -> list[str]:
    return [t for t in skops.get_untrusted_types(data=data) if t not in trusted]


def encode_object(name: str, value: object, trusted: Sequence[str]) -> bytes:
    """`value` as canonical skops bytes that load back trusting `trusted` (else `StoreError`)."""
    skops = _skops_io()
    what = f"a {type(value).__module__}.{type(value).__qualname__} as {name!r}"
    try:
        data = canonical_skops(skops.dumps(value))
    except Exception as error:  # skops refuses what it cannot save with many types
        raise StoreError(f"cannot save {what}: skops cannot save it ({error!r}).") from error
    untrusted = _untrusted(skops, data, trusted)
    if untrusted:
        raise StoreError(
            f"cannot save {what}: it holds types that skops does not load by default and "
            f"lolpop does not trust: {', '.join(untrusted)}. If you have reviewed them, list "
            "them in the store's `trusted_types` setting; the store would refuse to load "
            "the value otherwise."
        )
    try:
        skops.loads(data, trusted=list(trusted))
    except Exception as error:  # what skops saved but cannot load (a lambda, a local class)
        raise StoreError(
            f"cannot save {what}: skops saves it but cannot load it back ({error!r}). Store "
            "values of importable, module-level types."
        ) from error
    return data


def _check_magic(version: Version, path: Path, form: str, data: bytes) -> None:
    """Refuse bytes that do not begin (and, for Parquet, end) like their recorded format."""
    magic = _MAGIC[form]
    if data.startswith(magic) and (form != PARQUET or data.endswith(magic)):
        return
    raise StoreError(
        f"refusing to load {describe_version(version)}: its record says {form}, but its "
        f"blob {str(path)!r} does not begin like {form} ({magic!r}; it begins "
        f"{data[:8]!r}). The record or the blob was changed after it was saved."
    )


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
    >>> first.metadata["format"]
    'skops'
    """

    def __init__(self, root: str | Path, trusted_types: Sequence[str] = ()) -> None:
        self.root = Path(root)
        #: What skops may construct beyond its defaults: lolpop's list and the given types.
        self.trusted_types = (*STORE_TRUSTED_TYPES, *trusted_types)

    def __repr__(self) -> str:
        return f"LocalStore({str(self.root)!r})"

    def blob_path(self, digest: str) -> Path:
        """Where the blob of this digest is (or would be)."""
        return self.root / "objects" / digest[:2] / digest

    def _refs(self, name: str) -> Path:
        return self.root / "refs" / check_resource_name(name)

    def record_path(self, name: str, number: int) -> Path:
        """Where the record of version `number` of `name` is (or would be)."""
        return self._refs(name) / f"{number}.json"

    # -- reading --

    def versions(self, name: str) -> tuple[Version, ...]:
        """Every version of `name`, by number.

        A claim (a number claimed by a writer killed before it wrote the record) is not
        a record and is not read; a record that holds no version of `name` with its blob
        in place, an empty one included, is a `StoreError` naming it and its file.
        """
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
            path = Path(entry.path)
            number = int(match.group(1))
            try:
                data = path.read_bytes()
            except OSError as error:
                raise StoreError(
                    f"cannot read the record of {name!r} version {number}, {str(path)!r}: {error}"
                ) from error
            version = _version_from_json(data, path)
            if version.name != name or version.number != number:
                raise damaged_record(
                    path,
                    f"it records {version.name!r} version {version.number}, but its place is "
                    f"that of {name!r} version {number}",
                )
            self._check_blob(version, path)
            found.append(version)
        return tuple(sorted(found, key=lambda v: v.number))

    def latest(self, name: str) -> Version | None:
        """The version of `name` with the highest number, if any."""
        found = self.versions(name)
        return found[-1] if found else None

    def _check_blob(self, version: Version, record: Path) -> None:
        """Refuse a listed version whose blob is missing or has another size."""
        blob = self.blob_path(version.digest)
        try:
            size = blob.stat().st_size
        except FileNotFoundError:
            problem = f"its blob {str(blob)!r} is missing"
        except OSError as error:
            problem = f"its blob {str(blob)!r} cannot be read ({error})"
        else:
            if size == version.size:
                return
            problem = f"its blob {str(blob)!r} has {size} bytes, not the {version.size} recorded"
        raise StoreError(
            f"the version record {str(record)!r} names {describe_version(version)}, but "
            f"{problem}. A record is written only once its blob is in place, so the store at "
            f"{str(self.root)!r} was damaged: restore the blob from a backup, or remove the "
            "record if that version is not wanted."
        )

    def _check_digest(self, version: Version) -> None:
        if _DIGEST.fullmatch(version.digest) is None:
            raise StoreError(
                f"{version.name!r} version {version.number} has the digest "
                f"{version.digest!r}, which is not a SHA-256 hex digest: it is not a "
                f"version of the store at {str(self.root)!r}."
            )

    def read_blob(self, version: Version) -> bytes:
        """The bytes of `version`, checked against its digest."""
        self._check_digest(version)
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

    def _format_of(self, version: Version) -> str:
        """The format `version`'s record names, if lolpop loads that kind in it."""
        form = version.metadata.get("format")
        if version.kind == OBJECT and form == PICKLE:
            raise StoreError(
                f"refusing to load {describe_version(version)}: its record says it is a "
                "pickle, and lolpop no longer loads pickled objects (loading a pickle runs "
                "code chosen by whoever wrote it). lolpop saves objects with skops; if you "
                "saved this one yourself with an older lolpop, load it there and save it "
                "again with this one."
            )
        known = _LOADABLE.get(version.kind, ())
        if form not in known:
            raise StoreError(
                f"refusing to load {describe_version(version)}: its record names the format "
                f"{form!r}, and lolpop loads {version.kind}s only from "
                f"{' or '.join(known) or 'nothing'}."
            )
        return str(form)

    def _checked_bytes(self, version: Version, kind: str) -> tuple[str, Path, bytes]:
        """The format, blob path and bytes of `version`: kind, format, digest and magic checked."""
        self._check_kind(version, kind)
        self._check_digest(version)
        form = self._format_of(version)
        data = self.read_blob(version)
        path = self.blob_path(version.digest)
        _check_magic(version, path, form, data)
        return form, path, data

    def load_frame(self, version: Version) -> pd.DataFrame:
        """The frame `version` holds (Parquet, or a pickle of pandas' own types only)."""
        form, path, data = self._checked_bytes(version, FRAME)
        if form == PARQUET:
            return pd.read_parquet(io.BytesIO(data), engine="pyarrow")
        try:
            value = unpickle_frame(data)
        except _RefusedGlobal as refused:
            raise StoreError(
                f"refusing to load {describe_version(version)}: its blob {str(path)!r} is a "
                f"pickle that names {refused.what}, which lolpop does not load from a "
                "pickle (a frame lolpop saved never needs it): the record or the blob was "
                "replaced."
            ) from None
        except Exception as error:  # a malformed pickle fails in many ways
            raise StoreError(
                f"cannot load {describe_version(version)}: its blob {str(path)!r} is not a "
                f"readable frame pickle ({error!r})."
            ) from error
        if not isinstance(value, pd.DataFrame):
            raise StoreError(
                f"{describe_version(version)} does not hold a frame but a "
                f"{type(value).__name__} (blob {str(path)!r})."
            )
        problem = _layout_problem(value)
        if problem:
            raise StoreError(
                f"refusing to load {describe_version(version)}: its blob {str(path)!r} is a "
                f"frame pickle whose internals are inconsistent ({problem}); pandas would "
                "read or write memory out of bounds using it. lolpop never writes such a "
                "pickle: the record or the blob was replaced."
            )
        return value

    def load_object(self, version: Version) -> object:
        """The object `version` holds, loaded by skops trusting lolpop's types only."""
        _, path, data = self._checked_bytes(version, OBJECT)
        try:
            return _skops_io().loads(data, trusted=list(self.trusted_types))
        except Exception as error:  # skops refuses untrusted types and bad files in many ways
            raise StoreError(
                f"refusing to load {describe_version(version)} from its blob {str(path)!r}: "
                f"skops would not load it trusting lolpop's types and the store's "
                f"`trusted_types` ({error!r}). If it names types you have reviewed, list "
                "them in `trusted_types`."
            ) from error

    # -- writing --

    def save_frame(self, name: str, frame: pd.DataFrame) -> Version:
        """Save `frame` as a version of `name` (the latest one again if it is unchanged)."""
        check_resource_name(name)
        data, form = encode_frame(frame)
        if form == PICKLE:
            _check_frame_pickle(name, frame, data)
        return self.save_bytes(name, data, FRAME, {"format": form})

    def save_object(self, name: str, value: object, *, reuse_latest: bool = True) -> Version:
        """Save `value` with skops as a version of `name` (the latest again if unchanged,
        unless `reuse_latest` is False: then always a new version, sharing the blob)."""
        check_resource_name(name)
        data = encode_object(name, value, self.trusted_types)
        return self.save_bytes(name, data, OBJECT, {"format": SKOPS}, reuse_latest=reuse_latest)

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
            claim = folder / f"{number}.claim"
            try:
                # The claim: exactly one process creates this file; the others move on.
                os.close(os.open(claim, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
            except FileExistsError:
                number += 1
                continue
            if (folder / f"{number}.json").exists():
                # Its writer put the record in place and removed its claim before ours.
                claim.unlink(missing_ok=True)
                number += 1
                continue
            break
        version = Version(name, number, digest, kind, size, time.time(), dict(metadata))
        write_atomically(folder / f"{number}.json", _version_to_json(version))
        # The record holds the number now; a claim left by a kill here is harmless.
        claim.unlink(missing_ok=True)
        return version

    @staticmethod
    def _next_number(folder: Path) -> int:
        """One more than every number claimed or recorded in `folder`."""
        numbers = [
            int(match.group(1))
            for entry in os.scandir(folder)
            if (match := _REF_FILE.fullmatch(entry.name) or _CLAIM_FILE.fullmatch(entry.name))
            is not None
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
        """Save an object (with skops) as the next version of a name (the latest if unchanged)."""
        return store.save_object(named[0], named[1])

    def load_object(version: Version) -> object:
        """The object a version holds, its digest and format checked, loaded by skops."""
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


def local_store(root: str | Path, trusted_types: Sequence[str] = ()) -> ResourceVersionControl:
    """Version control of frames and objects in the content-addressed store at `root`.

    `trusted_types`: types skops may load beyond its defaults and lolpop's own.

    >>> import tempfile, pandas as pd
    >>> store = local_store(tempfile.mkdtemp())
    >>> version = store.save_frame(("scores", pd.DataFrame({"x": [1.5, 2.5]})))
    >>> version.number, version.kind, version.metadata["format"]
    (1, 'frame', 'parquet')
    >>> store.load_frame(version)["x"].tolist()
    [1.5, 2.5]
    """
    return _save_steps(LocalStore(root, trusted_types))


def local_store_from_settings(settings: LocalStoreSettings) -> ResourceVersionControl:
    """Version control of frames and objects in a local content-addressed store."""
    return local_store(settings.root, settings.trusted_types)


KINDS: tuple[ComponentKind, ...] = (
    make_kind(
        "local_store",
        LocalStoreSettings,
        local_store_from_settings,
        "Versions frames (Parquet, else a restricted pickle) and objects (skops) by content.",
    ),
)
