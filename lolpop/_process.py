"""Which process this is, and whether another one is gone: how lolpop tells a run that
died (its process killed, its machine restarted) from one still going.

A process is named `host:pid`. One on another host is never taken for gone (lolpop
cannot see it); on this host, it is gone when no process has its pid (a reused pid is
taken for alive, which errs on the side of leaving things be).
"""

from __future__ import annotations

import os
import socket

HOST = socket.gethostname()


def this_process() -> str:
    """`host:pid` of this process."""
    return f"{HOST}:{os.getpid()}"


def pid_gone(pid: int) -> bool:
    """Whether no process on this host has `pid`."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError):
        return False
    return False


def gone(process: str) -> bool:
    """Whether the process `host:pid` is known to be gone (False when not sure)."""
    host, _, pid = process.rpartition(":")
    return host == HOST and pid.isdigit() and pid_gone(int(pid))
