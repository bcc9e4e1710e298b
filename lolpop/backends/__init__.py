"""Backends: interpreters of programs: `Local`, `DryRun` and `Prefect`.

Each is imported only when first named (`from lolpop.backends import Prefect` imports
Prefect's backend module, which imports prefect itself only when it runs), so
`import lolpop.backends`, which `lolpop.run` does, stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lolpop.backends.base import Backend as Backend
    from lolpop.backends.dry_run_backend import DryRun as DryRun
    from lolpop.backends.local_backend import Local as Local
    from lolpop.backends.plan import Plan as Plan
    from lolpop.backends.prefect_backend import Prefect as Prefect

__all__ = ["Backend", "DryRun", "Local", "Plan", "Prefect"]


_MODULES = {
    "Backend": "base",
    "DryRun": "dry_run_backend",
    "Local": "local_backend",
    "Plan": "plan",
    "Prefect": "prefect_backend",
}


def __getattr__(name: str) -> object:
    module = _MODULES.get(name)
    if module is not None:
        return getattr(importlib.import_module(f"lolpop.backends.{module}"), name)
    raise AttributeError(f"module 'lolpop.backends' has no attribute {name!r}")
