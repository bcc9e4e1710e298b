"""`Step[In, Out]`: a typed, pure, one-argument unit of work, and the nodes of its tree.

A step is data. A leaf step holds a checked callable; a composed step holds a node
that names its children (`Seq`, `Fanout`, `Both`, `MapEach`, `Branch`, `Retry`,
`Identity`, `OnFailure`, `Graph`). Backends walk this tree, each with one `match` over
the closed set of nodes (ending in `assert_never`, so mypy names a walk that forgets a
new node); nothing in it is a closure over other steps.

Variance: a step consumes its input and produces its output, so `Step` is
contravariant in `In` and covariant in `Out`. A `Step[object, bool]` may stand where a
`Step[int, int]` is expected.

Sequences are kept flat: `a >> b >> c` is one `Seq` of three children, not a nested
pair, so a chain of ten thousand steps is a shallow tree (no recursion limit when it
is compared, hashed, walked or run); it is flattened when first walked, not on every
`>>` (see `Seq`), so building it is linear too. A named chain (`.named("train")`) is a
boundary: it becomes one child of the chain it joins and a segment of its leaves' paths.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Generic, Literal, Never, NoReturn, Self, TypeAlias, TypeVar

import attrs
from attrs import field, frozen

from lolpop.core._hints import describe
from lolpop.errors import DefinitionError, UnsupportedNodeError

_In_contra = TypeVar("_In_contra", contravariant=True)
_Out_co = TypeVar("_Out_co", covariant=True)
_A = TypeVar("_A")
_B = TypeVar("_B")
_C = TypeVar("_C")


@frozen
class StepMeta:
    """What a backend needs to know about a step besides its function.

    `effect` marks steps that touch the world (tracking, versioning, writing data,
    notifying): a dry run lists them without performing them.
    """

    effect: bool = False
    description: str = ""
    #: Seconds after which a backend gives the step up (None: the backend's default).
    timeout: float | None = None
    #: Glue that only passes values between steps (plans hide it unless asked).
    internal: bool = False
    #: Whether a run with a step cache may reuse this step's output kept by an earlier
    #: run under the same key ("key": only for a pure step, whose output depends on
    #: nothing but its input and settings), or always runs it ("never", the default: a
    #: step that reads a file or a registry must see it as it is now). Effects are
    #: never reused across runs; a resumed run reuses every step it finished itself.
    cache: Literal["key", "never"] = "never"
    #: Seconds a kept output may be reused for (None: as long as it is kept).
    cache_expiry: float | None = None
    #: What the step reads from outside its input, as it is now (a data file's size and
    #: modification time): part of its key, so a resumed run reads a file that changed
    #: since the run it resumes, and runs again what follows (None: nothing outside).
    stamp: Callable[[], str] | None = field(default=None, eq=False)


@frozen
class Backoff:
    """Delays between the attempts of a retried step: `initial * factor**n`, capped.

    >>> [Backoff(initial=0.5, factor=2.0, maximum=1.5).delay(n) for n in (1, 2, 3)]
    [0.5, 1.0, 1.5]
    """

    initial: float = 0.1
    factor: float = 2.0
    maximum: float = 10.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (counted from 1)."""
        return float(min(self.maximum, self.initial * self.factor ** (attempt - 1)))


#: Any step at all: every `Step[A, B]` is a `Step[Never, object]`.
AnyStep: TypeAlias = "Step[Never, object]"


@frozen
class Leaf:
    """A step that calls one function (already wrapped with its runtime type check)."""

    fn: Callable[..., object]


class Seq:
    """Children run one after another, each fed the previous one's output.

    An immutable record of one field, `steps` (equality, hashing, repr, pickling and
    `match` see only it). `a >> b` does not copy the children of `a` and `b`: it makes
    a Seq of the two parts (`joined`), spliced into one flat tuple when `steps` is first
    read and kept, so building a chain of N steps costs O(N), not O(N^2).

    >>> Seq(()).steps
    ()
    """

    __slots__ = ("_parts", "_steps")
    __match_args__ = ("steps",)
    _steps: tuple[AnyStep, ...] | None
    #: Before flattening: the parts, each one child (a step) or spliced (a Seq).
    _parts: tuple[AnyStep | Seq, ...] | None

    def __init__(self, steps: tuple[AnyStep, ...]) -> None:
        object.__setattr__(self, "_steps", steps)
        object.__setattr__(self, "_parts", None)

    @classmethod
    def joined(cls, *parts: AnyStep | Seq) -> Seq:
        """The sequence of `parts`: a step is one child, a Seq's children are spliced in
        (flattened lazily, see the class)."""
        seq = cls.__new__(cls)
        object.__setattr__(seq, "_steps", None)
        object.__setattr__(seq, "_parts", parts)
        return seq

    @property
    def steps(self) -> tuple[AnyStep, ...]:
        """The children, in order."""
        steps = self._steps
        return steps if steps is not None else self._flatten()

    def _pending(self) -> tuple[AnyStep | Seq, ...] | tuple[AnyStep, ...]:
        # `_steps` is set before `_parts` is cleared (see `_flatten`), so a Seq another
        # thread flattens meanwhile is read either way.
        parts = self._parts
        if parts is not None:
            return parts
        steps = self._steps
        assert steps is not None  # one of the two is always set
        return steps

    def _flatten(self) -> tuple[AnyStep, ...]:
        # An explicit stack, not recursion: a chain built by `>>` nests as deep as it is long.
        flat: list[AnyStep] = []
        stack: list[AnyStep | Seq] = list(reversed(self._pending()))
        while stack:
            part = stack.pop()
            if not isinstance(part, Seq):
                flat.append(part)
            elif part._steps is not None:
                flat.extend(part._steps)
            else:
                stack.extend(reversed(part._pending()))
        steps = tuple(flat)
        object.__setattr__(self, "_steps", steps)
        object.__setattr__(self, "_parts", None)  # lets the nested parts go
        return steps

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Seq):
            return NotImplemented
        return self is other or self.steps == other.steps

    def __hash__(self) -> int:
        return hash((Seq, self.steps))

    def __repr__(self) -> str:
        return f"Seq(steps={self.steps!r})"

    def __reduce__(self) -> tuple[type[Seq], tuple[tuple[AnyStep, ...]]]:
        return (Seq, (self.steps,))  # flat: pickling a nested chain would recurse

    def __setattr__(self, name: str, value: object) -> None:
        raise attrs.exceptions.FrozenInstanceError

    def __delattr__(self, name: str) -> None:
        raise attrs.exceptions.FrozenInstanceError


@frozen
class Fanout:
    """Both children get the same input; the output is the pair of their outputs."""

    left: AnyStep
    right: AnyStep


@frozen
class Both:
    """The input is a pair; each child gets its own half."""

    left: AnyStep
    right: AnyStep


@frozen
class MapEach:
    """The child runs on every item of a sequence."""

    inner: AnyStep


@frozen
class Branch:
    """The predicate chooses which of two children gets the input."""

    predicate: AnyStep
    if_true: AnyStep
    if_false: AnyStep


@frozen
class Retry:
    """The child is run again on failure, up to `attempts` times in all."""

    inner: AnyStep
    attempts: int
    backoff: Backoff
    on: tuple[type[Exception], ...]


@frozen
class Identity:
    """The input, unchanged."""


@frozen
class OnFailure:
    """The child runs; if it fails, the handler gets (input, failure), then the failure
    goes on (for clean-up: ending a tracked run as failed)."""

    inner: AnyStep
    handler: AnyStep


@frozen
class Bind:
    """One value of a dataflow (`Graph`), made from values bound before it.

    With a `step`, the step runs on the value of `args` (one argument) or on the tuple of
    their values; with `fn` (glue: picking a part, packing a pair), `fn(*values)` runs
    inline, as no step of its own. A `when` value makes the binding conditional (it is
    None unless that value is true); `some` makes it run only when no argument is None.
    """

    target: int
    args: tuple[int, ...]
    step: AnyStep | None = None
    fn: Callable[..., object] | None = None
    when: int | None = None
    some: bool = False
    #: What the value is called (glue's function name, or the step's label).
    name: str = ""


@frozen
class Block:
    """Bindings run one after another. A named block is a segment of its steps' paths;
    with a `handler`, a failure inside first gives the handler the pair (the value bound
    as `subject`, the failure), then goes on as it was."""

    body: tuple[Bind | Block, ...]
    name: str = ""
    handler: AnyStep | None = None
    subject: int = 0


@frozen
class Graph:
    """A dataflow: value 0 is the input, each binding of `body` makes the next values
    from earlier ones, and the output is the value `output` (see `lolpop.core.flow`)."""

    body: Block
    output: int
    #: How many values the graph binds (the input included).
    size: int


Node: TypeAlias = (
    Leaf | Seq | Fanout | Both | MapEach | Branch | Retry | Identity | OnFailure | Graph
)


def fans_out(step: AnyStep) -> bool:
    """Whether `step` is a fanout that its parent fanout takes in as its own branches:
    an unnamed one (a named one is a scope of its own)."""
    return isinstance(step.node, Fanout) and not step.name


def nested_branches(
    step: AnyStep, kinds: tuple[type[Fanout | Both], ...] = (Fanout,)
) -> tuple[list[AnyStep], list[bool]]:
    """The branches of `step`, a node of one of `kinds`, and of the unnamed such nodes
    nested in it on either side (a named one is a scope, and a branch of its own), in
    order; and their nesting in postfix: True for the next branch, False for the pairing
    of the two before it. Walked in a loop: a fanout of hundreds of branches nests
    hundreds deep, on either side."""
    branches: list[AnyStep] = []
    postfix: list[bool] = []
    stack: list[AnyStep | None] = [step]  # None: the pairing of the two before it
    while stack:
        current = stack.pop()
        if current is None:
            postfix.append(False)
        elif isinstance(current.node, kinds) and (current is step or not current.name):
            stack.extend((None, current.node.right, current.node.left))
        else:
            branches.append(current)
            postfix.append(True)
    return branches, postfix


@frozen
class FanoutShape:
    """A fanout's branches, in order, and how its `&`s nest them.

    `a & b & c` nests as `(a & b) & c`, `a & (b & c)` the other way; the output nests as
    the steps do, `((a, b), c)` or `(a, (b, c))`. `postfix`: the nesting, as
    `nested_branches` reads it. Unnamed fanouts on either side are taken in; every
    branch visits the same scope.
    """

    branches: tuple[AnyStep, ...]
    postfix: tuple[bool, ...]
    #: Whether it nests as `a & b & c ...` does, `((a, b), c)`.
    chained: bool = field(init=False)

    @chained.default
    def _nests_as_a_chain(self) -> bool:
        return self.postfix == (True, *((True, False) * (len(self.branches) - 1)))

    @classmethod
    def of(cls, step: AnyStep) -> FanoutShape:
        """The shape of fanout `step`."""
        branches, postfix = nested_branches(step)
        return cls(tuple(branches), tuple(postfix))

    def nest(self, outputs: Iterable[object]) -> object:
        """The branches' outputs (in order) nested as the fanout nests them."""
        if self.chained:  # `a & b & c ...`, the common case, without the stack
            each = iter(outputs)
            nested = next(each)
            for output in each:
                nested = (nested, output)
            return nested
        return self._folded(outputs, lambda left, right: (left, right))

    def label(self) -> str:
        """`((a & b) & c)`, as the fanout nests; `(a & b & … & z: 40 branches)` past four."""
        first, *rest = self.branches
        if len(rest) > 3:
            ends = f"{first.label} & {rest[0].label} & … & {rest[-1].label}"
            return f"({ends}: {len(rest) + 1} branches)"
        labels = (branch.label for branch in self.branches)
        return str(self._folded(labels, lambda left, right: f"({left} & {right})"))

    def _folded(self, items: Iterable[object], pair: Callable[[object, object], object]) -> object:
        each = iter(items)
        stack: list[object] = []
        for is_branch in self.postfix:
            if is_branch:
                stack.append(next(each))
            else:
                right = stack.pop()
                stack.append(pair(stack.pop(), right))
        return stack[0]


def foreign_node(node: Never) -> type:
    """The type of a node from outside lolpop, in a walk that must not fail on one (a
    label, a list of children); typed `Never`, so mypy still names a forgotten node."""
    return type(node)


def refuse_node(backend: str, node: Never, where: str) -> NoReturn:
    """Refuse a node a walk does not know: typed `Never`, so mypy names a `match` over
    the nodes that forgets one, and at run time an `UnsupportedNodeError` (a node type
    from outside lolpop) names the backend and the place."""
    raise UnsupportedNodeError(backend, type(node).__name__, where)


def check_name(name: str) -> str:
    """Return `name` if it can be a path segment, or raise `DefinitionError`."""
    if not name or "/" in name or "#" in name or name != name.strip():
        raise DefinitionError(
            "a step name must be non-empty, without '/' or '#' (they separate and number "
            f"path segments) and without surrounding spaces; got {name!r}."
        )
    return name


@frozen(cache_hash=True, repr=False)
class Step(Generic[_In_contra, _Out_co]):
    """A typed unit of work from `In` to `Out`: a node, a name and runtime types.

    Build steps with `@step` and the combinators rather than by hand:

    >>> from lolpop import step
    >>> @step
    ... def double(x: int) -> int:
    ...     return 2 * x
    >>> @step
    ... def show(x: int) -> str:
    ...     return f"<{x}>"
    >>> program = double >> show
    >>> program(21)
    '<42>'
    """

    node: Node
    #: The path segment of this step; "" for an anonymous composition.
    name: str
    in_type: object
    out_type: object
    meta: StepMeta = StepMeta()
    _compiled: dict[object, object] | None = field(default=None, init=False, eq=False, hash=False)

    def __rshift__(self: Step[_A, _B], other: Step[_B, _C]) -> Step[_A, _C]:
        """`a >> b`: run `a`, then `b` on its output (see `then`)."""
        from lolpop.core.combinators import then  # noqa: PLC0415 (combinators import Step)

        return then(self, other)

    def __and__(self: Step[_A, _B], other: Step[_A, _C]) -> Step[_A, tuple[_B, _C]]:
        """`a & b`: run both on the same input, output the pair (see `fanout`)."""
        from lolpop.core.combinators import fanout  # noqa: PLC0415 (combinators import Step)

        return fanout(self, other)

    def named(self, name: str) -> Self:
        """The same step under another name; a named composition becomes a path segment."""
        return attrs.evolve(self, name=check_name(name))

    def described(self, description: str) -> Self:
        """The same step with a description (shown in plans and the CLI)."""
        return attrs.evolve(self, meta=attrs.evolve(self.meta, description=description))

    def with_timeout(self, seconds: float) -> Self:
        """The same step, given up after `seconds` by backends that enforce timeouts."""
        if seconds <= 0:
            raise DefinitionError(f"a step's timeout must be positive, got {seconds!r}.")
        return attrs.evolve(self, meta=attrs.evolve(self.meta, timeout=float(seconds)))

    def with_cache(self, mode: Literal["key", "never"], expiry: float | None = None) -> Self:
        """The same step with another cache policy (`StepMeta.cache`, `cache_expiry`)."""
        if expiry is not None and expiry <= 0:
            raise DefinitionError(f"a cache expiry must be positive, got {expiry!r}.")
        meta = attrs.evolve(self.meta, cache=mode, cache_expiry=expiry)
        return attrs.evolve(self, meta=meta)

    def stamped(self, stamp: Callable[[], str]) -> Self:
        """The same step, whose key includes `stamp()`: the state of what it reads from
        outside its input (`StepMeta.stamp`)."""
        return attrs.evolve(self, meta=attrs.evolve(self.meta, stamp=stamp))

    def as_effect(self) -> Self:
        """The same step marked as an effect: a dry run lists it and does not run it."""
        return attrs.evolve(self, meta=attrs.evolve(self.meta, effect=True))

    @property
    def label(self) -> str:
        """The step's name, or a short description of an anonymous composition."""
        if self.name:
            return self.name
        match self.node:
            case Seq(steps):
                first, last = steps[0].label, steps[-1].label
                return f"({first} >> {last})" if len(steps) == 2 else f"({first} >> … >> {last})"
            case Fanout():
                return FanoutShape.of(self).label()
            case Both(left, right):
                return f"both({left.label}, {right.label})"
            case MapEach(inner):
                return f"map_each({inner.label})"
            case Branch(predicate, _, _):
                return f"branch({predicate.label}, …)"
            case Retry(inner, _, _, _):
                return f"retry({inner.label})"
            case OnFailure(inner, handler):
                return f"on_failure({inner.label}, {handler.label})"
            case Graph():
                return "flow"
            case Leaf(fn):
                return getattr(fn, "__name__", "step")
            case Identity():
                return "identity"
            case _:  # a node from outside lolpop (mypy names a forgotten one here)
                return foreign_node(self.node).__name__  # type: ignore[unreachable]  # see above

    def __repr__(self) -> str:
        return f"<Step {self.label}: {describe(self.in_type)} -> {describe(self.out_type)}>"

    def __call__(self, value: _In_contra) -> _Out_co:
        """Run the step in this process and return its output.

        Raises `StepFailure` (with the `RunFailure` as `.failure`) if a step fails; use
        `lolpop.run` to get the failure as a value instead.
        """
        from lolpop.core._interpret import call_step  # noqa: PLC0415 (the interpreter imports Step)

        return call_step(self, value)  # type: ignore[return-value]  # the tree's types were checked when it was built

    if TYPE_CHECKING:
        # Lets `branch` ask mypy for arms of one exact output type (see combinators.branch).
        def _exact_output(self) -> Callable[[_Out_co], None]: ...
