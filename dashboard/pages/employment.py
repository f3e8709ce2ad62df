"""/employment — participants served, graduates and new enrollments of the employment programs."""

from __future__ import annotations

from dashboard.definitions import graduate_counts_note
from dashboard.page_parts import Page, chart_grid_page, page_frame

PAGE = Page(
    key="employment",
    path="/employment",
    name="Employment",
    title="Employment programs",
    intro="Participants served, graduates and new enrollments per employment program and year, "
          "and where participants live. Other programs are left out of this page.",
)


render, _grid_layout, register_callbacks = chart_grid_page(PAGE)


def layout():
    return page_frame(PAGE, graduate_counts_note())
