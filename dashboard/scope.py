"""What the signed-in user may see: the one place role and program scope are applied.

dashboard/auth.py puts an `Access` on every request (flask.g) before anything else runs.
`dashboard.url_state.parse_search` / `from_controls` pass every Filters they make through
`clamp_filters`, and `parse_suppress` through `forced_suppress`: every page, total, chart
download, report pack and snippet reads its filters from the URL that way, so a user limited to
some programs never gets a number over any other, whatever URL or callback they send, and a new
page is scoped without code of its own.

Pages whose numbers ignore the program filter (load history and rejects count every file row)
are listed in UNSCOPED_PAGES: only users with every program may open them or their downloads.

Outside a request (command line, notebooks, tests calling functions directly) nothing is
limited. Inside a request that did not pass the gate, everything is refused (fail closed).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from charts.registry import CHARTS
from core.roles import RoleRights
from warehouse.query import Filters

UNSCOPED_PAGES = frozenset({"data-quality"})


class AccessDenied(PermissionError):
    pass


@dataclass(frozen=True)
class Access(RoleRights):
    user: str
    role: str  # viewer | analyst | admin
    programs: tuple[str, ...] = ()  # empty: every program

    @property
    def scoped(self) -> bool:
        return bool(self.programs)

    def cache_key(self) -> tuple:
        """What, beyond the filters, changes a rendered page body for this user."""
        return (self.can_see_snippets, self.can_unsuppress, self.scoped)


UNRESTRICTED = Access("(local)", "admin")
# Public routes (the sign-in page): nobody, with no program at all (Dash may build the layout
# once while serving one of them, to check it).
ANONYMOUS = Access("-", "viewer", ("(none)",))


def current() -> Access:
    """The Access of the request being served; UNRESTRICTED outside any request."""
    try:
        from flask import g, has_request_context
    except ImportError:  # pragma: no cover - flask comes with dash
        return UNRESTRICTED
    if not has_request_context():
        return UNRESTRICTED
    access = g.get("outcomes_access")
    if access is None:
        raise AccessDenied("request did not pass the sign-in gate")
    return access


def clamp_filters(filters: Filters, access: Access | None = None) -> Filters:
    """The filters narrowed to the user's programs: none asked (all) means all of theirs; others
    asked are dropped; if none of theirs is left, all of theirs."""
    access = access or current()
    if not access.scoped:
        return filters
    allowed = set(access.programs)
    asked = [p for p in filters.programs if p in allowed]
    programs = tuple(asked) if asked else tuple(access.programs)
    if tuple(filters.programs) == tuple(sorted(set(programs))):
        return filters
    return replace(filters, programs=programs)  # keeps the window (years or periods)


def forced_suppress(access: Access | None = None) -> bool:
    """True when small-cell suppression is always on for this user (viewers)."""
    return not (access or current()).can_unsuppress


def page_allowed(page_key: str, access: Access | None = None) -> bool:
    return page_key not in UNSCOPED_PAGES or not (access or current()).scoped


def chart_allowed(chart_id: str, access: Access | None = None) -> bool:
    chart = CHARTS.get(chart_id)
    return chart is not None and page_allowed(chart.page, access)


def require_chart(chart_id: str) -> None:
    if not chart_allowed(chart_id):
        raise AccessDenied(f"chart {chart_id!r} is not available to this account")


def require_snippets() -> None:
    if not current().can_see_snippets:
        raise AccessDenied("notebook snippets are for analysts")
