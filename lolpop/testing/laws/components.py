"""The kits of lolpop's component types, one module per family (imported for their
`declare` calls)."""

from lolpop.testing.laws import data, model, quality

__all__ = ("data", "model", "quality")
