"""The leadership report pack: a PDF (reportlab) or PPTX (python-pptx) of the headline charts.

Layout (both formats, landscape): a cover (title, window, filters, as-of date, data notice,
suppression note, contents); one page per headline chart (title, definition, the figure, a
small table of its numbers); a closing page of definitions and suppression notes. Every page
carries a footer with the filters, the as-of date and, for demo data, "Synthetic demo data".

Suppression is on unless `min_count=0`/`suppress=False` is asked for: the figures are drawn
from the suppressed numbers (hidden cells are left out) and the tables show "<11". The
metric-table charts share one mask (charts.safe.metric_joint), so the per-year pages and the
window tables can be read together without a subtraction giving a hidden cell away.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from charts import figures
from charts import format as fmt
from charts.derived import ratio_value
from charts.export_context import ExportContext, export_context
from charts.figures import as_figure
from charts.registry import HEADLINE_CHARTS, get_chart, is_empty
from charts.safe import (
    SUPPRESSED_NOTE,
    SafeChart,
    chart_title,
    ff_placements_safe,
    joint_mask_cached,
    metric_joint,
    safe_chart_data,
    safe_figure,
)
from charts.suppressed_marks import mark_hidden
from core.vocabularies import DEBT_REDUCTION_PROGRAMS, EMPLOYMENT_PROGRAMS, program_name
from exports.images import figures_bytes, print_ready, start_engine
from exports.report_content import (  # noqa: F401  (REPORT_TITLE, SUBTITLE: the report's API)
    REPORT_TITLE,
    SUBTITLE,
    Section,
    definitions,
    suppression_notes,
)
from exports.report_impact import impact_section
from exports.report_pdf import render_pdf
from exports.report_pptx import render_pptx
from warehouse.metrics import METRICS
from warehouse.query import Filters, Warehouse
from warehouse.suppression import TOTAL, apply_mask

FIG_WIDTH, FIG_HEIGHT = 1000, 820


# -- formatting -------------------------------------------------------------------------------
# The dashboard's formatters, so a report prints numbers exactly as the pages do.
_count, _money, _money_full, _pct = fmt.count, fmt.money, fmt.money_full, fmt.pct


def _ratio(num, den, hidden: bool):
    return None if hidden else ratio_value(num, den)


# -- sections ---------------------------------------------------------------------------------
def _window_rows(joint: pd.DataFrame, jmask: pd.DataFrame, programs) -> pd.DataFrame:
    """The joint table's window rows (year Total) for `programs`, hidden cells as markers."""
    rows = joint[(joint["year"] == TOTAL) & joint["program"].isin(programs)]
    shown = apply_mask(rows, jmask.loc[rows.index])
    return shown.set_index("program"), jmask.loc[rows.index].set_index(rows["program"])


def _program_table(df: pd.DataFrame, mask: pd.DataFrame, columns: list[tuple], min_count: int
                   ) -> pd.DataFrame:
    out = []
    for p in df.index:
        row = {"Program": program_name(p)}
        for label, col, show in columns:
            if callable(col):
                row[label] = show(col(df.loc[p], mask.loc[p]))
            else:
                row[label] = show(df.at[p, col])
        out.append(row)
    return pd.DataFrame(out)


def _by_year_table(safe: SafeChart, value: str, show) -> pd.DataFrame:
    d = safe.display
    if d.empty:
        return pd.DataFrame({"Year": []})
    programs = list(dict.fromkeys(d["program"]))
    wide = d.pivot(index="year", columns="program", values=value)[programs]
    out = pd.DataFrame({"Year": [str(int(y)) for y in wide.index]})
    for p in programs:
        out[program_name(p)] = [show(v) for v in wide[p]]
    return out


@dataclass
class ReportInputs:
    """What every section builder gets: the warehouse, the resolved filters, the export
    context, and the joint metric table with its mask (shared, so the sections agree)."""

    wh: Warehouse
    filters: Filters
    ctx: ExportContext
    joint: pd.DataFrame
    jmask: pd.DataFrame


SectionBuilder = Callable[[ReportInputs], Section]

# The program family a section covers, to say why it is empty when the program filter leaves
# none of them (e.g. "Arrears Cap" only: no employment section).
_FAMILIES = {
    "served_vs_graduates": ("employment programs", EMPLOYMENT_PROGRAMS),
    "arrears_totals": ("debt-reduction programs", DEBT_REDUCTION_PROGRAMS),
    "arrears_by_year": ("debt-reduction programs", DEBT_REDUCTION_PROGRAMS),
    "ncps_by_year": ("debt-reduction programs", DEBT_REDUCTION_PROGRAMS),
    "ff_placements": ("Families Forward", ("FAMILIES_FORWARD",)),
}


def empty_sentence(chart_id: str, ctx: ExportContext) -> str:
    """Why a section has nothing to show, in a sentence."""
    family = _FAMILIES.get(chart_id)
    chosen = ctx.filters.programs
    if family and chosen and not set(chosen) & set(family[1]):
        return (f"Nothing to show: this section covers {family[0]}, and none of the selected "
                f"programs ({ctx.programs_text}) is one.")
    return (f"Nothing to show: no records match these filters ({ctx.programs_text}; "
            f"{ctx.boroughs_text}; {ctx.window}).")


def chart_section(chart_id: str) -> SectionBuilder:
    """The section of a headline chart: its suppressed figure and a table of its numbers, or
    a sentence when the filters leave nothing to show."""

    def build(r: ReportInputs) -> Section:

        chart = get_chart(chart_id)
        title = chart_title(chart_id, r.wh, r.filters)
        n = r.ctx.min_count
        if chart_id == "ff_placements":
            safe, table, yearly, yearly_safe = ff_placements_safe(r.wh, r.filters, r.ctx,
                                                              with_yearly_safe=True)
            # Per year: monthly counts are mostly under the suppression threshold.
            title = title.replace(" per month", " per year")
            fig = None
            if len(yearly) and not is_empty(chart_id, safe.display.where(~safe.mask, 1)):
                fig = as_figure(mark_hidden(
                    figures.ff_placements.spec(yearly, title, grain="year"), chart_id,
                    yearly_safe))
            safe = yearly_safe  # the page's note is about the years it shows
        else:
            safe = safe_chart_data(chart_id, r.wh, r.filters, suppress=r.ctx.suppressed,
                                   min_count=n, joint=r.joint)
            table = _section_table(chart_id, safe, r.joint, r.jmask, n)
            fig = safe_figure(chart_id, r.wh, r.filters, safe=safe)
        # Hidden cells count as something to show (they are drawn as suppressed).
        nothing = is_empty(chart_id, safe.display.where(~safe.mask, 1)) or table.empty \
            or fig is None
        if nothing:
            return Section(chart_id, title, chart.definition, None, pd.DataFrame(),
                           message=empty_sentence(chart_id, r.ctx))
        note = SUPPRESSED_NOTE.format(n=n) if safe.n_hidden else ""
        return Section(chart_id, title, chart.definition, fig, table, note, hidden=safe.n_hidden)

    return build


def _headline_sections() -> list[SectionBuilder]:

    return [chart_section(cid) for cid in HEADLINE_CHARTS]


# The report's sections in order: each is one function of `ReportInputs`. Add a section by
# appending a builder here (e.g. `SECTIONS.append(my_section)`).
SECTIONS: list[SectionBuilder] = []


def section_builders() -> list[SectionBuilder]:
    if not SECTIONS:
        SECTIONS.extend(_headline_sections())
    return SECTIONS


def build_sections(wh: Warehouse, filters: Filters | None = None, *,
                   ctx: ExportContext | None = None) -> list[Section]:
    """Every section with suppressed figures and tables (no images rendered yet)."""
    f = wh.resolve(filters or Filters())
    ctx = ctx or export_context(wh, f)
    joint = metric_joint(wh, f)
    if ctx.suppressed:
        jmask = joint_mask_cached(joint, ctx.min_count)
    else:
        jmask = pd.DataFrame(False, index=joint.index, columns=joint.columns)
    inputs = ReportInputs(wh, f, ctx, joint, jmask)
    sections = [build(inputs) for build in section_builders()]

    sections += impact_section(wh, f, ctx)  # support paid around program entry
    return sections


def _ratio_column(label: str, num: str, den: str, show) -> tuple:
    """A `_program_table` column num / den, hidden when either input is suppressed."""
    return (label, lambda r, m: _ratio(r[num], r[den], bool(m[num] or m[den])), show)


def _section_table(cid: str, safe: SafeChart, joint, jmask, n: int) -> pd.DataFrame:
    if cid in ("served_vs_graduates", "arrears_totals"):
        programs = list(dict.fromkeys(safe.values["program"]))
        df, mask = _window_rows(joint, jmask, programs)
        columns = {
            "served_vs_graduates": [
                ("Served", "participants_served", _count),
                (METRICS["graduates"].label, "graduates", _count),
                _ratio_column("Graduation rate", "graduates", "participants_served", _pct),
            ],
            "arrears_totals": [
                ("DSS arrears reduced", "arrears_reduced_usd", _money_full),
                ("NCPs", "ncps_with_reductions", _count),
                _ratio_column("Average per NCP", "arrears_reduced_usd",
                              "ncps_with_reductions", _money_full),
            ],
        }[cid]
        return _program_table(df, mask, columns, n)
    if cid == "arrears_by_year":
        return _by_year_table(safe, "arrears_reduced_usd", _money)
    if cid == "ncps_by_year":
        return _by_year_table(safe, "ncps_with_reductions", _count)
    if cid == "referral_funnel":
        d = safe.display
        return pd.DataFrame({
            "Program": [program_name(p) for p in d["program"]],
            "Referred": [_count(v) for v in d["referred"]],
            "Enrolled": [_count(v) for v in d["enrolled"]],
            "Graduated": [_count(v) for v in d["graduated"]],
            "Placed": [_count(v) for v in d["placed"]],
        })
    d = safe.display
    return pd.DataFrame({c: [str(v) for v in d[c]] for c in d.columns})


def render_images(sections: list[Section], scale: float = 1.6) -> None:
    """Render every section's figure to PNG in one batch on the shared engine."""

    sections = [s for s in sections if not s.empty]
    figs = [print_ready(s.figure, width=FIG_WIDTH, height=FIG_HEIGHT) for s in sections]
    for fig in figs:  # the page carries the title
        top = fig.layout.margin.t or 0
        fig.update_layout(title=None, margin={"t": max(40, top - 40)})
    pngs = figures_bytes(figs, "png", width=FIG_WIDTH, height=FIG_HEIGHT, scale=scale)
    for s, png in zip(sections, pngs, strict=True):
        s.png = png


def contents(sections: list[Section]) -> list[str]:
    return [s.title for s in sections]


# -- entry point ------------------------------------------------------------------------------
def build_report(wh: Warehouse, filters: Filters | None, out: Path | str, fmt: str | None = None,
                 min_count: int | None = None, *, suppress: bool = True) -> Path:
    """Write the report pack to `out` as 'pdf' or 'pptx' (default: from the suffix)."""
    out = Path(out)
    fmt = (fmt or out.suffix.lstrip(".")).lower()
    if fmt not in ("pdf", "pptx"):
        raise ValueError(f"report format must be pdf or pptx, not {fmt!r}")
    # Warm the image engine (seconds of Chromium start-up) while the queries run.
    threading.Thread(target=start_engine, daemon=True).start()
    f = wh.resolve(filters or Filters())
    ctx = export_context(wh, f, suppressed=suppress and min_count != 0,
                         min_count=min_count if min_count else None)
    sections = build_sections(wh, f, ctx=ctx)
    render_images(sections)
    data = report_bytes(ctx, sections, fmt)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out


def report_bytes(ctx: ExportContext, sections: list[Section], fmt: str) -> bytes:
    if fmt == "pdf":

        return render_pdf(ctx, sections)

    return render_pptx(ctx, sections)


def report_to_bytes(wh: Warehouse, filters: Filters | None, fmt: str = "pdf", *,
                    suppress: bool = True, min_count: int | None = None) -> bytes:
    """The report pack as bytes (the dashboard's 'Download report' button)."""
    f = wh.resolve(filters or Filters())
    ctx = export_context(wh, f, suppressed=suppress, min_count=min_count)
    sections = build_sections(wh, f, ctx=ctx)
    render_images(sections)
    return report_bytes(ctx, sections, fmt)


def report_filename(wh: Warehouse, filters: Filters | None, fmt: str) -> str:
    f = wh.resolve(filters or Filters())
    span = str(f.from_year) if f.from_year == f.to_year else f"{f.from_year}-{f.to_year}"
    return f"outcomes_report_{span}.{fmt}"

