"""Where a user's journey stands: "Given I have submitted insurance information, ..." starts
where the story that built that step ends. The sentences are from the intake backlog (a
parent's onboarding; see tests/fixtures/deps/bmad/PROVENANCE.md)."""

from __future__ import annotations

import pytest

from pantheon_git.features.deps import Analysis, analyse
from pantheon_git.features.deps.journeys import journey_step
from pantheon_git.features.deps.tokens import tokenise
from tests.support.deps import story


def linked(analysis: Analysis) -> dict[tuple[str, str], str]:
    return {(str(e.source), str(e.target)): e.confidence for e in analysis.edges}


@pytest.mark.parametrize(
    ("sentence", "step"),
    [
        (
            "Given I have submitted insurance information, I see a loading state",
            ("submitt", "insuranc"),
        ),
        (
            "Given I have completed the parent info form, the child form asks",
            ("complet", "parent", "form"),
        ),
        (
            "Given I am on the assessment chat screen, a quiet link offers a form",
            ("assessment", "chat"),
        ),
        (
            "Given I complete insurance submission, the matching page opens",
            ("complet", "insuranc", "submission"),
        ),
        (
            "Given the assessment conversation is complete, a summary card shows",
            ("assessment", "conversation"),
        ),
        ('Given I click "Book Now" on a therapist, the calendar opens', ()),
        ("Given I open `/onboarding/[sessionId]/insurance`, the form asks", ()),
        ("Given a habit exists, when I tick it, it is done", ()),
        ("When I have submitted the form, it saves", ()),
    ],
)
def test_the_step_behind_the_user(sentence: str, step: tuple[str, ...]) -> None:
    assert journey_step(tokenise(sentence)) == step


def test_a_step_behind_the_user_links_the_first_story_whose_title_names_it() -> None:
    a = analyse(
        [
            story("US-1", "Manual insurance entry form", "Parents enter their insurance."),
            story(
                "US-2",
                "Insurance verification and confirmation",
                acceptance_criteria=(
                    "Given I have submitted insurance information, I see a spinner",
                ),
            ),
            story(
                "US-3",
                "Booking confirmation and success",
                acceptance_criteria=('Given I click "Confirm Booking", I see a spinner',),
            ),
            story(
                "US-4",
                "Email confirmation and reminders",
                acceptance_criteria=("Given I have booked an appointment, an email arrives",),
            ),
        ]
    )
    assert linked(a) == {("US-1", "US-2"): "low", ("US-3", "US-4"): "low"}
    assert "starts where US-1 ends" in a.edges[0].evidence


def test_a_step_no_earlier_title_names_or_many_titles_name_links_nothing() -> None:
    titles = ["Sign-up page", "Settings page", "Profile page", "Billing page", "Help"]
    stories = [story(f"US-{i}", t) for i, t in enumerate(titles, 1)]
    stories.append(
        story(
            "US-9",
            "Dashboard",
            acceptance_criteria=(
                "Given I am on the page, the dashboard shows",  # "page": four titles have it
                "Given I have finished onboarding, a tour starts",  # no title has it
            ),
        )
    )
    assert linked(analyse(stories)) == {}


def test_a_later_story_is_never_the_step_behind_the_user() -> None:
    a = analyse(
        [
            story(
                "US-1",
                "Cost estimation display",
                acceptance_criteria=("Given I have submitted insurance information, costs show",),
            ),
            story("US-2", "Manual insurance entry form"),
        ]
    )
    assert linked(a) == {}
