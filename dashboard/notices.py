"""What a page says above its numbers when the filters change their meaning: the page does not
apply to the selected programs (then it shows nothing else, rather than empty cards with working
download buttons), or a borough filter leaves out parents with no known borough."""

from __future__ import annotations

from dataclasses import replace

from dash import html
from dash.development.base_component import Component

from charts.style import program_name
from core.vocabularies import DEBT_REDUCTION, EMPLOYMENT, FAMILIES, family_programs
from dashboard.families import unknown_borough_lines
from warehouse.query import Filters, Warehouse

FAMILIES_FORWARD = "FAMILIES_FORWARD"

# The programs each page is about (pages not listed: all, or none, as data quality).
PAGE_PROGRAMS: dict[str, tuple[str, ...]] = {
    "employment": family_programs(EMPLOYMENT),
    "arrears": family_programs(DEBT_REDUCTION),
    "families-forward": (FAMILIES_FORWARD,),
}
PAGE_SUBJECT = {
    "employment": "None of the employment programs is",
    "arrears": "None of the debt-reduction programs is",
    "families-forward": program_name(FAMILIES_FORWARD) + " is not",
}
NO_BOROUGH_NOTICE_PAGES = ("data-quality", "indicators")  # boroughs do not apply


def applies(page_key: str, filters: Filters) -> bool:
    """Does the page have anything for the selected programs?"""
    programs = PAGE_PROGRAMS.get(page_key)
    return not (programs and filters.programs and not set(programs) & set(filters.programs))


def not_applicable(page_key: str) -> html.Div:
    return html.Div(
        [html.Strong(f"{PAGE_SUBJECT[page_key]} among the selected programs, "),
         "so this page has nothing to show. Clear the program filter or add "
         f"{'it' if page_key == 'families-forward' else 'one of them'}."],
        className="card notice", role="status", id="page-not-applicable")


def borough_notice(page_key: str, wh: Warehouse, filters: Filters) -> Component | None:
    """Under a borough filter: how much of each total has no known borough (see
    dashboard.families.unknown_borough_lines)."""
    if page_key in NO_BOROUGH_NOTICE_PAGES:
        return None
    programs = PAGE_PROGRAMS.get(page_key)
    f = filters
    if programs:
        keep = tuple(p for p in programs if not filters.programs or p in filters.programs)
        f = replace(filters, programs=keep)
    families = (DEBT_REDUCTION,) if page_key == "arrears" else (
        (EMPLOYMENT,) if programs else FAMILIES)
    lines = unknown_borough_lines(wh, f, families)
    if not lines:
        return None
    return html.Div(
        [html.Strong("Parents with no known borough are left out. "), " ".join(lines),
         " Choose “Unknown” in the borough filter to see them."],
        className="card notice borough-notice", role="note", id="borough-notice")
