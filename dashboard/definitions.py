"""Sentences that tell apart numbers which look alike but are defined differently, shown on
the pages where they appear (the definitions themselves live in the SQL and docs/metrics.md)."""

from __future__ import annotations

from dash import html

TWO_GRADUATE_COUNTS = (
    "Two graduate counts, two questions. The Employment page counts participants whose "
    "graduated enrollment ended in the selected years (graduates ÷ participants served gives "
    "the graduation rate). The Referrals page follows the referrals made in the selected years "
    "to the latest data and counts those whose enrollment graduated, whenever that was. So for "
    "the Parent Support Program, 2011–2023, the demo shows 580 graduates on Employment and 625 "
    "graduated referrals on Referrals: different people and different years, not an error. "
    "Cohort completion (Employment) follows the enrollments that began in each year."
)


def graduate_counts_note() -> html.Details:
    return html.Details(
        [html.Summary("Why do graduate counts differ between pages?"),
         html.P(TWO_GRADUATE_COUNTS)],
        className="card definitions-note", id="graduate-counts-note",
    )
