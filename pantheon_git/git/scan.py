"""Which files each story branch changes, for every story branch of the clone, fast.

For each story branch (local ``refs/heads/*`` and remote-tracking ``refs/remotes/*/*`` whose
name matches the configured pattern) the set of paths it changes against its merge base with
the default branch: what ``git diff --name-only -z --no-renames main...B`` prints, without one
process per branch:

1. one ``git for-each-ref`` for all refs (the git directory is read from ``.git``);
2. one ``git rev-list --parents --stdin`` with ``^<base>`` and every tip not in the cache:
   the commits only on story branches. Walking a tip's commits in that set, the parents that
   fall outside it are on the default branch; when there is exactly one, it is the merge base
   (the usual case). Tips with several such parents (main merged into the story) get one
   ``git merge-base`` each, or, when there are many and the caller allows it (not the hook
   path), pygit2 answers for all of them in process (``mergebases.py``);
3. one ``git diff-tree --stdin -z -r`` for every (merge base, tip) not in the cache.

Results are cached by object ids (see ``scancache``), so a warm run starts no git process
beyond ``for-each-ref``, and a run after N branches moved recomputes only those N. Renames are
not detected: a renamed file counts as its old and its new path, both of which another branch
may touch. The work tree is never read.

Several refs of one story (``story/US-7-x`` and ``origin/story/US-7-x``, or an old name) count
once, as the ref that contains the others; if they diverged, the one with the newest commit;
on a tie, the local branch.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from pantheon_git.core.keys import StoryKey, branch_story_key
from pantheon_git.git.batch import decode_path, remaining, stream_git
from pantheon_git.git.command import run_git
from pantheon_git.git.refs import (
    HEADS,
    REMOTES,
    Base,
    RefTable,
    common_dir_from_files,
    git_common_dir,
    list_refs,
    resolve_base,
    short_name,
)
from pantheon_git.git.scancache import TRIAL_FILE, TRIAL_SECTIONS, ScanCache

Progress = Callable[[str], None]
_PROGRESS_EVERY = 250


class BranchChanges(NamedTuple):
    """One story's branch: the ref used, its tip, merge base and changed paths.

    A NamedTuple, not a frozen dataclass: a scan makes one per story branch on every push,
    and a tuple is built ten times faster.
    """

    key: StoryKey
    ref: str
    tip: str
    merge_base: str | None
    files: frozenset[str]
    twins: tuple[str, ...] = ()
    """Other refs of the same story, left out (a remote-tracking twin, an older name)."""

    @property
    def short(self) -> str:
        return short_name(self.ref)


@dataclass
class ScanStats:
    refs: int = 0
    story_refs: int = 0
    stories: int = 0
    merge_bases_computed: int = 0
    merge_bases_in_process: int = 0
    diffs_computed: int = 0
    git_processes: int = 0
    cache_written: bool = False
    seconds: float = 0.0

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Scan:
    base: Base
    stories: dict[StoryKey, BranchChanges]
    commits: dict[str, tuple[str | None, frozenset[str]]]
    """Extra commits asked for (a pushed sha): tip -> (merge base, changed paths)."""
    stats: ScanStats
    notes: tuple[str, ...] = ()


@dataclass
class _Walk:
    """Commits reachable from story tips but not from the base: commit -> parents."""

    parents: dict[str, list[str]] = field(default_factory=dict)
    tips: set[str] = field(default_factory=set)
    """Tips walked so far: a walked tip missing from ``parents`` is on the base."""


class Scanner:
    """One scan of the clone; holds the ref table, the base and the cache for follow-ups."""

    def __init__(
        self,
        root: Path,
        *,
        pattern: str,
        default_branch: str | None = None,
        deadline: float | None = None,
        progress: Progress | None = None,
        in_process_from: int | None = None,
    ) -> None:
        """``in_process_from``: from how many branches needing ``git merge-base`` pygit2
        answers instead (``None``: never, as on the hook path)."""
        self.root = root
        self.in_process_from = in_process_from
        self.pattern = pattern
        self.configured_base = default_branch
        self.deadline = deadline
        self.progress = progress or (lambda message: None)
        self.stats = ScanStats()
        self.notes: list[str] = []
        self._bad: set[str] = set()
        found = common_dir_from_files(root)
        if found is None:
            found = git_common_dir(root, deadline=deadline)
            self.stats.git_processes += 1
        self.git_dir = found
        self.table: RefTable = list_refs(root, deadline=deadline)
        self.stats.git_processes += 1
        self.cache = ScanCache.load(self.git_dir)
        self._trial_cache: ScanCache | None = None
        if self.cache.note:
            self.note(self.cache.note)
        self._walk = _Walk()
        self.base: Base = resolve_base(
            self.table, default_branch, is_ancestor=self._is_ancestor_checked
        )

    # --- public --------------------------------------------------------------------------

    def story_refs(self) -> list[tuple[str, StoryKey]]:
        """(full ref, story key) for every story branch, local and remote-tracking."""
        found = []
        for ref in self.table.refs:
            if not ref.startswith((HEADS, REMOTES)) or ref == self.base.ref:
                continue
            key = branch_story_key(ref, self.pattern)
            if key is not None:
                found.append((ref, key))
        return found

    def scan(self, commits: Iterable[str] = ()) -> Scan:
        started = time.perf_counter()
        refs = self.story_refs()
        extra = list(dict.fromkeys(commits))
        self.stats.refs = len(self.table.refs)
        self.stats.story_refs = len(refs)
        tips = list(dict.fromkeys([self.table.refs[r] for r, _ in refs] + extra))
        groups: dict[StoryKey, list[str]] = {}
        for ref, key in refs:
            groups.setdefault(key, []).append(ref)
        twin_pairs = self._twin_pairs(groups)
        bases = self.merge_bases(tips, also_walk=[t for pair in twin_pairs for t in pair])
        files = self.changed_files([(bases[t], t) for t in tips if bases[t] is not None])
        stories: dict[StoryKey, BranchChanges] = {}
        for key, members in groups.items():
            chosen = self._choose(members)
            tip = self.table.refs[chosen]
            mb = bases[tip]
            if mb is None and tip not in self._bad:
                self.note(f"{short_name(chosen)} shares no history with {self.base.short}: skipped")
            stories[key] = BranchChanges(
                key,
                chosen,
                tip,
                mb,
                files.get((mb, tip), frozenset()) if mb else frozenset(),
                tuple(short_name(r) for r in sorted(members) if r != chosen),
            )
        extra_out = {
            t: (bases[t], files.get((bases[t], t), frozenset()) if bases[t] else frozenset())
            for t in extra
        }
        self.stats.stories = len(stories)
        self.stats.seconds = time.perf_counter() - started
        return Scan(self.base, stories, extra_out, self.stats, tuple(self.notes))

    def note(self, message: str) -> None:
        """Something the report should mention (each message once)."""
        if message not in self.notes:
            self.notes.append(message)

    def save(self, also_live: Iterable[str] = ()) -> None:
        live = {*self.table.refs.values(), self.base.tip, *also_live}
        written = self.cache.save(live)
        if self._trial_cache is not None:
            written = self._trial_cache.save(live) or written
        self.stats.cache_written = written or self.stats.cache_written

    @property
    def trial_cache(self) -> ScanCache:
        """The cache of trial merges, loaded on first use (only precise checks need it)."""
        if self._trial_cache is None:
            self._trial_cache = ScanCache.load(self.git_dir, TRIAL_FILE, TRIAL_SECTIONS)
            if self._trial_cache.note:
                self.note(self._trial_cache.note)
        return self._trial_cache

    # --- merge bases -----------------------------------------------------------------------

    def merge_bases(
        self, tips: Sequence[str], *, also_walk: Sequence[str] = ()
    ) -> dict[str, str | None]:
        base_tip = self.base.tip
        out: dict[str, str | None] = {}
        missing = []
        for tip in tips:
            cached = self.cache.get("merge_bases", f"{tip} {base_tip}")
            if isinstance(cached, str):
                out[tip] = cached or None
            else:
                missing.append(tip)
        if not missing and not also_walk:
            return out
        bad = self._not_commits(missing)
        for tip, kind in bad.items():
            out[tip] = None  # not cached: noted on every run until the ref is fixed
            self._bad.add(tip)
            self.note(f"{tip[:10]} is {kind}, not a commit: skipped")
        missing = [t for t in missing if t not in bad]
        self._walk_from([*missing, *(t for t in also_walk if t not in bad)])
        parents = self._walk.parents
        slow = {}
        for tip in missing:
            if tip not in parents:
                out[tip] = tip  # already on the default branch: changes nothing
                continue
            boundary = _boundary(tip, parents)
            if len(boundary) == 1:
                out[tip] = boundary.pop()
            elif not boundary:
                out[tip] = None  # no common history
            else:
                slow[tip] = boundary
        out.update(self._merge_base_each(slow))
        for tip in missing:
            self.cache.put("merge_bases", f"{tip} {base_tip}", out[tip] or "")
        self.stats.merge_bases_computed += len(missing)
        return out

    def _merge_base_each(self, boundaries: Mapping[str, set[str]]) -> dict[str, str | None]:
        """Merge bases the walk cannot decide (several candidates): pygit2 in process when
        there are many and the caller allows it, else (and for what it leaves) one
        ``git merge-base`` each."""
        out: dict[str, str | None] = {}
        if self.in_process_from is not None and len(boundaries) >= self.in_process_from:
            # lazy: only scans with many such branches need it, and never the hook's
            from pantheon_git.git.mergebases import merge_bases

            out.update(merge_bases(self.git_dir, self.base.tip, boundaries) or {})
            self.stats.merge_bases_in_process += len(out)
        for tip in boundaries:
            if tip in out:
                continue
            proc = run_git(
                ["merge-base", self.base.tip, tip],
                cwd=self.root,
                check=False,
                timeout=remaining(self.deadline),
            )
            self.stats.git_processes += 1
            out[tip] = proc.strip() or None
        return out

    def _not_commits(self, tips: Sequence[str]) -> dict[str, str]:
        """Tips that are not commits (a branch can be pointed at anything), with their type."""
        if not tips:
            return {}
        bad = {}
        for line in stream_git(
            ["cat-file", "--batch-check=%(objectname) %(objecttype)"],
            tips,
            cwd=self.root,
            sep=b"\n",
            deadline=self.deadline,
        ):
            oid, _, kind = line.decode("utf-8", "replace").partition(" ")
            if kind != "commit":
                bad[oid] = "missing" if kind == "missing" else f"a {kind}"
        self.stats.git_processes += 1
        return bad

    def _walk_from(self, tips: Sequence[str]) -> None:
        """``git rev-list --parents ^base tips...``: the story-only commits with parents."""
        new = [t for t in dict.fromkeys(tips) if t not in self._walk.tips]
        if not new:
            return
        self.progress(f"walking {_plural(len(new), 'branch tip')} from {self.base.short}")
        lines = [f"^{self.base.tip}", *new]
        for token in stream_git(
            ["rev-list", "--parents", "--stdin"],
            lines,
            cwd=self.root,
            sep=b"\n",
            deadline=self.deadline,
        ):
            ids = token.decode("ascii").split()
            if ids:
                self._walk.parents[ids[0]] = ids[1:]
        self._walk.tips.update(new)
        self.stats.git_processes += 1

    # --- changed files ---------------------------------------------------------------------

    def changed_files(
        self, pairs: Iterable[tuple[str | None, str]]
    ) -> dict[tuple[str | None, str], frozenset[str]]:
        """(merge base, tip) -> changed paths, from the cache or one ``git diff-tree``."""
        out: dict[tuple[str | None, str], frozenset[str]] = {}
        missing: dict[str, str] = {}
        for mb, tip in dict.fromkeys(pairs):
            if mb is None:
                continue
            cached = self.cache.get("files", f"{mb} {tip}")
            if isinstance(cached, list):
                out[(mb, tip)] = frozenset(cached)
            elif mb == tip:
                out[(mb, tip)] = frozenset()
            else:
                missing[tip] = mb
        if missing:
            self.progress(f"listing changed files of {_plural(len(missing), 'branch')}")
            found = self._diff_tree(missing)
            for tip, mb in missing.items():
                paths = found.get(tip, set())
                out[(mb, tip)] = frozenset(paths)
                self.cache.put("files", f"{mb} {tip}", sorted(paths))
            self.stats.diffs_computed += len(missing)
        return out

    def _diff_tree(self, tips: Mapping[str, str]) -> dict[str, set[str]]:
        # A line "<tip> <merge base>" diffs the tip against the commit given as its parent.
        # Raw records start with ':' and are followed by exactly one path (no renames), so a
        # path can never be mistaken for the next commit's header.
        found: dict[str, set[str]] = {}
        current: set[str] = set()
        expect_path = False
        count = 0
        for token in stream_git(
            ["diff-tree", "--stdin", "-z", "-r", "--no-renames", "--always", "--no-ext-diff"],
            [f"{tip} {mb}" for tip, mb in tips.items()],
            cwd=self.root,
            deadline=self.deadline,
        ):
            if expect_path:
                current.add(decode_path(token))
                expect_path = False
            elif token.startswith(b":"):
                expect_path = True
            elif token:
                current = found.setdefault(token.decode("ascii"), set())
                count += 1
                if count % _PROGRESS_EVERY == 0:
                    self.progress(f"changed files: {count}/{len(tips)} branches")
        self.stats.git_processes += 1
        return found

    # --- one story, several refs -----------------------------------------------------------

    def _twin_pairs(self, groups: Mapping[StoryKey, list[str]]) -> list[tuple[str, str]]:
        """Tips of same-story refs whose preference is not cached yet."""
        pairs = []
        for members in groups.values():
            tips = sorted({self.table.refs[r] for r in members})
            for i, a in enumerate(tips):
                for b in tips[i + 1 :]:
                    if self.cache.get("ancestry", f"{a} {b}") is None:
                        pairs.append((a, b))
        return pairs

    def _choose(self, members: list[str]) -> str:
        # Local refs first, then by name: the order decides ties.
        ordered = sorted(members, key=lambda r: (not r.startswith(HEADS), r))
        best = ordered[0]
        for ref in ordered[1:]:
            tip, best_tip = self.table.refs[ref], self.table.refs[best]
            if tip != best_tip and self._preferred(best_tip, tip) == tip:
                best = ref
        return best

    def _preferred(self, a: str, b: str) -> str:
        """Of two tips of one story: the descendant, else the newer commit; ``a`` on a tie."""
        if a == b:
            return a
        lo, hi = sorted((a, b))
        cached = self.cache.get("ancestry", f"{lo} {hi}")
        if isinstance(cached, str) and cached in (a, b, "="):
            return a if cached == "=" else cached
        if self._is_ancestor(a, b):
            winner = b
        elif self._is_ancestor(b, a):
            winner = a
        else:
            dates = self._commit_dates([a, b])
            if dates.get(a, 0) == dates.get(b, 0):
                self.cache.put("ancestry", f"{lo} {hi}", "=")
                return a
            winner = a if dates.get(a, 0) > dates.get(b, 0) else b
        self.cache.put("ancestry", f"{lo} {hi}", winner)
        return winner

    def _is_ancestor(self, a: str, b: str) -> bool:
        """Is ``a`` an ancestor of ``b``? Uses the walk when it decides, else one git call."""
        parents, walked = self._walk.parents, self._walk.tips
        on_base_a = a not in parents and a in walked
        on_base_b = b not in parents and b in walked
        if a in parents and b in parents:
            return a in _reachable(b, parents)
        if a in parents and on_base_b:
            return False  # b is on the default branch, a is not: b cannot contain a
        if on_base_a and on_base_b:
            return False  # both on the default branch: neither changes anything
        return self._is_ancestor_checked(a, b)

    def _is_ancestor_checked(self, a: str, b: str) -> bool:
        cached = self.cache.get("ancestor", f"{a} {b}")
        if isinstance(cached, bool):
            return cached
        # Empty `rev-list b..a` <=> every commit of a is reachable from b.
        out = run_git(
            ["rev-list", "-n", "1", f"{b}..{a}"], cwd=self.root, timeout=remaining(self.deadline)
        )
        self.stats.git_processes += 1
        self.cache.put("ancestor", f"{a} {b}", not out.strip())
        return not out.strip()

    def _commit_dates(self, tips: Sequence[str]) -> dict[str, int]:
        out = run_git(
            ["log", "--no-walk=unsorted", "--format=%H %ct", *tips],
            cwd=self.root,
            timeout=remaining(self.deadline),
        )
        self.stats.git_processes += 1
        dates = {}
        for line in out.splitlines():
            sha, _, stamp = line.partition(" ")
            if stamp.isdigit():
                dates[sha] = int(stamp)
        return dates


def _plural(n: int, noun: str) -> str:
    if n == 1:
        return f"1 {noun}"
    return f"{n} {noun}es" if noun.endswith("ch") else f"{n} {noun}s"


def _boundary(tip: str, parents: Mapping[str, list[str]]) -> set[str]:
    """Parents outside the story-only set reached from ``tip``: on the default branch."""
    boundary: set[str] = set()
    seen = {tip}
    stack = [tip]
    while stack:
        for parent in parents[stack.pop()]:
            if parent in parents:
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
            else:
                boundary.add(parent)
    return boundary


def _reachable(tip: str, parents: Mapping[str, list[str]]) -> set[str]:
    seen = {tip}
    stack = [tip]
    while stack:
        for parent in parents.get(stack.pop(), ()):
            if parent in parents and parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


_HEX = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")


def is_object_id(text: str) -> bool:
    return bool(_HEX.match(text))
