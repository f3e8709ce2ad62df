"""The roles a signed-in user can have and what each may do (README "Deploying").

viewer: every page and download, small-cell suppression always on, no notebook snippets;
analyst: a viewer's rights plus the suppression toggle and snippets; admin: everything, plus
the users page. The user store (dashboard/users.py) and the dashboard's per-request access
(dashboard/scope.py) both read the rights from here.
"""

from __future__ import annotations

ROLES = ("viewer", "analyst", "admin")


class RoleRights:
    """Mixin for a dataclass with a `role` field: the rights that role carries."""

    role: str

    @property
    def can_unsuppress(self) -> bool:
        return self.role in ("analyst", "admin")

    @property
    def can_see_snippets(self) -> bool:
        return self.role in ("analyst", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"
