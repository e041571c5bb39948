"""Explicit story-to-story references: "depends on Story 1.2", "blocked by US-123",
``depends_on: [5-1, 5-2]`` (Pantheon's Story Metadata), a ``## Dependencies`` bullet list, and
an epics file's ``**Prerequisites:**`` lines (:func:`prerequisite_refs`).

Only explicit references count: a bare number ("requires 1.2 GB") is not a story; numeric ids
need the word Story/Stories in front, Rally keys (``US-123``) stand on their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from pantheon_git.bmad.blocks import Line

_TRIGGER_RE = re.compile(
    r"\b(?:depends?\s+on|dependent\s+on|blocked\s+by|requires|prerequisites?\s*:?)\s+",
    re.IGNORECASE,
)
_ITEM_RE = re.compile(
    r"(?P<story>stor(?:y|ies)\s+)?(?P<id>US-?\d{1,9}\b|\d{1,4}[a-z]?(?:[.-]\d{1,4}[a-z]?){1,2}\b)",
    re.IGNORECASE,
)
_SEPARATOR_RE = re.compile(r"\s*(?:,|;|&|\band\b|\bor\b)?\s*", re.IGNORECASE)
_DEPENDS_ON_KEY_RE = re.compile(r"\bdepends_on\s*:\s*\[([^\]]*)\]", re.IGNORECASE)
_BULLET_RE = re.compile(
    r"^\s*[-*+]\s+(?:\*\*)?(?:story\s+)?(US-?\d{1,9}|\d{1,4}[a-z]?[.-]\d{1,4}[a-z]?(?:[.-]\d{1,4})?)\b",
    re.IGNORECASE,
)
_IGNORED_SECTIONS = {
    "change log",
    "dev agent record",
    "qa results",
    "senior developer review (ai)",
}


def find_dependencies(
    lines: Iterable[Line],
    *,
    dependency_lines: Iterable[Line] = (),
    prerequisite_lines: Iterable[Line] = (),
    own_id: str,
) -> tuple[str, ...]:
    """Story ids (``1.2``) and Rally keys (``US-123``) referenced, in order, without ``own_id``.

    ``prerequisite_lines`` (an epics file's Prerequisites) may also name whole epics: those come
    back as ``epic:N`` for the caller to expand into the epic's stories.
    """
    found: dict[str, None] = {}
    for ref in prerequisite_refs(" ".join(line.text for line in prerequisite_lines if line.plain)):
        found.setdefault(ref, None)
    for line in lines:
        if line.plain:
            text = line.text.replace("**", "").replace("`", "")
            for ref in _from_text(text):
                found.setdefault(ref, None)
    for line in dependency_lines:
        match = _BULLET_RE.match(line.text) if line.plain else None
        if match:
            found.setdefault(_normal(match.group(1)), None)
    found.pop(_normal(own_id), None)
    return tuple(found)


def _from_text(text: str) -> list[str]:
    refs: list[str] = []
    for match in _DEPENDS_ON_KEY_RE.finditer(text):
        for raw in match.group(1).split(","):
            token = raw.strip().strip("'\"")
            if re.fullmatch(r"\d{1,4}[a-z]?(?:[.-]\d{1,4}[a-z]?){1,2}|US-?\d{1,9}", token, re.I):
                refs.append(_normal(token))
    for trigger in _TRIGGER_RE.finditer(text):
        position = trigger.end()
        named = False
        for _ in range(20):
            item = _ITEM_RE.match(text, position)
            if not item:
                break
            named = named or bool(item.group("story"))
            ref = _normal(item.group("id"))
            if not (named or ref.startswith("US-")):
                break
            refs.append(ref)
            separator = _SEPARATOR_RE.match(text, item.end())
            position = separator.end() if separator else item.end()
    return refs


def _normal(ref: str) -> str:
    """``5-1`` -> ``5.1``; ``us123`` -> ``US-123``."""
    key = re.fullmatch(r"US-?(\d+)", ref, re.IGNORECASE)
    if key:
        return f"US-{int(key.group(1))}"
    return ref.replace("-", ".")


def ignored_section(key: str) -> bool:
    return key in _IGNORED_SECTIONS


EPIC_REF = "epic:"
"""Prefix of a whole-epic reference from :func:`prerequisite_refs` (``epic:4``)."""


def epic_number(ref: str) -> str | None:
    """``epic:4`` -> ``4``; None for a story reference (``1.2``, ``US-123``)."""
    return ref.removeprefix(EPIC_REF) if ref.startswith(EPIC_REF) else None


def epic_ends(ids: Sequence[str], deps_of: Mapping[str, Sequence[str]]) -> list[str]:
    """The stories of an epic (``ids``) that no other story of it waits on, by the stories'
    own prerequisites (``deps_of``): "Epic 1 complete" waits on these, and the rest of the
    epic comes before them, so one Predecessor each says it all. Every story of the epic when
    its prerequisites leave none (a loop)."""
    inside = set(ids)
    waited_on = {d for i in ids for d in deps_of.get(i, ()) if d in inside and d != i}
    return [i for i in ids if i not in waited_on] or list(ids)


def epic_starts(ids: Sequence[str], deps_of: Mapping[str, Sequence[str]]) -> list[str]:
    """The stories of an epic (``ids``) that wait on no other story of it: what the epic's own
    "Dependencies: Epic 1" holds back, the rest of the epic coming after them. Every story of
    the epic when its stories state no prerequisites among themselves, or only a loop."""
    inside = set(ids)
    waiting = {i for i in ids if any(d in inside and d != i for d in deps_of.get(i, ()))}
    return [i for i in ids if i not in waiting] or list(ids)


_ID = r"\d{1,4}[a-z]?(?:\.\d{1,4}[a-z]?){1,2}"
_TO = r"\s*(?:[-–]|\bthrough\b|\bto\b)\s*"
_ONE = rf"{_ID}(?:{_TO}(?:{_ID}|\d{{1,4}}\b))?"
"""A story id, or a range: ``1.1-1.5``, ``1.1 through 1.6``, ``2.1-5``."""
_STORY_LIST_RE = re.compile(
    rf"\bstor(?:y|ies)\s+(?P<ids>{_ONE}(?:\s*(?:,|&|\band\b)\s*(?:stor(?:y|ies)\s+)?{_ONE})*)"
    rf"|(?<![\w.])(?P<bare>{_ONE})(?![\w.])"
    r"|\b(?P<key>US-?\d{1,9})\b"
    r"|\bepics?\s+(?P<epics>\d{1,4}[a-z]?(?:\s*(?:,|&|\band\b|[-–])\s*(?:epic\s+)?\d{1,4}[a-z]?)*)\b",
    re.IGNORECASE,
)
_RANGE_RE = re.compile(
    rf"(?P<major>\d{{1,4}}(?:\.\d{{1,4}})?)\.(?P<first>\d{{1,4}}){_TO}"
    r"(?:(?P<major2>\d{1,4}(?:\.\d{1,4})?)\.)?(?P<last>\d{1,4})$",
    re.IGNORECASE,
)
"""``1.1-1.5``, ``2.1-5``, and with three parts ``3.5.3-3.5.5`` (the major is ``3.5``)."""
_PARALLEL_RE = re.compile(
    rf"\b(?:in\s+)?(?:parallel|concurrently|together)\s+(?:with|to)\s+(?:stor(?:y|ies)\s+)?{_ONE}"
    rf"(?:\s*(?:,|&|\band\b)\s*(?:stor(?:y|ies)\s+)?{_ONE})*",
    re.IGNORECASE,
)
"""``parallel with Story 3.5.3``: a story that may run beside this one, not before it."""
_PARENS_RE = re.compile(r"(\([^()]*\))")
_FILLER_RE = re.compile(
    r"\s*(?:stor(?:y|ies)|complete[d]?|done|finished)?(?:\s+complete[d]?)?\s*", re.I
)
"""What may stand between an epic and the bracket that narrows it: "All Epic 1 stories (1.1-1.8)"
names stories 1.1 to 1.8, not the whole epic (the story saying it may be one of epic 1)."""
_MAX_RANGE = 60


def prerequisite_refs(text: str) -> tuple[str, ...]:
    """What a Prerequisites line names, in order: story ids, Rally keys and ``epic:N``.

    - ``Story 1.1 (why), Story 1.3`` / ``Stories 1.1, 1.2`` -> ``1.1``, ``1.3`` / ``1.1``, ``1.2``
    - ``Story 1.1-1.5`` -> ``1.1`` ... ``1.5`` (a range within one epic; ``3.5.3-3.5.5`` too)
    - ``Story 3.5.1, parallel with Story 3.5.3`` -> ``3.5.1``: a story beside it is no prerequisite
    - ``Epic 1 - Infrastructure Complete``, ``Epics 4 and 5`` -> ``epic:1`` / ``epic:4``, ``epic:5``
    - ``Epic 1 (Story 1.1 config, Story 1.5 logging)``, ``Epic 1 Story 1.4``, ``All Epic 1
      stories (1.1-1.8)``: the stories named narrow the epic to them
    - ``None (first story in Epic 1)``: nothing; words in brackets only explain, except right
      after an epic, where they name its stories, and when nothing outside them names a story:
      ``Core game features complete (Epics 2-8)`` -> ``epic:2`` ... ``epic:8``.
    """
    text = text.replace("**", "").replace("`", "").replace("__", "")
    text = _PARALLEL_RE.sub(" ", text)
    refs = _outside_brackets(text)
    if refs or re.match(r"\s*(?:none|n/a)\b", text, re.IGNORECASE):
        return refs
    return _outside_brackets(text.replace("(", " ").replace(")", " "))


def _outside_brackets(text: str) -> tuple[str, ...]:
    parts = _PARENS_RE.split(text)
    refs: list[str] = []
    named_story = False  # a bare "1.3" counts once the line has said "Story"
    for index in range(0, len(parts), 2):
        matches: list[re.Match[str]] = []
        for found in _STORY_LIST_RE.finditer(parts[index]):
            if found.group("bare") and not named_story:
                continue
            named_story = named_story or bool(found.group("ids"))
            matches.append(found)
        bracket = parts[index + 1] if index + 1 < len(parts) else ""
        for position, match in enumerate(matches):
            if not match.group("epics"):
                refs += _refs(match)
                continue
            following = matches[position + 1] if position + 1 < len(matches) else None
            rest = parts[index][match.end() : following.start() if following else None]
            if rest.strip() and not (following is None and _FILLER_RE.fullmatch(rest)):
                refs += _refs(match)
            elif following is not None and not following.group("epics"):
                continue  # "Epic 1 Story 1.4": the story says which part of the epic
            else:
                named = [r for m in _STORY_LIST_RE.finditer(bracket) for r in _refs(m)]
                named = [r for r in named if not r.startswith(EPIC_REF)]
                refs += named or _refs(match)
    return tuple(dict.fromkeys(refs))


def _refs(match: re.Match[str]) -> list[str]:
    if match.group("key"):
        return [_normal(match.group("key"))]
    if match.group("epics"):
        numbers: list[str] = []
        for part in re.split(r"\s*(?:,|&|\band\b)\s*", match.group("epics"), flags=re.I):
            ends = re.findall(r"\d{1,4}[a-z]?", part, re.IGNORECASE)
            span = [int(e) for e in ends if e.isdigit()]
            if len(ends) == 2 and len(span) == 2 and 0 <= span[1] - span[0] <= _MAX_RANGE:
                numbers += [str(n) for n in range(span[0], span[1] + 1)]
            else:
                numbers += ends
        return [f"{EPIC_REF}{n}" for n in numbers]
    out: list[str] = []
    ids = match.group("ids") or match.group("bare")
    for raw in re.split(r"\s*(?:,|&|\band\b)\s*", ids, flags=re.IGNORECASE):
        out += _expand(re.sub(r"^stor(?:y|ies)\s+", "", raw.strip(), flags=re.IGNORECASE))
    return out


def _expand(item: str) -> list[str]:
    """``1.1-1.5`` -> ``1.1`` ... ``1.5``; one id stays itself."""
    found = _RANGE_RE.match(item)
    if not found:
        return [item] if item else []
    major, first, last = found.group("major"), int(found.group("first")), int(found.group("last"))
    if found.group("major2") not in (None, major) or not 0 <= last - first <= _MAX_RANGE:
        return [f"{major}.{first}"]
    return [f"{major}.{n}" for n in range(first, last + 1)]
