"""A data profiler with pandas (`type: pandas_profiler`), and its JSON and HTML reports.

Design notes:

- A profile is a value (`Profile`, one `ColumnProfile` a column); rendering it is done by
  plain functions (`profile_to_json`, `profile_to_html`), and writing the two files is a
  separate effect step (`report_writer`), so a pipeline that only checks a profile writes
  nothing, and a dry run lists the write without doing it.
- The counts are pandas' own, so they agree with what a user checks by hand: `count` is
  `Series.count()`, `missing` is `isna().sum()`, `distinct` is `nunique()` (missing values
  not counted), and the statistics of a numeric column are `describe()`'s (`std` with one
  degree of freedom, so NaN for a single value).
- Numeric means a numeric dtype other than bool and complex. Bool, string, object,
  categorical and datetime columns get the `top` most frequent values instead, keyed by
  `str(value)` (values whose strings coincide are counted together), most frequent first
  and ties by key, so the order does not depend on pandas' hashing.
- A histogram (`numpy.histogram` with `bins` bins) is made for numeric columns with at
  least one value; its counts add up to `count`. A column holding an infinite value gets
  none: numpy cannot place bins over an infinite range, and a histogram that left those
  values out would not add up.
- JSON has no NaN: statistics that pandas reports as NaN or infinite (the `std` of one
  value, the mean of values that overflow) are written as `null`.
- The HTML report is one self-contained file: inline CSS and inline SVG, no script and no
  external URL, so it opens offline and can be attached to a run as it is. Every name and
  value from the data is escaped.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping
from pathlib import Path

from attrs import frozen

from lolpop._lazy import np, pd
from lolpop.components._errors import DataError
from lolpop.components._files import write_text_atomically
from lolpop.components._kinds import make_kind
from lolpop.components.records import ColumnProfile, DataProfiler, Profile
from lolpop.config.registry import ComponentKind
from lolpop.core.decorator import make_step
from lolpop.core.step import Step
from lolpop.errors import DefinitionError

#: The statistics of a numeric column, as `describe()` names them, in report order.
STATISTICS = ("min", "max", "mean", "std", "25%", "50%", "75%")


@frozen
class ProfilerSettings:
    """`type: pandas_profiler`: how many histogram bins and top values to keep."""

    #: Bins of each numeric column's histogram.
    bins: int = 10
    #: Most frequent values kept for each non-numeric column.
    top: int = 10


def is_numeric(series: pd.Series) -> bool:
    """Whether a column gets statistics and a histogram (numeric, not bool or complex)."""
    dtype = series.dtype
    return (
        pd.api.types.is_numeric_dtype(dtype)
        and not pd.api.types.is_bool_dtype(dtype)
        and not pd.api.types.is_complex_dtype(dtype)
    )


def _histogram(values: np.ndarray, bins: int) -> tuple[tuple[float, ...], tuple[int, ...]]:
    """Edges and counts, or none when the values cannot be binned (infinite, or empty)."""
    if values.size == 0 or not np.isfinite(values).all():
        return (), ()
    try:
        counts, edges = np.histogram(values, bins=bins)
    except ValueError:
        # A range too wide for float64 (e.g. -1e308 .. 1e308) has no finite bin width.
        return (), ()
    return tuple(float(e) for e in edges), tuple(int(c) for c in counts)


def _top_values(series: pd.Series, top: int) -> dict[str, int]:
    """The `top` most frequent values by their string, ties in order of the string."""
    merged: dict[str, int] = {}
    for value, count in series.value_counts(dropna=True).items():
        if count > 0:  # a categorical's unused categories are counted as 0
            key = str(value)
            merged[key] = merged.get(key, 0) + int(count)
    ranked = sorted(merged.items(), key=lambda item: (-item[1], item[0]))
    return dict(ranked[:top])


def profile_column(name: str, series: pd.Series, settings: ProfilerSettings) -> ColumnProfile:
    """One column's profile (see the module notes for what each number is)."""
    try:
        distinct = int(series.nunique(dropna=True))
    except TypeError as error:
        raise DataError(
            f"column {name!r} holds values that cannot be compared for equality ({error}); "
            "a profile counts distinct values, so each cell must be a hashable scalar, "
            "not a list or a dict."
        ) from None
    count = int(series.count())
    statistics: dict[str, float] = {}
    top_values: dict[str, int] = {}
    edges: tuple[float, ...] = ()
    counts: tuple[int, ...] = ()
    if not is_numeric(series):
        top_values = _top_values(series, settings.top)
    elif count > 0:
        # Infinite values make the mean and std NaN or infinite, as pandas reports them;
        # numpy's warnings about that arithmetic say nothing the statistics do not.
        with np.errstate(all="ignore"):
            described = series.describe()
        statistics = {key: float(described[key]) for key in STATISTICS}
        edges, counts = _histogram(series.dropna().to_numpy(dtype=np.float64), settings.bins)
    return ColumnProfile(
        name=name,
        dtype=str(series.dtype),
        count=count,
        missing=int(series.isna().sum()),
        distinct=distinct,
        statistics=statistics,
        top_values=top_values,
        bin_edges=edges,
        bin_counts=counts,
    )


def profile_frame(frame: pd.DataFrame, settings: ProfilerSettings) -> Profile:
    """A frame's profile: every column, in the frame's order."""
    # `items()` yields each column even when two share a name.
    columns = tuple(profile_column(str(name), column, settings) for name, column in frame.items())
    return Profile(rows=len(frame), columns=columns)


def _check_settings(settings: ProfilerSettings) -> None:
    if settings.bins < 1:
        raise DefinitionError(
            f"pandas_profiler: `bins` is the number of histogram bins, at least 1; got "
            f"{settings.bins}."
        )
    if settings.top < 0:
        raise DefinitionError(
            f"pandas_profiler: `top` is how many frequent values to keep, 0 or more; got "
            f"{settings.top}."
        )


def pandas_profiler(settings: ProfilerSettings) -> DataProfiler:
    """Profiles each column of a frame: counts, statistics, histograms, top values."""
    _check_settings(settings)

    def profile(frame: pd.DataFrame) -> Profile:
        return profile_frame(frame, settings)

    return DataProfiler(profile=make_step(profile, name="profile"))


# --- JSON ------------------------------------------------------------------------------


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _column_to_data(column: ColumnProfile) -> dict[str, object]:
    return {
        "name": column.name,
        "dtype": column.dtype,
        "count": column.count,
        "missing": column.missing,
        "distinct": column.distinct,
        "statistics": {key: _finite(value) for key, value in column.statistics.items()},
        "top_values": dict(column.top_values),
        "bin_edges": [_finite(edge) for edge in column.bin_edges],
        "bin_counts": list(column.bin_counts),
    }


def profile_to_json(profile: Profile) -> str:
    """The profile as JSON text; NaN and infinite statistics are `null`.

    >>> import json
    >>> data = json.loads(profile_to_json(Profile(rows=0, columns=())))
    >>> data
    {'rows': 0, 'columns': []}
    """
    data = {"rows": profile.rows, "columns": [_column_to_data(c) for c in profile.columns]}
    # allow_nan=False: a NaN left unconverted is a bug here, not invalid JSON in a file.
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)


# --- HTML ------------------------------------------------------------------------------

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin: 0 0 .5rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { padding: .2rem .6rem; border-bottom: 1px solid #ddd; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
section { border: 1px solid #ccc; border-radius: 6px; padding: 1rem; margin: 1rem 0; }
.row { display: flex; flex-wrap: wrap; gap: 2rem; align-items: flex-start; }
.dtype { color: #666; font-weight: normal; font-size: .9rem; }
.bar { background: #4c78a8; height: .8rem; }
svg rect { fill: #4c78a8; } svg text { font-size: 10px; fill: #444; }
"""

_SVG_WIDTH = 360
_SVG_HEIGHT = 120
_SVG_AXIS = 14


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _number(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def _histogram_svg(column: ColumnProfile) -> str:
    """Inline SVG bars of a column's histogram, each with its range and count as a tooltip."""
    counts, edges = column.bin_counts, column.bin_edges
    tallest = max(counts, default=0) or 1
    width = _SVG_WIDTH / len(counts)
    plot = _SVG_HEIGHT - _SVG_AXIS
    bars = []
    for i, count in enumerate(counts):
        height = plot * count / tallest
        tip = f"[{_number(edges[i])}, {_number(edges[i + 1])}): {count}"
        bars.append(
            f'<rect x="{i * width:.2f}" y="{plot - height:.2f}" width="{max(width - 1, 1):.2f}" '
            f'height="{height:.2f}"><title>{_esc(tip)}</title></rect>'
        )
    labels = (
        f'<text x="0" y="{_SVG_HEIGHT - 2}">{_esc(_number(edges[0]))}</text>'
        f'<text x="{_SVG_WIDTH}" y="{_SVG_HEIGHT - 2}" text-anchor="end">'
        f"{_esc(_number(edges[-1]))}</text>"
    )
    return (
        f'<svg width="{_SVG_WIDTH}" height="{_SVG_HEIGHT}" role="img" '
        f'aria-label="histogram of {_esc(column.name)}">{"".join(bars)}{labels}</svg>'
    )


def _top_values_table(values: Mapping[str, int], count: int) -> str:
    rows = []
    for value, times in values.items():
        share = times / count if count else 0.0
        rows.append(
            f'<tr><td>{_esc(value)}</td><td class="n">{times}</td>'
            f'<td style="width:12rem"><div class="bar" style="width:{100 * share:.1f}%">'
            "</div></td></tr>"
        )
    return "<table><tr><th>value</th><th>count</th><th>share</th></tr>" + "".join(rows) + "</table>"


def _column_section(column: ColumnProfile, rows: int) -> str:
    missing_share = f" ({100 * column.missing / rows:.1f}%)" if rows else ""
    counts = (
        "<table>"
        f'<tr><th>count</th><td class="n">{column.count}</td></tr>'
        f'<tr><th>missing</th><td class="n">{column.missing}{missing_share}</td></tr>'
        f'<tr><th>distinct</th><td class="n">{column.distinct}</td></tr>'
        "</table>"
    )
    parts = [
        f"<section><h2>{_esc(column.name)} "
        f'<span class="dtype">{_esc(column.dtype)}</span></h2><div class="row">',
        counts,
    ]
    if column.statistics:
        cells = "".join(
            f'<tr><th>{_esc(key)}</th><td class="n">{_esc(_number(value))}</td></tr>'
            for key, value in column.statistics.items()
        )
        parts.append(f"<table>{cells}</table>")
    if column.bin_counts:
        parts.append(_histogram_svg(column))
    if column.top_values:
        parts.append(_top_values_table(column.top_values, column.count))
    parts.append("</div></section>")
    return "".join(parts)


def profile_to_html(profile: Profile, title: str = "Data profile") -> str:
    """A self-contained HTML report of the profile (inline CSS and SVG, no URL)."""
    overview = "".join(
        f"<tr><td>{_esc(c.name)}</td><td>{_esc(c.dtype)}</td>"
        f'<td class="n">{c.count}</td><td class="n">{c.missing}</td>'
        f'<td class="n">{c.distinct}</td></tr>'
        for c in profile.columns
    )
    sections = "".join(_column_section(c, profile.rows) for c in profile.columns)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f"<title>{_esc(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{_esc(title)}</h1>"
        f"<p>{profile.rows} rows, {len(profile.columns)} columns.</p>"
        "<table><tr><th>column</th><th>dtype</th><th>count</th><th>missing</th>"
        f"<th>distinct</th></tr>{overview}</table>"
        f"{sections}</body></html>\n"
    )


# --- writing ---------------------------------------------------------------------------


def report_writer(folder: str, title: str = "Data profile") -> Step[Profile, tuple[str, str]]:
    """An effect step writing `profile.json` and `profile.html` into `folder`.

    It returns the two paths (JSON, HTML). Each file is replaced whole, never half
    written; the folder is created if needed.
    """

    def write_profile_report(profile: Profile) -> tuple[str, str]:
        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        json_path, html_path = target / "profile.json", target / "profile.html"
        write_text_atomically(json_path, profile_to_json(profile))
        write_text_atomically(html_path, profile_to_html(profile, title=title))
        return str(json_path), str(html_path)

    return make_step(write_profile_report, name="write_profile_report", effect=True)


KINDS: tuple[ComponentKind, ...] = (
    make_kind(
        "pandas_profiler",
        ProfilerSettings,
        pandas_profiler,
        "Profiles each column of a frame: counts, statistics, histograms, top values.",
    ),
)
