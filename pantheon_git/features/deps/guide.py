"""How to read a backlog for its dependencies: the guide a reader follows (a person, or the
team's coding agent through the MCP prompt ``rally-read-deps``), kept here once.

The principle and the kinds are, word for word, those of the guide the labelled backlogs'
second readers followed (``tests/fixtures/deps/bmad/READERS.md``): readers given only the
stories and that page agreed with the first readers at a precision and recall above 0.9, where
the rules find about a third of the same dependencies. What a reader states is written with
``pantheon deps --link`` (the MCP tool ``deps_link``); conflicts are the analysis's own job (a
person who knows of one it misses declares it with ``pantheon deps --conflict``: readers given
the prompt declared mostly guesses, ``tests/fixtures/deps/bmad/README.md``).
"""

from __future__ import annotations

PRINCIPLE = """\
Story B depends on story A when B's text refers to something A creates (a thing, a file, a
table or column, an endpoint, a component, a service, a screen, a store, a setting, in any
wording) so that B cannot be finished before A is. Sharing a domain word ("invoices", "user",
"page", "data") is not enough: B must rely on a piece of work A delivers. A reference may be in
any wording: by name, by role ("the join API"), by outcome ("Given I am signed in", "once the
label has been printed"), or by a file B changes that A creates. Usually A comes before B in the
backlog, but not always: if B clearly needs what a LATER story creates, label it anyway (from:
the creator, to: the user). If a story only names another's subject to say it does not touch it,
there is no dependency."""

KINDS = """\
Each edge has ONE kind, the strongest reason, in this order:
- `data`: B reads or writes a table, column, record type, stored key or persisted data A creates;
- `api`: B calls an endpoint/API/message/service interface A creates or serves;
- `functional`: any other piece of work B relies on (a component, module, function, file,
  screen, project scaffold, configuration, library setup, a behaviour)."""

NOT_DEPENDENCIES = """\
Not a dependency:
- a shared domain word: two stories about "invoices" or "the user" are not linked by it;
- a story that names another's subject only to say it does not touch it ("no changes to the
  login endpoint");
- a conflict: two stories that name the same file or the same shared test fixture must not run
  at the same time, but neither waits for the other. Leave conflicts out: the analysis finds
  them itself."""

CAUTION = """\
Both mistakes cost: a wrong predecessor blocks a story (nobody can start it until the other is
done), and a missed one lets two developers build on each other's unfinished work. Keep a pair
when the text shows a use, in whatever words; leave it out when only shared domain words link
the two stories.
Label the direction the text needs: a reference to something a later story builds is still
from the creator to the user."""


def reading_guide() -> str:
    """The guide as one markdown text: the principle, the kinds, what is not a dependency."""
    return "\n\n".join(
        ["## The principle", PRINCIPLE, KINDS, "## What to leave out", NOT_DEPENDENCIES, CAUTION]
    )
