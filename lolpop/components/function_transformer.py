"""A data transformer from a plain function of a frame (`type: function`).

Design notes:

- In a config, the function is a `module:function` reference. It is resolved with
  `lolpop.config.registry.resolve_function`: only a function written with `def` and
  defined in an allowed module (lolpop's, or a module prefix listed under the settings'
  `allow:`) is accepted, never a class, a built-in or a name a module merely imports. A
  config that does not name a module's package there cannot make lolpop import it. (The
  settings do not see the config's top-level `allow_imports:`, so the allowance is
  written beside the reference it allows.) Building the component inspects the
  function's signature; nothing calls it before the workflow runs.
- The function must take one argument (the frame); anything else is refused when the
  component is built, not when it first runs.
- The step calls the function on a copy of its input, so a function that changes its
  argument in place cannot change the caller's frame, and the step stays pure. A result
  that is not a DataFrame is refused with a `DataError` naming the function.
- In Python, `make_transformer(fn)` makes the same component from a function directly.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import cast

from attrs import frozen

from lolpop._lazy import pd
from lolpop.components._errors import DataError
from lolpop.components._kinds import make_kind, setting
from lolpop.components.records import DataTransformer
from lolpop.config.registry import ComponentKind, resolve_function
from lolpop.core.decorator import make_step
from lolpop.errors import DefinitionError

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


@frozen
class FunctionTransformerSettings:
    """`type: function`: a `module:function` of one frame that returns a frame."""

    #: The function, as `module:function` (e.g. `my_project.features:add_ratios`).
    function: str
    #: Module prefixes the reference may name, besides lolpop's and scikit-learn's
    #: (e.g. `my_project`).
    allow: tuple[str, ...] = ()


def _describe(fn: Callable[..., object]) -> str:
    module = getattr(fn, "__module__", None)
    name = getattr(fn, "__qualname__", None) or type(fn).__qualname__
    return f"{module}:{name}" if module else name


def _check_one_argument(fn: object, where: str) -> Callable[[pd.DataFrame], object]:
    """`fn` if it is a callable of exactly one (frame) argument; else `DefinitionError`."""
    if not callable(fn):
        raise DefinitionError(
            f"{where} is not a function of a frame but a value of type {type(fn).__name__}."
        )
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError) as error:
        raise DefinitionError(f"cannot read the signature of {where}: {error}.") from error
    required = [
        p
        for p in signature.parameters.values()
        if p.default is inspect.Parameter.empty
        and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    ]
    takes_one = (len(required) == 1 and required[0].kind in _POSITIONAL) or (
        not required
        and any(
            p.kind in (*_POSITIONAL, inspect.Parameter.VAR_POSITIONAL)
            for p in signature.parameters.values()
        )
    )
    if not takes_one:
        raise DefinitionError(
            f"a transformer's function takes one argument, the frame; {where} takes "
            f"({', '.join(signature.parameters) or 'none'})."
        )
    return cast("Callable[[pd.DataFrame], object]", fn)


def _transformer(fn: Callable[[pd.DataFrame], object], name: str | None) -> DataTransformer:
    where = _describe(fn)

    def transform(frame: pd.DataFrame) -> pd.DataFrame:
        """Apply the function to a copy of the frame."""
        result = fn(frame.copy())
        if not isinstance(result, pd.DataFrame):
            raise DataError(
                f"the transformer function {where} returned a value of type "
                f"{type(result).__name__}, not a DataFrame; return the transformed frame."
            )
        return result

    label = name if name is not None else getattr(fn, "__name__", "transform")
    description = (inspect.getdoc(fn) or "").split("\n\n")[0].strip() or f"Applies {where}."
    return DataTransformer(
        transform=make_step(
            transform, name="transform" if label == "<lambda>" else label, description=description
        )
    )


def make_transformer(
    fn: Callable[[pd.DataFrame], pd.DataFrame], name: str | None = None
) -> DataTransformer:
    """A transformer that applies `fn` to a copy of each frame (step named `name`, by
    default the function's name).

    >>> def add_total(frame: pd.DataFrame) -> pd.DataFrame:
    ...     return frame.assign(total=frame["a"] + frame["b"])
    >>> make_transformer(add_total).transform(pd.DataFrame({"a": [1], "b": [2]}))["total"].tolist()
    [3]
    """
    return _transformer(_check_one_argument(fn, _describe(fn)), name)


def function_transformer(settings: FunctionTransformerSettings) -> DataTransformer:
    """A transformer from a `module:function` reference (under the allowed modules)."""
    with setting("function"):
        found = resolve_function(settings.function, settings.allow)
        checked = _check_one_argument(found, repr(settings.function))
    return _transformer(checked, None)


KINDS: tuple[ComponentKind, ...] = (
    make_kind(
        "function",
        FunctionTransformerSettings,
        function_transformer,
        "Applies a `module:function` of a frame to each frame.",
    ),
)
