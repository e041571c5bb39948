"""Typed identifiers: story keys, epic references, story branch names.

Rally shows a story as ``US123``; people and the seed write ``US-123``. Both forms, in any
case, are accepted everywhere; ``StoryKey`` holds the Rally form and prints the BMAD form.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from operator import attrgetter

from pantheon_git.errors import UsageError

_KEY_RE = re.compile(r"^\s*([A-Za-z]{1,3})[-_ ]?0*(\d{1,9})\s*$")
_CANONICAL_RE = re.compile(r"^[A-Z]{1,3}[1-9]\d{0,8}$|^[A-Z]{1,3}0$")
# In free text (commit messages, PR titles): US123, us-123, US_123; not inside a longer word.
_TEXT_KEY = r"(?<![A-Za-z0-9])({prefixes})[-_]?(\d{{1,9}})(?![A-Za-z0-9])"


_PARSED: dict[str, StoryKey] = {}
_PARSED_MAX = 200_000


@dataclass(frozen=True, order=True)
class StoryKey:
    """A Rally FormattedID such as ``US123``. ``str()`` gives ``US-123``."""

    prefix: str
    number: int

    def __post_init__(self) -> None:
        if not (self.prefix.isascii() and self.prefix.isalpha() and self.prefix.isupper()):
            raise UsageError(f"not a story key prefix: {self.prefix!r}")
        if self.number < 0:
            raise UsageError(f"not a story number: {self.number}")

    @classmethod
    def parse(cls, text: str) -> StoryKey:
        """``US-123``, ``us123``, ``US 123`` -> ``StoryKey("US", 123)``."""
        known = _PARSED.get(text)
        if known is not None and cls is StoryKey:
            return known
        match = _KEY_RE.match(text or "")
        if not match:
            raise UsageError(
                f"not a story key: {text!r}",
                hint="Story keys look like US-123 (US123 and us-123 work too).",
            )
        key = cls(match.group(1).upper(), int(match.group(2)))
        if len(_PARSED) < _PARSED_MAX:  # a sync parses the same keys tens of thousands of times
            _PARSED[text] = key
        return key

    @classmethod
    def try_parse(cls, text: str) -> StoryKey | None:
        try:
            return cls.parse(text)
        except UsageError:
            return None

    @classmethod
    def find_all(cls, text: str, prefixes: tuple[str, ...] = ("US",)) -> list[StoryKey]:
        """Story keys mentioned in free text, in order of first mention, without repeats.

        Only ``US`` by default: Rally's older ``S`` prefix would read "fix S3 upload" as a story.
        """
        pattern = _TEXT_KEY.format(prefixes="|".join(re.escape(p) for p in prefixes))
        seen: dict[StoryKey, None] = {}
        for match in re.finditer(pattern, text or "", re.IGNORECASE):
            seen.setdefault(cls(match.group(1).upper(), int(match.group(2))), None)
        return list(seen)

    @property
    def formatted_id(self) -> str:
        """The Rally form, ``US123``."""
        return f"{self.prefix}{self.number}"

    def __str__(self) -> str:
        return f"{self.prefix}-{self.number}"


key_order = attrgetter("prefix", "number")
"""``StoryKey``'s own order as a sort key: sorting thousands of keys with it is several times
faster than with the dataclass's ``__lt__``."""


def sorted_keys(texts: Iterable[str]) -> tuple[StoryKey, ...]:
    """The distinct story keys written in ``texts`` (any accepted form), in order."""
    # Keyed by (prefix, number): one key written two ways (US1, US-1) is kept once, and the
    # sort compares those tuples, never the dataclass.
    distinct = {key_order(key): key for key in map(StoryKey.parse, set(texts))}
    return tuple(key for _, key in sorted(distinct.items()))


_EPIC_RE = re.compile(r"^\s*(?:epic[-_ ]?|([A-Za-z]{1,3})[-_ ]?)?0*(\d{1,9})\s*$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class EpicRef:
    """What a user typed for ``--epic``: ``17``, ``E17``, ``F17``, ``epic-17``.

    Epics are Rally portfolio items whose prefix depends on the type (``F`` for Feature); a
    bare number or ``epic-17`` matches any prefix. ``prefix`` is ``None`` when not given.
    """

    number: int
    prefix: str | None = None

    @classmethod
    def parse(cls, text: str) -> EpicRef:
        match = _EPIC_RE.match(text or "")
        if not match:
            raise UsageError(
                f"not an epic: {text!r}",
                hint="Give the epic's number or FormattedID: 17, F17 or epic-17.",
            )
        prefix = match.group(1).upper() if match.group(1) else None
        return cls(int(match.group(2)), prefix)

    def matches(self, formatted_id: str) -> bool:
        match = _KEY_RE.match(formatted_id)
        if not match or int(match.group(2)) != self.number:
            return False
        # A user's "E17" is how the seed names epics; accept it for any portfolio prefix.
        return self.prefix in (None, "E") or self.prefix == match.group(1).upper()


def epic_number(formatted_id: str) -> int:
    """``F17`` -> 17: the number used for the cache's ``epic-17`` folder."""
    match = _KEY_RE.match(formatted_id)
    if not match:
        raise UsageError(f"not a portfolio item id: {formatted_id!r}")
    return int(match.group(2))


# --- story branches -------------------------------------------------------------------------

DEFAULT_BRANCH_TEMPLATE = "story/{key}-{slug}"
SLUG_MAX = 48  # keeps "story/US-123456-<slug>" far below any ref or path limit


def slugify(title: str, *, max_len: int = SLUG_MAX) -> str:
    """Lowercase ASCII words joined by ``-``: unicode folded, quotes, colons, slashes dropped.

    Never empty (``story``), never ending in ``-`` or ``.``, never containing ``..``, so any
    slug makes a ref ``git check-ref-format`` accepts.
    """
    folded = unicodedata.normalize("NFKD", title or "")
    ascii_text = folded.encode("ascii", "ignore").decode("ascii").lower()
    ascii_text = re.sub(r"['\"`]", "", ascii_text)  # "don't" -> "dont"
    words = re.findall(r"[a-z0-9]+", ascii_text)
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_len:
            if not slug:
                slug = word[:max_len]
            break
        slug = candidate
    return slug or "story"


def story_branch(key: StoryKey, title: str, template: str = DEFAULT_BRANCH_TEMPLATE) -> str:
    """The branch for a story: ``story/US-123-implement-login-form`` by default."""
    return template.format(key=str(key), id=key.formatted_id, slug=slugify(title))


DEFAULT_BRANCH_PATTERN = r"^story/(?P<key>[A-Za-z]{1,3}-?\d+)(?:[-/].*)?$"


def branch_story_key(branch: str, pattern: str = DEFAULT_BRANCH_PATTERN) -> StoryKey | None:
    """The story a branch belongs to, or ``None`` if it is not a story branch.

    ``branch`` may be a full ref (``refs/heads/story/...``). The key is case-insensitive.
    """
    name = branch
    for prefix in ("refs/heads/", "refs/remotes/"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
            if prefix == "refs/remotes/" and "/" in name:
                name = name.split("/", 1)[1]
    match = re.match(pattern, name, re.IGNORECASE)
    if not match:
        return None
    return StoryKey.try_parse(match.group("key"))


def number_of(formatted_id: str) -> tuple[int, str]:
    digits = "".join(ch for ch in formatted_id if ch.isdigit())
    return (int(digits) if digits else 0, formatted_id)
