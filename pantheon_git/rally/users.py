"""Rally users looked up the way pantheon names people: by email.

A lock names its holder by email (``c_LockedBy``); Rally's ``Owner`` is a reference to a
``User``, whose ``EmailAddress`` and ``UserName`` (often the same email, not always: research
§4) are the two ways to find one. Queries on values are case-sensitive in Rally (research §3),
so the email is asked as given and lower-cased.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pantheon_git.rally import records
from pantheon_git.rally.query import any_of, eq
from pantheon_git.rally.records import UserRecord

if TYPE_CHECKING:
    from pantheon_git.rally.client import RallyClient

USER_FETCH = ("ObjectID", "UserName", "EmailAddress", "DisplayName", "Disabled")


def users_by_email(client: RallyClient, email: str, *, limit: int = 5) -> list[UserRecord]:
    """The users whose EmailAddress or UserName is ``email`` (disabled ones too)."""
    forms = dict.fromkeys((email.strip(), email.strip().lower()))
    where = any_of(*(eq(name, form) for form in forms for name in ("EmailAddress", "UserName")))
    return client.query(
        "User", where, decode=records.user, fetch=USER_FETCH, whole_workspace=True, limit=limit
    )


def active_user(client: RallyClient, email: str) -> UserRecord | None:
    """The enabled Rally user with this email, or ``None``."""
    return next((u for u in users_by_email(client, email) if not u.disabled), None)
