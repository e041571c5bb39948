"""A big backlog's analysis shared with a second process gives the analysis made in one.

The backlog: the scale benchmark's generated stories and every labelled set (keys moved apart),
so that every rule finds something. Each case runs in a fresh interpreter (pytest-xdist workers
run threads, where ``forked`` keeps to one process).
"""

from __future__ import annotations

from tests.support.fresh import printed

BACKLOG = """
import collections, dataclasses, os, sys
sys.path.insert(0, "benchmarks")
import deps_quality, deps_scale
from pantheon_git import forked
from pantheon_git.core.keys import StoryKey
from pantheon_git.features.deps import TWO_PROCESSES_FROM, analyse

forked.usable = lambda: True  # whatever the cores here
forks = []
real_fork = os.fork

def counted_fork():
    forks.append(1)
    return real_fork()

os.fork = counted_fork

def moved(story, n):  # two letters: there are more sets than the alphabet has letters
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    key = lambda k: StoryKey(k.prefix + letters[n // 26] + letters[n % 26], k.number)
    return dataclasses.replace(
        story, key=key(story.key), predecessors=tuple(key(p) for p in story.predecessors)
    )

stories = deps_scale.build(deps_scale.generate(TWO_PROCESSES_FROM))
# the labelled sets' stories, but not a held-out one: it is analysed once, by its round's run
for n, labelled in enumerate(s for s in deps_quality.SETS if not s.held_out):
    stories += [moved(s, n) for s in deps_quality.load_stories(labelled.stories)]
# What story branches change (from git): sets of paths, some shared between stories.
changed = {
    s.key: {f"src/common/part{(i * 7 + j) % 40}.py" for j in range(i % 12)} | {f"src/{i}.py"}
    for i, s in enumerate(stories[::50])
}
"""


def run_script(body: str) -> list[str]:
    return printed(BACKLOG, body, timeout=300)


def test_two_processes_give_the_analysis_of_one() -> None:
    out = run_script(
        """
        one = analyse(stories, changed)
        print("forks in one process", len(forks))
        two = analyse(stories, changed, beside=forked.beside)
        print("forks in two", len(forks))
        print("same", one == two)
        kinds = collections.Counter(e.kind for e in one.edges)
        print("kinds", sorted(kinds))
        print("hints", len(one.hints) > 0, "conflicts", len(one.conflicts) > 0)
        print("branch conflicts", any("branch" in c.evidence for c in one.conflicts))
        """
    )
    assert out == [
        "forks in one process 0",
        "forks in two 2",
        "same True",
        "kinds ['api', 'data', 'explicit', 'functional']",
        "hints True conflicts True",
        "branch conflicts True",
    ]


def test_a_small_backlog_stays_in_one_process() -> None:
    out = run_script(
        """
        small = stories[: TWO_PROCESSES_FROM - 1]
        print(analyse(small) == analyse(small, beside=forked.beside), len(forks))
        """
    )
    assert out == ["True 0"]


def test_where_no_child_can_start_the_analysis_is_the_same() -> None:
    out = run_script(
        """
        def refuse():
            forks.append(1)
            raise OSError("Resource temporarily unavailable")

        os.fork = refuse
        print(analyse(stories) == analyse(stories, beside=forked.beside), len(forks))
        """
    )
    assert out == ["True 2"]
