"""Pure overlap logic: which stories share files, the matrix, trial-merge planning, policy."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from pantheon_git.core.keys import StoryKey
from pantheon_git.core.merges import CLEAN, CONFLICT, SKIPPED, MergeConflict, TrialOutcome
from pantheon_git.core.policies import Conflicts
from pantheon_git.features.conflicts.merges import Trials, plan_pair_merges
from pantheon_git.features.conflicts.overlap import (
    Overlap,
    StoryFiles,
    overlap_matrix,
    overlaps_with,
    pair_paths,
    stories_in,
)
from pantheon_git.features.conflicts.policy import decide, policy_mode
from pantheon_git.features.conflicts.report import render_branch, render_matrix, render_prepush
from pantheon_git.features.locks.claims import Claim, holders

K = StoryKey.parse


def sf(
    key: str,
    changed: frozenset[str] | set[str] = frozenset(),
    declared: frozenset[str] | set[str] = frozenset(),
) -> StoryFiles:
    return StoryFiles(K(key), frozenset(changed), frozenset(declared), f"story/{key}")


def test_overlaps_name_the_other_story_its_holder_and_the_shared_files() -> None:
    target = sf("US-1", {"a.py", "b.py", "c.py"})
    others = [
        sf("US-2", {"a.py", "z.py"}),
        sf("US-3", {"a.py", "b.py"}),
        sf("US-4", {"y.py"}),
        sf("US-5", set(), {"c.py"}),
    ]
    found = overlaps_with(target, others, {K("US-3"): "jane@example.com"})
    assert [(str(o.story), o.holder, o.files, o.declared) for o in found] == [
        ("US-3", "jane@example.com", ("a.py", "b.py"), ()),
        ("US-2", None, ("a.py",), ()),
        ("US-5", None, (), ("c.py",)),
    ]
    assert found[2].branch == "story/US-5"
    assert found[0].to_dict()["files"] == ["a.py", "b.py"]


def test_a_story_never_overlaps_itself() -> None:
    target = sf("US-1", {"a.py"})
    assert overlaps_with(target, [sf("us-1", {"a.py"})]) == []


def test_declared_files_alone_on_both_sides_are_not_an_overlap() -> None:
    assert pair_paths(sf("US-1", set(), {"a"}), sf("US-2", set(), {"a"})) == ((), ())
    both, declared = pair_paths(sf("US-1", {"a", "b"}, {"c"}), sf("US-2", {"a"}, {"b"}))
    assert (both, declared) == (("a",), ("b",))


def test_matrix_finds_every_overlapping_pair_once() -> None:
    stories = [
        sf("US-1", {"a", "b"}),
        sf("US-2", {"b", "c"}),
        sf("US-3", {"c"}),
        sf("US-4", {"d"}),
        sf("US-5", set(), {"d"}),
        sf("US-6", set(), {"a"}),
    ]
    pairs = overlap_matrix(stories)
    assert [(str(p.a), str(p.b), p.files, p.declared) for p in pairs] == [
        ("US-1", "US-2", ("b",), ()),
        ("US-1", "US-6", (), ("a",)),
        ("US-2", "US-3", ("c",), ()),
        ("US-4", "US-5", (), ("d",)),
    ]
    assert [str(k) for k in stories_in(pairs)] == ["US-1", "US-2", "US-3", "US-4", "US-5", "US-6"]


paths = st.sets(st.sampled_from(["a", "b", "c", "d", "e", "f", "ü/x", "g h"]), max_size=4)


@given(st.lists(st.tuples(paths, paths), min_size=0, max_size=12))
def test_matrix_equals_all_pairs_comparison(data: list[tuple[set[str], set[str]]]) -> None:
    stories = [sf(f"US-{i}", changed, declared) for i, (changed, declared) in enumerate(data)]
    expected = {}
    for a, b in itertools.combinations(stories, 2):
        both, declared = pair_paths(a, b)
        if both or declared:
            expected[(min(a.key, b.key), max(a.key, b.key))] = (both, declared)
    got = {p.pair: (p.files, p.declared) for p in overlap_matrix(stories)}
    assert got == expected


def test_pairs_with_a_story_that_conflicts_with_main_are_skipped_with_the_reason() -> None:
    drift = {
        K("US-1"): TrialOutcome(CLEAN),
        K("US-2"): TrialOutcome(CONFLICT, (MergeConflict("a.py"),)),
        K("US-3"): TrialOutcome(CLEAN),
    }
    to_merge, skipped = plan_pair_merges(
        [(K("US-3"), K("US-1")), (K("US-1"), K("US-2"))], drift, "origin/main"
    )
    assert to_merge == [(K("US-1"), K("US-3"))]
    outcome = skipped[(K("US-1"), K("US-2"))]
    assert outcome.status == SKIPPED
    assert outcome.reason == "US-2 does not merge cleanly onto origin/main; update it first"


def test_trial_outcome_from_conflicts_sorts_and_dedupes() -> None:
    outcome = TrialOutcome.from_conflicts(
        [MergeConflict("b"), MergeConflict("a"), MergeConflict("b")]
    )
    assert outcome.status == CONFLICT
    assert outcome.paths == ("a", "b")
    assert TrialOutcome.from_conflicts([]).clean


# --- policy ----------------------------------------------------------------------------------


def _overlaps() -> list[Overlap]:
    return overlaps_with(sf("US-1", {"a", "b"}), [sf("US-2", {"a"}), sf("US-3", set(), {"b"})])


def test_warn_never_blocks() -> None:
    decision = decide(Conflicts.WARN, K("US-1"), _overlaps())
    assert not decision.block
    assert decision.exit_code == 0
    assert "2 overlapping stories" in decision.reason


def test_block_blocks_on_changed_files_but_not_on_declared_ones() -> None:
    assert decide(Conflicts.BLOCK, K("US-1"), _overlaps()).block
    only_declared = overlaps_with(sf("US-1", {"b"}), [sf("US-3", set(), {"b"})])
    assert not decide(Conflicts.BLOCK, K("US-1"), only_declared).block
    assert not decide(Conflicts.BLOCK, K("US-1"), []).block


def test_block_with_trial_merges_blocks_only_real_or_unjudged_conflicts() -> None:
    pair = (K("US-1"), K("US-2"))
    clean = Trials({}, {pair: TrialOutcome(CLEAN)})
    conflict = Trials({}, {pair: TrialOutcome(CONFLICT, (MergeConflict("a"),))})
    skipped = Trials({}, {pair: TrialOutcome(SKIPPED, reason="x")})
    assert not decide(Conflicts.BLOCK, K("US-1"), _overlaps(), clean).block
    blocked = decide(Conflicts.BLOCK, K("US-1"), _overlaps(), conflict)
    assert blocked.block
    assert blocked.exit_code == 1
    assert "conflicts with US-2" in blocked.reason
    assert decide(Conflicts.BLOCK, K("US-1"), _overlaps(), skipped).block
    assert not decide(Conflicts.PRECISE, K("US-1"), _overlaps(), conflict).block


def test_policy_modes() -> None:
    assert policy_mode(Conflicts.PRECISE) == (Conflicts.WARN, True)
    assert policy_mode(Conflicts.BLOCK) == (Conflicts.BLOCK, False)
    assert policy_mode(Conflicts.WARN) == (Conflicts.WARN, False)


# --- claims ----------------------------------------------------------------------------------

NOW = datetime(2026, 1, 5, 12, tzinfo=UTC)


def test_holders_mark_expired_locks() -> None:
    claims = {
        K("US-1"): Claim(K("US-1"), "old@x", datetime(2026, 1, 1, tzinfo=UTC)),
        K("US-2"): Claim(K("US-2"), "jane@x", NOW + timedelta(hours=1)),
        K("US-3"): Claim(K("US-3"), "bob@x"),
    }
    assert holders(claims, NOW) == {
        K("US-1"): "old@x (lock expired)",
        K("US-2"): "jane@x",
        K("US-3"): "bob@x",
    }


# --- reports ---------------------------------------------------------------------------------


def _report_doc(*, precise: bool) -> dict[str, object]:
    overlap = {
        "story": "US-2",
        "branch": "origin/story/US-2-b",
        "holder": "jane@example.com",
        "files": [f"src/f{i}.py" for i in range(12)],
        "declared_files": [],
    }
    declared = {
        "story": "US-9",
        "branch": None,
        "holder": None,
        "files": [],
        "declared_files": ["src/f1.py"],
    }
    if precise:
        overlap["trial_merge"] = {
            "status": "conflict",
            "conflicts": [{"path": "src/f1.py", "kind": "contents"}],
        }
        declared["trial_merge"] = None
    return {
        "branch": "story/US-1-a",
        "story": "US-1",
        "base": "origin/main",
        "merge_base": "0123456789abcdef",
        "files": [f"src/f{i}.py" for i in range(12)],
        "stories_checked": 40,
        "overlaps": [overlap, declared],
        "precise": precise,
        "drift": {"US-1": {"status": "conflict", "conflicts": [{"path": "x", "kind": "contents"}]}}
        if precise
        else None,
        "notes": ["ignored corrupt cache"],
    }


def test_branch_report_text() -> None:
    text = render_branch(_report_doc(precise=False))
    assert "Conflict Check: story/US-1-a" in text
    assert "Changes: 12 files · checked against 40 other stories" in text
    assert "US-2  origin/story/US-2-b  (held by jane@example.com)" in text
    assert "… and 2 more (--json lists all)" in text
    assert "US-9  no branch yet  (no lock in the cache)" in text
    assert "src/f1.py  (declared)" in text
    assert "note: ignored corrupt cache" in text
    assert text.endswith(
        "Next: talk to jane@example.com before pushing (`pantheon sync` updates who holds "
        "them); `pantheon conflicts --precise` shows which really conflict."
    )
    precise = render_branch(_report_doc(precise=True))
    assert "US-1 itself does not merge cleanly onto origin/main: x (contents)" in precise
    assert "❌ US-2: conflicts in src/f1.py (contents)" in precise
    assert "·  US-9: only declared files overlap; nothing to merge" in precise


def test_prepush_lines() -> None:
    doc = {
        "checked": True,
        "skipped": None,
        "decision": {"block": True, "reason": "US-1 conflicts with US-2 (policy: block)"},
        "report": _report_doc(precise=True),
    }
    lines = render_prepush(doc)
    assert lines[0] == "pantheon: US-1 overlaps 2 stories:"
    assert lines[1].startswith("  US-2 (jane@example.com) origin/story/US-2-b: src/f0.py")
    assert lines[1].endswith("+7 [❌ conflicts in src/f1.py (contents)]")
    assert lines[-2] == "pantheon: push blocked: US-1 conflicts with US-2 (policy: block)"
    assert render_prepush({"checked": False, "skipped": "branch deletion"}) == [
        "pantheon: branch deletion"
    ]


def test_matrix_text_has_a_grid_for_few_stories() -> None:
    doc = {
        "base": "main",
        "stories": [{}, {}, {}],
        "pairs": [
            {
                "a": "US-1",
                "b": "US-2",
                "files": ["a"],
                "declared_files": [],
                "holders": {"US-1": None, "US-2": "jane@x"},
            }
        ],
        "precise": False,
        "notes": [],
    }
    text = render_matrix(doc)
    assert "Base: main · 3 story branches · 1 overlapping pair" in text
    assert "US-1       —      1" in text
    assert "US-1      × US-2         1 file  a  [US-2: jane@x]" in text
    empty = render_matrix({**doc, "pairs": []})
    assert "No two story branches change the same files" in empty
