"""Every built-in component implementation, by tag (what `BUILTINS` holds)."""

from __future__ import annotations

from lolpop.config.registry import ComponentKind

KINDS: tuple[ComponentKind, ...] = ()
