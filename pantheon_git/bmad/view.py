"""A parsed BMAD story seen as a :class:`Story`, the form every other part of pantheon uses."""

from __future__ import annotations

from pantheon_git.bmad.model import ParsedStory, ParsedTask
from pantheon_git.bmad.status import workflow_state
from pantheon_git.bmad.text import shift_headings, strip_html_comments
from pantheon_git.core.keys import StoryKey
from pantheon_git.core.states import schedule_state_of
from pantheon_git.core.story import Story, Task

UNASSIGNED = StoryKey("US", 0)
"""The key of a story that is not in Rally yet (no ``Rally:`` line, no key in its title)."""

DEV_NOTES_HEADING = "### Dev Notes"


def description_markdown(parsed: ParsedStory) -> str:
    """The business context: the Story section, then the Dev Notes under a ``###`` heading.

    Comments are dropped and the notes' own headings move below ``###``, so the text can sit in
    a Story section again (``render_story``) and reads back the same.
    """
    parts: list[str] = []
    story = strip_html_comments(parsed.story_text)
    if story.strip():
        parts.append(story)
    notes = strip_html_comments(parsed.dev_notes)
    if notes.strip():
        parts.append(f"{DEV_NOTES_HEADING}\n\n{shift_headings(notes, top=4)}")
    return "\n\n".join(parts)


def story_key(parsed: ParsedStory) -> StoryKey | None:
    """The Rally story this file is: its ``Rally:`` line, else a Rally key used as title id."""
    if parsed.rally:
        return parsed.rally.key
    return StoryKey.try_parse(parsed.story_id)


def to_story(parsed: ParsedStory, *, key: StoryKey | None = None, epic: str | None = None) -> Story:
    state = workflow_state(parsed.status)
    extra: dict[str, object] = {"bmad_id": parsed.story_id, "bmad_path": parsed.path}
    if parsed.status:
        extra["bmad_status"] = parsed.status.raw
    return Story(
        key=key or story_key(parsed) or UNASSIGNED,
        title=parsed.title,
        epic=epic,
        description=description_markdown(parsed),
        acceptance_criteria=tuple(c.text for c in parsed.criteria),
        tasks=tuple(to_task(t) for t in parsed.tasks),
        state=state,
        schedule_state=schedule_state_of(state) or "Defined",
        predecessors=tuple(k for ref in parsed.dependencies if (k := StoryKey.try_parse(ref))),
        url=parsed.rally.url if parsed.rally else None,
        extra=extra,
    )


def to_task(task: ParsedTask) -> Task:
    return Task(
        name=task.name,
        done=task.done,
        ac_refs=task.ac_refs,
        children=tuple(to_task(c) for c in task.children),
    )
