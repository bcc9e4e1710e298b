"""Backends: interpreters of programs: local, dry-run (and Prefect).

Backends that need heavy libraries are imported only when first named, so
`import lolpop.backends` stays light.
"""

from lolpop.backends.base import Backend as Backend
from lolpop.backends.dry_run_backend import DryRun as DryRun
from lolpop.backends.local_backend import Local as Local
from lolpop.backends.plan import Plan as Plan

__all__ = ["Backend", "DryRun", "Local", "Plan"]
