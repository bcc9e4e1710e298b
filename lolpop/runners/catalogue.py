"""Every built-in runner kind, by tag (what `RUNNERS` holds)."""

from __future__ import annotations

from lolpop.runners import supervised
from lolpop.runners.kinds import RunnerKind

KINDS: tuple[RunnerKind, ...] = supervised.KINDS
