"""Blocking calls release the GIL: another Python thread runs while they block.

No throughput threshold: the blocking call waits on a render that can only end by being
cancelled (`pending_render`: queued behind an hour-long render), and only another Python thread
cancels it, after it knows that the call is in progress. Were the GIL held for the whole call,
that thread could not run until the call returned, and the call would wait out its timeout.
"""

import concurrent.futures
import sys
import threading
from typing import Callable, Tuple

import pytest

import renderiq

from conftest import Server, long_poll_log

DEADLINE = 60.0  # seconds; only reached when the GIL is not released


def cancel_from_another_thread(
    client: renderiq.Client, render_id: str, when: Callable[[], None]
) -> Tuple[threading.Thread, threading.Event, list]:
    """Starts a Python thread that waits for `when()` to return, then cancels the render and
    sets the returned event. Its errors land in the returned list."""
    acted, errors = threading.Event(), []

    def run() -> None:
        try:
            when()
            client.cancel_render(render_id)
            acted.set()
        except BaseException as e:  # reported by the test
            errors.append(e)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, acted, errors


def test_another_thread_runs_during_a_blocking_wait(
    held_server: Server, pending_render: Tuple[renderiq.Client, str]
) -> None:
    client, render_id = pending_render

    # Proof that the wait is in progress: the server received its long-poll for the render.
    def wait_started() -> None:
        held_server.wait_for_log(*long_poll_log(render_id), timeout=DEADLINE)

    thread, acted, errors = cancel_from_another_thread(client, render_id, wait_started)
    try:
        with pytest.raises(renderiq.CancelledError):
            client.wait_for_render(render_id, timeout=DEADLINE)
    except renderiq.TimeoutError:
        pytest.fail(f"the wait ran out its {DEADLINE} s: the other thread never ran during it (GIL held?)")
    thread.join(DEADLINE)
    assert not errors, errors
    assert acted.is_set(), "the wait ended because the other thread cancelled the render"
    assert client.get_render(render_id).status == "cancelled"


def test_another_thread_runs_while_operation_result_blocks(pending_render: Tuple[renderiq.Client, str]) -> None:
    client, render_id = pending_render
    op = client.start_wait_for_render(render_id, timeout=DEADLINE)
    calling = threading.Event()
    # With a switch interval this long the interpreter never takes the GIL from a thread: a
    # thread gives it up only by blocking (I/O, a lock, a native call that releases it). Between
    # `calling.set()` and the end of `op.result()` the main thread blocks nowhere else, so the
    # other thread, woken by the event, can run only once `result()` has released the GIL.
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)
    try:
        thread, acted, errors = cancel_from_another_thread(client, render_id, lambda: calling.wait(DEADLINE) or None)
        calling.set()
        try:
            with pytest.raises(renderiq.CancelledError):
                op.result(timeout=DEADLINE)
        except (TimeoutError, concurrent.futures.TimeoutError):
            pytest.fail(f"result() ran out its {DEADLINE} s: the other thread never ran during it (GIL held?)")
    finally:
        sys.setswitchinterval(previous)
    thread.join(DEADLINE)
    assert not errors, errors
    assert acted.is_set(), "result() ended because the other thread cancelled the render"
    assert client.get_render(render_id).status == "cancelled"

