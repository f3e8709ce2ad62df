"""The small plotly replacement the figure builders write with: a figure as plain dicts (a
"spec", what plotly.js draws), the shared layout, axes, nested merges, a subplot grid laid out as
`make_subplots` lays it out, and the "nothing to show" figure. No validation here: the tests
validate every builder's output against plotly's schema (see charts/figures.py)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import numpy as np
import plotly.graph_objects as go

from charts.style import CHART_TEMPLATE, MUTED_INK, X_AXIS, Y_AXIS, base_layout

NO_DATA = "No records match these filters"


def spec(data: Sequence[dict], layout: dict) -> dict:
    """A figure as plain dicts: trace dicts and the layout."""
    return {"data": list(data), "layout": layout}


def as_figure(figure_spec: dict) -> go.Figure:
    """The `go.Figure` of a spec, made without validation (see the module docstring: the tests
    validate every builder instead)."""
    return go.Figure(data=figure_spec["data"], layout=figure_spec["layout"], _validate=False)


def builder(make_spec: Callable[..., dict]) -> Callable[..., go.Figure]:
    """Decorator: from a function that returns a spec, a builder that returns the `go.Figure`,
    with the spec function kept as its `.spec`."""

    @functools.wraps(make_spec)
    def build(*args, **kwargs) -> go.Figure:
        return as_figure(make_spec(*args, **kwargs))

    build.spec = make_spec
    return build


def merged(base: dict, *overrides: dict) -> dict:
    """`base` updated by each override, nested dicts merged key by key (as `update_layout`
    does), lists and values replaced. Nothing is modified in place."""
    out = dict(base)
    for over in overrides:
        for key, value in over.items():
            if isinstance(value, dict) and isinstance(out.get(key), dict):
                out[key] = merged(out[key], value)
            else:
                out[key] = value
    return out


def layout(title: str, height: int, *overrides: dict, **kw) -> dict:
    """The shared layout (charts.style.base_layout, on CHART_TEMPLATE) with this figure's
    settings merged in."""
    return merged(base_layout(title, height=height), {"template": CHART_TEMPLATE},
                  *overrides, kw)


def xaxis(**kw) -> dict:
    """An x axis in the shared style (no grid, light line and ticks) with `kw` merged in."""
    return _whole_ticks(merged(X_AXIS, kw))


def yaxis(**kw) -> dict:
    """A y axis in the shared style (light grid and lines) with `kw` merged in."""
    return _whole_ticks(merged(Y_AXIS, kw))


# Tick formats for ticks closer than 1 apart (small or all-zero data): plain decimals, never
# SI milli-units ("500m") nor repeated rounded labels ("0, 0, 1, 1").
_FINE_TICKS = {"~s": ",.2~f", "$~s": "$,.2~f", ",.0f": ",.2~f"}


def _whole_ticks(axis: dict) -> dict:
    fine = _FINE_TICKS.get(axis.get("tickformat"))
    if fine is None or "tickformatstops" in axis or axis.get("type") == "log":
        return axis
    return {**axis, "tickformatstops": [
        {"dtickrange": [None, 0.999], "value": fine},
        {"dtickrange": [0.999, None], "value": axis["tickformat"]},
    ]}


def _title(text: str | None) -> dict:
    return {"text": text}


def plain_text(value: object) -> str:
    """A data-derived string (a file name, a reason) as text in a figure: plotly reads a subset
    of HTML in names, labels and hovers (<a href>, <b>, <br>), so its markup characters are
    written as entities (plotly shows them as the characters)."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _values(values) -> np.ndarray:
    """A column as an array for a trace (plotly sends numeric arrays in binary; NaN is a gap)."""
    return np.asarray(values)


@builder
def empty_figure(title: str = "", message: str = NO_DATA, height: int = 320) -> dict:
    """A figure that states there is nothing to show (axes hidden)."""
    return spec([], layout(
        title, height,
        xaxis={"visible": False}, yaxis={"visible": False},
        annotations=[{"text": message, "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper",
                      "showarrow": False, "font": {"size": 15, "color": MUTED_INK}}],
    ))


def subplot_grid(rows: int, cols: int, titles: Sequence[str] = (), *,
                 horizontal_spacing: float = 0.2, vertical_spacing: float = 0.3,
                 secondary_y: bool = False) -> tuple[dict, list[dict], list[tuple[str, ...]]]:
    """The layout of a grid of x/y panels, as `plotly.subplots.make_subplots` lays it out
    (start cell top-left; tested to match it), without building a validated figure.

    Returns (axes, title annotations, refs): `axes` maps layout keys ('xaxis2', 'yaxis3', ...)
    to their domain and anchors; refs[i] is panel i's (x, y) trace references, row by row,
    plus its secondary y ('y4') under `secondary_y`.
    """
    max_width = 0.94 if secondary_y else 1.0  # room for the right-hand axis titles
    width = (max_width - horizontal_spacing * (cols - 1)) / cols
    height = (1.0 - vertical_spacing * (rows - 1)) / rows
    axes: dict[str, dict] = {}
    annotations: list[dict] = []
    refs: list[tuple[str, ...]] = []
    n_y = 0
    for i in range(rows * cols):
        r, c = divmod(i, cols)
        x0 = c * (width + horizontal_spacing)
        y0 = (rows - 1 - r) * (height + vertical_spacing)
        x_name = "x" if i == 0 else f"x{i + 1}"
        n_y += 1
        y_name = "y" if n_y == 1 else f"y{n_y}"
        axes[_axis_key(x_name)] = {"anchor": y_name, "domain": [x0, x0 + width]}
        axes[_axis_key(y_name)] = {"anchor": x_name, "domain": [y0, y0 + height]}
        ref: tuple[str, ...] = (x_name, y_name)
        if secondary_y:
            n_y += 1
            y2_name = f"y{n_y}"
            axes[_axis_key(y2_name)] = {"anchor": x_name, "overlaying": y_name, "side": "right"}
            ref += (y2_name,)
        refs.append(ref)
        if i < len(titles) and titles[i]:
            annotations.append({
                "font": {"size": 16}, "showarrow": False, "text": titles[i],
                "x": x0 + width / 2, "xanchor": "center", "xref": "paper",
                "y": y0 + height, "yanchor": "bottom", "yref": "paper",
            })
    return axes, annotations, refs


def _axis_key(ref: str) -> str:
    """'x2' -> 'xaxis2', 'y' -> 'yaxis'."""
    return f"{ref[0]}axis{ref[1:]}"


