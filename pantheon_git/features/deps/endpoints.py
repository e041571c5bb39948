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
from pantheon_git.features.deps.tokens import CODE, MARKERS, Sentence, Token, is_word

METHODS = word_set("GET POST PUT PATCH DELETE HEAD OPTIONS")
_PARAM_RE = re.compile(
    r"\{[^}]*\}|:[A-Za-z_][\w-]*|<[^>]*>|\[[^\]]*\]|\*|\d+|[0-9a-f]{8}-[0-9a-f-]{27,}", re.I
)
_QUOTES = "`'\"()[]<>,;"

IMPLEMENTING = word_set(
    """implement implements implementing add adds adding create creates creating expose exposes
    exposing define defines defining build builds building introduce introduces provide
    provides serve serves publish publishes ship ships write writes develop develops new"""
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
CLIENT_NOUNS = word_set("client sdk consumer integration wrapper proxy mock")


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


ANY = "ANY"
"""The method of a path written without one ("sent to /api/docs/{id}/ask"): any method."""
IMPLEMENT, DECLARED, USE = 3, 2, 0


@dataclass(frozen=True)
class Role:
    """How a story writes an endpoint: 3 builds it ("Add GET ..."), 2 describes or lists it
    as its own (a title naming an API, a task, a sentence it opens), 0 calls it."""

    strength: int
    quote: str


def mentions(toks: list[Token]) -> list[tuple[int, Endpoint]]:
    """``(index of the method word, endpoint)`` for each "METHOD /path" in a sentence, and
    ``(index of the path, ANY path)`` for an API path written alone."""
    out = []
    for i in [i for i, (w, _r) in enumerate(toks) if w == CODE]:
        raw = toks[i][1]
        if not raw.lstrip("`'\"").startswith("/"):
            continue
        path = normalise_path(raw.lstrip(_QUOTES).rstrip(_QUOTES + ".:!?"))
        method = toks[i - 1][1].upper() if i > 0 else ""
        if method in METHODS and is_word(toks[i - 1]):
            out.append((i - 1, Endpoint(method, path)))
        elif (methods := _methods(method)) and toks[i - 1][0] == CODE:
            # "GET/POST/PUT/DELETE /api/settings/warehouses": one path, several methods
            out.extend((i - 1, Endpoint(m, path)) for m in methods)
        elif _api_like(path):
            out.append((i, Endpoint(ANY, path)))
    return out


def _methods(written: str) -> list[str]:
    """ "GET/POST/PUT/DELETE" -> the methods; [] unless every part is one."""
    parts = written.strip(_QUOTES).split("/")
    return parts if len(parts) > 1 and all(p in METHODS for p in parts) else []


def _api_like(path: str) -> bool:
    """A path worth matching without its method: two segments or more, one of them a word."""
    segments = path.strip("/").split("/")
    return len(segments) >= 2 and any(seg != "{}" for seg in segments)


def endpoint_roles(
    tokenised: list[Sentence], tasks_from: int | None = None
) -> tuple[dict[Endpoint, Role], dict[Endpoint, str]]:
    """``(made, used)``: endpoint -> how the story writes it; endpoint -> the sentence that
    calls it. An endpoint the story both builds and calls is only built."""
    first_task = len(tokenised) if tasks_from is None else tasks_from
    made: dict[Endpoint, Role] = {}
    open_: dict[Endpoint, tuple[int, str]] = {}
    used: dict[Endpoint, str] = {}
    for index, sentence in enumerate(tokenised):
        if "/" not in sentence.text:
            continue
        toks = sentence.toks()
        for at, endpoint in mentions(toks):
            role = _role(toks, at)
            if endpoint.method == ANY:
                if role != "implement":
                    used.setdefault(endpoint, sentence.text)
                continue
            if role == "implement":
                _keep(made, endpoint, Role(IMPLEMENT, sentence.text))
            elif role == "use":
                used.setdefault(endpoint, sentence.text)
            else:
                described = index == 0 or index >= first_task or _opens(toks, at)
                strength = DECLARED if described else USE
                old = open_.get(endpoint)
                if old is None or old[0] < strength:
                    open_[endpoint] = (strength, sentence.text)
    if open_:
        _settle_open(tokenised, open_, made, used)
    for endpoint in made:
        used.pop(endpoint, None)
    return made, used


def _settle_open(
    tokenised: list[Sentence],
    open_: dict[Endpoint, tuple[int, str]],
    made: dict[Endpoint, Role],
    used: dict[Endpoint, str],
) -> None:
    """Mentions with no verb: the story's own when it describes or lists them, or when it
    says it builds endpoints; calls otherwise."""
    declares = _declaring_title(tokenised[0]) or any(_declares_endpoints(s) for s in tokenised)
    for endpoint, (strength, quote) in open_.items():
        if endpoint in used and strength < DECLARED:
            continue
        if strength >= DECLARED or declares:
            _keep(made, endpoint, Role(DECLARED, quote))
        else:
            used.setdefault(endpoint, quote)


def _keep(made: dict[Endpoint, Role], endpoint: Endpoint, role: Role) -> None:
    old = made.get(endpoint)
    if old is None or old.strength < role.strength:
        made[endpoint] = role


def _opens(toks: list[Token], at: int) -> bool:
    """The method opens its sentence, maybe after one or two plain words ("Authenticated POST
    /api/upload takes ...")."""
    words = [w for w, _r in toks[:at]]
    return len(words) <= 2 and all(
        w not in MARKERS and w not in CALLING and w not in PREPOSITIONS and w not in CLAUSE_WORDS
        for w in words
    )


def _declaring_title(title: Sentence) -> bool:
    """A title that names an API it delivers: "User login API endpoint", "Order REST API"."""
    return (
        not ENDPOINT_NOUNS.isdisjoint(title.norms)
        and CLIENT_NOUNS.isdisjoint(title.norms)
        and title.norms[0] not in CALLING
        and title.norms[0] not in PREPOSITIONS
    )


def _role(toks: list[Token], at: int) -> str:
    """What the words before the method at ``toks[at]`` (and the word after) make of it."""
    before = [
        raw.lower()
        for k, (norm_, raw) in enumerate(toks[:at])
        if is_word(toks[k]) and not (raw.upper() in METHODS and toks[k + 1][0] == CODE)
    ]
    if before and before[-1] in PREPOSITIONS:
        return "use"
    for k, word in enumerate(reversed(before)):
        if word in CALLING:
            return "use"
        if word in IMPLEMENTING:
            # "implements `BackendAPIClient(...)` with `checkConnection()` (GET /api/status)":
            # what is built is a client, and the endpoints are what it calls
            built = before[len(before) - k :]
            return "use" if any(map(_client_word, built)) else "implement"
        if word in CLAUSE_WORDS:
            break
    after = at + 2
    if after < len(toks) and is_word(toks[after]) and toks[after][1].lower() in SERVER_NOUNS:
        return "implement"
    return "open"


def _client_word(word: str) -> bool:
    """ "client", "BackendAPIClient", "api-client.js", "the SDK": something that calls APIs."""
    return word in CLIENT_NOUNS or word.endswith(("client", "client()", "sdk", "proxy"))


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
