"""A `Plan` for people and tools: a text table that fits a terminal, JSON, Mermaid, DOT.

`Plan.to_text` prints every column at full width (a churn plan is ~250 columns wide);
these renderings are what `lolpop plan` shows. Type names lose their modules
(`lolpop.components.records.RunRef` -> `RunRef`) in text and graphs, not in JSON; the
steps' common prefix (the program's name) is said once; a long `input -> output` wraps
inside its column; effects are listed one per line under the table. `Timings` says where
the expected durations came from, and every rendering says it too.

>>> from lolpop import step
>>> from lolpop.backends import DryRun
>>> from lolpop.backends.run import run
>>> @step
... def inc(x: int) -> int:
...     return x + 1
>>> print(to_text(run(inc >> inc, 1, backend=DryRun()).unwrap(), Timings(0, ".lolpop")))
plan of (inc >> inc): int -> int
expected times: no earlier runs
#  step   kind     expected  input -> output
-  -----  -------  --------  ---------------
1  inc    compute  -         int -> int
2  inc#2  compute  -         int -> int
2 steps, 0 effects
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from attrs import frozen

from lolpop.backends.plan import Plan, PlannedStep

#: The width `to_text` fits by default (a terminal's, with room for a scrollbar).
WIDTH = 100

_QUALIFIED = re.compile(r"\b(?:[A-Za-z_]\w*\.)+([A-Za-z_]\w*)")
_PATH_WIDTH = 30
_SEPARATOR = "  "


@frozen
class Timings:
    """Where a plan's expected durations come from: the medians of `runs` earlier runs of
    the same program, logged in `folder` (0: no earlier runs, no expected durations)."""

    runs: int
    folder: str

    def describe(self) -> str:
        """The plan's header line about them."""
        if not self.runs:
            return "expected times: no earlier runs"
        plural = "s" if self.runs != 1 else ""
        return f"expected times: median of {self.runs} earlier run{plural} in {self.folder}"


def short_type(text: str) -> str:
    """A type's description without module names or a type variable's `~`.

    >>> short_type("tuple[lolpop.components.records.RunRef, pandas.DataFrame] -> ~_K")
    'tuple[RunRef, DataFrame] -> _K'
    """
    return _QUALIFIED.sub(r"\1", text).replace("~", "")


def _seconds(value: float | None) -> str:
    """A duration in the unit that reads best: `-` (unknown), `<1 ms`, `75 ms`, `1.12 s`,
    `2.5 min`."""
    if value is None:
        return "-"
    if value < 0.001:
        return "<1 ms"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.3g} s" if value < 60 else f"{value / 60:.3g} min"


def _kind(planned: PlannedStep) -> str:
    """`effect` or `compute`, then `each` (once per item) and `if` (only when chosen)."""
    kind = "effect" if planned.effect else "compute"
    if planned.repeated:
        kind += ", each"
    if planned.conditional:
        kind += ", if"
    return kind


def _prefix(plan: Plan) -> str:
    prefix = plan.program + "/"
    return prefix if all(s.path.startswith(prefix) for s in plan.steps) else ""


def _cut(text: str, width: int) -> str:
    """`text` cut to `width` characters, its start kept."""
    return text if len(text) <= width else text[: width - 1] + "…"


def _wrap(text: str, width: int, breaks: str = r"(?<=, )|(?<=\| )|(?= -> )") -> list[str]:
    """`text` in lines of at most `width`, broken where `breaks` matches (by default
    after a comma or a `|`, or before an arrow; a piece longer than a line is broken
    anywhere); later lines are indented."""
    pieces = [piece for piece in re.split(breaks, text) if piece]
    lines: list[str] = []
    line = ""
    for piece in pieces:
        room = width - (2 if lines else 0)
        if line and len(line) + len(piece.rstrip()) > room:
            lines.append(line.rstrip())
            line = piece.lstrip()
            room = width - 2
        else:
            line += piece
        while len(line) > room:
            lines.append(line[:room])
            line = line[room:]
            room = width - 2
    lines.append(line.rstrip())
    return [lines[0], *("  " + rest for rest in lines[1:])]


def _head(plan: Plan, timings: Timings, width: int) -> list[str]:
    """What the plan is of, and where its expected durations come from."""
    prefix = _prefix(plan)
    title = f"plan of {plan.program}: {short_type(plan.input_type)} -> "
    title += short_type(plan.output_type) + (f" (steps below {prefix})" if prefix else "")
    lines = [_cut(title, width), timings.describe()]
    known = [s.expected_seconds for s in plan.steps if s.expected_seconds is not None]
    if plan.expected_seconds is not None:
        lines.append(f"expected in all: {_seconds(plan.expected_seconds)}")
    elif known:
        lines.append(f"expected in all: about {_seconds(sum(known))} (the steps timed before)")
    return lines


def _table(plan: Plan, shown: list[tuple[int, PlannedStep]], width: int) -> list[str]:
    """One row per step; its path wraps at `/` and its types at commas and arrows, so
    that the table fits `width` (columns with nothing to say are left out)."""
    prefix = _prefix(plan)
    numbers = {s.path: number for number, s in enumerate(plan.steps, start=1)}
    tries = any(s.attempts > 1 for _, s in shown)
    together = any(s.concurrent_with for _, s in shown)
    cached = any(s.would_hit for _, s in shown)
    header = ["#", "step", "kind"]
    header += ["tries"] * tries + ["runs with"] * together + ["expected"] + ["cache"] * cached
    rows: list[list[str]] = []
    for number, s in shown:
        row = [str(number), "", _kind(s)]
        row += [str(s.attempts)] * tries
        row += [_cut(",".join(str(numbers[p]) for p in s.concurrent_with) or "-", 12)] * together
        row += [_seconds(s.expected_seconds)]
        row += ["hit " + (s.cache_key or "")[:8] if s.would_hit else "run"] * cached
        rows.append(row)
    paths = [_wrap(s.path.removeprefix(prefix), _PATH_WIDTH, r"(?<=/)") for _, s in shown]
    types = [short_type(f"{s.input_type} -> {s.output_type}") for _, s in shown]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    widths[1] = max(len(part) for lines in [["step"], *paths] for part in lines)
    used = sum(widths) + len(_SEPARATOR) * len(widths)
    last = max(20, min(width - used, max(len(t) for t in [*types, "input -> output"])))

    def line(cells: list[str], tail: str) -> str:
        padded = [cell.ljust(w) for cell, w in zip(cells, widths, strict=True)]
        return _SEPARATOR.join([*padded, tail]).rstrip()

    lines = [line(header, "input -> output")]
    lines.append(line(["-" * w for w in widths], "-" * min(last, len("input -> output"))))
    for row, path, text in zip(rows, paths, types, strict=True):
        wrapped = _wrap(text, last)
        for index in range(max(len(path), len(wrapped))):
            cells = row if index == 0 else [""] * len(widths)
            cells[1] = path[index] if index < len(path) else ""
            lines.append(line(cells, wrapped[index] if index < len(wrapped) else ""))
    return lines


def _foot(plan: Plan, shown: list[tuple[int, PlannedStep]], width: int) -> list[str]:
    """What the kinds mean, how many steps and effects, then the effects, one a line."""
    notes = [
        note
        for note, used in (
            ("`each` runs once per item", any(s.repeated for _, s in shown)),
            ("`if` runs only when a branch chooses it", any(s.conditional for _, s in shown)),
        )
        if used
    ]
    lines = ["kind: " + "; ".join(notes)] if notes else []
    effects = [(number, s) for number, s in shown if s.effect]
    hidden = len(plan.steps) - len(shown)
    glue = f" ({hidden} glue step{'s' if hidden != 1 else ''} not shown)" if hidden else ""
    cached = any(s.would_hit for _, s in shown)
    hits = sum(1 for _, s in shown if s.would_hit)
    lines.append(
        f"{len(plan.steps)} steps{glue}, {len(effects)} effects"
        + (f"; {hits} would be taken from the step cache" if cached else "")
        + (" (a real run performs them; this plan did not):" if effects else "")
    )
    prefix = _prefix(plan)
    digits = max((len(str(number)) for number, _ in effects), default=1)
    for number, s in effects:
        what = " ".join(s.description.split()) or "an effect"
        lines.append(_cut(f"  {number:>{digits}}  {s.path.removeprefix(prefix)}: {what}", width))
    return lines


def to_text(plan: Plan, timings: Timings, *, width: int = WIDTH, internal: bool = False) -> str:
    """The plan as a table of at most `width` columns, then its effects, one per line
    (`internal`: with the glue steps that only pass values between steps)."""
    shown = [
        (number, s) for number, s in enumerate(plan.steps, start=1) if internal or not s.internal
    ]
    return "\n".join(
        [*_head(plan, timings, width), *_table(plan, shown, width), *_foot(plan, shown, width)]
    )


def to_json(plan: Plan, timings: Timings) -> str:
    """The plan as JSON: its steps (numbered, with full type names), edges, and where
    the expected durations came from."""
    document = {
        "program": plan.program,
        "input_type": plan.input_type,
        "output_type": plan.output_type,
        "expected_from": {"runs": timings.runs, "folder": timings.folder},
        "expected_seconds": plan.expected_seconds,
        "steps": [
            {
                "number": number,
                "path": s.path,
                "input_type": s.input_type,
                "output_type": s.output_type,
                "effect": s.effect,
                "description": s.description,
                "tries": s.attempts,
                "timeout": s.timeout,
                "expected_seconds": s.expected_seconds,
                "concurrent_with": list(s.concurrent_with),
                "repeated": s.repeated,
                "conditional": s.conditional,
                "internal": s.internal,
                "cache_key": s.cache_key,
                "would_hit": s.would_hit,
            }
            for number, s in enumerate(plan.steps, start=1)
        ],
        "edges": [{"source": e.source, "target": e.target, "label": e.label} for e in plan.edges],
    }
    return json.dumps(document, indent=2)


def _mermaid_text(text: str) -> str:
    """`text` safe inside a quoted Mermaid label (Mermaid's `#code;` entities)."""
    for raw, code in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(raw, code)
    return text


def _label(
    plan: Plan, s: PlannedStep, newline: str, arrow: str, escape: Callable[[str], str]
) -> str:
    """A graph node's label: the step's path, its types and its expected duration."""
    path = escape(s.path.removeprefix(_prefix(plan)))
    types = escape(short_type(s.input_type) + arrow + short_type(s.output_type))
    expected = "" if s.expected_seconds is None else f"{newline}~{_seconds(s.expected_seconds)}"
    return path + newline + types + expected


def to_mermaid(plan: Plan) -> str:
    """The data flow as a Mermaid flowchart: effects are parallelograms in the `effect`
    class, steps that run only if chosen have dashed borders."""
    ids = {s.path: f"s{number}" for number, s in enumerate(plan.steps, start=1)}
    lines = ["flowchart TD"]
    for s in plan.steps:
        label = _label(plan, s, "<br/>", " → ", _mermaid_text)
        shape = f'[/"{label}"/]' if s.effect else f'["{label}"]'
        style = ":::effect" if s.effect else ""
        style += ":::chosen" if s.conditional and not s.effect else ""
        lines.append(f"    {ids[s.path]}{shape}{style}")
    for edge in plan.edges:
        arrow = f' -- "{_mermaid_text(edge.label)}" --> ' if edge.label else " --> "
        lines.append(f"    {ids[edge.source]}{arrow}{ids[edge.target]}")
    lines.append("    classDef effect fill:#fde2c8,stroke:#c05600")
    lines.append("    classDef chosen stroke-dasharray:4 3")
    return "\n".join(lines)


def _dot_text(text: str) -> str:
    """`text` safe inside a quoted DOT string."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def to_dot(plan: Plan) -> str:
    """The data flow as Graphviz DOT: effects are filled parallelograms, steps that run
    only if chosen are dashed."""
    ids = {s.path: f"s{number}" for number, s in enumerate(plan.steps, start=1)}
    title = _dot_text(f"plan of {plan.program}")
    lines = [
        "digraph plan {",
        f'  graph [label="{title}", labelloc=t, fontname="Helvetica"];',
        '  node [shape=box, style="rounded", fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    for s in plan.steps:
        label = _label(plan, s, "\\n", " -> ", _dot_text)
        attributes = [f'label="{label}"']
        styles = ["filled"] if s.effect else ["rounded"]
        if s.effect:
            attributes += ["shape=parallelogram", 'fillcolor="#fde2c8"', 'color="#c05600"']
        if s.conditional:
            styles.append("dashed")
        attributes.append(f'style="{",".join(styles)}"')
        lines.append(f"  {ids[s.path]} [{', '.join(attributes)}];")
    for edge in plan.edges:
        label = f' [label="{_dot_text(edge.label)}"]' if edge.label else ""
        lines.append(f"  {ids[edge.source]} -> {ids[edge.target]}{label};")
    lines.append("}")
    return "\n".join(lines)
