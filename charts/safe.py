"""The dashboard's charts made safe to publish: suppressed numbers, print-ready figures, files.

Everything here goes through the chart registry (`charts.registry`), so an export shows the
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

from charts import format as fmt
from charts import registry
from charts.export_context import ExportContext, export_context
from charts.figures import as_figure, empty_figure, ff_placements
from charts.suppressed_marks import mark_hidden
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
KEY_COLUMNS = ("year", "program", "program_name", "borough", "month", "sector", "source",
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


# -- the joint metric mask ----------------------------------------------------------------------
def metric_joint(wh: Warehouse, filters: Filters) -> pd.DataFrame:
    """Program x year metric table, plus window totals (year "Total") and all selected programs
    together (program "Total": the metric SQL's ALL row, each participant counted once), for
    the filters. Keys are strings in `year` and `program`."""
    f = wh.resolve(filters)
    by_year = wh.metrics(f, by_year=True, with_total=True).astype({"year": object})
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
    years = df["year"].astype(int).astype(str) if "year" in df.columns else \
        pd.Series(TOTAL, index=df.index)
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
    chart = registry.get_chart(chart_id)
    f = wh.resolve(filters or Filters())
    if df is None:
        df = registry.chart_data(chart_id, wh, f)
    df = df.reset_index(drop=True)
    n = threshold(min_count)
    if not suppress or chart.page in UNSUPPRESSED_PAGES or df.empty:
        mask = pd.DataFrame(False, index=df.index, columns=df.columns)
    elif chart_id in OWN_MASKS:
        mask = OWN_MASKS[chart_id](df, n)
    elif chart_id in METRIC_KEYED:
        if joint is None:
            joint = metric_joint(wh, f)
        mask = _lookup_mask(df, joint, joint_mask_cached(joint, n))
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


def joint_mask_cached(joint: pd.DataFrame, n: int) -> pd.DataFrame:
    key = (n, pd.util.hash_pandas_object(joint, index=False).sum())
    if key not in _JM_CACHE:
        if len(_JM_CACHE) > 64:
            _JM_CACHE.clear()
        _JM_CACHE[key] = joint_mask(joint, n)
    return _JM_CACHE[key]


def chart_title(chart_id: str, wh: Warehouse, filters: Filters) -> str:
    return registry.chart_title(chart_id, wh, wh.resolve(filters))


def safe_spec(chart_id: str, wh: Warehouse, filters: Filters | None = None, *,
              safe: SafeChart | None = None, suppress: bool = True,
              min_count: int | None = None) -> dict:
    """The chart's figure drawn from the suppressed numbers (hidden cells are left out), as
    plain dicts (`charts.registry.chart_spec`)."""
    f = wh.resolve(filters or Filters())
    if safe is None:
        safe = safe_chart_data(chart_id, wh, f, suppress=suppress, min_count=min_count)
    if chart_id == "ff_placements" and _mostly_hidden(safe):
        return ff_placements_yearly_spec(wh, f, safe)  # a coarser grain, not a chart of gaps
    if safe.n_hidden and registry.is_empty(chart_id, safe.values) and not registry.is_empty(
            chart_id, safe.display.where(~safe.mask, 1)):
        return empty_figure.spec(registry.chart_title(chart_id, wh, f),
                                 ALL_SUPPRESSED.format(n=safe.min_count), height=420)
    spec = registry.chart_spec(chart_id, wh, f, df=safe.values)
    if safe.n_hidden and not spec.get("data"):
        # Nothing the figure draws is left (e.g. a rate whose inputs are all hidden, while the
        # cohort sizes show): all suppressed, not "no records".
        return empty_figure.spec(registry.chart_title(chart_id, wh, f),
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
    ctx = export_context(wh, filters, suppressed=safe.suppressed, min_count=safe.min_count)
    _, _, yearly, yearly_safe = ff_placements_safe(wh, filters, ctx, with_yearly_safe=True)
    title = registry.chart_title("ff_placements", wh, filters).replace(" per month",
                                                                          " per year")
    return mark_hidden(ff_placements.spec(yearly, title, grain="year"), "ff_placements",
                       yearly_safe)


def safe_figure(chart_id: str, wh: Warehouse, filters: Filters | None = None, *,
                safe: SafeChart | None = None, suppress: bool = True,
                min_count: int | None = None) -> go.Figure:
    """`safe_spec` as a `go.Figure`."""
    return as_figure(safe_spec(chart_id, wh, filters, safe=safe, suppress=suppress,
                               min_count=min_count))


def chart_table(chart_id: str, wh: Warehouse, filters: Filters | None = None, *,
                suppress: bool = True, min_count: int | None = None,
                safe: SafeChart | None = None) -> pd.DataFrame:
    """The chart's numbers as exported: machine column names, "<11" where suppressed."""
    if safe is None:
        safe = safe_chart_data(chart_id, wh, filters, suppress=suppress, min_count=min_count)
    return safe.display


def ff_placements_safe(wh: Warehouse, f: Filters, ctx: ExportContext, *,
                   with_yearly_safe: bool = False):
    """Monthly and yearly placements suppressed together (the months of a year add up to the
    year, the years to the window): the monthly SafeChart, the yearly table, and the yearly
    numbers (NaN where hidden) that the report draws, since monthly counts are small."""
    df = registry.chart_data("ff_placements", wh, f).reset_index(drop=True)
    if df.empty:
        safe = safe_chart_data("ff_placements", wh, f, df=df, suppress=ctx.suppressed,
                               min_count=ctx.min_count)
        empty = pd.DataFrame({"Year": [], "Placements": []})
        return (safe, empty, df, safe) if with_yearly_safe else (safe, empty, df)
    months = df.assign(year=pd.to_datetime(df["month"]).dt.year.astype(str),
                       period=pd.to_datetime(df["month"]).dt.strftime("%Y-%m"))
    cols = ["placements", "participants_placed"]
    years = months.groupby("year", as_index=False)[cols].sum()
    years["period"] = TOTAL
    window = months[cols].sum().to_frame().T
    window["year"], window["period"] = TOTAL, TOTAL
    long = pd.concat([months[["year", "period", *cols]], years, window], ignore_index=True)
    lines: list[Line] = total_row_lines(long, "period", cols, ["year", "period"])
    yrs = long[long["period"] == TOTAL]
    lines += total_row_lines(yrs, "year", cols, ["year"])
    if ctx.suppressed:
        mask = suppression_mask(long, cols, min_count=ctx.min_count, lines=lines)
    else:
        mask = pd.DataFrame(False, index=long.index, columns=long.columns)
    shown = apply_mask(long, mask, ctx.min_count)
    month_mask = mask.iloc[: len(df)][cols].reset_index(drop=True)
    full_mask = pd.DataFrame(False, index=df.index, columns=df.columns)
    for c in cols:
        full_mask[c] = month_mask[c].to_numpy()
    safe = SafeChart("ff_placements", apply_mask(df, full_mask, ctx.min_count, fill=float("nan")),
                     apply_mask(df, full_mask, ctx.min_count), full_mask, ctx.suppressed,
                     ctx.min_count)
    tab = shown[shown["period"] == TOTAL]
    by_year = apply_mask(long, mask, ctx.min_count, fill=float("nan"))
    by_year = by_year[(long["period"] == TOTAL) & (long["year"] != TOTAL)]
    yearly = pd.DataFrame({"month": pd.to_datetime(by_year["year"] + "-01-01").dt.date,
                           "placements": pd.to_numeric(by_year["placements"]).to_numpy(
                               dtype=float)})
    table = pd.DataFrame({
        "Year": ["Window" if y == TOTAL else y for y in tab["year"]],
        "Placements": [fmt.count(v) for v in tab["placements"]],
        "Participants placed": [fmt.count(v) for v in tab["participants_placed"]],
    })
    if not with_yearly_safe:
        return safe, table, yearly
    # The yearly numbers as a SafeChart (for the marks of hidden years).
    ymask = mask[(long["period"] == TOTAL) & (long["year"] != TOTAL)][["placements"]]
    ykeys = pd.DataFrame({"year": by_year["year"].astype(int).to_numpy()})
    values = ykeys.assign(placements=yearly["placements"].to_numpy())
    ymask = pd.DataFrame({"year": False, "placements": ymask["placements"].to_numpy()})
    raw = ykeys.assign(placements=pd.to_numeric(yrs[yrs["year"] != TOTAL]["placements"])
                       .to_numpy())
    yearly_safe = SafeChart("ff_placements", values, apply_mask(values, ymask, ctx.min_count),
                            ymask, ctx.suppressed, ctx.min_count,
                            primary_mask(raw, ymask, ctx.min_count))
    return safe, table, yearly, yearly_safe
