"""The task tree of the Tasks / Subtasks section (research/bmad.md §2.3).

- Checkbox trees: ``- [ ]``, ``- [x]``, ``- [X]``, Pantheon's ``[~]`` (partial); nesting by
  indentation (2 to 5 spaces or a tab per level, deeper levels too); numbered items may carry
  checkboxes as well (``1. [x] ...``).
- Heading tasks: ``### Task N: Title (AC: n) ✅`` followed by its subtasks (ferrocodex); a ✅ on
  the heading, or all subtasks ticked, means done.
- ``### Review Follow-ups (AI)``: its items are tasks flagged ``review``.
- AC references: the last parenthesised ``(AC: ...)`` group, with ``#``, ranges ``9-12`` /
  ``#9–#12``, full-width brackets and notes; non-numeric tokens are ignored. The group and a
  trailing ``✅ COMPLETED`` marker are taken off the task name.

Checkboxes elsewhere (Definition of Done, QA checklists, review action items) are not tasks:
only the Tasks section is read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from pantheon_git.bmad.blocks import Line, heading, indent_width
from pantheon_git.bmad.model import Note, ParsedTask

_CHECKBOX_RE = re.compile(r"^(\s*)(?:[-*+]|\d{1,9}[.)])[ \t]+\[([ xX~✓✔])\](?:[ \t]+|$)(.*)$")
_AC_GROUP_RE = re.compile(r"[(（]\s*AC\b\s*[:：#]?\s*([^()（）]*)[)）]", re.IGNORECASE)
_DONE_MARK_RE = re.compile(
    r"(?:^|\s)[✅✔☑]\ufe0f?(?:\s*(?:\*\*)?[A-Z]{3,}(?:\s[A-Z]{3,}){0,3}(?:\*\*)?)?\s*$"
)
_RANGE_RE = re.compile(r"^(\d{1,6})[-–—](\d{1,6})$")
_REVIEW_RE = re.compile(r"review\s+follow[- ]?ups?", re.IGNORECASE)
_TASK_HEADING_RE = re.compile(r"^(?:\*\*)?\s*(?:task|subtask|phase|step)\b", re.IGNORECASE)
_SUBTASK_RE = re.compile(r"^\s{0,8}\d{1,4}\.\d{1,4}[.:]?[ \t]+\S")
_MAX_RANGE = 100
_TAIL = 120
MAX_DEPTH = 12
"""Deeper checkbox levels are kept as siblings at this depth (hostile input is not a stack)."""


def parse_tasks(body: Sequence[Line]) -> tuple[tuple[ParsedTask, ...], list[Note]]:
    roots: list[_Node] = []
    stack: list[tuple[int, _Node]] = []
    group: _Node | None = None
    review = False
    notes: list[Note] = []
    for line in body:
        if not line.plain:
            continue
        found = heading(line)
        if found:
            stack, group, review = [], None, False
            if _REVIEW_RE.search(found.text):
                review = True
            elif _TASK_HEADING_RE.match(found.text) or _DONE_MARK_RE.search(found.text[-_TAIL:]):
                name, refs, marked = split_task_text(found.text)
                group = _Node(name, marked, line.no, refs, heading=True)
                roots.append(group)
            continue
        box = _CHECKBOX_RE.match(line.text)
        if box:
            indent = indent_width(box.group(1))
            name, refs, _marked = split_task_text(box.group(3))
            if not name:
                notes.append(Note(line.no, "a task checkbox without text is ignored"))
                continue
            mark = box.group(2)
            node = _Node(name, mark in "xX✓✔", line.no, refs, partial=mark == "~", review=review)
            while stack and (stack[-1][0] >= indent or len(stack) >= MAX_DEPTH):
                stack.pop()
            parent = stack[-1][1] if stack else group
            (parent.children if parent else roots).append(node)
            stack.append((indent, node))
            continue
        if group is not None and not stack and _SUBTASK_RE.match(line.text):
            name, refs, marked = split_task_text(line.text)
            group.children.append(_Node(name, group.done or marked, line.no, refs))
    return tuple(node.freeze() for node in roots), notes


def split_task_text(text: str) -> tuple[str, tuple[str, ...], bool]:
    """``Fix CI (AC: 1, 3) ✅ COMPLETED`` -> (``Fix CI``, (``1``, ``3``), True)."""
    name = text.strip()
    marked = False
    tail_start = max(0, len(name) - _TAIL)
    mark = _DONE_MARK_RE.search(name, tail_start)
    if mark:
        marked = True
        name = name[: mark.start()].rstrip()
    refs: tuple[str, ...] = ()
    groups = list(_AC_GROUP_RE.finditer(name))
    if groups:
        last = groups[-1]
        refs = parse_ac_refs(last.group(1))
        name = f"{name[: last.start()].rstrip()} {name[last.end() :].lstrip()}".strip()
    return name, refs, marked


def parse_ac_refs(text: str) -> tuple[str, ...]:
    """``#9–#12, 14, cross-repo: x`` -> ``("9", "10", "11", "12", "14")``."""
    text = re.sub(r"\s*([-–—])\s*", r"\1", text.replace("#", ""))
    refs: dict[str, None] = {}
    for raw in re.split(r"[,;，、&/\s]+|\band\b", text):
        token = re.sub(r"^AC-?", "", raw.strip(), flags=re.IGNORECASE)
        span = _RANGE_RE.match(token)
        if span:
            low, high = int(span.group(1)), int(span.group(2))
            if 0 <= high - low <= _MAX_RANGE:
                for number in range(low, high + 1):
                    refs.setdefault(str(number), None)
        elif token.isdecimal() and token.isascii():
            refs.setdefault(str(int(token)), None)
    return tuple(refs)


@dataclass
class _Node:
    name: str
    done: bool
    line: int
    ac_refs: tuple[str, ...] = ()
    partial: bool = False
    review: bool = False
    heading: bool = False
    children: list[_Node] = field(default_factory=list)

    def freeze(self) -> ParsedTask:
        children = tuple(child.freeze() for child in self.children)
        done = self.done or (self.heading and bool(children) and all(c.done for c in children))
        return ParsedTask(
            name=self.name,
            done=done,
            line=self.line,
            ac_refs=self.ac_refs,
            children=children,
            partial=self.partial,
            review=self.review,
        )
