"""Backends: interpreters of programs: `Local`, `DryRun` and `Prefect`.

`Prefect` is imported only when first named (`from lolpop.backends import Prefect`
imports Prefect's backend module, which imports prefect itself only when it runs), so
`import lolpop.backends` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lolpop.backends.base import Backend as Backend
from lolpop.backends.dry_run_backend import DryRun as DryRun
from lolpop.backends.local_backend import Local as Local
from lolpop.backends.plan import Plan as Plan

if TYPE_CHECKING:
    from lolpop.backends.prefect_backend import Prefect as Prefect

__all__ = ["Backend", "DryRun", "Local", "Plan", "Prefect"]


def __getattr__(name: str) -> object:
    if name == "Prefect":
        from lolpop.backends.prefect_backend import Prefect  # noqa: PLC0415

        return Prefect
    raise AttributeError(f"module 'lolpop.backends' has no attribute {name!r}")
