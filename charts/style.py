"""The look shared by every chart: one colour per program, fonts, the plotly layout defaults.

Program colours are fixed here and nowhere else, so a program has the same colour on every page,
in every export and in the notebooks. Each program family gets colours from a colour-blind-safe
palette (employment: Okabe-Ito; debt reduction and other: Paul Tol's "muted"), so the charts
that show one family at a time (employment, arrears) stay distinguishable for colour-blind
readers; hovers, legends and tables always name the program as well.
"""

from __future__ import annotations

# Program names live with the vocabularies; named here too, as the style's readers expect them.
from core.vocabularies import PROGRAM_NAMES, PROGRAM_ORDER, program_name  # noqa: F401

PROGRAM_COLORS: dict[str, str] = {
    # Employment (Okabe-Ito)
    "PSP": "#0072B2",
    "STEP": "#E69F00",
    "JOBS_PLUS": "#009E73",
    "WORKFORCE1": "#D55E00",
    "TXT2WORK": "#56B4E9",
    "EMPLOYMENT_TRAINING": "#CC79A7",
    "FAMILIES_FORWARD": "#332288",
    # Debt reduction (Paul Tol muted)
    "ARREARS_CAP": "#882255",
    "ARREARS_CREDIT": "#44AA99",
    "PAY_IT_OFF": "#DDAA33",
    "PARENT_SUCCESS": "#AA4499",
    # Other
    "MEDIATION": "#999933",
    "ORDER_MODIFICATION": "#777777",
}
FALLBACK_COLOR = "#555555"

# Colours that are not programs.
INK = "#1f2933"
MUTED_INK = "#52606d"
GRID = "#e4e7eb"
ACCENT = "#0b5cab"
RATE_LINE = "#1f2933"
SHADE = "rgba(51, 34, 136, 0.08)"
EVENT_LINE = "#52606d"
# Sequential stages (referral funnel): light to dark blue, distinguishable in greyscale.
STAGE_COLORS = ("#9ecae1", "#4292c6", "#2171b5", "#08306b")

FONT_FAMILY = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, '
    '"Liberation Sans", "DejaVu Sans", sans-serif'
)


def _chart_template() -> dict:
    """plotly's default template ("plotly"), cut to what these charts use: its layout defaults
    and its defaults for bar and scatter traces. Set on every figure (rather than left to
    plotly's default) so the browser gets ~1 kB per figure instead of ~7 kB, and a figure looks
    the same whether it reaches plotly.js as a spec or as a `go.Figure`."""
    import plotly.io as pio

    full = pio.templates["plotly"].to_plotly_json()
    layout_keys = ("autotypenumbers", "colorway", "font", "hovermode", "hoverlabel",
                   "paper_bgcolor", "plot_bgcolor", "xaxis", "yaxis", "shapedefaults",
                   "annotationdefaults", "title")
    return {"data": {k: full["data"][k] for k in ("bar", "scatter")},
            "layout": {k: full["layout"][k] for k in layout_keys if k in full["layout"]}}


CHART_TEMPLATE = _chart_template()


def program_color(code: str) -> str:
    return PROGRAM_COLORS.get(code, FALLBACK_COLOR)


def base_layout(title: str, height: int = 420) -> dict:
    """Layout defaults for every figure: plain white, readable fonts, title top-left."""
    return dict(
        title=dict(text=title, x=0, xanchor="left", y=0.98, yanchor="top",
                   font=dict(size=16, color=INK)),
        font=dict(family=FONT_FAMILY, size=12, color=INK),
        paper_bgcolor="white",
        plot_bgcolor="white",
        height=height,
        margin=dict(l=64, r=24, t=92, b=56),
        hoverlabel=dict(font=dict(family=FONT_FAMILY)),
        # Legend between the title and the plot: never collides with the x-axis title.
        legend=dict(orientation="h", yanchor="bottom", y=1.01, x=0, xanchor="left",
                    font=dict(size=11), traceorder="normal"),
        separators=".,",
    )


# The axes of every chart (charts.figures merges each chart's settings into these).
X_AXIS = {"showgrid": False, "linecolor": GRID, "ticks": "outside", "tickcolor": GRID}
Y_AXIS = {"gridcolor": GRID, "zerolinecolor": GRID, "linecolor": GRID}
