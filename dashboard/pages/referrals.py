"""/referrals — the referral funnel and where referrals come from."""

from __future__ import annotations

from dashboard.definitions import graduate_counts_note
from dashboard.page_parts import Page, chart_grid_page, page_frame

PAGE = Page(
    key="referrals",
    path="/referrals",
    name="Referrals",
    title="Referrals",
    intro="What became of the referrals made in the selected years (enrolled, graduated, "
          "placed), and which sources refer parents to which programs.",
)


render, _grid_layout, register_callbacks = chart_grid_page(PAGE)


def layout():
    return page_frame(PAGE, graduate_counts_note())
