"""What fuzzed configs' references aim at: each object leaves a marker file when it runs.

The marker goes to the folder named by `LOLPOP_TEST_MARKERS` (the config fuzz points each
worker at an empty one and reports any file that appears there). `lolpop check` may import
a module a config allows and inspect what it names, but must never call a referenced
function, make an instance of a referenced class, or call a referenced object.
"""

from __future__ import annotations

import os
from pathlib import Path

from sklearn.base import BaseEstimator, ClassifierMixin

from lolpop.config.registry import ComponentKind


def leave_marker(what: str) -> None:
    """Create the marker file `what` in the markers folder (if one is set)."""
    folder = os.environ.get("LOLPOP_TEST_MARKERS")
    if folder:
        (Path(folder) / what).touch()


def marking_function(*args: object, **kwargs: object) -> object:
    """A function that leaves a marker when called (and returns its first argument)."""
    leave_marker("marking_function")
    return args[0] if args else None


class MarkingEstimator(ClassifierMixin, BaseEstimator):
    """A scikit-learn estimator class that leaves a marker when an instance is made."""

    def __init__(self, C: float = 1.0) -> None:
        leave_marker("MarkingEstimator")
        self.C = C


class _MarkingCallable:
    def __call__(self, *args: object, **kwargs: object) -> object:
        leave_marker("marking_instance")
        return args[0] if args else None


#: An object that leaves a marker when called (not a function: refused where one is due).
marking_instance = _MarkingCallable()

#: A name this module only imports (a reference through it reaches `os`: refused).
imported_os = os


def _build_marking(settings: object) -> object:
    leave_marker("built")
    return settings


#: A component kind whose `build` leaves a marker: building is how `check` checks a
#: component, so a config that allows this module may build it (the marker is `built`).
MARKING_KIND = ComponentKind("marking", dict, _build_marking)
