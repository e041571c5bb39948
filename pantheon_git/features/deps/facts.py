"""Everything the rules need from one story, read once: what it creates, what it mentions."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pantheon_git.core.keys import StoryKey
from pantheon_git.core.story import Story, all_tasks
from pantheon_git.features.deps import (
    artefacts,
    columns,
    endpoints,
    entities,
    introduced,
    labels,
    negation,
    paths,
    phrases,
    records,
    tables,
)
from pantheon_git.features.deps.text import sentences
from pantheon_git.features.deps.tokens import Sentence, tokenise

_TAG_RE = re.compile(r"^\s*(?:\[[^\]]{1,30}\]\s*)+")  # "[API] Create user model"
# Markdown backslash escapes, as the sync writes them: "\_\_init\_\_.py" is "__init__.py".
_MD_ESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~<>])")


@dataclass(frozen=True)
class Facts:
    key: StoryKey
    provides: tuple[phrases.Provided, ...]
    sentences: tuple[Sentence, ...]
    """The whole text, tokenised: where mentions are looked up."""
    tables_created: Mapping[str, str]
    tables_referenced: Mapping[str, str]
    endpoints_implemented: Mapping[endpoints.Endpoint, endpoints.Role]
    endpoints_used: Mapping[endpoints.Endpoint, str]
    files: Mapping[str, str]
    """Declared file path (or ``fixture:<name>``) -> the sentence naming it."""
    branch_files: frozenset[str] = frozenset()
    """Files the story's branch already changes (from git). The only set here: facts made in
    a second process are pickled back, and a set may come back in another order (the
    analysis makes this one again; see ``_sets_made_here`` in ``__init__``)."""
    names: Mapping[str, artefacts.Named] = field(default_factory=dict)
    """Name key (``waivefee``) -> how strongly the story makes it (see ``artefacts``)."""
    files_created: Mapping[str, str] = field(default_factory=dict)
    files_changed: Mapping[str, str] = field(default_factory=dict)
    tasks_from: int = 0
    """Index of the first sentence that comes from a task."""
    columns_added: Mapping[columns.Column, str] = field(default_factory=dict)
    columns_used: Mapping[columns.Column, str] = field(default_factory=dict)
    labels_made: Mapping[str, str] = field(default_factory=dict)
    """Quoted names the story introduces (``"The Pile"``) -> the sentence."""
    labels_used: Mapping[str, str] = field(default_factory=dict)
    tables_written: Mapping[str, str] = field(default_factory=dict)
    """Tables the story writes rows to ("a withdrawal_requests record per payment")."""
    folders: Mapping[str, str] = field(default_factory=dict)
    """Folders the story names (``src/app/(admin)/``) -> the sentence."""
    models_made: Mapping[str, str] = field(default_factory=dict)
    """Entities the story creates as a model (``order`` for "the Order model")."""
    position: int = 0
    """Where the story stands in the backlog (see ``order.backlog_positions``)."""
    files_placed: Mapping[str, str] = field(default_factory=dict)
    """Files a line says the story's work goes in ("Location: internal/x/claude_code.go")."""
    intros: Mapping[tuple[str, ...], introduced.Intro] = field(default_factory=dict)
    """Things the story introduces in words (see ``introduced``)."""


def story_facts(
    story: Story,
    branch_files: Iterable[str] = (),
    position: int = 0,
    read: dict[str, Sentence] | None = None,
) -> Facts:
    """What the rules need from ``story``. ``read``: sentences already read, by their text,
    shared by the stories of one analysis (backlogs repeat acceptance criteria and tasks)."""
    read = {} if read is None else read
    title = _TAG_RE.sub("", story.title)
    segments = [title, story.description, *story.acceptance_criteria]
    tasks = [task.name for task in all_tasks(story.tasks)]
    text = _MD_ESCAPE_RE.sub(r"\1", "\n\n".join(s for s in segments if s))
    tokenised = read_text(text, read)
    tasks_from = len(tokenised)
    if tasks:
        task_text = _MD_ESCAPE_RE.sub(r"\1", "\n\n".join(t for t in tasks if t))
        tokenised += read_text(task_text, read)
        text += "\n\n" + task_text
    implemented, used = endpoints.endpoint_roles(tokenised, tasks_from)
    files = paths.named_paths(tokenised)
    files.update(paths.named_fixtures(text))
    making: dict[int, set[int]] = {}
    created, changed = artefacts.file_roles(tokenised, making)
    placed = {p: q for p, q in changed.items() if artefacts.placed(q, p)}
    made_tables = tables.created_tables(tokenised)
    defined = columns.defined_tables(tokenised)
    for table, (quote, _columns) in defined.items():
        made_tables.setdefault(table, quote)
    for table, quote in records.introduced_tables(tokenised).items():
        made_tables.setdefault(table, quote)
    added, col_used, dotted_tables = columns.column_facts(tokenised, defined)
    labels_made, labels_used = labels.story_labels(s.text for s in tokenised)
    referenced = tables.referenced_tables(tokenised)
    for table, quote in dotted_tables.items():
        referenced.setdefault(table, quote)
    provides = tuple(phrases.provided(tokenised) + phrases.named_by_title(tokenise(title)))
    return Facts(
        key=story.key,
        provides=provides,
        sentences=tuple(tokenised),
        tables_created=made_tables,
        tables_referenced=referenced,
        endpoints_implemented=implemented,
        endpoints_used=used,
        files=files,
        branch_files=frozenset(branch_files),
        names=artefacts.named_things(tokenised, tasks_from, created, making),
        files_created=created,
        files_changed=changed,
        tasks_from=tasks_from,
        columns_added=added,
        columns_used=col_used,
        labels_made=labels_made,
        labels_used=labels_used,
        models_made=entities.models_made(provides),
        tables_written=records.written_tables(tokenised),
        folders=paths.named_folders(tokenised),
        position=position,
        files_placed=placed,
        intros=introduced.introductions(tokenised),
    )


def read_text(text: str, read: dict[str, Sentence]) -> list[Sentence]:
    """The sentences of ``text``, tokenised, with the words it says it does not touch dropped;
    each distinct sentence is read once (``read`` keeps them by their text). Sentences are
    never changed once made (``toks`` only fills its own memo), so stories can share them."""
    out = []
    for piece in sentences(text):
        sentence = read.get(piece)
        if sentence is None:
            sentence = read[piece] = negation.without_negated(tokenise(piece))
        out.append(sentence)
    return out


def declared_files(facts: Facts) -> list[str]:
    """File paths the story names (fixtures by name left out), sorted."""
    return sorted(p for p in facts.files if not p.startswith("fixture:"))
