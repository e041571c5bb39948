"""``pantheon doctor``'s lock check: the lock fields' types (the token field must be a String
with room for a token), and what the workspace keeps of lock times, judged from the locks
Rally holds now (``doctor/lockfields.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pantheon_git.core import fields as lockfields
from pantheon_git.core.fields import FieldNames
from pantheon_git.core.timefmt import parse_time
from pantheon_git.errors import RallyError, UsageError
from pantheon_git.features.doctor import lockfields as judge
from pantheon_git.features.doctor.report import FAIL, OK, Check
from pantheon_git.features.doctor.run_fields import first_line
from pantheon_git.rally.query import ne
from pantheon_git.rally.records import STORY, StoryDecoder, StoryRecord

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pantheon_git.rally.client import RallyClient

SAMPLE = 20
"""Locked stories read to judge the precision."""
TITLE = "Lock fields"


def locks_check(client: RallyClient, field_names: Mapping[str, str]) -> Check:
    names = FieldNames.from_config(field_names)
    lock = names.lock
    try:
        attributes = {a.element_name: a for a in client.attributes()}
        wanted = (lock.locked_by, lock.locked_at, lock.expiry, lock.token)
        types = [(n, attributes[n].attribute_type if n in attributes else None) for n in wanted]
        listed = judge.describe_types(types)
        if any(kind is None for _, kind in types):
            return Check(
                "locks",
                TITLE,
                FAIL,
                f"{listed}: no lock can be taken without all four",
                "pantheon doctor --create-fields  (needs a workspace administrator's key)",
            )
        token = attributes[lock.token]
        short = judge.token_room(token.max_length)
        if short:
            return Check(
                "locks",
                TITLE,
                FAIL,
                f"{listed}; {lock.token} {short}",
                f"Create a String field with room for {lockfields.TOKEN_LENGTH} characters "
                "and name it under `fields:` (lock_token: c_YourField)",
            )
        precision, where = judge.workspace_precision(_samples(client, names))
    except RallyError as exc:
        return Check("locks", TITLE, FAIL, first_line(exc.message), exc.hint)
    meaning = judge.MEANING[precision] if precision else judge.UNKNOWN
    seen = f" (seen on {where})" if where else ""
    return Check(
        "locks",
        TITLE,
        OK,
        f"{listed}; {meaning}{seen}",
        data={"types": dict(types), "precision": precision, "seen_on": where},
    )


def _samples(client: RallyClient, names: FieldNames) -> list[judge.Sample]:
    lock = names.lock
    decode = StoryDecoder(names)
    found = client.query(
        STORY,
        ne(lock.locked_by, None),
        decode=decode,
        fetch=("FormattedID", lock.locked_by, lock.locked_at, lock.expiry, lock.token),
        limit=SAMPLE,
    )
    samples: list[judge.Sample] = []
    for story in found:
        samples.extend(_of(story, lock))
    return samples


def _of(story: StoryRecord, lock: lockfields.LockFields) -> list[judge.Sample]:
    """The lock's two dates as Rally keeps them, beside its token's exact times."""
    held = story.values((lock.locked_at, lock.expiry, lock.token))
    text = str(held[lock.token] or "").strip()
    token = lockfields.parse_token(text) if text else None
    pairs = (
        (held[lock.locked_at], token.locked_at if token else None),
        (held[lock.expiry], token.expires if token else None),
    )
    out = []
    for kept, written in pairs:
        if not kept:
            continue
        try:
            moment = parse_time(str(kept))
        except UsageError:
            continue
        out.append(judge.Sample(str(story.key or story.formatted_id), moment, written))
    return out
