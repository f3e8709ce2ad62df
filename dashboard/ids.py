"""Every component id of the dashboard, in one place.

Fixed ids are constants; ids that repeat per page or per chart are functions, so callbacks and
layouts build them the same way. Chart-level ids are pattern-matching dicts: any engineer can
write a MATCH callback over every chart (e.g. export buttons) keyed on `chart`.
"""

from __future__ import annotations

# The shell
URL = "url"
PAGE_CONTENT = "page-content"
DEMO_BANNER = "demo-banner"
AS_OF = "as-of"
NAV = "nav"

# The global filter bar
FILTER_FROM = "filter-from"
FILTER_TO = "filter-to"
FILTER_PROGRAMS = "filter-programs"
FILTER_BOROUGHS = "filter-boroughs"
FILTER_RESET = "filter-reset"
FILTER_SUMMARY = "filter-summary"
FILTER_SUPPRESS = "filter-suppress"  # the small-cell suppression toggle (a checklist)

# The report pack ("Download report", in the filter bar)
REPORT_PDF = "report-pdf"
REPORT_PPTX = "report-pptx"
REPORT_DOWNLOAD = "report-download"
REPORT_STATUS = "report-status"


def nav_link(page: str) -> str:
    return f"nav-{page}"


def page_body(page: str) -> str:
    """The div a page's render callback fills."""
    return f"{page}-body"


# Per chart (pattern-matching: {"type": ..., "chart": chart_id})
CHART_CARD = "chart-card"
CHART_GRAPH = "chart-graph"
CHART_TABLE = "chart-table"
EXPORT_SLOT = "chart-export-slot"
# The export bar in the slot (dashboard/chart_downloads.py): one button per format, one download.
EXPORT_BUTTON = {fmt: f"export-{fmt}" for fmt in ("png", "svg", "pdf", "csv", "xlsx")}
EXPORT_DOWNLOAD = "export-download"
EXPORT_BAR = "export-bar"
EXPORT_STATUS = "export-status"
NOTEBOOK_BUTTON = "notebook-button"
NOTEBOOK_PANEL = "notebook-panel"


def chart(kind: str, chart_id: str) -> dict:
    return {"type": kind, "chart": chart_id}


def chart_dom_id(kind: str, chart_id: str) -> str:
    """A plain string id for DOM lookups in tests (e.g. the card's section element)."""
    return f"{kind}--{chart_id}"
