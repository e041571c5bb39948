"""Code names a story's title makes in words: "Controller interface utility" builds the
``ControllerInterface`` that later stories command joints through; "Address resolver utility"
the ``AddressResolver`` they check addresses with.

A title that writes a name's words (two to four, opening the title or after an article or a
creating verb) and then what kind of code it is (a utility, class, module, helper, library,
node or package) makes the code name other stories write with those words joined, when it is
the only title that does. It makes it
more surely than a task line that adds a package of the same name ("Add controller_manager
and controller_interface for ros2_control"): the title says what the story is for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence

from pantheon_git.core.keys import StoryKey
from pantheon_git.features.deps.artefacts import CREATING, DESCRIBE, Named
from pantheon_git.features.deps.facts import Facts
from pantheon_git.features.deps.names import key_of
from pantheon_git.features.deps.phrases import DETERMINERS, STOP
from pantheon_git.features.deps.text import word_set
from pantheon_git.features.deps.tokens import MARKERS

MAX_WORDS = 4
CONTAINERS = word_set("utility util class module helper library node package")
"""What a title may call the thing it builds: "Controller interface utility" is a controller
interface; "Write-off request form" is a form, not a write-off request."""
OPENERS = DETERMINERS | CREATING | MARKERS


def title_makers(
    all_facts: Sequence[Facts], wanted: Collection[str]
) -> dict[str, tuple[StoryKey, Named]]:
    """Name key -> the one story whose title writes the name in words (keys in ``wanted``)."""
    titled: dict[str, list[tuple[StoryKey, Named]]] = defaultdict(list)
    for facts in all_facts:
        if not facts.sentences:
            continue
        title = facts.sentences[0]
        norms, raws = title.norms, title.raws
        if CONTAINERS.isdisjoint(norms):
            continue  # no "utility", "class", ...: most titles
        for i in range(len(norms) - 1):
            if i > 0 and norms[i - 1] not in OPENERS:
                continue  # "Add artifact timestamp to detection results" changes the results
            for n in range(min(MAX_WORDS, len(norms) - i), 1, -1):
                run = norms[i : i + n]
                if not all(w.isalpha() and w not in STOP and w not in DETERMINERS for w in run):
                    continue
                if i + n == len(norms) or norms[i + n] not in CONTAINERS:
                    continue  # "Leave requests": a feature of the app, not a code name
                key = key_of(run)
                if key in wanted:
                    raw = " ".join(raws[i : i + n])
                    titled[key].append((facts.key, Named(DESCRIBE, title.text, raw, tuple(run))))
                    break
    return {key: found[0] for key, found in titled.items() if len(found) == 1}
