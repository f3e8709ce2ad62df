"""The chart registry: every chart of the dashboard, what it shows and where its numbers come from.

A `Chart` ties together
  * `data(wh, filters)`: a small aggregate from the query layer (warehouse.query), nothing else;
  * `figure(df, title=..., **options)`: a pure builder from charts.figures;
  * its title template (filled with the window, e.g. "2009–2023") and its definition.

The dashboard pages, the static exports, the report pack and the notebooks all go through
`chart_data` / `chart_figure`, so a chart is drawn from the same numbers everywhere.

Per-year series come from `wh.metrics(filters, by_year=True)` or a query file; window totals
from `wh.metrics(filters)`; derived ratios from charts.derived.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from charts import figures, figures_cohort
from charts import format as fmt
from charts.derived import (
    AVERAGE_REDUCTION_DEFINITION,
    GRADUATION_RATE_DEFINITION,
    with_ratios,
)
from charts.events import events_in
from charts.frames import any_nonzero, rows_of, take_rows
from charts.lives import within_lives
from charts.style import program_name
from core.periods import GRAIN_NOUNS, period_containing, span_label
from core.vocabularies import BOROUGHS, DEBT_REDUCTION_PROGRAMS, EMPLOYMENT_PROGRAMS, PROGRAM_CODES
from warehouse.metrics import METRICS
from warehouse.query import Filters, Warehouse

FAMILIES_FORWARD = "FAMILIES_FORWARD"
_PROGRAM_ORDER, _BOROUGH_ORDER = pd.Index(PROGRAM_CODES), pd.Index(BOROUGHS)


@dataclass(frozen=True)
class Chart:
    id: str
    page: str
    title: str  # template: "{window}" is replaced by e.g. "2009–2023"
    definition: str
    data: Callable[[Warehouse, Filters], pd.DataFrame]
    figure: Callable[..., go.Figure]
    headline: bool = False  # part of the leadership report pack
    # Extra keyword arguments for the figure that depend on the filters (e.g. program events).
    options: Callable[[Filters], dict] | None = field(default=None, compare=False)
    # What to say when the data is empty (or all zero).
    empty_message: str = figures.NO_DATA
    # True when the chart ignores the global filters (data-quality charts).
    unfiltered: bool = False
    # Columns that must be nonzero somewhere for the chart to count as non-empty.
    value_columns: tuple[str, ...] = ()


def _m(name: str) -> str:
    return METRICS[name].definition


# -- data functions (query layer only) --------------------------------------------------------
OVERVIEW_COLUMNS = ["participants_served", "graduates", "placements", "arrears_reduced_usd",
                    "ncps_with_reductions"]


def per_period(wh: Warehouse, filters: Filters, **options) -> pd.DataFrame:
    """The metric table per period of the filters' grain (calendar years unless set): the
    period first, column `year` (integers) for calendar years, else `period` ('FY2024')."""
    return wh.metrics(filters, by=filters.grain or "year", **options)


def time_column(df: pd.DataFrame) -> str:
    """The frame's period column: `period` (labels) or `year`."""
    return "period" if "period" in df.columns else "year"


def overview_trends_data(wh: Warehouse, filters: Filters) -> pd.DataFrame:
    """Headline metrics per period for all selected programs together (the metric table's ALL
    rows: a participant in two programs counts once)."""
    df = per_period(wh, filters, with_total=True)
    out = df[df["program"] == "ALL"][[time_column(df), *OVERVIEW_COLUMNS]].reset_index(
        drop=True)
    return with_ratios(out)


def program_summary_data(wh: Warehouse, filters: Filters) -> pd.DataFrame:
    df = wh.metrics(filters)
    return with_ratios(df)


def served_vs_graduates_data(wh: Warehouse, filters: Filters) -> pd.DataFrame:
    df = per_period(wh, filters)
    df = with_ratios(rows_of(df, EMPLOYMENT_PROGRAMS, [
        time_column(df), "program", "participants_served", "graduates"]))
    return within_lives(df, ("participants_served", "graduates"))


def new_enrollments_data(wh: Warehouse, filters: Filters) -> pd.DataFrame:
    df = per_period(wh, filters)
    return within_lives(rows_of(df, EMPLOYMENT_PROGRAMS, [time_column(df), "program",
                                                          "new_enrollments"]),
                        ("new_enrollments",))


def served_by_borough_data(wh: Warehouse, filters: Filters) -> pd.DataFrame:
    """Participants served per borough and employment program (the metric by borough)."""
    df = wh.metrics(filters, by_borough=True)
    programs = df["program"].to_numpy()
    rows = np.flatnonzero(np.isin(programs, EMPLOYMENT_PROGRAMS)
                          & (df["participants_served"].to_numpy() > 0))
    # Boroughs in their order ("Unknown" last), then programs in theirs.
    borough_rank = _BOROUGH_ORDER.get_indexer(df["borough"].to_numpy()[rows])
    borough_rank[borough_rank < 0] = len(BOROUGHS)
    program_rank = _PROGRAM_ORDER.get_indexer(programs[rows])
    return take_rows(df, rows[np.lexsort((program_rank, borough_rank))],
                     ["borough", "program", "participants_served"])


def arrears_by_year_data(wh: Warehouse, filters: Filters) -> pd.DataFrame:
    df = per_period(wh, filters)
    df = with_ratios(rows_of(df, DEBT_REDUCTION_PROGRAMS, [
        time_column(df), "program", "arrears_reduced_usd", "ncps_with_reductions"]))
    return within_lives(df, ("arrears_reduced_usd", "ncps_with_reductions"))


def arrears_totals_data(wh: Warehouse, filters: Filters) -> pd.DataFrame:
    return with_ratios(rows_of(wh.metrics(filters), DEBT_REDUCTION_PROGRAMS,
                               ["program", "arrears_reduced_usd", "ncps_with_reductions"]))


def arrears_cumulative_data(wh: Warehouse, filters: Filters) -> pd.DataFrame:
    """For each period of the window: DSS arrears reduced and NCPs from the start of the data
    through that period's end (the metrics with cumulative windows), from each program's first
    reduction on."""
    df = per_period(wh, filters, cumulative=True)
    reduced = (np.isin(df["program"].to_numpy(), DEBT_REDUCTION_PROGRAMS)
               & (df["arrears_reduced_usd"].to_numpy() != 0))
    return take_rows(df, reduced, [time_column(df), "program", "arrears_reduced_usd",
                                   "ncps_with_reductions"])


def cohort_completion_data(wh: Warehouse, filters: Filters) -> pd.DataFrame:
    """Enrollments per employment program and enrollment year, and how many graduated within
    one year, two years and by the latest data (queries/cohort_completion.sql)."""
    return rows_of(wh.query("cohort_completion", filters), EMPLOYMENT_PROGRAMS)


def ff_placements_data(wh: Warehouse, filters: Filters) -> pd.DataFrame:
    return wh.query("ff_placements_by_month", filters)


def ff_sectors_data(wh: Warehouse, filters: Filters) -> pd.DataFrame:
    return wh.query("ff_placements_by_sector", filters)


def ff_wages_data(wh: Warehouse, filters: Filters) -> pd.DataFrame:
    return wh.query("ff_wage_histogram", filters, bin_usd=1)


def ff_time_to_placement_data(wh: Warehouse, filters: Filters) -> pd.DataFrame:
    return wh.query("ff_time_to_placement", filters)


def referral_funnel_data(wh: Warehouse, filters: Filters) -> pd.DataFrame:
    df = wh.query("referral_funnel", filters).drop(columns=["year"])
    return df


def referral_flows_data(wh: Warehouse, filters: Filters) -> pd.DataFrame:
    return wh.query("referral_flows", filters)


def dq_loads_data(wh: Warehouse, filters: Filters) -> pd.DataFrame:
    return wh.plain("loads")


def dq_rejects_data(wh: Warehouse, filters: Filters) -> pd.DataFrame:
    return wh.plain("rejects_summary")


def dq_warnings_data(wh: Warehouse, filters: Filters) -> pd.DataFrame:
    return wh.plain("warnings_summary")


def _events(filters: Filters) -> dict:
    """The program events and annotation notes in the window (exact months), for a time axis."""
    return {"events": events_in(filters)}


def _events_of(programs: tuple[str, ...]) -> Callable[[Filters], dict]:
    """`_events` for a chart of some programs: their events, and the notes for every program
    (an employment chart is not marked with a Pay It Off drive)."""
    return lambda filters: {"events": events_in(filters, among=programs)}


_EMPLOYMENT_EVENTS = _events_of(EMPLOYMENT_PROGRAMS)
DEBT_REDUCTION_EVENTS = _events_of(DEBT_REDUCTION_PROGRAMS)


# -- the registry -----------------------------------------------------------------------------
_FUNNEL_DEFINITION = (
    "Referrals to each program made in the window, followed to the latest data: enrolled = "
    "those with an enrollment naming the referral (or, where the enrollment names none, the "
    "same participant enrolled in the program on or after the referral date); graduated = "
    "those whose matched enrollment has the outcome graduated; placed = those whose "
    "participant has a placement in the program on or after enrolling "
    "(warehouse/sql/queries/referral_funnel.sql)."
)

CHARTS: dict[str, Chart] = {
    c.id: c
    for c in (
        # Overview
        Chart("overview_trends", "overview", "Headline totals per year, {window}",
              "Each metric per year for all selected programs together: a participant in two "
              "programs counts once. " + _m("participants_served"),
              overview_trends_data, figures.overview_trends, options=_events,
              value_columns=tuple(OVERVIEW_COLUMNS)),
        Chart("program_summary", "overview", "Participants served per program, {window}",
              _m("participants_served"), program_summary_data, figures.program_summary,
              value_columns=("participants_served",)),
        # Employment
        Chart("served_vs_graduates", "employment",
              "Participants served and graduates per program per year, {window}",
              f"Participants served: {_m('participants_served')} Graduates: "
              f"{_m('graduates')} Graduation rate: {GRADUATION_RATE_DEFINITION}",
              served_vs_graduates_data, figures.served_vs_graduates, headline=True,
              options=_EMPLOYMENT_EVENTS,
              value_columns=("participants_served", "graduates")),
        Chart("new_enrollments", "employment", "New enrollments per program per year, {window}",
              _m("new_enrollments"), new_enrollments_data, figures.new_enrollments,
              options=_EMPLOYMENT_EVENTS,
              value_columns=("new_enrollments",)),
        Chart("served_by_borough", "employment",
              "Participants served per borough and program, {window}",
              _m("participants_served") + " Borough: the enrollment's borough, else the "
              "participant's most recent known borough; a participant enrolled from two "
              "boroughs counts in each.",
              served_by_borough_data, figures.served_by_borough,
              value_columns=("participants_served",)),
        Chart("cohort_completion", "employment",
              "Cohort completion: enrollments of each year that graduated within a year, "
              "{window}",
              "Of the enrollments that began in each year (the cohort), the share that ended "
              "in graduation within 365 days of enrolling; the hover adds within two years and "
              "by the latest data. It divides by the cohort's enrollments, so it differs from "
              "the per-year graduation rate (graduates ÷ everyone served that year). Cohorts "
              "followed for less than a year are not drawn "
              "(warehouse/sql/queries/cohort_completion.sql).",
              cohort_completion_data, figures_cohort.cohort_completion,
              options=_EMPLOYMENT_EVENTS, value_columns=("enrolled",)),
        # Arrears
        Chart("arrears_totals", "arrears",
              "DSS arrears reduced and NCPs per program, {window}",
              f"DSS arrears reduced: {_m('arrears_reduced_usd')} NCPs: "
              f"{_m('ncps_with_reductions')} Average: {AVERAGE_REDUCTION_DEFINITION}",
              arrears_totals_data, figures.arrears_program_totals, headline=True,
              value_columns=("arrears_reduced_usd", "ncps_with_reductions")),
        Chart("arrears_by_year", "arrears", "DSS arrears reduced per program per year, {window}",
              _m("arrears_reduced_usd"), arrears_by_year_data, figures.arrears_by_year,
              headline=True, options=DEBT_REDUCTION_EVENTS, value_columns=("arrears_reduced_usd",)),
        Chart("ncps_by_year", "arrears", "NCPs with reductions per program per year, {window}",
              _m("ncps_with_reductions"), arrears_by_year_data, figures.ncps_by_year,
              headline=True, options=DEBT_REDUCTION_EVENTS,
              value_columns=("ncps_with_reductions",)),
        Chart("arrears_cumulative", "arrears",
              "DSS arrears reduced since each program began, through each year of {window}",
              "For each year: the DSS arrears reduced (and NCPs with reductions) from the start "
              "of the data through that year's end. " + _m("arrears_reduced_usd"),
              arrears_cumulative_data, figures.arrears_cumulative, options=DEBT_REDUCTION_EVENTS,
              value_columns=("arrears_reduced_usd",)),
        Chart("avg_reduction_by_year", "arrears",
              "Average DSS arrears reduction per NCP, per program per year, {window}",
              AVERAGE_REDUCTION_DEFINITION, arrears_by_year_data, figures.avg_reduction_by_year,
              options=DEBT_REDUCTION_EVENTS, value_columns=("avg_reduction_usd",)),
        # Families Forward
        Chart("ff_placements", "families-forward",
              "Families Forward job placements per month, {window}",
              _m("placements") + " Shaded: the enrollment window, 2018-01-01 to 2022-05-31.",
              ff_placements_data, figures.ff_placements, headline=True,
              options=_events_of((FAMILIES_FORWARD,)),
              value_columns=("placements",)),
        Chart("ff_sectors", "families-forward",
              "Families Forward placements by employer sector, {window}",
              _m("placements") + " Sector as reported by the program ('unknown' when blank).",
              ff_sectors_data, figures.ff_sectors, value_columns=("placements",)),
        Chart("ff_wages", "families-forward",
              "Families Forward hourly wage at placement, {window}",
              "Placements in the window with a recorded hourly wage, counted per $1 bin; wages "
              "of $60 or more share the top bin (warehouse/sql/queries/ff_wage_histogram.sql).",
              ff_wages_data, figures.ff_wages, value_columns=("placements",)),
        Chart("ff_time_to_placement", "families-forward",
              "Families Forward days from enrollment to placement, {window}",
              "For each placement in the window, the days since the participant's latest "
              "Families Forward enrollment on or before the placement date, in 30-day bins "
              "(warehouse/sql/queries/ff_time_to_placement.sql).",
              ff_time_to_placement_data, figures.ff_time_to_placement,
              value_columns=("placements",)),
        # Referrals
        Chart("referral_funnel", "referrals",
              "Referral funnel per program: referrals made in {window} and what followed",
              _FUNNEL_DEFINITION, referral_funnel_data, figures.referral_funnel, headline=True,
              value_columns=("referred",)),
        Chart("referral_flows", "referrals",
              "Referrals from each source to each program, {window}",
              _m("referrals") + " Source as recorded on the referral ('unknown' when blank).",
              referral_flows_data, figures.referral_flows, value_columns=("referrals",)),
        # Data quality (the whole warehouse; the filters do not apply)
        Chart("dq_loads", "data-quality", "Rows loaded, warned and rejected per load",
              "Every committed load: rows that loaded (including those with a warning), rows "
              "loaded with a warning, and rows rejected.",
              dq_loads_data, figures.dq_loads, empty_message="No loads yet", unfiltered=True,
              value_columns=("rows_read",)),
        Chart("dq_rejects", "data-quality", "Rejected rows by reason and file",
              "Rows that were not loaded, by the first contract rule they broke and the file "
              "they came from, over every load.",
              dq_rejects_data, figures.dq_rejects,
              empty_message="No rejected rows: every row loaded passed the contract",
              unfiltered=True, value_columns=("rows_rejected",)),
        Chart("dq_warnings", "data-quality", "Rows loaded with a warning, by rule",
              "Rows that loaded but broke a business rule or had a value set to unknown, by "
              "rule, over every load.",
              dq_warnings_data, figures.dq_warnings, empty_message="No warnings",
              unfiltered=True, value_columns=("rows_warned",)),
    )
}

HEADLINE_CHARTS: tuple[str, ...] = tuple(c.id for c in CHARTS.values() if c.headline)


def charts_for(page: str) -> list[Chart]:
    return [c for c in CHARTS.values() if c.page == page]


def get_chart(chart_id: str) -> Chart:
    try:
        return CHARTS[chart_id]
    except KeyError:
        raise KeyError(f"unknown chart {chart_id!r}; known: {', '.join(CHARTS)}") from None


# -- the API used by pages, exports and notebooks ---------------------------------------------
def window_label(filters: Filters) -> str:
    """'2009–2023' ('FY2019–FY2024' under another grain), plus the boroughs when the borough
    filter is set ('2009–2023, Bronx')."""
    if filters.grain:
        first, last = filters.months()
        label = span_label(period_containing(first, filters.grain).label,
                           period_containing(last, filters.grain).label)
    else:
        label = fmt.year_range(filters.from_year, filters.to_year)
    if filters.boroughs:
        label += ", " + " & ".join(filters.boroughs)
    return label


# Charts whose time axis follows the grain of the filters; their titles say "per fiscal year".
PERIOD_CHARTS = ("overview_trends", "served_vs_graduates", "new_enrollments", "arrears_by_year",
                 "ncps_by_year", "arrears_cumulative", "avg_reduction_by_year")


def per_grain_title(title: str, grain: str | None) -> str:
    """A title's "per year" / "each year" in the grain's words ("per NYC fiscal year")."""
    if not grain:
        return title
    one = GRAIN_NOUNS[grain][0]
    return title.replace(" per year", f" per {one}").replace(" each year", f" each {one}")


def chart_title(chart_id: str, wh: Warehouse, filters: Filters) -> str:
    chart = get_chart(chart_id)
    if chart.unfiltered:
        return chart.title
    f = wh.resolve(filters)
    title = chart.title.format(window=window_label(f))
    return per_grain_title(title, f.grain) if chart_id in PERIOD_CHARTS else title


def chart_data(chart_id: str, wh: Warehouse, filters: Filters) -> pd.DataFrame:
    """The numbers behind a chart, for the filters (window resolved to the data's years)."""
    chart = get_chart(chart_id)
    return chart.data(wh, wh.resolve(filters or Filters()))


def is_empty(chart_id: str, df: pd.DataFrame | None) -> bool:
    """No rows, or nothing but zeros (or missing values) in the chart's value columns."""
    if df is None or df.empty:
        return True
    cols = [c for c in get_chart(chart_id).value_columns if c in df.columns]
    return bool(cols) and not any_nonzero(df, cols)


def chart_spec(chart_id: str, wh: Warehouse, filters: Filters,
               df: pd.DataFrame | None = None) -> dict:
    """The chart's figure as plain dicts (charts.figures), its title filled in with the
    window; `df` skips the query. The dashboard sends this to the browser as it is."""
    chart = get_chart(chart_id)
    f = wh.resolve(filters or Filters())
    if df is None:
        df = chart.data(wh, f)
    title = chart_title(chart_id, wh, f)
    if is_empty(chart_id, df):
        return figures.empty_figure.spec(title, chart.empty_message)
    options = chart.options(f) if chart.options else {}
    return chart.figure.spec(df, title=title, **options)


def chart_figure(chart_id: str, wh: Warehouse, filters: Filters,
                 df: pd.DataFrame | None = None) -> go.Figure:
    """The chart's figure (a `go.Figure` of `chart_spec`), for exports and notebooks."""
    return figures.as_figure(chart_spec(chart_id, wh, filters, df))


# -- tables: the same numbers, formatted for people ------------------------------------------
COLUMN_LABELS: dict[str, str] = {
    **{m.name: m.label for m in METRICS.values()},
    "year": "Year",
    "period": "Period",
    "program": "Program",
    "program_name": "Program name",
    "borough": "Borough",
    "graduation_rate": "Graduation rate",
    "avg_reduction_usd": "Average reduction per NCP",
    "month": "Month",
    "sector": "Sector",
    "wage_from": "Wage from ($/h)",
    "wage_to": "Wage to ($/h)",
    "days_from": "Days from",
    "days_to": "Days to",
    "referred": "Referred",
    "enrolled": "Enrolled",
    "graduated": "Graduated",
    "placed": "Placed",
    "graduated_1y": "Graduated within 1 year",
    "graduated_2y": "Graduated within 2 years",
    "still_active": "Still enrolled",
    "followed_days": "Days followed after the year",
    "source": "Source",
    "load_id": "Load",
    "started_at": "Started",
    "finished_at": "Finished",
    "outcome": "Outcome",
    "files": "Files",
    "rows_read": "Rows read",
    "rows_loaded": "Rows loaded",
    "rows_rejected": "Rows rejected",
    "rows_warned": "Rows warned",
    "kind": "Record kind",
    "file_name": "File",
    "reason": "Reason",
    "rule": "Rule",
    "latest_load_id": "Latest load",
}


def column_label(col: str) -> str:
    return COLUMN_LABELS.get(col, col.replace("_", " ").capitalize())


def format_column(col: str, values: pd.Series) -> list[str]:
    if col in ("year", "load_id", "latest_load_id"):
        return [fmt.NOT_AVAILABLE if pd.isna(v) else str(int(v)) for v in values]
    if col == "program":
        return [program_name(v) for v in values]
    if col.endswith("_usd"):
        return [fmt.money_full(v) for v in values]
    if col.endswith("_rate"):
        return [fmt.pct(v) for v in values]
    if col.startswith("wage_"):
        return [fmt.money_cents(v) for v in values]
    if col == "month":
        return [fmt.NOT_AVAILABLE if pd.isna(v) else f"{pd.Timestamp(v):%b %Y}" for v in values]
    if col.endswith("_at"):
        return [fmt.NOT_AVAILABLE if pd.isna(v) else f"{pd.Timestamp(v):%Y-%m-%d %H:%M}"
                for v in values]
    if pd.api.types.is_numeric_dtype(values):
        return [fmt.count(v) for v in values]
    return [fmt.NOT_AVAILABLE if pd.isna(v) else str(v) for v in values]


def display_columns(chart_id: str, df: pd.DataFrame) -> dict[str, list[str]]:
    """The chart's data as {people's column name: formatted values (strings)}."""
    cols = [c for c in df.columns if not (c == "program_name" and "program" in df.columns)]
    return {column_label(c): format_column(c, df[c]) for c in cols}


def display_table(chart_id: str, df: pd.DataFrame) -> pd.DataFrame:
    """The chart's data with people's column names and formatted values (all strings)."""
    return pd.DataFrame(display_columns(chart_id, df))


# -- impact on child support (the /impact page; appended) -------------------------------------
def impact_event_study_data(wh: Warehouse, filters: Filters) -> pd.DataFrame:
    """Compliance month by month around entry, per program and group (Warehouse.impact with
    event_study; the enrollment window is the filters' years, N = 12 months)."""
    # Called unbound so that a stand-in for the warehouse (charts.snippets' recorder) runs
    # it with its own `query`, and sees the SQL behind the chart.
    df = Warehouse.impact(wh, filters, event_study=True, months=IMPACT_MONTHS)
    # Suffixes that say the unit (formatting, suppression): dollars and a fraction.
    return df.rename(columns={"due": "due_usd", "paid": "paid_usd", "compliance":
                              "compliance_rate"})


IMPACT_MONTHS = 12
CHARTS["impact_event_study"] = Chart(
    "impact_event_study", "impact",
    "Compliance with current support around program entry, enrollments in {window}",
    "Current support paid divided by current support due, in each month from 12 months "
    "before to 12 months after entry, over the support months on record: for the program's "
    "cohort (first enrollment in the window; entry = that month) and for its comparison group "
    "(referred in the window, never enrolled; entry = the first such referral's month). Not an "
    "experiment (warehouse/sql/queries/impact.sql).",
    impact_event_study_data, figures.impact_event_study,
    options=lambda f: {"months": IMPACT_MONTHS},
    empty_message="No support months on record for these filters (load support_months files)",
    value_columns=("compliance_rate",),
)
COLUMN_LABELS.update({
    "group": "Group", "rel": "Months from entry", "parents": "Parents with records",
    "due_usd": "Current support due", "paid_usd": "Current support paid",
    "compliance_rate": "Compliance (paid / due)",
})

