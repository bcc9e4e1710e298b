"""lolpop's pytest plugin (registered as the `pytest11` entry point `lolpop`).

It registers the `lolpop_law` marker (on the tests `lolpop.testing.check_laws` makes, so
`pytest -m lolpop_law` selects them and `-m "not lolpop_law"` skips them, under
`--strict-markers` too) and loads lolpop's hypothesis profile (`HYPOTHESIS_PROFILE`,
default `ci`; `lolpop.testing.profiles`) when hypothesis is installed.
"""

from __future__ import annotations

import importlib.util

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker; load the hypothesis profile."""
    config.addinivalue_line(
        "markers", "lolpop_law(component, law): a law of a component, made by check_laws"
    )
    if importlib.util.find_spec("hypothesis") is not None:
        from lolpop.testing import profiles  # noqa: PLC0415 (hypothesis may be missing)

        profiles.load()
