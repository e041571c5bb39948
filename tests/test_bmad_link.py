"""The ``Rally:`` line goes under the title and every other byte stays as it was."""

from __future__ import annotations

import codecs

import pytest

from pantheon_git.bmad import ParsedStory, parse_story_bytes, rally_line, with_rally_line
from pantheon_git.core.keys import StoryKey
from tests.support.bmad import BMAD_FIXTURES, BMAD_STORIES

URL = "https://rally1.rallydev.com/#/detail/userstory/1001"
LINE = rally_line(StoryKey("US", 123), URL)


def parsed(data: bytes) -> ParsedStory:
    story = parse_story_bytes(data, "s.md")
    assert isinstance(story, ParsedStory)
    return story


@pytest.mark.parametrize(
    "name",
    BMAD_STORIES,
)
def test_insert_into_real_stories(name: str) -> None:
    data = (BMAD_FIXTURES / name).read_bytes()
    before = parsed(data)
    linked = with_rally_line(data, before, LINE)
    lines, new_lines = data.split(b"\n"), linked.split(b"\n")
    assert new_lines == [lines[0], b"", LINE.encode(), *lines[1:]]
    after = parsed(linked)
    assert after.rally is not None
    assert (after.rally.key, after.rally.url, after.rally.line) == (StoryKey("US", 123), URL, 3)
    assert after.title == before.title
    assert (after.status and after.status.raw) == (before.status and before.status.raw)
    assert len(after.all_tasks()) == len(before.all_tasks())
    assert [c.text for c in after.criteria] == [c.text for c in before.criteria]
    # Linking again replaces the line instead of adding one.
    relinked = with_rally_line(linked, after, rally_line(StoryKey("US", 123), URL + "0"))
    assert relinked.count(b"Rally: US123") == 1
    assert relinked.replace(URL.encode() + b"0", URL.encode()) == linked


def test_crlf_bom_and_no_final_newline_are_kept() -> None:
    data = codecs.BOM_UTF8 + b"# Story 1.1: X\r\n\r\n## Status\r\nDraft"
    linked = with_rally_line(data, parsed(data), LINE)
    assert linked == (
        codecs.BOM_UTF8 + b"# Story 1.1: X\r\n\r\n" + LINE.encode() + b"\r\n\r\n## Status\r\nDraft"
    )


def test_title_as_the_only_line() -> None:
    data = b"# Story 1.1: X"
    assert (
        with_rally_line(data, parsed(data), LINE) == b"# Story 1.1: X\n\n" + LINE.encode() + b"\n"
    )


def test_title_after_front_matter_and_an_existing_rally_line_without_url() -> None:
    data = b"---\na: 1\n---\n# Story 1.1: X\nRally: US9\n\nbody\n"
    story = parsed(data)
    assert story.rally is not None
    assert story.rally.url is None
    assert with_rally_line(data, story, LINE) == data.replace(b"Rally: US9", LINE.encode())
