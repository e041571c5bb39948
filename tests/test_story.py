from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Lock, Story, Task
from pantheon_git.core.timefmt import format_time, parse_time

times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))

tasks = st.recursive(
    st.builds(Task, name=st.text(min_size=1), done=st.booleans()),
    lambda children: st.builds(
        Task,
        name=st.text(min_size=1),
        done=st.booleans(),
        estimate_hours=st.none() | st.floats(0, 100),
        ac_refs=st.lists(st.text(min_size=1, max_size=3), max_size=3).map(tuple),
        children=st.lists(children, max_size=3).map(tuple),
    ),
    max_leaves=8,
)

locks = st.builds(
    Lock,
    holder=st.emails(),
    locked_at=times,
    expires=times,
    branch=st.none() | st.just("story/US-1-x"),
    token=st.none() | st.text(max_size=20),
)

stories = st.builds(
    Story,
    key=st.builds(StoryKey, st.just("US"), st.integers(0, 10**6)),
    title=st.text(),
    epic=st.none() | st.just("F17"),
    description=st.text(),
    acceptance_criteria=st.lists(st.text(), max_size=4).map(tuple),
    tasks=st.lists(tasks, max_size=4).map(tuple),
    lock=st.none() | locks,
    coverage=st.none() | st.floats(0, 100),
    predecessors=st.lists(st.builds(StoryKey, st.just("US"), st.integers(0, 99)), max_size=3).map(
        tuple
    ),
    plan_estimate=st.none() | st.floats(0, 40),
)


@given(stories)
def test_story_json_round_trip(story: Story) -> None:
    assert Story.from_dict(story.to_dict()) == story


@given(times)
def test_time_round_trip(moment: datetime) -> None:
    text = format_time(moment)
    assert text.endswith("Z")
    assert len(text) == 24
    assert parse_time(text) == moment


def test_parse_time_normalises_offsets() -> None:
    assert parse_time("2026-02-02T12:30:00.000+02:00") == datetime(2026, 2, 2, 10, 30, tzinfo=UTC)


def test_lock_expiry_boundary() -> None:
    start = datetime(2026, 2, 2, 10, 30, tzinfo=UTC)
    lock = Lock("a@x", start, start + timedelta(hours=24))
    assert not lock.expired(start + timedelta(hours=24) - timedelta(milliseconds=1))
    assert lock.expired(start + timedelta(hours=24))


def test_story_text_includes_nested_tasks() -> None:
    story = Story(
        StoryKey("US", 1),
        "Create user model",
        description="Business context",
        acceptance_criteria=("AC one",),
        tasks=(Task("Parent", children=(Task("Child task"),)),),
    )
    assert story.text().splitlines() == [
        "Create user model",
        "Business context",
        "AC one",
        "Parent",
        "Child task",
    ]
