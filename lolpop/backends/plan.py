"""`Plan`: what a run would do, step by step, as data (built by the dry-run backend).

A plan lists the leaf steps in execution order with their paths, input and output
types, whether each is an effect (tracking, versioning, writing data, notifying) and
what it would do, how many attempts it may take, its timeout, which steps may run at
the same time as it, and, from earlier runs' records, how long it is expected to take.
The data flow between steps is kept as edges, so a plan renders as a text table, as
JSON and as a Mermaid flowchart.
"""

from __future__ import annotations

import json

from attrs import asdict, frozen


@frozen
class PlannedStep:
    """One leaf step as it would run."""

    path: str
    input_type: str
    output_type: str
    #: Whether the step touches the world (a dry run lists it and does not run it).
    effect: bool
    #: What the step would do (its description).
    description: str
    #: The most attempts it may take (more than 1 under `retry`).
    attempts: int
    timeout: float | None
    #: Paths of the steps that may run at the same time as this one (fanout, `both`).
    concurrent_with: tuple[str, ...]
    #: Whether it runs once per item of a sequence (under `map_each`).
    repeated: bool
    #: Whether it runs only when a branch's predicate chooses its arm.
    conditional: bool
    #: The median duration of its earlier successful runs, where records exist.
    expected_seconds: float | None = None
    #: With a step cache: its key (the same as `Local`'s; "" when its input is known only
    #: by running the steps before it) and whether its kept output would be reused
    #: (None without a step cache).
    cache_key: str | None = None
    would_hit: bool | None = None
    #: Glue that only passes values between steps (`to_text` hides it by default).
    internal: bool = False


@frozen
class Edge:
    """Data flows from one step to another (`label`: a branch's `true`/`false`)."""

    source: str
    target: str
    label: str = ""


#: How many of the steps a step may run with the plan's table names (the JSON has all).
SHOWN_ALONGSIDE = 8


def _some(paths: tuple[str, ...]) -> str:
    """`a, b, c`, or the first `SHOWN_ALONGSIDE` and how many more: a branch of a fanout
    of N may run with N-1 others (3,000 branches would make a table of ~90 MB)."""
    if not paths:
        return "-"
    if len(paths) <= SHOWN_ALONGSIDE:
        return ", ".join(paths)
    return f"{', '.join(paths[:SHOWN_ALONGSIDE])} and {len(paths) - SHOWN_ALONGSIDE} more"


@frozen
class Plan:
    """Every step a run would take, in order, and how data flows between them."""

    program: str
    input_type: str
    output_type: str
    steps: tuple[PlannedStep, ...]
    edges: tuple[Edge, ...]

    @property
    def effects(self) -> tuple[PlannedStep, ...]:
        """The steps that would touch the world."""
        return tuple(s for s in self.steps if s.effect)

    @property
    def expected_seconds(self) -> float | None:
        """The sum of the steps' expected durations, if every step has one."""
        known = [s.expected_seconds for s in self.steps]
        if not known or any(seconds is None for s, seconds in zip(self.steps, known, strict=True)):
            return None
        return sum(seconds for seconds in known if seconds is not None)

    def to_json(self) -> str:
        """The plan as JSON (keys sorted, indented)."""
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    def to_text(self, *, internal: bool = False) -> str:
        """The plan as a plain-text table, one row per step (`internal`: with the glue
        steps that only pass values between them)."""
        header: tuple[str, ...] = (
            "#",
            "step",
            "input -> output",
            "kind",
            "tries",
            "runs with",
            "expected",
        )
        cached = any(s.would_hit is not None for s in self.steps)
        if cached:
            header += ("cache",)
        rows = [header]
        for number, s in enumerate(self.steps, start=1):
            if s.internal and not internal:
                continue
            kind = "effect" if s.effect else "compute"
            if s.repeated:
                kind += ", per item"
            if s.conditional:
                kind += ", if chosen"
            row: tuple[str, ...] = (
                str(number),
                s.path,
                f"{s.input_type} -> {s.output_type}",
                kind,
                str(s.attempts),
                _some(s.concurrent_with),
                "-" if s.expected_seconds is None else f"{s.expected_seconds:.3g} s",
            )
            if cached:
                row += ("hit " + (s.cache_key or "")[:12] if s.would_hit else "run",)
            rows.append(row)
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        lines = [f"plan of {self.program}: {self.input_type} -> {self.output_type}"]
        for index, row in enumerate(rows):
            lines.append(
                "  ".join(
                    cell.ljust(width) for cell, width in zip(row, widths, strict=True)
                ).rstrip()
            )
            if index == 0:
                lines.append("  ".join("-" * width for width in widths))
        effects = self.effects
        hidden = sum(1 for s in self.steps if s.internal) if not internal else 0
        hits = sum(1 for s in self.steps if s.would_hit and (internal or not s.internal))
        lines.append(
            f"{len(self.steps)} steps"
            + (f" ({hidden} glue step{'s' if hidden != 1 else ''} not shown)" if hidden else "")
            + f", {len(effects)} effects"
            + (
                ": " + ", ".join(f"{s.path} ({s.description or 'effect'})" for s in effects)
                if effects
                else ""
            )
            + (f"; {hits} would be taken from the step cache" if cached else "")
        )
        return "\n".join(lines)

    def to_mermaid(self) -> str:
        """The data flow as a Mermaid flowchart (effects drawn as parallelograms)."""
        ids = {s.path: f"s{number}" for number, s in enumerate(self.steps)}
        lines = ["flowchart TD"]
        for s in self.steps:
            text = f"{s.path}<br/>{s.input_type} → {s.output_type}".replace('"', "'")
            lines.append(
                f'    {ids[s.path]}[/"{text}"/]' if s.effect else f'    {ids[s.path]}["{text}"]'
            )
        for edge in self.edges:
            arrow = f" -- {edge.label} --> " if edge.label else " --> "
            lines.append(f"    {ids[edge.source]}{arrow}{ids[edge.target]}")
        return "\n".join(lines)
