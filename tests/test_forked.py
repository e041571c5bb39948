"""``forked.beside``: a result from a second process, or from this one when no child can give it.

Forking inside the test process is avoided (pytest-xdist workers run threads): the cases with
a real child run in a fresh interpreter.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from pantheon_git import forked
from tests.support.fresh import printed

USABLE = """
import os, sys, time
from pantheon_git import forked
forked.usable = lambda: True  # whatever the cores here
"""


def run_script(body: str) -> list[str]:
    """The lines ``body`` prints in a fresh interpreter, where ``forked`` counts as usable."""
    return printed(USABLE, body, timeout=60)


def test_the_result_comes_from_a_child() -> None:
    out = run_script(
        """
        with forked.beside(lambda: (os.getpid(), [1, "two", {3: 4.0}])) as result:
            pid, value = result()
        print(pid != os.getpid(), value)
        """
    )
    assert out == ["True [1, 'two', {3: 4.0}]"]


def test_a_child_that_fails_leaves_the_work_to_the_parent() -> None:
    out = run_script(
        """
        import signal
        parent = os.getpid()

        def exits():
            if os.getpid() != parent:
                os._exit(3)
            return "exits"

        def raises():
            if os.getpid() != parent:
                raise RuntimeError("child only")
            return "raises"

        def killed():
            if os.getpid() != parent:
                os.kill(os.getpid(), signal.SIGKILL)
            return "killed"

        def unpicklable():
            return (lambda: None) if os.getpid() != parent else "unpicklable"

        for fn in (exits, raises, killed, unpicklable):
            with forked.beside(fn) as result:
                print(result())
        """
    )
    assert out == ["exits", "raises", "killed", "unpicklable"]


def test_an_error_of_the_computation_is_raised_here() -> None:
    out = run_script(
        """
        def broken():
            raise ValueError(f"broken in {os.getpid()}")

        try:
            with forked.beside(broken) as result:
                result()
        except ValueError as error:
            print(str(error) == f"broken in {os.getpid()}")
        """
    )
    assert out == ["True"]


def test_a_result_not_asked_for_stops_the_child(tmp_path: Path) -> None:
    out = run_script(
        f"""
        marker = {str(tmp_path / "pid")!r}

        def slow():
            with open(marker, "w") as f:
                f.write(str(os.getpid()))
            time.sleep(120)

        with forked.beside(slow):
            while not os.path.exists(marker) or not open(marker).read():
                time.sleep(0.01)
        child = int(open(marker).read())
        try:
            os.kill(child, 0)
            print("still there")
        except ProcessLookupError:
            print("gone")
        """
    )
    assert out == ["gone"]


def test_where_fork_fails_the_result_is_computed_here(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> int:
        raise OSError("Resource temporarily unavailable")

    monkeypatch.setattr(forked, "usable", lambda: True)
    monkeypatch.setattr(os, "fork", refuse)
    with forked.beside(os.getpid) as result:
        assert result() == os.getpid()


def test_not_usable_while_another_thread_runs() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not forked.usable()
        with forked.beside(os.getpid) as result:
            assert result() == os.getpid()
    finally:
        stop.set()
        thread.join()


def test_the_running_count_is_read_from_loadavg() -> None:
    assert forked.running_in("0.52 0.61 0.70 3/412 9917\n") == 3
    assert forked.running_in("12.00 8.10 4.00 17/1024 12\n") == 17


def test_not_usable_while_other_processes_hold_every_core() -> None:
    out = run_script(
        """
        import importlib
        importlib.reload(forked)  # the real usable()
        os.sched_getaffinity = lambda pid: {0, 1}
        for running in (1, 2, 5):
            forked._least_running = lambda: running
            print(running, forked.usable())
        """
    )
    assert out == ["1 True", "2 False", "5 False"]


def test_the_parents_signal_handlers_do_not_run_in_the_child(tmp_path: Path) -> None:
    out = run_script(
        f"""
        import signal
        marker = {str(tmp_path / "handled")!r}
        signal.signal(signal.SIGTERM, lambda *_: open(marker, "w").write(str(os.getpid())))
        parent = os.getpid()

        def terminated():
            if os.getpid() != parent:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(30)
            return "computed here"

        with forked.beside(terminated) as result:
            print(result())
        print(os.path.exists(marker))
        """
    )
    assert out == ["computed here", "False"]
