"""The report pack's impact section: compliance with current support around program entry,
for each program's cohort and comparison group (docs/metrics.md, "Impact on child support").

Suppressed like the rest of the pack: the event-study months resting on fewer parents than the
threshold are left out of the figure (warehouse.impact.event_study_mask), and the table's
counts and figures follow warehouse.impact.suppress_impact."""

from __future__ import annotations

import pandas as pd

from charts import format as fmt
from charts.export_context import ExportContext
from charts.registry import IMPACT_MONTHS, get_chart
from charts.safe import SUPPRESSED_NOTE, chart_title, safe_chart_data, safe_figure
from core.vocabularies import program_name
from exports.report_content import Section
from warehouse.impact import NOT_AN_EXPERIMENT, suppress_impact
from warehouse.query import Filters, Warehouse

CHART_ID = "impact_event_study"


def _pct(v) -> str:
    return v if isinstance(v, str) else fmt.pct(v)


def _points(v) -> str:
    if isinstance(v, str):
        return v
    return fmt.NOT_AVAILABLE if v is None or pd.isna(v) else f"{v * 100:+.1f}"


def impact_table(df: pd.DataFrame) -> pd.DataFrame:
    """The before/after table, cut to what fits beside the figure (strings)."""
    return pd.DataFrame({
        "Program": [program_name(p) for p in df["program"]],
        "Group": [g.capitalize() for g in df["group"]],
        "Before": [_pct(v) for v in df["before_compliance"]],
        "After": [_pct(v) for v in df["after_compliance"]],
        "Change (pts)": [_points(v) for v in df["compliance_change"]],
    })


def impact_section(wh: Warehouse, f: Filters, ctx: ExportContext) -> list:
    """[the Section] when the warehouse holds support months for these filters, else []."""
    safe = safe_chart_data(CHART_ID, wh, f, suppress=ctx.suppressed, min_count=ctx.min_count)
    if safe.values.empty:
        return []
    table = wh.impact(f, months=IMPACT_MONTHS)
    if ctx.suppressed:
        table = suppress_impact(table, ctx.min_count)
    hidden = int(safe.n_hidden) + int(table.map(lambda v: isinstance(v, str)
                                                 and v.startswith("<")).to_numpy().sum())
    note = SUPPRESSED_NOTE.format(n=ctx.min_count) if hidden else ""
    definition = (f"{get_chart(CHART_ID).definition} Table: compliance in the 12 months before "
                  "and after entry (entry month excluded) and the change in percentage points. "
                  f"{NOT_AN_EXPERIMENT}")
    return [Section(CHART_ID, chart_title(CHART_ID, wh, f), definition,
                    safe_figure(CHART_ID, wh, f, safe=safe), impact_table(table), note,
                    hidden=hidden)]
