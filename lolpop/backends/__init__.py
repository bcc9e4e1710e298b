"""Backends: interpreters of programs (local now; dry-run and Prefect to come).

Backends that need heavy libraries are imported only when first named, so
`import lolpop.backends` stays light.
"""

from lolpop.backends.base import Backend as Backend
from lolpop.backends.local_backend import Local as Local

__all__ = ["Backend", "Local"]
