"""The dashboard's charts made safe to publish: suppressed numbers, print-ready figures, files.

Everything here goes through the chart registry (`dashboard.charts`), so an export shows the
same numbers as the dashboard, minus the cells that suppression hides.

How a chart's cells are suppressed (rules: `warehouse.suppression`, docs/exports.md):

* Charts made from the program metric table (keyed by program and year, or by program for the
  window) share ONE mask, computed on a joint table: every program x year, each program's
  window total (year "Total"), and the sum over programs for each year and the window
  (program "Total"). Lines run along the years of a program to its window total and along
  the programs of a year to their sum, for every metric. So the charts of a page or a report
  (e.g. DSS arrears per year and per window) can be read side by side without one giving
  away a cell another hides.
* Other charts (placements per month, by sector, wage bins, referral flows, the funnel, per
  borough) hide their own small cells; where their rows add up to a figure shown elsewhere
  (e.g. Families Forward placements in the window), that figure counts as a shown total.
* Data-quality charts count file rows, not people, and are not suppressed.

`SafeChart.values` keeps numbers (hidden cells NaN: the figure leaves them out);
`SafeChart.display` has the "<11" markers (tables, CSV, XLSX).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from exports.context import ExportContext, export_context
from exports.suppressed_marks import mark_hidden
from warehouse.impact import event_study_mask
from warehouse.metrics import METRICS
from warehouse.query import Filters, Warehouse
from warehouse.suppression import (
    DERIVED_METRICS,
    TOTAL,
    Line,
    apply_mask,
    suppression_mask,
    threshold,
    total_row_lines,
)

METRIC_KEYED = {  # chart id -> has a year column (else: one row per program for the window)
    "served_vs_graduates": True,
    "new_enrollments": True,
    "arrears_by_year": True,
    "ncps_by_year": True,
    "avg_reduction_by_year": True,
    "program_summary": False,
    "arrears_totals": False,
    "overview_trends": True,  # per year, all programs together: the joint table's "Total" rows
}
# Other charts: the key columns whose rows add up to a total shown elsewhere ([] = the whole
# frame adds up; None = no such total).
OWN_LINES: dict[str, list[str] | None] = {
    "served_by_borough": ["program"],
    "ff_placements": [],
    "ff_sectors": [],
    "ff_wages": [],
    "ff_time_to_placement": [],
    "referral_flows": ["program"],
    "referral_funnel": None,
    "arrears_cumulative": None,
}
UNSUPPRESSED_PAGES = ("data-quality",)
# Charts with a mask of their own: chart id -> (frame, threshold) -> mask.
OWN_MASKS = {"impact_event_study": event_study_mask}
KEY_COLUMNS = ("year", "period", "program", "program_name", "borough", "month", "sector", "source",
               "wage_from", "wage_to", "days_from", "days_to")
MONEY_BASES = {"arrears_reduced_usd": "ncps_with_reductions"}

ALL_SUPPRESSED = "Every value here is under {n} and suppressed"
SUPPRESSED_NOTE = ("Values under {n} are suppressed: drawn as a grey square marked \"<{n}\" "
                   "(or \"hidden\" where a larger value is hidden so that a small one cannot "
                   "be worked out), never as a bar or a point.")


@dataclass
class SafeChart:
    chart_id: str
    values: pd.DataFrame  # numbers; suppressed cells are NaN
    display: pd.DataFrame  # suppressed cells are "<11"
    mask: pd.DataFrame  # True where suppressed
    suppressed: bool
    min_count: int
    # True where a hidden cell is itself under the threshold (primary suppression); the other
    # hidden cells protect one of those (complementary). None: not known.
    primary: pd.DataFrame | None = None

    @property
    def n_hidden(self) -> int:
        return int(self.mask.to_numpy().sum())


def _charts():
    from dashboard import charts

    return charts


# -- the joint metric mask ----------------------------------------------------------------------
def metric_joint(wh: Warehouse, filters: Filters) -> pd.DataFrame:
    """Program x year metric table, plus window totals (year "Total") and all selected programs
    together (program "Total": the metric SQL's ALL row, each participant counted once), for
    the filters. Keys are strings in `year` and `program`."""
    f = wh.resolve(filters)
    # Per period of the filters' grain (calendar years unless set): the key column is `year`
    # all the same, holding the period's label ('2024', 'FY2024').
    by_year = wh.metrics(f, by=f.grain or "year", with_total=True)
    by_year = by_year.rename(columns={"period": "year"}).astype({"year": object})
    window = wh.metrics(f, with_total=True)
    window.insert(0, "year", TOTAL)
    cols = [c for c in window.columns if c in METRICS]
    out = pd.concat([by_year, window], ignore_index=True)
    out["program"] = out["program"].replace({"ALL": TOTAL})
    out["year"] = out["year"].astype(str)
    return out[["year", "program", *cols]]


def joint_mask(joint: pd.DataFrame, min_count: int | None = None) -> pd.DataFrame:
    counts = [c for c in joint.columns if c in METRICS and METRICS[c].unit == "count"]
    money = {c: b for c, b in MONEY_BASES.items() if c in joint.columns}
    cols = counts + list(money)
    lines: list[Line] = []
    lines += total_row_lines(joint, "year", cols, ["year", "program"])
    lines += total_row_lines(joint, "program", cols, ["year", "program"])
    return suppression_mask(joint, counts, money, min_count=min_count, lines=lines)


def _lookup_mask(df: pd.DataFrame, joint: pd.DataFrame, jmask: pd.DataFrame) -> pd.DataFrame:
    """The joint mask's cells for a chart frame keyed by program and/or year."""
    years = (df["year"].astype(int).astype(str) if "year" in df.columns else
             df["period"].astype(str) if "period" in df.columns else
             pd.Series(TOTAL, index=df.index))
    progs = df["program"].astype(str) if "program" in df.columns else \
        pd.Series(TOTAL, index=df.index)
    pos = pd.Series(range(len(joint)), index=pd.MultiIndex.from_arrays(
        [joint["year"], joint["program"]]))
    rows = pos.reindex(pd.MultiIndex.from_arrays([years, progs])).to_numpy()
    mask = pd.DataFrame(False, index=df.index, columns=df.columns)
    for c in df.columns:
        if c in jmask.columns:
            vals = np.zeros(len(df), dtype=bool)
            ok = ~pd.isna(rows)
            vals[ok] = jmask[c].to_numpy()[rows[ok].astype(int)]
            mask[c] = vals
    for c, src in DERIVED_METRICS.items():
        if c in df.columns:
            for s in src:
                if s in jmask.columns:
                    idx = ~pd.isna(rows)
                    hid = np.zeros(len(df), dtype=bool)
                    hid[idx] = jmask[s].to_numpy()[rows[idx].astype(int)]
                    mask[c] = mask[c].to_numpy() | hid
    return mask


# -- other charts -----------------------------------------------------------------------------
def _own_mask(chart_id: str, df: pd.DataFrame, min_count: int | None) -> pd.DataFrame:
    value_cols = [c for c in df.columns if c not in KEY_COLUMNS
                  and pd.api.types.is_numeric_dtype(df[c])]
    money = {c: b for c, b in MONEY_BASES.items() if c in df.columns and b in df.columns}
    derived = {c: [s for s in src if s in df.columns] for c, src in DERIVED_METRICS.items()
               if c in df.columns}
    counts = [c for c in value_cols if c not in money and c not in derived
              and not c.endswith("_usd") and not c.endswith("_rate")]
    flat = df.reset_index(drop=True)
    group = OWN_LINES.get(chart_id)
    lines: list[Line] = []
    if group is not None and len(flat):
        # A virtual total per group: a figure shown elsewhere (never hidden here).
        sums = (flat.groupby(group, as_index=False)[counts + list(money)].sum() if group
                else flat[counts + list(money)].sum().to_frame().T)
        label_col = "__line__"
        flat = flat.assign(**{label_col: "member"})
        sums[label_col] = TOTAL
        flat = pd.concat([flat, sums], ignore_index=True)
        lines = total_row_lines(flat, label_col, counts + list(money), group + [label_col])
        full = suppression_mask(flat, counts, money, min_count=min_count, lines=lines,
                                derived=derived)
        for c in counts + list(money):  # the virtual totals are not part of the chart
            full.loc[full.index >= len(df), c] = False
        mask = full.iloc[: len(df)].drop(columns=[label_col])
    else:
        mask = suppression_mask(flat, counts, money, min_count=min_count, derived=derived)
    mask.index = df.index
    return mask[list(df.columns)]


# -- the public API ---------------------------------------------------------------------------
def safe_chart_data(chart_id: str, wh: Warehouse, filters: Filters | None = None, *,
                    suppress: bool = True, min_count: int | None = None,
                    df: pd.DataFrame | None = None, joint: pd.DataFrame | None = None
                    ) -> SafeChart:
    """The chart's numbers with small cells suppressed (see the module docstring).

    `df` skips the chart query; `joint` (from `metric_joint`) skips the metric queries when
    several charts are exported together."""
    charts = _charts()
    chart = charts.get_chart(chart_id)
    f = wh.resolve(filters or Filters())
    if df is None:
        df = charts.chart_data(chart_id, wh, f)
    df = df.reset_index(drop=True)
    n = threshold(min_count)
    if not suppress or chart.page in UNSUPPRESSED_PAGES or df.empty:
        mask = pd.DataFrame(False, index=df.index, columns=df.columns)
    elif chart_id in OWN_MASKS:
        mask = OWN_MASKS[chart_id](df, n)
    elif chart_id in METRIC_KEYED:
        if joint is None:
            joint = metric_joint(wh, f)
        mask = _lookup_mask(df, joint, _joint_mask_cached(joint, n))
    else:
        mask = _own_mask(chart_id, df, n)
    values = apply_mask(df, mask, n, fill=np.nan)
    display = apply_mask(df, mask, n)
    return SafeChart(chart_id, values, display, mask, suppress, n, primary_mask(df, mask, n))


def primary_mask(df: pd.DataFrame, mask: pd.DataFrame, n: int) -> pd.DataFrame:
    """The hidden cells that are under the threshold themselves: a hidden count from 1 to n-1,
    and every hidden dollar figure or ratio (it rests on such a count). The other hidden cells
    are complements: larger counts hidden so that a small one cannot be worked out."""
    primary = mask.copy()
    for c in mask.columns:
        if c.endswith("_usd") or c.endswith("_rate") or c not in df.columns:
            continue
        v = pd.to_numeric(df[c], errors="coerce").abs().to_numpy(dtype=float, na_value=np.nan)
        primary[c] = mask[c].to_numpy(dtype=bool) & (v > 0) & (v < n)
    return primary


_JM_CACHE: dict[tuple, pd.DataFrame] = {}


def _joint_mask_cached(joint: pd.DataFrame, n: int) -> pd.DataFrame:
    key = (n, pd.util.hash_pandas_object(joint, index=False).sum())
    if key not in _JM_CACHE:
        if len(_JM_CACHE) > 64:
            _JM_CACHE.clear()
        _JM_CACHE[key] = joint_mask(joint, n)
    return _JM_CACHE[key]


def chart_title(chart_id: str, wh: Warehouse, filters: Filters) -> str:
    return _charts().chart_title(chart_id, wh, wh.resolve(filters))


def safe_spec(chart_id: str, wh: Warehouse, filters: Filters | None = None, *,
              safe: SafeChart | None = None, suppress: bool = True,
              min_count: int | None = None) -> dict:
    """The chart's figure drawn from the suppressed numbers (hidden cells are left out), as
    plain dicts (`dashboard.charts.chart_spec`)."""
    charts = _charts()
    f = wh.resolve(filters or Filters())
    if safe is None:
        safe = safe_chart_data(chart_id, wh, f, suppress=suppress, min_count=min_count)
    if chart_id == "ff_placements" and _mostly_hidden(safe):
        return ff_placements_yearly_spec(wh, f, safe)  # a coarser grain, not a chart of gaps
    if safe.n_hidden and charts.is_empty(chart_id, safe.values) and not charts.is_empty(
            chart_id, safe.display.where(~safe.mask, 1)):
        from dashboard.figures import empty_figure

        return empty_figure.spec(charts.chart_title(chart_id, wh, f),
                                 ALL_SUPPRESSED.format(n=safe.min_count), height=420)
    spec = charts.chart_spec(chart_id, wh, f, df=safe.values)
    if safe.n_hidden and not spec.get("data"):
        # Nothing the figure draws is left (e.g. a rate whose inputs are all hidden, while the
        # cohort sizes show): all suppressed, not "no records".
        from dashboard.figures import empty_figure

        return empty_figure.spec(charts.chart_title(chart_id, wh, f),
                                 ALL_SUPPRESSED.format(n=safe.min_count), height=420)
    return mark_hidden(spec, chart_id, safe)


def _mostly_hidden(safe: SafeChart) -> bool:
    """More than a quarter of the non-zero cells hidden: a coarser grain reads better."""
    shown = pd.to_numeric(safe.values.get("placements"), errors="coerce").fillna(0) != 0
    hidden = safe.mask.get("placements", pd.Series(False, index=safe.mask.index))
    return bool(safe.suppressed and hidden.sum() > 0.25 * (hidden.sum() + shown.sum()))


def ff_placements_yearly_spec(wh: Warehouse, filters: Filters, safe: SafeChart) -> dict:
    """Families Forward placements per year, suppressed as the report suppresses them (months
    and years together), hidden years marked: when monthly counts are mostly under the
    threshold, the yearly grain shows numbers instead of a chart of gaps."""
    from dashboard.figures import ff_placements
    from exports.report import _ff_placements, coarse_grain

    ctx = export_context(wh, filters, suppressed=safe.suppressed, min_count=safe.min_count)
    _, _, yearly, yearly_safe = _ff_placements(wh, filters, ctx, with_yearly_safe=True)
    title = _charts().per_grain_title(_charts().chart_title("ff_placements", wh, filters)
                                      .replace(" per month", " per year"),
                                      coarse_grain(filters))
    return mark_hidden(ff_placements.spec(yearly, title, grain="year"), "ff_placements",
                       yearly_safe)


def safe_figure(chart_id: str, wh: Warehouse, filters: Filters | None = None, *,
                safe: SafeChart | None = None, suppress: bool = True,
                min_count: int | None = None) -> go.Figure:
    """`safe_spec` as a `go.Figure`."""
    from dashboard.figures import as_figure

    return as_figure(safe_spec(chart_id, wh, filters, safe=safe, suppress=suppress,
                               min_count=min_count))


def export_figure(chart_id: str, wh: Warehouse, filters: Filters | None = None, *,
                  suppress: bool = True, min_count: int | None = None,
                  ctx: ExportContext | None = None, safe: SafeChart | None = None,
                  footnote: bool = True) -> go.Figure:
    """A print-ready figure: suppressed numbers, fixed size, and a footnote with the filters,
    the as-of date, the data notice and the suppression note."""
    from exports.images import print_ready

    f = wh.resolve(filters or Filters())
    ctx = ctx or export_context(wh, f, suppressed=suppress, min_count=min_count)
    if safe is None:
        safe = safe_chart_data(chart_id, wh, f, suppress=ctx.suppressed,
                               min_count=ctx.min_count)
    fig = safe_figure(chart_id, wh, f, safe=safe)
    height = int(fig.layout.height or 0)
    note = ctx.footnote if footnote else None
    if note and safe.n_hidden:
        note += " " + SUPPRESSED_NOTE.format(n=ctx.min_count)
    return print_ready(fig, footnote=note, height=max(560, min(height + 60, 1400)))


def chart_image(chart_id: str, wh: Warehouse, filters: Filters | None = None,
                fmt: str = "png", *, suppress: bool = True, min_count: int | None = None,
                scale: float | None = None) -> bytes:
    """PNG, SVG or PDF bytes of the chart, ready to print (dashboard download button)."""
    from exports.images import figure_bytes

    fig = export_figure(chart_id, wh, filters, suppress=suppress, min_count=min_count)
    return figure_bytes(fig, fmt, height=int(fig.layout.height), scale=scale)


def chart_table(chart_id: str, wh: Warehouse, filters: Filters | None = None, *,
                suppress: bool = True, min_count: int | None = None,
                safe: SafeChart | None = None) -> pd.DataFrame:
    """The chart's numbers as exported: machine column names, "<11" where suppressed."""
    if safe is None:
        safe = safe_chart_data(chart_id, wh, filters, suppress=suppress, min_count=min_count)
    return safe.display


def chart_file(chart_id: str, wh: Warehouse, filters: Filters | None = None,
               fmt: str = "csv", *, suppress: bool = True,
               min_count: int | None = None) -> bytes:
    """The chart's numbers as a CSV or XLSX file with its header block."""
    from exports.tables import to_csv_bytes, to_xlsx_bytes

    f = wh.resolve(filters or Filters())
    ctx = export_context(wh, f, suppressed=suppress, min_count=min_count)
    table = chart_table(chart_id, wh, f, suppress=suppress, min_count=ctx.min_count)
    title = chart_title(chart_id, wh, f)
    if fmt == "csv":
        return to_csv_bytes(table, ctx, title)
    if fmt == "xlsx":  # for people: program names, readable headers, rates as percentages
        from dashboard.xlsx_table import readable_xlsx

        table, options = readable_xlsx(table)
        return to_xlsx_bytes(table, ctx, title, **options)
    raise ValueError(f"unknown data format {fmt!r}; csv or xlsx")


def window_slug(f: Filters) -> str:
    """The window for a file name: '2009-2023', '2015', or its periods ('FY2019-FY2024')."""
    if f.grain:
        from core.periods import period_containing

        first, last = (period_containing(m, f.grain).label for m in f.months())
        return first if first == last else f"{first}-{last}"
    return f"{f.from_year}-{f.to_year}" if f.from_year != f.to_year else str(f.from_year)


def download_filename(chart_id: str, wh: Warehouse, filters: Filters | None, ext: str) -> str:
    """A descriptive file name: e.g. arrears_by_year_2009-2023_Bronx.png."""
    f = wh.resolve(filters or Filters())
    parts = [chart_id, window_slug(f)]
    parts += [p.lower() for p in f.programs] + [b.replace(" ", "-") for b in f.boroughs]
    name = "_".join(parts)
    return (name[:120] if len(name) > 120 else name) + "." + ext
