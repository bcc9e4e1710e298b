"""The kits of lolpop's component types, one module per family (imported for their
`declare` calls)."""

from lolpop.testing.laws import data, insight, model, quality

__all__ = ("data", "insight", "model", "quality")
