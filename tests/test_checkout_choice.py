"""Choosing a story: the next one of an epic, critical path, alternatives (pure)."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from pantheon_git.core import states
from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Lock
from pantheon_git.features.checkout import choice
from pantheon_git.features.checkout.choice import Candidate, Dependencies
from pantheon_git.features.plan.effort import tier_for

NOW = datetime(2026, 2, 2, 10, 30, tzinfo=UTC)
ME = "alice@example.com"
HOUR = timedelta(hours=1)


def key(n: int) -> StoryKey:
    return StoryKey("US", n)


def story(n: int, **fields: object) -> Candidate:
    return Candidate(key(n), title=f"Story {n}", **fields)  # type: ignore[arg-type]


def analysed(edges: list[tuple[int, int]], conflicts: list[tuple[int, int]] = ()) -> Dependencies:  # type: ignore[assignment]
    """Dependencies as checkout takes them from ``pantheon deps``'s graph."""
    pairs = frozenset(frozenset((key(a), key(b))) for a, b in conflicts if a != b)
    return Dependencies(frozenset((key(a), key(b)) for a, b in edges), pairs, from_analysis=True)


# --- strategies ----------------------------------------------------------------------------

locks_ = st.one_of(
    st.none(),
    st.builds(
        lambda who, start, lease: Lock(who, NOW - start, NOW - start + lease),
        st.sampled_from([ME, "bob@example.com", "carol@example.com"]),
        st.integers(0, 48).map(lambda h: h * HOUR),
        st.integers(1, 48).map(lambda h: h * HOUR),
    ),
)
candidate_fields = st.fixed_dictionaries(
    {
        "state": st.sampled_from(states.WORKFLOW),
        "lock": locks_,
        "task_count": st.integers(0, 12),
        "estimate": st.one_of(st.none(), st.sampled_from([0.0, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0])),
        "rank": st.one_of(st.none(), st.text("0123456789", min_size=3, max_size=3)),
    }
)


@st.composite
def backlogs(draw: st.DrawFn) -> tuple[list[Candidate], Dependencies]:
    count = draw(st.integers(1, 9))
    stories = [story(100 + i, **draw(candidate_fields)) for i in range(count)]
    pairs = [(a, b) for a in range(count) for b in range(count) if a < b]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=10)) if pairs else []
    # edges go forward in a random permutation: a DAG
    order = draw(st.permutations(range(count)))
    edges = [(100 + order[a], 100 + order[b]) for a, b in chosen]
    clashes = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=3)) if pairs else []
    conflicts = [(100 + a, 100 + b) for a, b in clashes]
    use_file = draw(st.booleans())
    deps = analysed(edges, conflicts) if use_file else Dependencies(frozenset(
        (key(a), key(b)) for a, b in edges))  # fmt: skip
    return stories, deps


# --- availability and order ------------------------------------------------------------------


@given(backlogs())
def test_the_order_holds_exactly_the_free_unblocked_stories(
    backlog: tuple[list[Candidate], Dependencies],
) -> None:
    stories, deps = backlog
    picked = choice.choose(stories, ME, NOW, deps)
    states_by_key = {s.key: s.state for s in stories}
    expected = {
        s.key
        for s in stories
        if states.rank(s.state) <= states.rank(states.IN_PROGRESS)
        and (s.lock is None or s.lock.expires <= NOW)
        and all(choice.is_done(states_by_key[p]) for p in deps.predecessors(s.key))
    }
    assert {s.key for s in picked.order} == expected
    assert len(picked.order) == len(expected)
    assert (picked.next is None) == (not expected)
    for blocked, waiting in picked.blocked.items():
        assert blocked not in expected
        assert waiting
        assert all(not choice.is_done(states_by_key[p]) for p in waiting)


@given(backlogs())
def test_the_next_story_is_first_by_the_stated_priority(
    backlog: tuple[list[Candidate], Dependencies],
) -> None:
    stories, deps = backlog
    picked = choice.choose(stories, ME, NOW, deps)
    known = {s.key: s.state for s in stories}

    def priority(s: Candidate) -> tuple[bool, bool, bool, str, StoryKey]:
        busy = bool(choice.busy_partners(s.key, deps, known))
        return (busy, s.key not in picked.critical, s.rank is None, s.rank or "", s.key)

    assert list(picked.order) == sorted(picked.order, key=priority)
    if not deps.from_analysis:
        assert picked.critical == frozenset()


def test_rank_orders_stories_without_dependencies() -> None:
    stories = [story(3, rank="300"), story(1, rank="200"), story(2), story(4, rank="100")]
    picked = choice.choose(stories, ME, NOW)
    assert [str(s.key) for s in picked.order] == ["US-4", "US-1", "US-3", "US-2"]


def test_locked_reviewed_and_done_stories_are_not_offered_released_ones_are() -> None:
    theirs = Lock("bob@example.com", NOW - HOUR, NOW + HOUR)
    expired = Lock("bob@example.com", NOW - 30 * HOUR, NOW - 6 * HOUR)
    mine = Lock(ME, NOW - HOUR, NOW + HOUR)
    stories = [
        story(1, lock=theirs),
        story(2, lock=expired),
        story(3, lock=mine),
        story(4, state=states.IN_PROGRESS),  # started, then released: free again
        story(5, state=states.COMPLETED),
        story(6),
        story(7, state=states.IN_PROGRESS, lock=expired),  # started, lock expired: free again
        story(8, state=states.IN_PROGRESS, lock=theirs),
        story(9, state=states.CODE_REVIEW),  # its owner makes the review fixes
        story(10, state=states.CODE_REVIEW, lock=expired),
    ]
    picked = choice.choose(stories, ME, NOW)
    assert [str(s.key) for s in picked.order] == ["US-2", "US-4", "US-6", "US-7"]


def test_the_seed_epic_prefers_the_critical_path_then_waits_for_it() -> None:
    # The seed's Epic 17: US-120 -> 121, 122, 123; 121 -> 124; 122 -> 125; 126..129 free.
    edges = [(120, 121), (120, 122), (120, 123), (121, 124), (122, 125)]
    deps = analysed(edges)
    stories = [story(n, rank=f"{n:04d}", estimate=5.0) for n in range(120, 130)]
    stories[6] = story(126, rank="0001", estimate=5.0)  # ranked first, but off the path
    picked = choice.choose(stories, ME, NOW, deps)
    assert str(picked.next.key) == "US-120"  # type: ignore[union-attr]
    assert picked.critical == {key(120), key(121), key(122), key(124), key(125)}
    assert set(picked.blocked) == {key(n) for n in (121, 122, 123, 124, 125)}
    # US-120 taken by bob: nothing on the path is free, so rank decides among the free ones
    bobs = Lock("bob@example.com", NOW - HOUR, NOW + HOUR)
    stories[0] = story(120, state=states.IN_PROGRESS, estimate=5.0, rank="0120", lock=bobs)
    assert str(choice.choose(stories, ME, NOW, deps).next.key) == "US-126"  # type: ignore[union-attr]
    # US-120 done: its successors on the path come first
    stories[0] = story(120, state=states.COMPLETED, estimate=5.0, rank="0120")
    picked = choice.choose(stories, ME, NOW, deps)
    assert [str(s.key) for s in picked.order[:2]] == ["US-121", "US-122"]
    assert str(picked.order[2].key) == "US-126"


def test_a_predecessor_outside_the_epic_blocks_until_done() -> None:
    deps = Dependencies(frozenset({(key(7), key(1))}))
    stories = [story(1, rank="1"), story(2, rank="2")]
    assert str(choice.choose(stories, ME, NOW, deps, {key(7): "Defined"}).next.key) == "US-2"  # type: ignore[union-attr]
    done = {key(7): "Accepted"}
    assert str(choice.choose(stories, ME, NOW, deps, done).next.key) == "US-1"  # type: ignore[union-attr]
    # unknown to Rally (deleted): blocks nothing
    assert str(choice.choose(stories, ME, NOW, deps, {}).next.key) == "US-1"  # type: ignore[union-attr]


def test_a_story_sharing_files_with_work_in_progress_comes_last() -> None:
    deps = analysed([], conflicts=[(1, 9)])
    bobs = Lock("bob@example.com", NOW - HOUR, NOW + HOUR)
    stories = [
        story(1, rank="1"),
        story(2, rank="2"),
        story(9, state=states.IN_PROGRESS, lock=bobs),
    ]
    assert [str(s.key) for s in choice.choose(stories, ME, NOW, deps).order] == ["US-2", "US-1"]


# --- critical path ---------------------------------------------------------------------------


@settings(max_examples=150)
@given(backlogs())
def test_critical_path_matches_brute_force(backlog: tuple[list[Candidate], Dependencies]) -> None:
    stories, deps = backlog
    deps = Dependencies(deps.edges, deps.conflicts, from_analysis=True)
    weight = dict.fromkeys(deps.nodes(), 1.0)
    for s in stories:
        w = s.estimate if s.estimate is not None and s.estimate > 0 else 1.0
        weight[s.key] = 0.0 if choice.is_done(s.state) else w
    succ: dict[StoryKey, list[StoryKey]] = {}
    for a, b in deps.edges:
        succ.setdefault(a, []).append(b)

    def paths(start: StoryKey) -> list[list[StoryKey]]:
        out = [[start]]
        for nxt in succ.get(start, []):
            out += [[start, *p] for p in paths(nxt)]
        return out

    every = [p for k in weight for p in paths(k) if len(p) > 1]
    got = choice.critical_path(stories, deps)
    if not every:
        assert got == frozenset()
        return
    best = max(sum(weight[k] for k in p) for p in every)
    if best <= 0:
        assert got == frozenset()
        return
    on_best = {k for p in every if math.isclose(sum(weight[k] for k in p), best) for k in p}
    assert got == on_best


def test_a_cycle_is_left_out_of_the_critical_path() -> None:
    deps = analysed([(1, 2), (2, 1), (3, 4)])
    assert choice.critical_path([], deps) == {key(3), key(4)}


# --- alternatives ----------------------------------------------------------------------------


@given(backlogs(), st.integers(0, 8), st.integers(0, 12), st.none() | st.sampled_from([1.0, 5.0]))
def test_alternatives_are_free_unblocked_and_similar_first(
    backlog: tuple[list[Candidate], Dependencies], index: int, tasks: int, estimate: float | None
) -> None:
    stories, deps = backlog
    target = stories[index % len(stories)]
    target = Candidate(target.key, target.title, task_count=tasks, estimate=estimate)
    picked = choice.choose(stories, ME, NOW, deps)
    found = choice.alternatives(target, picked)
    pool = [s for s in picked.order if s.key != target.key]
    assert len(found) == min(choice.ALTERNATIVES, len(pool))
    assert len({a.story.key for a in found}) == len(found)
    assert all(a.story in pool for a in found)
    assert all(a.complexity == choice.compare(target, a.story) for a in found)
    labels = [a.complexity == "similar" for a in found]
    assert labels == sorted(labels, reverse=True)  # similar ones first
    similar_in_pool = sum(choice.compare(target, s) == "similar" for s in pool)
    assert sum(labels) == min(similar_in_pool, len(found))


@given(
    st.integers(0, 20),
    st.integers(0, 20),
    st.none() | st.floats(0, 40),
    st.none() | st.floats(0, 40),
)
def test_similarity_is_symmetric_and_higher_mirrors_lower(
    tasks_a: int, tasks_b: int, est_a: float | None, est_b: float | None
) -> None:
    a = story(1, task_count=tasks_a, estimate=est_a)
    b = story(2, task_count=tasks_b, estimate=est_b)
    mirror = {"similar": "similar", "higher": "lower", "lower": "higher"}
    assert choice.compare(b, a) == mirror[choice.compare(a, b)]
    assert choice.compare(a, a) == "similar"


def test_complexity_is_the_planners_tier() -> None:
    five_tasks = story(1, task_count=5)
    assert choice.compare(five_tasks, story(2, task_count=6)) == "similar"
    assert choice.compare(five_tasks, story(2, task_count=12)) == "higher"
    assert choice.compare(five_tasks, story(2, task_count=1)) == "lower"
    # the tier counts tasks and reads the title (plan/effort.py), not plan estimates
    sized = story(3, task_count=5, estimate=3.0)
    assert choice.compare(sized, story(4, task_count=5, estimate=13.0)) == "similar"
    assert choice.compare(sized, Candidate(key(5), "Payments migration", task_count=5)) == "higher"
    for n in range(0, 15):
        other = story(6, task_count=n)
        assert other.tier == tier_for(n, other.title)


def test_the_seeds_refusal_labels_its_alternatives_as_the_seed_does() -> None:
    # The seed: US-123 (login form, 5 tasks) is locked; the alternatives it shows are US-125
    # (password reset, 6 tasks) "similar", US-126 (OAuth, 10 tasks, 8 points) "higher", US-127
    # (MFA, 8 tasks) "similar" (task counts from the seed's workstream plan).
    target = Candidate(key(123), "Implement Login Form", task_count=5)
    offered = [
        Candidate(key(125), "Add password reset flow", task_count=6, rank="1"),
        Candidate(key(126), "Implement OAuth integration", task_count=10, estimate=8.0, rank="2"),
        Candidate(key(127), "Add MFA support", task_count=8, estimate=5.0, rank="3"),
    ]
    labels = {str(s.key): choice.compare(target, s) for s in offered}
    assert labels == {"US-125": "similar", "US-126": "higher", "US-127": "similar"}
    found = choice.alternatives(target, choice.choose(offered, ME, NOW))
    assert [(str(a.story.key), a.complexity) for a in found] == [
        ("US-125", "similar"),
        ("US-127", "similar"),
        ("US-126", "higher"),
    ]


def test_alternatives_prefer_closest_size_then_priority() -> None:
    stories = [
        story(1, task_count=5, rank="1"),
        story(2, task_count=20, rank="2"),
        story(3, task_count=4, rank="3"),
        story(4, task_count=5, rank="4"),
        story(5, task_count=1, rank="5"),
    ]
    target = story(9, task_count=5)
    found = choice.alternatives(target, choice.choose(stories, ME, NOW))
    assert [(str(a.story.key), a.complexity) for a in found] == [
        ("US-1", "similar"),
        ("US-4", "similar"),
        ("US-3", "similar"),
    ]
    assert list(itertools.islice(choice.alternatives(target, choice.choose([], ME, NOW)), 1)) == []
