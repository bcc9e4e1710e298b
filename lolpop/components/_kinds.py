"""`make_kind`: a typed way to register a component implementation under a tag."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from lolpop.config.registry import ComponentKind
from lolpop.errors import DefinitionError, SettingError

_S = TypeVar("_S")


def make_kind(
    tag: str, settings: type[_S], build: Callable[[_S], object], description: str = ""
) -> ComponentKind:
    """A `ComponentKind` whose `build` refuses settings of another record type."""

    def checked_build(value: object) -> object:
        if not isinstance(value, settings):
            raise DefinitionError(
                f"the component kind {tag!r} is built from {settings.__name__} settings, "
                f"not from a {type(value).__name__}."
            )
        return build(value)

    doc = description or (build.__doc__ or "").strip().split("\n")[0]
    return ComponentKind(tag, settings, checked_build, doc)


@contextmanager
def setting(field: str) -> Iterator[None]:
    """Name `field` as the setting a `DefinitionError` raised inside is about."""
    try:
        yield
    except SettingError:
        raise
    except DefinitionError as error:
        raise SettingError(field, str(error)) from error
