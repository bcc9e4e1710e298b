"""An exclusive lock on a file, between processes and between threads.

Design notes:

- POSIX: `fcntl.flock` on a file opened for this one lock. A flock belongs to the open
  file, not to the process, so two threads of one process that each take the lock
  exclude each other as two processes do; the kernel releases it when the process dies,
  so a crashed holder never leaves the lock taken.
- Windows (no `fcntl`): `msvcrt.locking` on the file's first byte, retried every 50 ms
  until it is free (that function gives up after ten seconds on its own); also released
  by the system when the process ends. Not exercised by lolpop's tests, which run on
  POSIX.
- The lock file is created if missing and never deleted: deleting it while another
  process waits on it would let a third take a lock on a new file at the same path.
- Not re-entrant: a thread that holds a lock and asks for it again waits forever. Hold
  each lock around a few calls that never take it themselves.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: How often a waiter on Windows tries again, in seconds.
_RETRY_SECONDS = 0.05


@contextmanager
def exclusive_lock(path: str | Path) -> Iterator[None]:
    """Hold an exclusive lock on the file `path` (created if missing) inside the `with`.

    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     with exclusive_lock(os.path.join(folder, "db.lock")):
    ...         os.path.exists(os.path.join(folder, "db.lock"))
    True
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _lock(fd)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


if sys.platform == "win32":
    import msvcrt

    def _lock(fd: int) -> None:
        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
                return
            except OSError:
                time.sleep(_RETRY_SECONDS)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
