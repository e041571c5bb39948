"""A wall-clock limit for a block of code (``SIGALRM``): hooks never hang.

Every Rally request has its own timeout, but a hook makes several (scope, story, lease), each
with retries. ``Alarm`` bounds the whole block: when time is up, the exception given is raised
in the main thread wherever it is waiting. Outside the main thread, or where there is no
``SIGALRM`` (Windows), it does nothing: there the hook's :class:`Deadline`, which every Rally
wait draws on, is the limit (``hook_entry.pre_push`` sets both to the same moment).
"""

from __future__ import annotations

import signal
import threading
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import FrameType, TracebackType
    from typing import Any


class TimeUp(Exception):
    """An exception for an :class:`Alarm` when the caller has none of its own. Not an
    ``OSError``: HTTP and socket layers turn those (``TimeoutError`` included) into their own
    errors, and the alarm would be lost in a retry."""


class Alarm:
    """``with Alarm(2.0, Unreachable("no answer within 2 s")): ...``"""

    def __init__(self, seconds: float, error: BaseException) -> None:
        self.seconds = seconds
        self.error = error
        self._previous: Any = None
        self._armed = False
        self._left: float = 0.0
        self._started = 0.0
        self._outer_first = False

    def __enter__(self) -> Alarm:
        main = threading.current_thread() is threading.main_thread()
        if main and hasattr(signal, "SIGALRM") and self.seconds > 0:
            self._started = time.monotonic()
            self._previous = signal.signal(signal.SIGALRM, self._fire)
            self._left = signal.getitimer(signal.ITIMER_REAL)[0]
            # An outer alarm due sooner keeps its time: it fires through its own handler.
            self._outer_first = 0 < self._left <= self.seconds
            signal.setitimer(signal.ITIMER_REAL, self._left if self._outer_first else self.seconds)
            self._armed = True
        return self

    def _fire(self, signum: int, frame: FrameType | None) -> None:
        if self._outer_first and callable(self._previous):
            self._previous(signum, frame)
        raise self.error

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._previous)
            self._armed = False
            if self._left > 0:  # give an outer alarm back the time it has left
                left = self._left - (time.monotonic() - self._started)
                signal.setitimer(signal.ITIMER_REAL, max(left, 1e-6))
