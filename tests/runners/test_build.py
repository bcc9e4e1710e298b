"""Building a runner from a config: every slot checked first, every problem at once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from attrs import frozen
from returns.pipeline import is_successful
from returns.result import Result

from lolpop import Step, make_step, run
from lolpop.components._kinds import make_kind
from lolpop.config.records import Settings
from lolpop.config.registry import Registry, RunnerRegistry
from lolpop.errors import ConfigError, DefinitionError
from lolpop.runners.build import build_workflow
from lolpop.runners.kinds import Report, RunnerKind


@frozen
class Source:
    read: Step[None, int]


@frozen
class Sink:
    write: Step[int, str]


@frozen
class CopyComponents:
    source: Source
    sink: Sink


@frozen
class Text:
    text: str

    def to_text(self) -> str:
        return self.text


@frozen
class SourceSettings:
    value: int = 1


@frozen
class SinkSettings:
    prefix: str = ""


def make_source(settings: SourceSettings) -> Source:
    """A source of one number."""
    if settings.value < 0:
        raise DefinitionError(f"value must not be negative, got {settings.value}.")

    def read(_: None) -> int:
        return settings.value

    return Source(make_step(read))


def make_sink(settings: SinkSettings) -> Sink:
    """A sink that shows the number."""

    def write(value: int) -> str:
        return f"{settings.prefix}{value}"

    return Sink(make_step(write, name="write"))


def make_odd_source(settings: SourceSettings) -> Source:
    """A registered kind that builds a `Source` whose step reads text: wrong inside."""

    def read(_: None) -> str:
        return "three"

    return Source(cast("Step[None, int]", make_step(read)))


def _text(value: str) -> Text:
    return Text(value)


TEXT = make_step(_text, name="report")

COMPONENTS = Registry(
    (
        make_kind("source", SourceSettings, make_source),
        make_kind("sink", SinkSettings, make_sink),
        make_kind("odd_source", SourceSettings, make_odd_source),
    )
)


def build_copy(components: CopyComponents, settings: Settings, stage: str) -> Step[None, Report]:
    return (components.source.read >> components.sink.write >> TEXT).named("copy")


def build_miswired(
    components: CopyComponents, settings: Settings, stage: str
) -> Step[None, Report]:
    def shout(text: str) -> str:
        return text.upper()

    # What a runner assembled from untyped parts can do: mypy cannot see this mistake.
    miswired = cast("Step[int, str]", make_step(shout))
    return components.source.read >> miswired >> TEXT


DESCRIPTIONS = {"source": "where numbers come from"}
RUNNERS = RunnerRegistry(
    (
        RunnerKind(
            "copy", CopyComponents, Settings, build_copy, ("run",), slot_descriptions=DESCRIPTIONS
        ),
        RunnerKind("miswired", CopyComponents, Settings, build_miswired, ("run",)),
    )
)


def config(runner: str, components: Mapping[str, Mapping[str, object]]) -> object:
    from lolpop.config.converter import structure_workflow  # noqa: PLC0415

    return structure_workflow({"runner": runner, "components": components}, COMPONENTS)


def build(
    runner: str, components: Mapping[str, Mapping[str, object]]
) -> Result[Step[None, Report], ConfigError]:
    from lolpop.config.records import WorkflowConfig  # noqa: PLC0415

    decoded = config(runner, components)
    assert isinstance(decoded, WorkflowConfig)
    return build_workflow(decoded, components=COMPONENTS, runners=RUNNERS)


def test_a_sound_config_builds_a_program_that_runs() -> None:
    result = build(
        "copy", {"source": {"type": "source", "value": 3}, "sink": {"type": "sink", "prefix": "n="}}
    )
    assert is_successful(result)
    program = result.unwrap()
    assert run(program, None).unwrap().to_text() == "n=3"


def test_every_slot_problem_is_reported_at_once() -> None:
    result = build(
        "copy",
        {
            "sink": {"type": "source"},  # wrong component type for the slot
            "sorce": {"type": "source", "value": 1},  # no such slot (typo)
            "extra": {"type": "source", "value": -1},  # no such slot, and refused settings
        },
    )
    assert not is_successful(result)
    problems = result.failure().problems
    found = {(p.path, p.message.split(" ")[0]) for p in problems}
    paths = [p.path for p in problems]
    assert "$.components.sink.type" in paths
    assert "$.components.sorce" in paths
    assert "$.components.extra" in paths
    assert "$.components.source" in paths  # the required slot left empty
    assert len(problems) == 5, found
    messages = "\n".join(p.message for p in problems)
    assert "expected a Sink, got a Source (type: source)" in messages
    assert "did you mean 'source'?" in messages
    assert "value must not be negative" in messages
    assert "needs a Source (where numbers come from)" in messages


def test_an_unknown_runner_names_the_known_ones() -> None:
    result = build("cpy", {})
    problems = result.failure().problems
    assert [p.path for p in problems] == ["$.runner"]
    assert "did you mean 'copy'?" in problems[0].message


def test_a_miswired_runner_is_reported_before_anything_runs() -> None:
    result = build("miswired", {"source": {"type": "source"}, "sink": {"type": "sink"}})
    problems = result.failure().problems
    assert [p.path for p in problems] == ["$.runner"]
    assert "str" in problems[0].message
    assert "int" in problems[0].message


def test_a_component_whose_steps_do_not_fit_its_slot_is_refused_step_by_step() -> None:
    # The record is a Source, but its `read` gives text: the slot needs None -> int.
    result = build("copy", {"source": {"type": "odd_source"}, "sink": {"type": "sink"}})
    problems = result.failure().problems
    assert [p.path for p in problems] == ["$.components.source.read"]
    assert "its step 'read' is NoneType -> str; the 'source' slot needs NoneType -> int" in (
        problems[0].message
    )
