"""Every built-in runner kind, by tag (what `lolpop.config.registry.RUNNERS` holds).

`MODULES` names each tag's module (its `KINDS` define it), imported when a config first
names the runner: checking a classification workflow imports none of the forecasting
runner's modules. A test holds `MODULES` to the modules' own `KINDS`.
"""

from __future__ import annotations

from collections.abc import Mapping

MODULES: Mapping[str, str] = {
    "classification": "lolpop.runners.supervised.kind",
    "regression": "lolpop.runners.supervised.kind",
    "forecasting": "lolpop.runners.forecasting.kind",
}
