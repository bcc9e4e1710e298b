"""Values a step makes, as bytes and as digests: what the step cache stores and keys on.

`encode(value)` writes a value lolpop's steps pass between them: plain values (None,
bools, numbers, text, bytes), lists, tuples and mappings of them, lolpop's frozen attrs
records and enums and its task classes, `returns` results of these, pandas frames and
series, NumPy arrays, and fitted scikit-learn objects. Anything else is `Unencodable`,
and the step that made it is simply not cached. `decode(data)` reads such bytes back;
`digest(value)` is a SHA-256 of a value, stable across processes, without writing it
out (frames are hashed row by row with pandas' own hash, not serialised).

The trust boundary is the store's (`lolpop.components.version_store`): a record names its
class, and only attrs classes, enums and task classes defined in `lolpop` modules are
made back; frames are Parquet or a pickle read by the store's restricted unpickler;
arrays are `.npy` without pickles; fitted objects are read by skops trusting lolpop's
list only. Decoding never runs code a blob names. The cache records each blob's SHA-256
and checks it before decoding.

Layout: `LPC1`, the length of a JSON tree (8 bytes, big-endian), the tree, then each
binary part as its length (8 bytes) and its bytes. The tree holds `{"t": kind, ...}`
nodes; a binary part is named by its index.
"""

from __future__ import annotations

import contextlib
import contextvars
import enum
import hashlib
import importlib
import io
import json
import math
import threading
import types
import weakref
from collections.abc import Callable, Mapping
from typing import Any, cast

import attrs

_MAGIC = b"LPC2"
#: Modules whose classes a blob may name (records, enums, task classes).
_ALLOWED = "lolpop."


class Unencodable(Exception):
    """A value the cache cannot store or key on (its step is not cached)."""


def _ref(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _resolve(ref: str) -> type:
    """The class a blob names, only if a lolpop module defines it (no other import)."""
    module_name, _, qualname = ref.partition(":")
    if not module_name.startswith(_ALLOWED) or not qualname.isidentifier():
        raise ValueError(f"a cached value names {ref!r}, outside lolpop")
    found = getattr(importlib.import_module(module_name), qualname, None)
    if not isinstance(found, type) or found.__module__ != module_name:
        raise ValueError(f"a cached value names {ref!r}, which is not a lolpop class")
    return found


def _is_lolpop(cls: type) -> bool:
    return cls.__module__.startswith(_ALLOWED)


#: Fitted objects already written with skops in this process (the same model goes into
#: several steps' outputs: a fit, a search's trials, a bundle): written once each. A
#: step's output is a value lolpop does not change after it is made.
_ENCODED: weakref.WeakKeyDictionary[object, bytes] = weakref.WeakKeyDictionary()
_ENCODED_LOCK = threading.Lock()


#: False inside `digest(..., remembered=False)`: every fitted object written afresh.
_RECALL: contextvars.ContextVar[bool] = contextvars.ContextVar("lolpop_codec_recall", default=True)


def _recalled(value: object) -> bytes | None:
    if not _RECALL.get():
        return None
    with _ENCODED_LOCK:
        try:
            return _ENCODED.get(value)
        except TypeError:  # not weakly referenceable, or unhashable
            return None


def _skops(value: object) -> bytes:
    """A fitted object's skops bytes (written once per object)."""
    from lolpop.components._trust import STORE_TRUSTED_TYPES  # noqa: PLC0415
    from lolpop.components.version_store import StoreError, encode_object  # noqa: PLC0415

    known = _recalled(value)
    if known is None:
        try:
            known = encode_object("", value, STORE_TRUSTED_TYPES)
        except StoreError as error:
            raise Unencodable(str(error)) from error
        _remember(value, known)
    return known


def _remember(value: object, data: bytes) -> None:
    with _ENCODED_LOCK, contextlib.suppress(TypeError):  # not weakly referenceable
        _ENCODED[value] = data


class _Writer:
    """Writes a value's tree; a record or library object met again is written as a
    reference to its first writing, so that what was one object decodes to one object
    (a search's best trial *is* one of its trials)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.shared: dict[int, int] = {}
        self.alive: list[object] = []  # keeps ids unique while writing

    def part(self, data: bytes) -> int:
        self.parts.append(data)
        return len(self.parts) - 1

    def tree(self, value: object) -> object:
        # Exact types only: a subclass (a StrEnum member, np.float64, a NamedTuple, a
        # defaultdict) is its own kind of value, written as such or refused, never
        # flattened into its base.
        kind = type(value)
        if value is None or kind in (bool, str):
            return value
        if kind is int:
            return {"t": "int", "v": format(cast("int", value), "x")}  # no digit limit
        if kind is float:
            return {"t": "float", "v": repr(value)}
        if kind is bytes:
            return {"t": "bytes", "p": self.part(cast("bytes", value))}
        if isinstance(value, enum.Enum) and _is_lolpop(type(value)):
            return {"t": "enum", "c": _ref(type(value)), "v": self.tree(value.value)}
        if isinstance(value, type) and _is_lolpop(value):
            return {"t": "class", "c": _ref(value)}
        if isinstance(value, list | tuple) and kind in (list, tuple):
            items = [self.tree(item) for item in value]
            return {"t": "list" if kind is list else "tuple", "v": items}
        if isinstance(value, dict) and kind is dict:
            items = [[self.tree(k), self.tree(v)] for k, v in value.items()]
            return {"t": "dict", "v": items}
        found = self.shared.get(id(value))
        if found is not None:
            return {"t": "ref", "i": found}
        self.shared[id(value)] = number = len(self.alive)
        self.alive.append(value)
        cls = type(value)
        if attrs.has(cls) and _is_lolpop(cls):
            fields = [
                [field.alias or field.name, self.tree(getattr(value, field.name))]
                for field in attrs.fields(cls)
                if field.init
            ]
            return {"t": "record", "c": _ref(cls), "v": fields, "i": number}
        node = self._library(value)
        if isinstance(node, dict):
            node["i"] = number
        return node

    def _library(self, value: object) -> dict[str, object]:
        module = type(value).__module__
        if module == "returns.result":
            from returns.result import Failure, Success  # noqa: PLC0415

            if isinstance(value, Success):
                return {"t": "success", "v": self.tree(value.unwrap())}
            if isinstance(value, Failure):
                return {"t": "failure", "v": self.tree(value.failure())}
        if module.startswith("pandas"):
            import pandas as pd  # noqa: PLC0415 (only values that are frames need it)

            from lolpop.components.version_store import encode_frame  # noqa: PLC0415

            if isinstance(value, pd.DataFrame):
                data, form = encode_frame(value)
                return {"t": "frame", "f": form, "p": self.part(data)}
            if isinstance(value, pd.Series):
                frame = value.to_frame(name="__value__")
                data, form = encode_frame(frame)
                return {"t": "series", "f": form, "p": self.part(data), "n": self.tree(value.name)}
        if module.startswith("numpy"):
            import numpy as np  # noqa: PLC0415

            if isinstance(value, np.ndarray):
                if value.dtype.hasobject:
                    raise Unencodable("a NumPy array of objects")
                buffer = io.BytesIO()
                np.save(buffer, value, allow_pickle=False)
                return {"t": "array", "p": self.part(buffer.getvalue())}
            if isinstance(value, np.generic) and not value.dtype.hasobject:
                # with its dtype: it reads back as the same NumPy scalar, same digest
                return {"t": "scalar", "d": value.dtype.str, "v": self.tree(value.item())}
        if hasattr(value, "get_params") or module.startswith("sklearn"):
            return {"t": "skops", "p": self.part(_skops(value))}
        raise Unencodable(f"a {module}.{type(value).__qualname__}")


def encode(value: object) -> bytes:
    """`value` as bytes (`Unencodable` for what the cache does not store)."""
    writer = _Writer()
    tree = json.dumps(writer.tree(value), separators=(",", ":"), sort_keys=True).encode()
    chunks = [_MAGIC, len(tree).to_bytes(8, "big"), tree]
    for part in writer.parts:
        chunks += [len(part).to_bytes(8, "big"), part]
    return b"".join(chunks)


def decode(data: bytes) -> object:
    """The value `encode` wrote (`ValueError` for bytes it did not write)."""
    if not data.startswith(_MAGIC):
        raise ValueError("not a cached value")
    try:
        return _decode(data)
    except ValueError:
        raise
    except Exception as error:  # a malformed tree, a refused pickle, a missing module
        raise ValueError(f"a cached value lolpop cannot read ({error!r})") from error


def _decode(data: bytes) -> object:
    size = int.from_bytes(data[4:12], "big")
    tree = json.loads(data[12 : 12 + size])
    parts: list[bytes] = []
    offset = 12 + size
    while offset < len(data):
        length = int.from_bytes(data[offset : offset + 8], "big")
        parts.append(data[offset + 8 : offset + 8 + length])
        offset += 8 + length
    return _Reader(parts).value(tree)


class _Reader:
    def __init__(self, parts: list[bytes]) -> None:
        self.parts = parts
        self.shared: dict[int, object] = {}

    def value(self, node: object) -> object:
        if node is None or isinstance(node, bool | str):
            return node
        if not isinstance(node, dict):
            raise ValueError(f"a malformed cached value ({type(node).__name__})")
        if node.get("t") == "ref":
            return self.shared[int(node["i"])]
        made = self._made(node)
        if "i" in node:
            self.shared[int(node["i"])] = made
        return made

    def _made(self, node: dict[str, Any]) -> object:
        kind = node.get("t")
        if kind == "int":
            return int(node["v"], 16)
        if kind == "float":
            return float(node["v"])
        if kind == "bytes":
            return self.parts[node["p"]]
        if kind == "list":
            return [self.value(item) for item in node["v"]]
        if kind == "tuple":
            return tuple(self.value(item) for item in node["v"])
        if kind == "dict":
            return {self.value(k): self.value(v) for k, v in node["v"]}
        if kind == "enum":
            cls = _resolve(node["c"])
            if not issubclass(cls, enum.Enum):
                raise ValueError(f"{node['c']} is not an enum")
            return cls(self.value(node["v"]))
        if kind == "class":
            return _resolve(node["c"])
        if kind == "record":
            cls = _resolve(node["c"])
            if not attrs.has(cls):
                raise ValueError(f"{node['c']} is not a record")
            fields = {str(name): self.value(value) for name, value in node["v"]}
            return cast("Callable[..., object]", cls)(**fields)
        return self._library(kind, node)

    def _library(self, kind: object, node: dict[str, Any]) -> object:
        if kind == "scalar":
            import numpy as np  # noqa: PLC0415

            return np.dtype(str(node["d"])).type(self.value(node["v"]))
        if kind in ("success", "failure"):
            from returns.result import Failure, Success  # noqa: PLC0415

            return (Success if kind == "success" else Failure)(self.value(node["v"]))
        if kind in ("frame", "series"):
            frame = _frame(node["f"], self.parts[node["p"]])
            if kind == "frame":
                return frame
            series = cast("Any", frame)["__value__"]  # a frame decoded from a series
            return series.rename(self.value(node["n"]))
        if kind == "array":
            import numpy as np  # noqa: PLC0415

            return np.load(io.BytesIO(self.parts[node["p"]]), allow_pickle=False)
        if kind == "skops":
            from lolpop.components._trust import STORE_TRUSTED_TYPES  # noqa: PLC0415
            from lolpop.components.version_store import _skops_io  # noqa: PLC0415

            data = self.parts[node["p"]]
            made = _skops_io().loads(data, trusted=list(STORE_TRUSTED_TYPES))
            _remember(made, data)  # its digest is the one it was kept under
            return made
        raise ValueError(f"an unknown kind of cached value: {kind!r}")


def _frame(form: str, data: bytes) -> object:
    import pandas as pd  # noqa: PLC0415

    from lolpop.components.version_store import _layout_problem, unpickle_frame  # noqa: PLC0415

    if form == "parquet":
        return pd.read_parquet(io.BytesIO(data), engine="pyarrow")
    frame = unpickle_frame(data)
    if not isinstance(frame, pd.DataFrame) or _layout_problem(frame):
        raise ValueError("a cached frame that lolpop did not write")
    return frame


# --- digests ---------------------------------------------------------------------------


def digest(value: object, *, remembered: bool = True) -> str:
    """A SHA-256 of `value`, the same in every process (`Unencodable` for what has none).

    `remembered=False` writes every fitted object afresh rather than recalling the bytes
    it was first written as: what a test that looks for a change made in place wants."""
    hasher = hashlib.sha256()
    token = _RECALL.set(remembered)
    try:
        _feed(hasher, value, set())
    finally:
        _RECALL.reset(token)
    return hasher.hexdigest()


def _feed(hasher: Any, value: object, seen: set[int]) -> None:
    def put(tag: str, text: str = "") -> None:
        hasher.update(f"{tag}:{len(text)}:{text};".encode())

    if isinstance(value, enum.Enum):  # before str and int: a StrEnum member is a member
        put("enum", f"{_ref(type(value))}={value.value!r}")
    elif isinstance(value, int) and not isinstance(value, bool):
        put(type(value).__name__, format(value, "x"))  # repr has a digit limit
    elif value is None or isinstance(value, bool | str):
        put(type(value).__name__, repr(value))
    elif isinstance(value, float):
        put("float", "nan" if math.isnan(value) else repr(value))
    elif isinstance(value, bytes):
        put("bytes", hashlib.sha256(value).hexdigest())
    elif isinstance(value, type):
        put("class", _ref(value))
    elif isinstance(value, types.MethodType):
        put("method", value.__func__.__qualname__)
        _feed(hasher, value.__func__, seen)
        if id(value.__self__) not in seen:
            seen.add(id(value.__self__))
            _feed(hasher, value.__self__, seen)
    elif isinstance(value, types.FunctionType | types.BuiltinFunctionType):
        put("function", f"{getattr(value, '__module__', '')}:{value.__qualname__}")
        code = getattr(value, "__code__", None)
        if code is not None:
            put("code", _code_digest(code))
        if id(value) not in seen:
            seen.add(id(value))
            for cell in getattr(value, "__closure__", None) or ():
                _feed(hasher, cell.cell_contents, seen)
            # defaults are settings too: `def f(x, t=threshold)`
            _feed(hasher, getattr(value, "__defaults__", None), seen)
            _feed(hasher, getattr(value, "__kwdefaults__", None), seen)
    elif isinstance(value, list | tuple):
        put(type(value).__name__, str(len(value)))
        for item in value:
            _feed(hasher, item, seen)
    elif isinstance(value, Mapping):
        put("dict", str(len(value)))
        for key, item in value.items():
            _feed(hasher, key, seen)
            _feed(hasher, item, seen)
    elif attrs.has(cls := type(value)):
        put("record", _ref(cls))
        for field in attrs.fields(cls):
            if field.eq is False:
                continue
            put("field", field.name)
            _feed(hasher, getattr(value, field.name), seen)
    else:
        _feed_library(hasher, put, value, seen)


def _code_digest(code: types.CodeType) -> str:
    """A digest of a function's code: its bytecode, names and constants (nested code
    objects by their own digest: their repr names a memory address)."""
    hasher = hashlib.sha256(code.co_code)
    hasher.update(repr(code.co_names).encode())
    for const in code.co_consts:
        text = _constant(const)
        hasher.update(f"{len(text)}:{text};".encode())
    return hasher.hexdigest()


def _constant(const: object) -> str:
    """A code constant as text that is the same in every process: a frozenset (what
    `x in {"a", "b"}` compiles to) in sorted order, not in the hash seed's."""
    if isinstance(const, types.CodeType):
        return _code_digest(const)
    if isinstance(const, frozenset):
        return "frozenset(" + ",".join(sorted(_constant(item) for item in const)) + ")"
    if isinstance(const, tuple):
        return "(" + ",".join(_constant(item) for item in const) + ")"
    if isinstance(const, int) and not isinstance(const, bool):
        return f"int:{const:x}"
    return repr(const)


def _label(name: object) -> str:
    """A column or axis label as text naming its type (labels are values of any type)."""
    return f"{type(name).__module__}.{type(name).__qualname__}={name!r}"


def _feed_library(
    hasher: Any, put: Callable[[str, str], None], value: object, seen: set[int]
) -> None:
    module = type(value).__module__
    if module == "returns.result":
        from returns.result import Failure, Success  # noqa: PLC0415

        if isinstance(value, Success | Failure):
            put(type(value).__name__, "")
            inner = value.unwrap() if isinstance(value, Success) else value.failure()
            _feed(hasher, inner, seen)
            return
    if module.startswith("pandas"):
        import pandas as pd  # noqa: PLC0415

        if isinstance(value, pd.DataFrame | pd.Series):
            put(type(value).__name__, "")
            if isinstance(value, pd.Series):  # (a frame's `.name` is a column called so)
                _feed(hasher, value.name, seen)
            frame = value.to_frame() if isinstance(value, pd.Series) else value
            # labels typed: column 1 is not column "1"
            for name, dtype in frame.dtypes.items():
                put("column", f"{_label(name)}:{dtype}")
            for name in (*frame.index.names, *frame.columns.names):
                put("axis", _label(name))
            rows = pd.util.hash_pandas_object(frame, index=True)
            hasher.update(rows.to_numpy().tobytes())
            return
    if module.startswith("numpy"):
        import numpy as np  # noqa: PLC0415

        if isinstance(value, np.ndarray) and not value.dtype.hasobject:
            put("array", f"{value.dtype.str}{value.shape}")
            hasher.update(np.ascontiguousarray(value).tobytes())
            return
        if isinstance(value, np.generic) and not value.dtype.hasobject:
            put("scalar", value.dtype.str)
            _feed(hasher, value.item(), seen)
            return
    if module == "lolpop.secret":
        put("secret", "")  # its value never enters a key
        return
    if module.startswith(_ALLOWED) and hasattr(value, "__dict__"):
        put("object", _ref(type(value)))  # a component: what it was made with
        if id(value) in seen:
            return
        seen.add(id(value))
        for name, item in sorted(vars(value).items()):
            put("attribute", name)
            _feed(hasher, item, seen)
        return
    if hasattr(value, "get_params") or module.startswith("sklearn"):
        # By its skops bytes, written once per object (and remembered for an object
        # decoded from them): a model read back from the cache has the digest it had.
        put("object", hashlib.sha256(_skops(value)).hexdigest())
        return
    raise Unencodable(f"a {module}.{type(value).__qualname__}")
