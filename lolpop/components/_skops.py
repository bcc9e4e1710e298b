"""`import_skops`: `skops.io` imported without the test frameworks its import pulls in.

`import skops.io` lists the estimators it trusts by walking every scikit-learn module
(`sklearn.utils.all_estimators`), which imports `sklearn.utils._testing` (and through it
pytest, ~0.5-1 s) and every package under `sklearn.externals` (dask, when installed).
`import_skops` imports skops with pytest and dask refused (unless already imported), so
the walk skips them: neither defines an estimator, so skops trusts the same types. It
then forgets the pytest-less `sklearn.utils._testing`, so a later import gets the real
one. Every place lolpop reads or writes a skops file calls it first: the MLflow tracker
and registry, the version store and the step cache (through the version store).
"""

from __future__ import annotations

import importlib
import sys
import threading

#: Modules `import skops.io` would import without needing them (module notes).
_SKOPS_REFUSED = ("pytest", "dask")
_SKOPS_LOCK = threading.Lock()


def import_skops() -> None:
    """Import `skops.io` without pytest and dask (unless the process has them already):
    skops' list of trusted scikit-learn types is the same without them (module notes).
    If the import fails so, it is tried again as MLflow would import it."""
    if "skops.io" in sys.modules:
        return
    with _SKOPS_LOCK:
        if "skops.io" in sys.modules:
            return
        refused = [name for name in _SKOPS_REFUSED if name not in sys.modules]
        had_testing = "sklearn.utils._testing" in sys.modules
        try:
            for name in refused:
                sys.modules[name] = None  # type: ignore[assignment]  # None: refuse the import
            importlib.import_module("skops.io")
        except ImportError:
            pass
        finally:
            for name in refused:
                if sys.modules.get(name, ...) is None:
                    del sys.modules[name]
            if not had_testing:
                _forget("sklearn.utils._testing")
        importlib.import_module("skops.io")


def _forget(name: str) -> None:
    """Drop module `name` from the import system, so that its next import runs it again."""
    if sys.modules.pop(name, None) is None:
        return
    parent, _, child = name.rpartition(".")
    package = sys.modules.get(parent)
    if package is not None and getattr(package, child, None) is not None:
        delattr(package, child)
