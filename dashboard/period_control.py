"""The period control of the filter bar: calendar years, NYC fiscal years (July-June), federal
fiscal years, quarters or months, beside the From / To dropdowns, whose choices follow it.

It lives in the URL with the other filters (`?period=fiscal-year&from=FY2019&to=FY2024`,
dashboard/url_state.py); the shell's sync callback (dashboard/shell.py) reads and writes it.
Switching the period keeps the window as close as the new periods allow
(core.periods.convert_window: 2019–2024 becomes FY2019–FY2024, FY2019–FY2024 becomes
2018-Q3 – 2024-Q2).
"""

from __future__ import annotations

from dash import dcc, html

from charts import format as fmt
from core.periods import GRAIN_CHOICES, periods_between, window_words
from dashboard import ids


def window_options(grain: str | None, years: tuple[int, int] | None) -> list[dict]:
    """The From / To choices for a grain over the data's years: years as integers (as the
    control always had), other periods as their labels (FY2007 ... FY2026)."""
    if not years:
        return []
    lo, hi = years
    if grain in (None, "year"):
        return [{"label": str(y), "value": y} for y in range(lo, hi + 1)]
    return [{"label": p.label, "value": p.label}
            for p in periods_between(lo * 12, hi * 12 + 11, grain)]


def period_control() -> html.Div:
    """The dropdown of grains (value 'year' for calendar years)."""
    return html.Div(
        [html.Label("Period", htmlFor=ids.FILTER_PERIOD),
         dcc.Dropdown(id=ids.FILTER_PERIOD, value="year", clearable=False, searchable=False,
                      options=[{"label": label, "value": grain}
                               for grain, label in GRAIN_CHOICES.items()],
                      className="dd-period")],
        className="filter filter-period",
        title="How the time charts and tables break the window down, and what From and To "
              "count in: calendar years, NYC fiscal years (July–June, FY2024 ends June 2024), "
              "federal fiscal years (October–September), quarters or months.")


def window_text(filters) -> str:
    """The window of resolved filters for a page heading: '2009–2023' under calendar years
    (as always), else in words with its months: 'NYC fiscal years FY2019–FY2024 (July 2018 –
    June 2024)'."""
    if not filters.grain:
        return fmt.year_range(filters.from_year, filters.to_year)
    return window_words(*filters.months(), filters.grain)


# What each page shows under a period other than calendar years, when it is not a breakdown by
# that period (the time charts of the other pages follow the period).
PERIOD_SCOPE = {
    "employment": "Cohort completion counts enrollments by the calendar year they began in.",
    "families-forward": "Placements are drawn per month; sectors, wages and time to placement "
                        "are totals for the window.",
    "referrals": "The funnel and the flows are totals for the referrals made in the window, "
                 "followed to the latest data: not a breakdown per period.",
    "impact": "The window sets which enrollments form the cohorts; the chart runs in months "
              "from each parent's entry, not in calendar periods.",
    "data-quality": "The period does not apply here: this page counts every load of every "
                    "file.",
    "indicators": "The period does not apply here: each target names its own period (FY2024, "
                  "2024-Q1, ...).",
}
UNWINDOWED_PAGES = ("data-quality", "indicators")


def period_notice(page_key: str, filters) -> html.P | None:
    """Under a period other than calendar years: the window in words, and what the page shows
    of it (PERIOD_SCOPE); None under calendar years."""
    if not filters.grain or page_key not in PERIOD_SCOPE:
        return None  # the overview and arrears pages name the window in their headings
    scope = PERIOD_SCOPE[page_key]
    if page_key in UNWINDOWED_PAGES:
        return html.P(scope, className="window-note", id="period-notice")
    text = window_text(filters)
    return html.P([html.Strong(f"Window: {text[0].upper()}{text[1:]}. "), scope],
                  className="window-note", id="period-notice")
