"""HTTP endpoints a story implements, and those it calls.

An endpoint is a method and a path (``POST /api/users``). Paths compare without query string,
trailing slash or case, with every parameter written as ``{}``: ``/users/{id}``,
``/users/:userId``, ``/users/<int:id>`` and ``/users/42`` are the same path.

Each mention gets a role from the words before it in its sentence: a creating verb
("Implement POST /api/users", "Add the login endpoint POST /api/login") implements it; a
calling verb or a preposition ("calls POST ...", "submits to POST ...", "loads with GET ...")
uses it; a clause word ("when", "that", ...) or nothing leaves it open. A story implements an
endpoint it mentions in an implementing way, or that it lists without calling it while saying
it builds endpoints ("Implement the order REST endpoints:" followed by a list). Any other
mention is a use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pantheon_git.features.deps.phrases import clause_verbs, noun_phrases
from pantheon_git.features.deps.text import word_set
from pantheon_git.features.deps.tokens import CODE, Sentence, Token, is_word

METHODS = word_set("GET POST PUT PATCH DELETE HEAD OPTIONS")
_PARAM_RE = re.compile(
    r"\{[^}]*\}|:[A-Za-z_][\w-]*|<[^>]*>|\[[^\]]*\]|\*|\d+|[0-9a-f]{8}-[0-9a-f-]{27,}", re.I
)
_QUOTES = "`'\"()[]<>,;"

IMPLEMENTING = word_set(
    """implement implements implementing add adds adding create creates creating expose exposes
    exposing define defines defining build builds building introduce introduces provide
    provides serve serves publish publishes ship ships write writes develop develops"""
)
CALLING = word_set(
    """call calls calling called use uses using used hit hits invoke invokes invoking submit
    submits submitting submitted post posts posting send sends sending sent fetch fetches
    fetching load loads loading read reads reading save saves saving query queries querying
    consume consumes consuming request requests requesting poll polls polling talk talks
    wire wires reach reaches retry retries hitting"""
)
PREPOSITIONS = word_set("to with via using through from against on in at into")
CLAUSE_WORDS = word_set(
    """that which who when where while if once after before until unless so because whenever"""
)
SERVER_NOUNS = word_set("handler handlers controller controllers resolver resolvers")
ENDPOINT_NOUNS = word_set("endpoint api route handler controller resource")


@dataclass(frozen=True, order=True)
class Endpoint:
    method: str
    path: str

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def normalise_path(raw: str) -> str:
    path = re.split(r"[?#]", raw, maxsplit=1)[0].rstrip(".:!").rstrip("/") or "/"
    segments = [
        "{}" if _maybe_param(seg) and _PARAM_RE.fullmatch(seg) else seg.lower()
        for seg in path.split("/")
        if seg
    ]
    return "/" + "/".join(segments)


def _maybe_param(segment: str) -> bool:
    """Cheap test before the regex: most segments are plain words."""
    return segment[0] in "{:<[*0123456789" or len(segment) >= 32


def mentions(toks: list[Token]) -> list[tuple[int, Endpoint]]:
    """``(index of the method word, endpoint)`` for each "METHOD /path" in a sentence."""
    out = []
    for i in [i for i, (w, _r) in enumerate(toks) if w == CODE and i > 0]:
        raw = toks[i][1]
        if raw.lstrip("`'\"").startswith("/"):
            method = toks[i - 1][1].upper()
            if method in METHODS and is_word(toks[i - 1]):
                path = normalise_path(raw.lstrip(_QUOTES).rstrip(_QUOTES + ".:!?"))
                out.append((i - 1, Endpoint(method, path)))
    return out


def endpoint_roles(tokenised: list[Sentence]) -> tuple[dict[Endpoint, str], dict[Endpoint, str]]:
    """``(implemented, used)``: endpoint -> the sentence that says so."""
    implemented: dict[Endpoint, str] = {}
    open_: dict[Endpoint, str] = {}
    used: dict[Endpoint, str] = {}
    for sentence in tokenised:
        if "/" not in sentence.text:
            continue
        toks = sentence.toks()
        for at, endpoint in mentions(toks):
            role = _role(toks, at)
            target = {"implement": implemented, "use": used}.get(role, open_)
            target.setdefault(endpoint, sentence.text)
    if open_:
        declares = any(_declares_endpoints(s) for s in tokenised)
        for endpoint, quote in open_.items():
            if endpoint not in used and endpoint not in implemented:
                (implemented if declares else used)[endpoint] = quote
    for endpoint in implemented:
        used.pop(endpoint, None)
    return implemented, used


def _role(toks: list[Token], at: int) -> str:
    """What the words before the method at ``toks[at]`` (and the word after) make of it."""
    before = [
        raw.lower()
        for k, (norm_, raw) in enumerate(toks[:at])
        if is_word(toks[k]) and not (raw.upper() in METHODS and toks[k + 1][0] == CODE)
    ]
    if before and before[-1] in PREPOSITIONS:
        return "use"
    for word in reversed(before):
        if word in CALLING:
            return "use"
        if word in IMPLEMENTING:
            return "implement"
        if word in CLAUSE_WORDS:
            break
    after = at + 2
    if after < len(toks) and is_word(toks[after]) and toks[after][1].lower() in SERVER_NOUNS:
        return "implement"
    return "open"


def _declares_endpoints(sentence: Sentence) -> bool:
    """ "Implement the order REST endpoints", "Expose order API": a story that builds them."""
    if ENDPOINT_NOUNS.isdisjoint(sentence.norms):
        return False
    toks = sentence.toks()
    for start in clause_verbs(toks):
        for phrase in noun_phrases(toks, start):
            if any(word in ENDPOINT_NOUNS for word, _raw in phrase):
                return True
    return False
