"""Hooks: typed checks on a step's input or output, run with the workflow.

A check is a function of one value that returns None when the value is fine, or a
message saying what is wrong (an `AssertionError` it raises counts as a message too).
`check_output(step, check)` is `step >> hook` and `check_input(step, check)` is
`hook >> step`, where the hook is an ordinary leaf step from the value's type to itself
that runs the check and raises `HookFailed` (naming the hook, the checked step and the
message) when it answers one. Since a hook is an ordinary step, every backend runs it as
it runs any other (Local, Prefect, and a dry run lists it in the plan), a failing hook
fails the run like a failing step (the run's failure names the hook's path), and mypy
checks it: `check_output` takes a `Step[A, B]` and a `Callable[[B], str | None]`, so a
check of another type than the step's output is a type error.

A config's hooks are where mypy never looks, so the hook step checks the same thing
when it is made (`check_hook_type`, with the wiring check's `fits`): a check whose
argument is annotated with a type the step's value does not fit is a `DefinitionError`
naming the hook, the step and both types, before any data is read, not a bare TypeError
in the middle of a run. A check with no annotation on its argument has nothing to
compare and is attached as it is; one annotated `object` accepts every step.

>>> from lolpop import step
>>> @step
... def count(text: str) -> int:
...     return len(text)
>>> def positive(n: int) -> str | None:
...     return None if n > 0 else f"expected a positive count, got {n}"
>>> checked = check_output(count, positive)
>>> checked("abc")
3
>>> checked("")
Traceback (most recent call last):
...
lolpop.errors.StepFailure: step 'positive' failed ... HookFailed: the hook 'positive' on the
output of 'count' failed: expected a positive count, got 0

A config attaches hooks by path (its `tests:` section, `lolpop.config.records.HookConfig`):
each names a step by its path as plans and run logs show it, or by the end of it
(`process/read`), which must match exactly one step of the built program. The build
(`lolpop.runners.build`) resolves each check like any `module:function` reference (only
in allow-listed modules), finds its step, and rewrites the program with the hook beside
that leaf (`attach_hooks`): an anonymous chain around the leaf, so the leaf keeps its
path and the hook's path is its sibling's (`.../process/has_rows`). A path that matches
no step of the stage built but one of another stage (a hook on a prediction step, when
only the training stage runs) is left out of that stage; one that matches no step of any
stage, or several of the stage built, is a config error naming it, and so is a check
of another type than its step's value (at the entry's `check`).

The rewrite walks the program in the order of `lolpop.core.paths.leaves`, with the same
scopes, so the paths it hands out are the ones every backend shows (a test holds the two
walks equal); it recurses once per level of nesting, which built programs keep shallow.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Literal, TypeAlias, TypeVar, cast

import attrs
from attrs import frozen

from lolpop.config.records import HookConfig
from lolpop.config.registry import resolve_function
from lolpop.core._hints import describe, fits, type_hints
from lolpop.core.combinators import then
from lolpop.core.paths import Scope, leaves
from lolpop.core.step import (
    AnyStep,
    Bind,
    Block,
    Both,
    Branch,
    Fanout,
    Graph,
    Identity,
    Leaf,
    MapEach,
    OnFailure,
    Retry,
    Seq,
    Step,
    StepMeta,
    check_name,
    refuse_node,
)
from lolpop.errors import DefinitionError, LolpopError

_A = TypeVar("_A")
_B = TypeVar("_B")
_T = TypeVar("_T")

#: Which value of a step a hook checks.
Side: TypeAlias = Literal["output", "input"]


class HookFailed(LolpopError):
    """A hook's check found a step's input or output wrong."""

    def __init__(self, hook: str, step: str, at: Side, message: str) -> None:
        super().__init__(f"the hook {hook!r} on the {at} of {step!r} failed: {message}")
        self.hook = hook
        self.step = step
        self.at = at
        self.message = message

    def __reduce__(self) -> tuple[type[HookFailed], tuple[str, str, Side, str]]:
        # Exceptions pickle their `args` only: keep every field (a worker sends it back).
        return (HookFailed, (self.hook, self.step, self.at, self.message))


@frozen
class Check:
    """The function of a hook step: runs `check` on the value and passes the value on."""

    check: Callable[..., object]
    #: The hook's name, the checked step (its label, or its path in a config) and side.
    hook: str
    step: str
    at: Side

    def __call__(self, value: object) -> object:
        """`value` if the check finds it fine; `HookFailed` otherwise."""
        try:
            verdict = self.check(value)
        except AssertionError as error:
            raise self.failed(str(error) or "an assertion failed") from error
        if verdict is None:
            return value
        if isinstance(verdict, str):
            raise self.failed(verdict or "(the check returned an empty message)")
        raise self.failed(
            f"the check returned a {type(verdict).__name__} ({verdict!r}); a check returns "
            "None when the value is fine, or a message saying what is wrong"
        )

    def failed(self, message: str) -> HookFailed:
        """The failure of this hook with `message`."""
        return HookFailed(self.hook, self.step, self.at, message)


def _hook_name(check: Callable[..., object], name: str | None) -> str:
    if name is not None:
        return check_name(name)
    found = getattr(check, "__name__", "check")
    return "check" if found == "<lambda>" else check_name(found)


def _parameter(fn: Callable[..., object]) -> inspect.Parameter | None:
    """`fn`'s one required positional parameter, or None when it takes another number."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return None
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    required = [
        p
        for p in parameters
        if p.default is inspect.Parameter.empty
        and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    ]
    return required[0] if len(required) == 1 and required[0].kind in positional else None


def check_hook_type(
    check: Callable[..., object], of: object, *, hook: str, step: str, at: Side
) -> None:
    """Refuse (`DefinitionError`) a `check` whose argument's annotation does not fit
    `of`, the type of the `at` of `step` that the hook `hook` would check."""
    parameter = _parameter(check)
    if parameter is None or parameter.annotation is inspect.Parameter.empty:
        return  # nothing to compare (the argument count is `resolve_hooks`' to refuse)
    try:
        expected = type_hints(check).get(parameter.name, object)
    except Exception:
        # An annotation that does not resolve (a name imported under TYPE_CHECKING) ran
        # fine before hooks were compared: leave it to the call, as then.
        return
    if fits(of, expected):
        return
    verb = "outputs" if at == "output" else "takes"
    raise DefinitionError(
        f"the hook {hook!r} cannot check the {at} of {step!r}: that step {verb} "
        f"{describe(of)}, but the check expects {describe(expected)} (its argument "
        f"{parameter.name!r}). Attach the hook to a step whose {at} is "
        f"{describe(expected)}, or write a check that takes {describe(of)}."
    )


def hook_step(
    check: Callable[[_T], object], of: object, *, hook: str, step: str, at: Side
) -> Step[_T, _T]:
    """The hook step: from the runtime type `of` to itself, running `check` (named `hook`,
    on the `at` of `step`); a check of another type than `of` is refused
    (`check_hook_type`)."""
    check_hook_type(check, of, hook=hook, step=step, at=at)
    meta = StepMeta(description=f"Checks the {at} of {step} ({hook}, a hook).")
    return Step(Leaf(Check(check, hook, step, at)), hook, of, of, meta)


def check_output(
    step: Step[_A, _B], check: Callable[[_B], str | None], *, name: str | None = None
) -> Step[_A, _B]:
    """`step`, then a hook running `check` on its output (named `name`, by default the
    check's name); the hook raises `HookFailed` when the check answers a message."""
    hook = _hook_name(check, name)
    return then(step, hook_step(check, step.out_type, hook=hook, step=step.label, at="output"))


def check_input(
    step: Step[_A, _B], check: Callable[[_A], str | None], *, name: str | None = None
) -> Step[_A, _B]:
    """A hook running `check` on the input, then `step` (see `check_output`)."""
    hook = _hook_name(check, name)
    return then(hook_step(check, step.in_type, hook=hook, step=step.label, at="input"), step)


def hook_checks(program: AnyStep) -> dict[str, Check]:
    """Every hook of a program by its path (to tell which ran, from a run's records)."""
    return {
        visit.path: visit.step.node.fn
        for visit in leaves(program)
        if isinstance(visit.step.node, Leaf) and isinstance(visit.step.node.fn, Check)
    }


# --- rewriting the leaves of a program --------------------------------------------------


def rewrite_leaves(
    program: Step[_A, _B], change: Callable[[str, AnyStep], AnyStep]
) -> Step[_A, _B]:
    """`program` with each leaf replaced by `change(its path, the leaf)` (which must keep
    the leaf's types), walked in the order and with the scopes of `paths.leaves`."""
    # `change` keeps each leaf's types, so the program keeps its own.
    return cast("Step[_A, _B]", _step(program, Scope(), change))


def _step(step: AnyStep, scope: Scope, change: Callable[[str, AnyStep], AnyStep]) -> AnyStep:
    node = step.node
    if isinstance(node, Leaf):
        return change(scope.path_for(step.name), step)
    if isinstance(node, Identity):
        return step
    inner = scope.enter(step)

    def again(child: AnyStep) -> AnyStep:
        return _step(child, inner, change)

    new: object
    match node:
        case Seq(steps):
            new = Seq(tuple(again(child) for child in steps))
        case Fanout(left, right):
            new = Fanout(again(left), again(right))
        case Both(left, right):
            new = Both(again(left), again(right))
        case MapEach(child):
            new = MapEach(again(child))
        case Retry(child, attempts, backoff, on):
            new = Retry(again(child), attempts, backoff, on)
        case Branch(predicate, if_true, if_false):
            new = Branch(again(predicate), again(if_true), again(if_false))
        case OnFailure(child, handler):
            new = OnFailure(again(child), again(handler))
        case Graph(body, output, size):
            new = Graph(_block(body, inner, change), output, size)
        case _:
            refuse_node("hooks", node, scope.where)
    return attrs.evolve(step, node=new)


def _block(block: Block, scope: Scope, change: Callable[[str, AnyStep], AnyStep]) -> Block:
    inner = Scope(scope.path_for(block.name)) if block.name else scope
    body: list[Bind | Block] = []
    for item in block.body:
        if isinstance(item, Block):
            body.append(_block(item, inner, change))
        elif item.step is not None:
            body.append(attrs.evolve(item, step=_step(item.step, inner, change)))
        else:
            body.append(item)
    handler = None if block.handler is None else _step(block.handler, inner, change)
    return attrs.evolve(block, body=tuple(body), handler=handler)


# --- hooks from a config ----------------------------------------------------------------


@frozen
class Hook:
    """A hook of a config, its check resolved: what to attach where."""

    #: Where it stands in the config's `tests:` (for error paths).
    index: int
    #: The step's path, or its end, as the config wrote it.
    step: str
    check: Callable[..., object]
    at: Side
    name: str


def resolve_hooks(
    tests: Sequence[HookConfig], allowed: Iterable[str], problem: Callable[[str, str], None]
) -> list[Hook]:
    """The config's hooks with their checks resolved (under lolpop and `allowed`); each
    refusal is a `problem(message, config path)`. Nothing is called."""
    prefixes = tuple(allowed)
    found = []
    for index, entry in enumerate(tests):
        where = f"$.tests[{index}]"
        try:
            check = resolve_function(entry.check, prefixes)
        except DefinitionError as error:
            problem(str(error), f"{where}.check")
            continue
        if _parameter(check) is None:
            problem(
                f"a hook's check takes one argument, the step's {entry.at}; {entry.check!r} "
                f"takes ({', '.join(inspect.signature(check).parameters) or 'none'})",
                f"{where}.check",
            )
            continue
        try:
            name = _hook_name(check, entry.name)
        except DefinitionError as error:
            problem(str(error), f"{where}.name")
            continue
        found.append(Hook(index, entry.step, check, entry.at, name))
    return found


def matching_paths(program: AnyStep, suffix: str) -> list[str]:
    """The paths of `program`'s leaves that are `suffix` or end with `/suffix`."""
    return [
        visit.path
        for visit in leaves(program)
        if visit.path == suffix or visit.path.endswith("/" + suffix)
    ]


def attach_hooks(program: Step[_A, _B], hooks: Mapping[str, Sequence[Hook]]) -> Step[_A, _B]:
    """`program` with the hooks at each leaf path of `hooks` (input hooks before the leaf,
    output hooks after it, each in the order given)."""
    if not hooks:
        return program

    def change(path: str, leaf: AnyStep) -> AnyStep:
        here = hooks.get(path, ())
        if not here:
            return leaf
        chain = cast("Step[object, object]", leaf)  # `then` checks the runtime types
        for hook in here:
            if hook.at == "input":
                made = hook_step(hook.check, leaf.in_type, hook=hook.name, step=path, at="input")
                chain = then(made, chain)
        for hook in here:
            if hook.at == "output":
                made = hook_step(hook.check, leaf.out_type, hook=hook.name, step=path, at="output")
                chain = then(chain, made)
        return chain

    return rewrite_leaves(program, change)


def _like(program: AnyStep, suffix: str) -> str:
    """The paths of `program` whose ends look like `suffix` (a typo's hint), or ""."""
    depth = suffix.count("/") + 1
    ends: dict[str, str] = {}
    for visit in leaves(program):
        ends.setdefault("/".join(visit.path.split("/")[-depth:]), visit.path)
    close = difflib.get_close_matches(suffix, list(ends), n=3, cutoff=0.6)
    return f" (paths like it: {', '.join(ends[end] for end in close)})" if close else ""


def attach_config_hooks(
    program: Step[_A, _B],
    tests: Sequence[HookConfig],
    hooks: Sequence[Hook],
    other_stages: Callable[[], Iterable[AnyStep]],
    problem: Callable[[str, str], None],
) -> Step[_A, _B]:
    """`program` with each hook (`resolve_hooks`' of `tests`) at the one leaf its path
    names. Every entry of `tests` is located, its check resolved or not: a path that
    matches several leaves, or none here nor in any of `other_stages()` (the runner's
    other programs, built only when needed), is a `problem` at `$.tests[i].step`; a
    check of another type than its leaf's value (`check_hook_type`), one at
    `$.tests[i].check`, and that hook is left out (so the rest are still checked)."""
    places: dict[int, str] = {}
    others: list[AnyStep] | None = None
    for index, entry in enumerate(tests):
        where = f"$.tests[{index}].step"
        found = matching_paths(program, entry.step)
        if len(found) > 1:
            shown = ", ".join(found[:5]) + (", ..." if len(found) > 5 else "")
            problem(
                f"the step path {entry.step!r} matches {len(found)} steps ({shown}); write "
                "more of the path, so that it names one",
                where,
            )
        elif found:
            places[index] = found[0]
        else:
            others = list(other_stages()) if others is None else others
            if not any(matching_paths(other, entry.step) for other in others):
                problem(
                    f"no step of the workflow has the path {entry.step!r} or a path ending "
                    f"in '/{entry.step}'{_like(program, entry.step)}; `lolpop run CONFIG "
                    "--backend dry-run` lists every path",
                    where,
                )
            # else: a step of another stage, whose hook runs when that stage does
    at_path = {visit.path: visit.step for visit in leaves(program)} if places else {}
    placed: dict[str, list[Hook]] = {}
    for hook in hooks:
        if hook.index not in places:
            continue
        path = places[hook.index]
        leaf = at_path[path]
        of = leaf.out_type if hook.at == "output" else leaf.in_type
        try:
            check_hook_type(hook.check, of, hook=hook.name, step=path, at=hook.at)
        except DefinitionError as error:
            problem(str(error), f"$.tests[{hook.index}].check")
            continue
        placed.setdefault(path, []).append(hook)
    return attach_hooks(program, placed)
