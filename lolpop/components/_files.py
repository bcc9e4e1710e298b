"""Writing a file whole or not at all, shared by every component that writes one.

The content goes to a temporary file beside the target (a hidden
`.NAME.<pid>-<random>.tmp`, created with the umask's permissions like any file the user
writes, not mkstemp's owner-only ones), which is then moved over the target with
`os.replace`: a reader sees the old file or the new one, never half of one, and a
failure removes the temporary file (a killed process leaves it behind: `lolpop run` and
`lolpop runs` remove those of processes that are gone). `durable=True` also flushes the
file and the rename to disk (fsync), for stores that must survive a crash, not just a
failed write.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path


def _fsync_path(path: Path, flags: int) -> None:
    try:
        fd = os.open(path, flags)
    except OSError:  # a folder cannot be opened on every platform
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomically(path: Path, write: Callable[[Path], object], *, durable: bool = False) -> None:
    """Have `write` fill a temporary file beside `path`, then move it over `path`.

    The folder is created if needed. Errors of `write` and of the file system propagate
    (the temporary file is removed first).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex}.tmp")
    try:
        write(temporary)
        if durable:
            _fsync_path(temporary, os.O_RDONLY)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    if durable:
        _fsync_path(path.parent, os.O_RDONLY)


def write_text_atomically(path: Path, text: str) -> None:
    """`text` (UTF-8) at `path`, whole or not at all."""
    write_atomically(path, lambda temporary: temporary.write_text(text, encoding="utf-8"))


def write_bytes_atomically(path: Path, data: bytes, *, durable: bool = False) -> None:
    """`data` at `path`, whole or not at all (`durable`: flushed to disk too)."""
    write_atomically(path, lambda temporary: temporary.write_bytes(data), durable=durable)


def file_stamp(path: str | os.PathLike[str]) -> str:
    """A file's size and modification time (a folder's: those of every file under it),
    which change when it is written: what a step that reads it is keyed on besides its
    input (`StepMeta.stamp`), so a resumed run reads a file changed since. `OSError` when
    it cannot be read now (the step then runs, and says why)."""
    found = Path(path)
    if found.is_dir():
        files = sorted(p for p in found.rglob("*") if p.is_file())
        return "|".join(f"{p.relative_to(found)}:{_stamp_of(p)}" for p in files)
    return _stamp_of(found)


def _stamp_of(path: Path) -> str:
    stat = path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def fresh_stamp() -> str:
    """A stamp never given before: for a read of what cannot be stamped (a database
    server), which a resumed run then always reads again, as a new run would."""
    return uuid.uuid4().hex
