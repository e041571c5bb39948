"""The text beside each tool's document: the facts to decide on and the next call, also for
clients that show the model only the text (a refusal names the holder and the alternatives)."""

from __future__ import annotations

from pantheon_git.features.mcp.summary import as_tool_calls, error_text, summarize

TOOLS = ["sync", "checkout", "deps"]
REFUSED = {
    "story": "US-121",
    "title": "Add login endpoint",
    "locked": False,
    "locked_by": "jane@example.com",
    "expires": "2026-02-03T10:30:00.000Z",
    "outcome": "refused",
    "epic": "F17",
    "alternatives": [
        {"story": "US-125", "title": "Add password reset flow", "complexity": "similar",
         "tasks": 4, "estimate": 3.0, "command": "pantheon checkout US-125"},
        {"story": "US-126", "title": "Implement OAuth", "complexity": "higher", "tasks": 1,
         "estimate": 8.0, "command": "pantheon checkout US-126"},
    ],
}  # fmt: skip


def test_a_refusal_names_the_holder_the_alternatives_and_the_next_call() -> None:
    assert summarize("checkout", REFUSED, 1).splitlines() == [
        "Not locked: US-121 (Add login endpoint) is held by jane@example.com until "
        "2026-02-03T10:30:00.000Z.",
        "Free stories of similar size:",
        "  US-125 - Add password reset flow (similar, 4 tasks)",
        "  US-126 - Implement OAuth (higher, 1 task)",
        "Next: call checkout with story=US-125.",
    ]


def test_a_lost_race_and_nothing_free() -> None:
    lost = summarize("checkout", {**REFUSED, "outcome": "lost", "alternatives": []}, 1)
    assert lost.startswith("Not locked: another checkout won the race for US-121")
    assert lost.endswith("Next: call status for the board, or checkout with an epic.")
    none = summarize(
        "checkout",
        {"story": None, "locked": False, "outcome": "none_free", "epic": "F17",
         "reason": "Every free story waits for another: US-124 waits for US-121."},
        1,
    )  # fmt: skip
    assert none.startswith("Nothing free to check out in epic F17: Every free story waits")


def test_a_checkout_says_what_to_do_next() -> None:
    text = summarize(
        "checkout",
        {"story": "US-121", "title": "Add login endpoint", "locked": True, "outcome": "won",
         "expires": "2026-02-03T10:30:00.000Z", "previous_state": "Defined",
         "state": "In Progress", "branch": "story/US-121-add-login-endpoint",
         "branch_action": "created", "story_file": "docs/stories/US-121.md"},
    )  # fmt: skip
    assert text.splitlines()[:3] == [
        "Locked US-121 (Add login endpoint) until 2026-02-03T10:30:00.000Z.",
        "State: Defined → In Progress.",
        "Branch story/US-121-add-login-endpoint created.",
    ]
    assert "then call complete" in text


def test_lease_outcomes() -> None:
    base = {"story": "US-5", "title": "t", "locked_by": "bob@x", "expires": "E", "locked": False}
    assert (
        summarize("release", {**base, "action": "theirs"})
        == "US-5 is held by bob@x until E, not by you."
    )
    renew = summarize("renew", {**base, "action": "not_locked"})
    assert renew == (
        "US-5 is not locked: nothing of yours to renew. "
        "To work on it, call checkout with story=US-5."
    )


def test_counts_read_as_english() -> None:
    doc = {"stories": [{}], "edges": [{}, {}], "conflicts": [], "waves": [["US-1"]],
           "independent": [], "cycles": []}  # fmt: skip
    assert summarize("deps", doc).splitlines()[0] == (
        "1 story: 2 dependencies, 0 conflicts, 1 wave, 0 independent."
    )


def test_errors_translate_command_hints_into_tool_calls() -> None:
    text = error_text("no cache yet", "Run `pantheon sync`, then `pantheon deps --epic 17`.", TOOLS)
    assert text.splitlines() == [
        "error: no cache yet",
        "Run `pantheon sync`, then `pantheon deps --epic 17`. (As MCP tools: `sync`, `deps`.)",
    ]
    assert as_tool_calls("Run `pantheon hooks install`.", TOOLS) == "Run `pantheon hooks install`."
    assert error_text("bad", None, TOOLS) == "error: bad"


def test_the_complete_and_lease_documents_declare_every_field_they_carry() -> None:
    """An agent reads the output schema to know the fields: new ones are declared there."""
    from pantheon_git.core.keys import StoryKey
    from pantheon_git.features.complete.rules import Decision, Verdict
    from pantheon_git.features.complete.run import Applied, Completion
    from pantheon_git.features.locks.report import LeaseAction, LeaseReport
    from pantheon_git.features.mcp import outputs

    key = StoryKey("US", 1)
    decision = Decision(key, Verdict.UNCHANGED, "Code Review", "Code Review", {})
    done = Completion(Applied(decision), "a" * 40, "story/US-1-x", None, "a@x", pushed=False)
    assert set(done.to_dict()) <= set(outputs.COMPLETE["properties"])
    lease = LeaseReport(key, "t", "renew", LeaseAction.NOT_LOCKED, state="Code Review")
    assert set(lease.to_dict()) <= set(outputs.LEASE["properties"])
