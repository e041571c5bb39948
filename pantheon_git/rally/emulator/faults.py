"""Injected latency and failures, decided before a request touches the store.

The failures are the ones Rally's clients meet (research §2, §7): a concurrency conflict
reported as HTTP 200 with ``Errors[]`` (writes only), 502/503/524 pages from the front end,
and a connection closed without a reply. With a seed, the sequence of decisions is the same on
every run for the same sequence of requests.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

from pantheon_git.rally.emulator.wire import Response, envelope

KINDS = ("conflict", "502", "503", "524", "drop")
READ_KINDS = ("502", "503", "524", "drop")
# Rally's domain class names in the conflict text (research §7 saw UserStory).
DOMAIN_CLASS = {"hierarchicalrequirement": "UserStory", "portfolioitem/feature": "Feature"}
UNIT_OF_WORK = "Could not update: Could not write changes in Unit Of Work"
"""KB 77114 gives this as the other form of a concurrency conflict; KB 95485 shows the same
words answering a malformed date."""

_PAGES = {
    502: "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
    "</h1></center></body></html>\n",
    503: "<html><head><title>503 Service Unavailable</title></head><body><center><h1>503 "
    "Service Unavailable</h1></center></body></html>\n",
    524: "<html><head><title>524: A timeout occurred</title></head><body><h1>A timeout "
    "occurred</h1><p>The origin web server timed out responding to this request.</p>"
    "</body></html>\n",
}


@dataclass
class FaultSettings:
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    fault_rate: float = 0.0
    fault_seed: int | None = None


class Faults:
    """Draws latency and failures; thread-safe, reproducible with a seed."""

    def __init__(self, settings: FaultSettings) -> None:
        self._lock = threading.Lock()
        self.configure(settings)

    def configure(self, settings: FaultSettings) -> None:
        with self._lock:
            self.settings = settings
            # simulated failures, not secrets: a seedable PRNG is what reproducibility needs
            self._rng = random.Random(settings.fault_seed)  # noqa: S311
            jitter_seed = None if settings.fault_seed is None else ~settings.fault_seed
            self._jitter = random.Random(jitter_seed)  # noqa: S311

    def delay(self) -> float:
        """Seconds to hold the reply: latency plus a uniform share of jitter."""
        with self._lock:
            s = self.settings
            jitter = self._jitter.uniform(0, s.jitter_ms) if s.jitter_ms > 0 else 0.0
            return max(0.0, s.latency_ms + jitter) / 1000.0

    def draw(self, method: str) -> str | None:
        """The failure for this request, or None."""
        with self._lock:
            rate = self.settings.fault_rate
            if rate <= 0 or self._rng.random() >= rate:
                return None
            kinds = KINDS if method in ("POST", "PUT", "DELETE") else READ_KINDS
            return self._rng.choice(kinds)


def conflict_text(type_name: str, oid: int, form: str = "concurrency") -> str:
    """Rally's refusal of a write that overlapped another (KB 77114, both forms)."""
    if form == "unit-of-work":
        return UNIT_OF_WORK
    key = type_name.lower()
    cls = DOMAIN_CLASS.get(key, type_name.rsplit("/", maxsplit=1)[-1] or "Artifact")
    return (
        "Concurrency conflict: [Object has been modified since being read for update in this "
        "context] - ConcurrencyConflictException : Modified since read on update : Object "
        f"Class : com.f4tech.slm.domain.{cls} : ObjectID : {oid}"
    )


def fault_reply(kind: str, method: str, segments: list[str], form: str = "concurrency") -> Response:
    """What the client gets for an injected failure."""
    if kind == "drop":
        return Response(drop=True)
    if kind != "conflict":
        status = int(kind)
        return Response(status, _PAGES[status].encode(), content_type="text/html")
    type_name = "/".join(s for s in segments[:2] if not s.isdigit()).lower()
    type_name = type_name.removesuffix("/create")
    oids = [s for s in segments if s.isdigit()]
    cls = type_name.split("/")[-1].capitalize() or "Artifact"
    text = conflict_text(
        type_name if type_name in DOMAIN_CLASS else cls, int(oids[0]) if oids else 0, form
    )
    kind_name = "CreateResult" if "create" in [s.lower() for s in segments] else "OperationResult"
    return envelope(kind_name, [text])
