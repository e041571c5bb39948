"""The seed's workflows as MCP prompts, so an agent's client offers them as commands
(``/rally-sync``, ``/rally-checkout``, ...). Each renders the instructions the seed gives for
its workflow, in terms of this server's tools, with the arguments filled in.

Pure: arguments (strings, as MCP passes them) in, message text out.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pantheon_git.errors import UsageError
from pantheon_git.features.mcp.resources import STORY_TEMPLATE


@dataclass(frozen=True)
class Argument:
    name: str
    description: str
    required: bool = False


@dataclass(frozen=True)
class PromptSpec:
    name: str
    title: str
    description: str
    arguments: tuple[Argument, ...]
    render: Callable[[Mapping[str, str]], str]


Args = Mapping[str, str]


def call(tool: str, **arguments: object) -> str:
    """A tool call as the prompt shows it: ``sync {"epics": ["17"]}``."""
    given = {k: v for k, v in arguments.items() if v not in (None, "", [], False)}
    return f"`{tool}` {json.dumps(given, ensure_ascii=False)}" if given else f"`{tool}` {{}}"


def listed(value: str | None) -> list[str]:
    """``"17,18"`` or ``"17 18"`` -> ``["17", "18"]``."""
    return [part for part in (value or "").replace(",", " ").split() if part]


def truth(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def hours(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise UsageError(f"lock_hours: expected a number of hours, got {value!r}") from None


def _sync(args: Args) -> str:
    epics = listed(args.get("epic") or args.get("epics"))
    tool = call(
        "sync",
        project=args.get("project"),
        epics=epics,
        iteration=args.get("iteration"),
        force=truth(args.get("force")),
    )
    return "\n".join(
        [
            "Pull the Rally backlog into the local cache (the seed's /rally-sync).",
            "",
            f"1. Call {tool}.",
            '2. Report it as the seed\'s "Rally Sync Complete": for each epic, how many '
            "stories are ready (Defined, not locked), which are in progress and who holds "
            "them, and how many are completed. Mention the notes the result carries.",
            "3. End with: Next: /rally-analyze-deps to find parallel work.",
        ]
    )


def _checkout(args: Args) -> str:
    story, epic = args.get("story"), args.get("epic")
    target = call(
        "checkout",
        story=story,
        epic=None if story else epic,
        lock_hours=hours(args.get("lock_hours")),
    )
    what = f"story {story}" if story else f"the next available story of epic {epic}"
    return "\n".join(
        [
            f"Lock {what} in Rally before working on it (the seed's /rally-checkout).",
            "",
            f"1. Call {target}.",
            "2. If it succeeds you hold the lock (until the time in `expires`), the story is "
            "In Progress, you are on its branch and its story file is written. Report it as "
            '"Story Checkout Successful" and end with: Ready to start: /story-pipeline '
            "story=<the story>.",
            "3. If it fails, the story is someone else's: do not work on it. Report who holds "
            "it and until when, and list the alternatives the result gives. Take the first "
            "one (call `checkout` with its story) only if you were asked for any free story; "
            "otherwise ask which one to take.",
            "Never write the lock fields in Rally yourself: the lock protocol keeps the agents "
            "and developers sharing this backlog apart.",
        ]
    )


def _batch(args: Args) -> str:
    stories = listed(args.get("stories"))
    epics = listed(args.get("epic") or args.get("epics"))
    count = _count(args.get("count"))
    if bool(stories) == bool(epics):
        raise UsageError("batch-stories needs stories (US-1,US-2) or an epic with a count")
    if epics and count is None:
        raise UsageError("batch-stories: with an epic, give count (how many stories to take)")
    tool = call(
        "batch",
        stories=stories,
        epics=None if stories else epics,
        count=None if stories else count,
        lock_hours=hours(args.get("lock_hours")),
    )
    what = ", ".join(stories) if stories else f"the next {count} of epic {', '.join(epics)}"
    return "\n".join(
        [
            f"Check the locks of {what} and take the free ones (the seed's /batch-stories).",
            "",
            f"1. Call {tool}. It locks each free, unblocked story in Rally at once (race-safe, "
            "as checkout does); it fails if not every story could be taken, and still lists "
            "the ones it took.",
            "2. Report a table: each story, what became of it (taken, or who holds it and "
            "until when, what it waits for, in review, done) and, for an epic, the stories "
            "not available now.",
            "3. Work only on the stories in `taken`: for each, call `checkout` with its story "
            "to switch to its branch, then run /story-pipeline story=<the story>. Stories you "
            "hold but will not start soon: call `release` so others can take them.",
            "Never write the lock fields in Rally yourself.",
        ]
    )


def _count(value: str | None) -> int | None:
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        raise UsageError(f"count: expected a whole number of stories, got {value!r}") from None
    if number < 1:
        raise UsageError(f"count: expected at least 1, got {number}")
    return number


def _deps(args: Args) -> str:
    epics = listed(args.get("epic") or args.get("epics"))
    visualize = truth(args.get("visualize"))
    lines = [
        "Find the work that can run in parallel (the seed's /rally-analyze-deps).",
        "",
        f"1. Call {call('deps', epics=epics, mermaid=visualize)}.",
        "2. Report the dependency graph: which story waits for which, with the evidence, "
        "and the stories that must not run at the same time (shared files).",
        "3. List the waves (Wave 1 must go first; each later wave after the one before) and "
        "the independent stories, which can run any time. Name any cycle: its stories wait "
        "until it is broken in Rally.",
    ]
    if visualize:
        lines.append("4. Show the Mermaid diagram from the result.")
    lines.append("End with: Next: /rally-plan-workstreams to assign the work to developers.")
    return "\n".join(lines)


def _read_deps(args: Args) -> str:
    # lazy: the guide's package loads the analysis, which listing the prompts does not need
    from pantheon_git.features.deps.guide import reading_guide

    epics = listed(args.get("epic") or args.get("epics"))
    scope = f"epic {', '.join(epics)}" if epics else "the backlog"
    pairs = ["BEFORE:AFTER", "..."]
    why = "not in the stories' texts"
    file_why = "no story changes it"
    return "\n".join(
        [
            f"Read the stories of {scope} for the dependencies their texts show, and write the "
            "ones Rally and the analysis do not have yet as Rally predecessors. The analysis "
            "reads the texts with rules, which miss many of the dependencies a careful reader "
            "finds. The stories and the dependencies already known follow this message.",
            "",
            reading_guide(),
            "",
            "## Steps",
            "1. Read every story below; for the stories listed as not shown, read each at "
            f"{STORY_TEMPLATE}. Then take the stories one at a time, in order, and hold each "
            "against every story before it, one by one: does it use, extend, change, run, "
            "configure or test something that story creates (a file or folder, a table, an "
            "endpoint, a module, a screen, a service or host it sets up, a setting, a result "
            "it produces)? Then ask the same of the stories after it, for what it names that a "
            "later story builds. Keep a pair for every use the text shows, also when other "
            "pairs already put the two stories in order: each link records what the story "
            "uses, and still holds if the story between them is dropped or moved.",
            '2. Leave out the pairs under "Dependencies already known" that Rally has. The '
            "analysis's edges and hints are not in Rally: include one only if you read it in "
            "the texts too (it then keeps its kind and confidence).",
            "3. Before calling, list the pairs the texts show, BEFORE:AFTER (AFTER waits for "
            "BEFORE), each with one line quoting the waiting story's words that name what it "
            f"uses. Then call {call('deps_link', pairs=pairs, dry_run=True, epics=epics)}.",
            "4. A refusal names the pair and why (a story not in the cache, or a cycle with "
            "Rally's order and its path): drop that pair, or fix its direction if you misread "
            "it, and call the dry run again. Then call the same pairs without dry_run: "
            f"{call('deps_link', pairs=pairs, epics=epics)}.",
            "5. The analysis's edges (not its hints) that you did not read in the texts: "
            "dismiss them, so that plans stop holding a story back for them, with "
            f"{call('deps_dismiss', pairs=pairs, why=why, dry_run=True, epics=epics)}, then "
            "the same without dry_run. A conflict the analysis lists on a file no story "
            "changes (a file the application writes at run time, a script the stories only "
            "run): dismiss that file the same way, with "
            f"{call('deps_dismiss', files=['PATH'], why=file_why, dry_run=True, epics=epics)}. "
            "The team commits the file it writes; a later reader can take a pair back with "
            "undo.",
            f"6. Call {call('deps', epics=epics)} and report the waves, the links you added "
            "(with their quotes), the edges you dismissed and any inferred edge your links "
            "overruled.",
        ]
    )


def _plan(args: Args) -> str:
    epics = listed(args.get("epic") or args.get("epics"))
    lanes = listed(args.get("lanes"))
    tool = call("plan", epics=epics, developers=args.get("developers"), lanes=lanes)
    return "\n".join(
        [
            "Plan parallel workstreams (the seed's /rally-plan-workstreams).",
            "",
            f"1. Call {tool}.",
            '2. Report it as the seed\'s "Workstream Plan Generated": for each lane its '
            "stories in order with their waves, hours and tasks; lane 0 is the critical path "
            "(assign it to the most experienced developer). Then the idle lanes, the "
            "makespan against its lower bound, the speedup over one developer and the lane "
            "balance.",
            "3. End with the next steps: review the plan, check out stories with "
            "/rally-checkout, implement them with /story-pipeline.",
        ]
    )


def _pipeline(args: Args) -> str:
    story = args.get("story")
    if not story:
        raise UsageError("story-pipeline needs a story, e.g. story=US-123")
    coverage = args.get("coverage") or "coverage.xml"
    complete = call("complete", story=story, coverage=coverage)
    return "\n".join(
        [
            f"Run the story pipeline for {story} with Rally kept up to date.",
            "",
            "Phase 0 PREPARE: check the lock.",
            f"- Call {call('renew', story=story)}. If it succeeds, you hold {story}: work on "
            "its story branch (call `checkout` with the story to switch to it).",
            f"- If it fails because nobody holds {story}, ask to check it out first, then "
            f"call {call('checkout', story=story)}. If someone else holds it, stop here and "
            "say who holds it and until when.",
            "",
            "Phases 1-5: implement the story on its branch, as your pipeline does. The story "
            f"file ({story} in docs/stories/) has its acceptance criteria and tasks. Commit "
            "with git as usual: the hooks check your lock and put the story key in the "
            "message. Before pushing, call `conflicts` to see story branches that change the "
            "same files.",
            "",
            "Phase 6 COMMIT: run the tests with coverage (for Python: `coverage run -m pytest "
            f"&& coverage xml`), commit, then call {complete}. "
            "Rally gets Code Review, the commit SHA and the coverage; your lock is released and "
            "a discussion note is posted on the story.",
            "",
            "Phase 7 REFLECT: write the Rally-compatible completion report from the result of "
            "`complete`: the story and its title, the state change, the commit, the coverage, "
            "the released lock and the discussion note; then each acceptance criterion and how "
            "it is met, the tests added, and any follow-up. Show it to the user; the note "
            "`complete` posted is the summary Rally keeps.",
        ]
    )


PROMPTS: tuple[PromptSpec, ...] = (
    PromptSpec(
        "rally-sync",
        "Rally sync",
        "Pull epics and stories from Rally into the local cache and report the board.",
        (
            Argument("project", "Rally project (default: the configured one)."),
            Argument("epic", "Only these epics: 17, or 17,18."),
            Argument("iteration", "Only the stories of this iteration."),
            Argument("force", "true: read everything again."),
        ),
        _sync,
    ),
    PromptSpec(
        "rally-checkout",
        "Rally checkout",
        "Lock a story in Rally (or the next available of an epic) and start its branch.",
        (
            Argument("story", "The story: US-123."),
            Argument("epic", "Or the next available story of this epic: 17."),
            Argument("lock_hours", "How long the lock lasts (default 24)."),
        ),
        _checkout,
    ),
    PromptSpec(
        "batch-stories",
        "Batch checkout",
        "Check the locks of several stories (or the next N of an epic) and take the free, "
        "unblocked ones at once.",
        (
            Argument("stories", "The stories: US-121,US-122."),
            Argument("epic", "Or the next stories of this epic: 17 (with count)."),
            Argument("count", "With epic: how many stories to take."),
            Argument("lock_hours", "How long each lock lasts (default 24)."),
        ),
        _batch,
    ),
    PromptSpec(
        "rally-analyze-deps",
        "Analyse dependencies",
        "Dependency graph, waves and independent stories of one or more epics.",
        (
            Argument("epic", "Epics to analyse: 17, or 17,18,19 (default: all)."),
            Argument("visualize", "true: include a Mermaid diagram."),
        ),
        _deps,
    ),
    PromptSpec(
        "rally-read-deps",
        "Read dependencies",
        "Read the stories for the dependencies the analysis missed and write them to Rally "
        "(deps_link): the reading guide, the stories, the dependencies already known.",
        (Argument("epic", "Epics to read: 17, or 17,18 (default: all)."),),
        _read_deps,
    ),
    PromptSpec(
        "rally-plan-workstreams",
        "Plan workstreams",
        "One lane per developer: critical path, waves, timeline and speedup.",
        (
            Argument("epic", "Epics to plan: 17, or 17,18 (default: all)."),
            Argument("developers", "How many developers (12) or their names (john,jane)."),
            Argument("lanes", "Pinned lanes: 0=john@example.com,3=security@example.com."),
        ),
        _plan,
    ),
    PromptSpec(
        "story-pipeline",
        "Story pipeline with Rally",
        "Implement a story with Rally kept true: lock check first (phase 0), Code Review with "
        "coverage on commit (phase 6), the Rally summary at the end (phase 7).",
        (
            Argument("story", "The story: US-123.", required=True),
            Argument("coverage", "Coverage report to record (default coverage.xml)."),
        ),
        _pipeline,
    ),
)

BY_NAME: Mapping[str, PromptSpec] = {prompt.name: prompt for prompt in PROMPTS}
