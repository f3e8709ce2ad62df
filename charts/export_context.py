"""What every export says about itself: filters, window, as-of date, data notice, suppression."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from core.vocabularies import program_name
from warehouse.query import Filters, Warehouse
from warehouse.suppression import threshold

DEMO_NOTICE = (
    "SYNTHETIC DEMO DATA: every record is invented for demonstration. These are not OCSS "
    "figures and must not be cited as such."
)
AGENCY_NOTICE = "Source: OCSS program records loaded into the outcomes warehouse."
SOURCE = "NYC Office of Child Support Services (OCSS), outcomes warehouse"


@dataclass(frozen=True)
class ExportContext:
    filters: Filters  # resolved: the window is filled in
    as_of: pd.Timestamp | None
    is_demo: bool
    suppressed: bool
    min_count: int
    generated_at: datetime

    @property
    def window(self) -> str:
        f = self.filters
        return str(f.from_year) if f.from_year == f.to_year else f"{f.from_year}\u2013{f.to_year}"

    @property
    def window_ascii(self) -> str:
        f = self.filters
        return str(f.from_year) if f.from_year == f.to_year else f"{f.from_year}-{f.to_year}"

    @property
    def programs_text(self) -> str:
        p = self.filters.programs
        return "all programs" if not p else ", ".join(program_name(c) for c in p)

    @property
    def boroughs_text(self) -> str:
        b = self.filters.boroughs
        return "all boroughs" if not b else ", ".join(b)

    @property
    def filters_text(self) -> str:
        return (f"Years {self.window} (calendar years); programs: {self.programs_text}; "
                f"boroughs: {self.boroughs_text}")

    @property
    def as_of_text(self) -> str:
        if self.as_of is None:
            return "no load recorded"
        ts = pd.Timestamp(self.as_of)
        if ts.tzinfo is not None:
            ts = ts.tz_convert("UTC")
        return ts.strftime("%Y-%m-%d %H:%M UTC")

    @property
    def notice(self) -> str:
        return DEMO_NOTICE if self.is_demo else AGENCY_NOTICE

    @property
    def suppression_text(self) -> str:
        n = self.min_count
        if not self.suppressed:
            return ("NOT SUPPRESSED: small counts are shown as they are. Internal use only; "
                    "do not publish.")
        return (f"Small-cell suppression: counts from 1 to {n - 1} are shown as \"<{n}\"; a "
                f"dollar figure resting on fewer than {n} parents is suppressed too; where a "
                "total could reveal a suppressed cell by subtraction, another cell is "
                "suppressed as well. Zero is shown as 0.")

    @property
    def footnote(self) -> str:
        """One or two short lines for the foot of a figure image."""
        first = f"{self.filters_text}. Data as of {self.as_of_text}."
        second = ("Synthetic demo data \u2014 not OCSS figures. " if self.is_demo else "") + (
            f"Counts under {self.min_count} suppressed." if self.suppressed
            else "Unsuppressed \u2014 internal use only.")
        return f"{first}<br>{second}"

    def header_rows(self, title: str) -> list[tuple[str, str]]:
        """The (label, value) rows heading a data file."""
        return [
            ("Title", title),
            ("Source", SOURCE),
            ("Filters", self.filters_text),
            ("Data as of", self.as_of_text),
            ("Data notice", self.notice),
            ("Suppression", self.suppression_text),
            ("Generated", self.generated_at.strftime("%Y-%m-%d %H:%M UTC")),
        ]


def export_context(wh: Warehouse, filters: Filters | None = None, *, suppressed: bool = True,
                   min_count: int | None = None) -> ExportContext:
    """The context of an export of `wh` for `filters` (window resolved to the data's years)."""
    return ExportContext(
        filters=wh.resolve(filters or Filters()),
        as_of=wh.as_of(),
        is_demo=wh.is_demo(),
        suppressed=suppressed,
        min_count=threshold(min_count),
        generated_at=datetime.now(UTC),
    )
