"""The dashboard's pages, in navigation order. Each module has PAGE, layout(), render(search)
(the page body for a query string: a plain function) and register_callbacks(app)."""

from __future__ import annotations

from dashboard.pages import (
    arrears,
    data_quality,
    employment,
    families_forward,
    impact,
    indicators,
    overview,
    referrals,
)

PAGE_MODULES = (overview, employment, arrears, families_forward, referrals, impact, indicators,
                data_quality)
PAGES = [m.PAGE for m in PAGE_MODULES]
