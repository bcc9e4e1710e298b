"""Typed dataflow: a program written as named values, each made from values before it.

A pipeline takes several steps that each read a few of the values made so far: the
frame read, its split, the encoder fitted on the training part, the model fitted on
the encoded part. `Flow` writes that down as it is, with typed handles (`Var[T]`) to
the values:

>>> from lolpop import step
>>> @step
... def parse(text: str) -> int:
...     return int(text)
>>> @step
... def scale(pair: tuple[int, int]) -> int:
...     return pair[0] * pair[1]
>>> f = Flow(str, "demo")
>>> number = f.call(parse, f.input)
>>> doubled = f.call(scale, number, f.const(2))
>>> program = f.build(f.apply(lambda n, d: f"{n} -> {d}", number, doubled))
>>> program("21")
'21 -> 42'

What mypy checks. `call(step, a)` needs `a: Var[A]` for a `Step[A, B]` and gives a
`Var[B]`; with two or three arguments the step takes their tuple. A value exists only
once the line that makes it has run, so a step placed before its input exists, or a
pipeline missing the step that makes a value, reads a name that is not defined yet:
mypy reports `Name "splits" is used before definition` (`used-before-def`) or `is not
defined`. Values that may be missing say so in their type: `call_if` and `call_some`
give a `Var[B | None]`.

What the runtime checks, when the flow is built: a step's declared input type against
the declared output type of the step that made its argument (`WiringError` naming both,
as `>>` does); values made by glue (`apply`) are typed for mypy only.

What backends see. A flow is one `Graph` node: its steps are the component steps and
the decisions (`decide`), each a node of its own with a stable path; the glue between
them (`apply`, `const`, the packing of arguments) runs inline, as no step: plans,
progress, run records and Prefect tasks show exactly the steps. A Prefect task receives
the values its step reads, not a record of everything made so far.

Blocks. `with f.block("champion"):` makes a segment of the paths of the steps bound
inside it; `with f.guard(handler, subject):` runs `handler` on `(subject's value,
failure)` when a step inside fails, then fails the same way (ending a tracked run as
FAILED). Values bound inside a block stay usable after it.
"""

from __future__ import annotations

import itertools
import types
import typing
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Generic, TypeVar, overload

from attrs import frozen

from lolpop.core._hints import describe, fits
from lolpop.core.failure import RunFailure
from lolpop.core.step import AnyStep, Bind, Block, Graph, Leaf, Step, StepMeta, check_name
from lolpop.errors import DefinitionError, WiringError

_In = TypeVar("_In")
_Out = TypeVar("_Out")
_T_co = TypeVar("_T_co", covariant=True)
_A = TypeVar("_A")
_B = TypeVar("_B")
_C = TypeVar("_C")
_D = TypeVar("_D")
_S = TypeVar("_S")
_E = TypeVar("_E")
_F = TypeVar("_F")
_G = TypeVar("_G")
_H = TypeVar("_H")

_flows = itertools.count(1)


@frozen(eq=False)
class Var(Generic[_T_co]):
    """A typed handle to a value of one flow: made by it, read by its later steps.

    A value given to a step that does not take it is refused by mypy at that call:
    `Cannot infer value of type parameter "_A" of "call" of "Flow"` (the value's type
    and the step's input have nothing in common)."""

    flow: int
    index: int
    #: What the value is called (shown in wiring errors).
    name: str
    #: The value's runtime type as far as it is known (a step's declared output).
    hint: object = typing.Any

    def __repr__(self) -> str:
        return f"<Var {self.name}: {describe(self.hint)}>"


class Flow(Generic[_In]):
    """A dataflow from an input of type `In`, built one value at a time (module notes).

    `input_type` is the input's runtime type, checked by backends as a step's would be;
    for a hint that is not a class (`int | None`), say the flow's type:
    `f: Flow[int | None] = Flow(int | None)`.
    """

    @overload
    def __init__(self, input_type: type[_In], name: str = "") -> None: ...
    @overload
    def __init__(self, input_type: object, name: str = "") -> None: ...
    def __init__(self, input_type: object, name: str = "") -> None:
        if name:
            check_name(name)
        self._id = next(_flows)
        self._name = name
        self._in_type = input_type
        self._values: list[Var[object]] = []
        self._blocks: list[list[Bind | Block]] = [[]]
        self.input: Var[_In] = self._new("input", input_type)

    def _new(self, name: str, hint: object) -> Var[typing.Any]:
        made: Var[object] = Var(self._id, len(self._values), name, hint)
        self._values.append(made)
        return made

    def _index(self, value: Var[object]) -> int:
        if value.flow != self._id:
            raise DefinitionError(
                f"the value {value.name!r} belongs to another flow; a flow reads only the "
                "values it made (pass a value in through the flow's input)."
            )
        return value.index

    def _bind(self, binding: Bind | Block) -> None:
        self._blocks[-1].append(binding)

    # -- steps --------------------------------------------------------------------

    def _call(
        self,
        step: Step[_A, _B],
        args: tuple[Var[object], ...],
        when: Var[bool] | None = None,
        *,
        some: bool = False,
    ) -> Var[typing.Any]:
        indices = tuple(self._index(arg) for arg in args)
        _check_edge(args, step, some=some)
        optional = when is not None or some
        out = step.out_type
        if optional and out is not typing.Any:
            out = typing.Optional[out]  # noqa: UP045 (a runtime hint built from a value)
        made = self._new(step.label, out)
        self._bind(
            Bind(
                made.index,
                indices,
                step=step,
                when=None if when is None else self._index(when),
                some=some,
                name=step.label,
            )
        )
        return made

    @overload
    def call(self, step: Step[_A, _B], a: Var[_A], /) -> Var[_B]: ...
    @overload
    def call(self, step: Step[tuple[_A, _C], _B], a: Var[_A], b: Var[_C], /) -> Var[_B]: ...
    @overload
    def call(
        self, step: Step[tuple[_A, _C, _D], _B], a: Var[_A], b: Var[_C], c: Var[_D], /
    ) -> Var[_B]: ...
    def call(self, step: Step[_A, _B], *args: Var[object]) -> Var[object]:
        """The value `step` makes from one value, or from the tuple of two or three."""
        return self._call(step, args)

    @overload
    def call_if(self, when: Var[bool], step: Step[_A, _B], a: Var[_A], /) -> Var[_B | None]: ...
    @overload
    def call_if(
        self, when: Var[bool], step: Step[tuple[_A, _C], _B], a: Var[_A], b: Var[_C], /
    ) -> Var[_B | None]: ...
    def call_if(self, when: Var[bool], step: Step[_A, _B], *args: Var[object]) -> Var[object]:
        """`call`, run only when the value `when` is true (None otherwise)."""
        return self._call(step, args, when)

    @overload
    def call_some(self, step: Step[_A, _B], a: Var[_A | None], /) -> Var[_B | None]: ...
    @overload
    def call_some(
        self, step: Step[tuple[_A, _C], _B], a: Var[_A | None], b: Var[_C | None], /
    ) -> Var[_B | None]: ...
    def call_some(self, step: Step[_A, _B], *args: Var[object]) -> Var[object]:
        """`call`, run only when no argument is None (None otherwise): what exists only
        sometimes (a champion model) flows on as `X | None`."""
        return self._call(step, args, some=True)

    @overload
    def decide(self, name: str, fn: Callable[[_A], _B], a: Var[_A], /) -> Var[_B]: ...
    @overload
    def decide(
        self, name: str, fn: Callable[[_A, _C], _B], a: Var[_A], b: Var[_C], /
    ) -> Var[_B]: ...
    @overload
    def decide(
        self, name: str, fn: Callable[[_A, _C, _D], _B], a: Var[_A], b: Var[_C], c: Var[_D], /
    ) -> Var[_B]: ...
    def decide(self, name: str, fn: Callable[..., object], *args: Var[object]) -> Var[object]:
        """A decision: `fn` on the values, run as a step of its own named `name` (shown in
        plans and run records, unlike glue), e.g. whether a model beats the champion, or
        a check that stops the workflow. `fn`'s docstring describes it."""
        description = (fn.__doc__ or "").strip().split("\n")[0]
        meta = StepMeta(description=description)
        single = len(args) == 1

        def decision(value: object) -> object:
            return fn(value) if single else fn(*typing.cast("tuple[object, ...]", value))

        decision.__name__ = name
        decided: Step[object, object] = Step(
            Leaf(decision), check_name(name), typing.Any, typing.Any, meta
        )
        return self._call(decided, args)

    # -- glue ---------------------------------------------------------------------

    @overload
    def apply(self, fn: Callable[[_A], _B], a: Var[_A], /) -> Var[_B]: ...
    @overload
    def apply(self, fn: Callable[[_A, _C], _B], a: Var[_A], b: Var[_C], /) -> Var[_B]: ...
    @overload
    def apply(
        self, fn: Callable[[_A, _C, _D], _B], a: Var[_A], b: Var[_C], c: Var[_D], /
    ) -> Var[_B]: ...
    @overload
    def apply(
        self,
        fn: Callable[[_A, _C, _D, _S], _B],
        a: Var[_A],
        b: Var[_C],
        c: Var[_D],
        d: Var[_S],
        /,
    ) -> Var[_B]: ...
    @overload
    def apply(
        self,
        fn: Callable[[_A, _C, _D, _S, _E], _B],
        a: Var[_A],
        b: Var[_C],
        c: Var[_D],
        d: Var[_S],
        e: Var[_E],
        /,
    ) -> Var[_B]: ...
    @overload
    def apply(
        self,
        fn: Callable[[_A, _C, _D, _S, _E, _F], _B],
        a: Var[_A],
        b: Var[_C],
        c: Var[_D],
        d: Var[_S],
        e: Var[_E],
        f: Var[_F],
        /,
    ) -> Var[_B]: ...
    @overload
    def apply(
        self,
        fn: Callable[[_A, _C, _D, _S, _E, _F, _G], _B],
        a: Var[_A],
        b: Var[_C],
        c: Var[_D],
        d: Var[_S],
        e: Var[_E],
        f: Var[_F],
        g: Var[_G],
        /,
    ) -> Var[_B]: ...
    @overload
    def apply(
        self,
        fn: Callable[[_A, _C, _D, _S, _E, _F, _G, _H], _B],
        a: Var[_A],
        b: Var[_C],
        c: Var[_D],
        d: Var[_S],
        e: Var[_E],
        f: Var[_F],
        g: Var[_G],
        h: Var[_H],
        /,
    ) -> Var[_B]: ...
    def apply(self, fn: Callable[..., object], *args: Var[object]) -> Var[object]:
        """Glue: `fn` of the values, run inline (no step, no path, no record). Keep it to
        picking parts and packing values: anything that may fail or decide belongs in a
        step (`decide`)."""
        name = getattr(fn, "__name__", "apply")
        made = self._new(name, typing.Any)
        indices = tuple(self._index(arg) for arg in args)
        self._bind(Bind(made.index, indices, fn=fn, name=name))
        return made

    def const(self, value: _A) -> Var[_A]:
        """A value known when the flow is built."""

        def constant() -> _A:
            return value

        made = self._new(f"const {type(value).__name__}", type(value))
        self._bind(Bind(made.index, (), fn=constant, name="const"))
        return made

    # -- blocks -------------------------------------------------------------------

    @contextmanager
    def _inside(self, make: Callable[[tuple[Bind | Block, ...]], Block]) -> Iterator[None]:
        """Collect the bindings made inside the `with` into the block `make` makes."""
        self._blocks.append([])
        try:
            yield
        finally:
            body = tuple(self._blocks.pop())
        self._bind(make(body))

    def block(self, name: str) -> AbstractContextManager[None]:
        """Steps bound inside get the path segment `name` (`train/champion/predict`)."""
        check_name(name)
        return self._inside(lambda body: Block(body, name))

    def guard(
        self, handler: Step[tuple[_S, RunFailure], object], subject: Var[_S]
    ) -> AbstractContextManager[None]:
        """When a step bound inside fails: `handler` on (the subject's value, the failure)
        first, then the same failure."""
        index = self._index(subject)
        return self._inside(lambda body: Block(body, handler=handler, subject=index))

    # -- the program --------------------------------------------------------------

    def build(self, output: Var[_Out], *, name: str | None = None) -> Step[_In, _Out]:
        """The flow as a step from its input to the value `output`."""
        if len(self._blocks) != 1:
            raise DefinitionError("a flow is built outside its blocks (after `with` ends).")
        graph = Graph(Block(tuple(self._blocks[0])), self._index(output), len(self._values))
        label = self._name if name is None else name
        return Step(graph, check_name(label) if label else "", self._in_type, output.hint)


def _check_edge(args: tuple[Var[object], ...], step: AnyStep, *, some: bool) -> None:
    """Refuse arguments whose known types do not fit the step's declared input (with
    `some`, as the step gets them: never None)."""
    hints = tuple(_without_none(arg.hint) if some else arg.hint for arg in args)
    if len(args) == 1:
        provided = hints[0]
    elif typing.Any in hints:
        return  # a value made by glue: mypy checked it, the runtime cannot
    else:
        provided = tuple.__class_getitem__(hints)
    if fits(provided, step.in_type):
        return
    names = ", ".join(arg.name for arg in args)
    shown, expected = describe(provided), describe(step.in_type)
    raise WiringError(
        f"cannot give {names} to {step.label!r} in a flow: {names} "
        f"{'are' if len(args) > 1 else 'is'} {shown}, but {step.label!r} expects {expected}.",
        combinator="flow",
        left=names,
        right=step.label,
        provided=shown,
        expected=expected,
    )


def _without_none(hint: object) -> object:
    """`X` of a hint `X | None`; any other hint as it is."""
    options = typing.get_args(hint)
    if typing.get_origin(hint) not in (typing.Union, types.UnionType) or type(None) not in options:
        return hint
    kept = tuple(option for option in options if option is not type(None))
    return kept[0] if len(kept) == 1 else typing.Union[kept]  # noqa: UP007 (a runtime hint)
