"""Every built-in runner kind, by tag (what `lolpop.config.registry.RUNNERS` holds)."""

from __future__ import annotations

from lolpop.runners.forecasting.kind import FORECASTING
from lolpop.runners.supervised.kind import CLASSIFICATION, REGRESSION

KINDS = (CLASSIFICATION, REGRESSION, FORECASTING)
