"""Background operations polled as a UI timer would, cancelled midway; Ctrl-C and callback
exceptions cancel blocking waits."""

import concurrent.futures
import os
import signal
import threading
import time
from pathlib import Path
from typing import Tuple

import pytest

import renderiq

from conftest import Server, long_poll_log


def poll(op: renderiq.Operation, seconds: float = 60.0) -> list:
    """Polls like a UI timer: never blocks, records every progress seen."""
    stages = []
    deadline = time.monotonic() + seconds
    while not op.done():
        p = op.progress
        if not stages or stages[-1] != (p.stage, p.percent):
            stages.append((p.stage, p.percent))
        assert time.monotonic() < deadline, f"not done in {seconds} s: {stages}"
        time.sleep(0.01)
    return stages


STAGES = [None, "preparing", "uploading", "pending", "processing", "completed"]


def assert_progress_moves_forward(stages: list) -> None:
    """The stages come in order and, within a stage, the percentage never goes down (each stage
    counts from 0 to 100 on its own: the upload, then the render on the server)."""
    for (stage_a, percent_a), (stage_b, percent_b) in zip(stages, stages[1:]):
        assert STAGES.index(stage_b) >= STAGES.index(stage_a), f"the stage went back: {stages}"
        if stage_b == stage_a:
            assert percent_b >= percent_a, f"the progress went down: {stages}"


def test_start_render_polled_to_done(client: renderiq.Client, png_file: Path) -> None:
    op = client.start_render(png_file, prompt="timer", quality="standard", timeout=60)
    assert isinstance(op, renderiq.Operation)
    stages = poll(op)
    assert op.done() and not op.running()
    render = op.result()
    assert render.status == "completed" and render.output_url
    assert op.result() == render, "the result can be asked again"
    assert op.exception() is None and not op.cancelled()
    assert op.cancel() is False, "too late to cancel"
    final = op.progress
    assert final.percent == 100 and final.render is not None and final.render.id == render.id
    seen = {stage for stage, _ in stages}
    assert seen & {"preparing", "uploading", "pending", "processing"}, stages
    assert_progress_moves_forward(stages + [(final.stage, final.percent)])
    assert "done" in repr(op)


def test_start_create_render_returns_the_new_render(client: renderiq.Client, png_file: Path) -> None:
    op = client.start_create_render(png_file, quality="standard")
    created = op.result(timeout=30)
    assert created.status in ("pending", "processing")
    assert client.wait_for_render(created, timeout=60).status == "completed"


def test_operation_cancelled_midway(pending_render: Tuple[renderiq.Client, str]) -> None:
    client, render_id = pending_render  # stays pending: only cancellation can end the wait
    op = client.start_wait_for_render(render_id, timeout=60, long_poll=False)
    deadline = time.monotonic() + 30
    while op.progress.render is None:
        assert time.monotonic() < deadline, "the wait never reported the render"
        time.sleep(0.02)
    assert not op.done()
    with pytest.raises(concurrent.futures.TimeoutError):
        op.result(timeout=0.05)
    assert not op.done(), "a result() timeout leaves the operation running"
    assert op.cancel() is True
    with pytest.raises(renderiq.CancelledError) as info:
        op.result(timeout=30)  # the render never ends by itself: cancel() ended the wait
    assert info.value.kind == "cancelled"
    assert op.done() and op.cancelled()
    assert isinstance(op.exception(), renderiq.CancelledError)


def test_failed_background_render_raises_from_result(client: renderiq.Client, png_file: Path) -> None:
    op = client.start_render(png_file, prompt="[fail] please", quality="standard", timeout=60)
    poll(op)
    with pytest.raises(renderiq.RenderFailedError):
        op.result()
    assert isinstance(op.exception(), renderiq.RenderFailedError)
    assert not op.cancelled()


def test_cancelling_a_render_operation_withdraws_the_pending_render(
    slow_server: Server, png_file: Path
) -> None:
    client = slow_server.signed_in()
    client.create_render(png_file, quality="standard")  # keeps the only worker busy
    before = client.credits().balance
    op = client.start_render(png_file, quality="standard", timeout=60)
    deadline = time.monotonic() + 10
    while op.progress.render is None:
        assert time.monotonic() < deadline, "the render was never created"
        time.sleep(0.01)
    queued = op.progress.render
    assert queued.status == "pending"
    assert client.credits().balance < before, "it was charged"
    assert op.cancel() is True
    with pytest.raises(renderiq.CancelledError):
        op.result(timeout=5)
    while client.get_render(queued.id).status == "pending":
        assert time.monotonic() < deadline, "still pending on the server"
        time.sleep(0.02)
    assert client.get_render(queued.id).status == "cancelled"
    assert client.credits().balance == before, "its credits were refunded"


def test_ctrl_c_cancels_a_blocking_wait(held_server: Server, pending_render: Tuple[renderiq.Client, str]) -> None:
    client, render_id = pending_render  # stays pending: only Ctrl-C can end the wait early
    # A process started in the background by a non-interactive shell (as CI runners do)
    # inherits SIGINT ignored, and Python then installs no KeyboardInterrupt handler. Install
    # the handler an interactive session has, so the test sees what a user pressing Ctrl-C sees.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)

    def press_ctrl_c_during_the_wait() -> None:
        held_server.wait_for_log(*long_poll_log(render_id), timeout=60)  # the wait is in progress
        os.kill(os.getpid(), signal.SIGINT)

    presser = threading.Thread(target=press_ctrl_c_during_the_wait, daemon=True)
    presser.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            client.wait_for_render(render_id, timeout=120)  # else: renderiq.TimeoutError
    finally:
        presser.join(60)
        signal.signal(signal.SIGINT, previous)
    assert client.get_render(render_id).status == "pending", "Ctrl-C ended the wait, not the render"


def test_exception_in_progress_callback_cancels_the_wait(pending_render: Tuple[renderiq.Client, str]) -> None:
    client, render_id = pending_render  # stays pending: only the callback can end the wait early

    class Stop(Exception):
        pass

    reports = []

    def on_progress(p: renderiq.Progress) -> None:
        reports.append(p)
        raise Stop(p.stage)

    with pytest.raises(Stop):
        client.wait_for_render(render_id, timeout=120, on_progress=on_progress, long_poll=False)
    assert len(reports) == 1, "the first report raised and ended the wait"
    assert reports[0].render.status == "pending"


def test_progress_callback_runs_on_the_calling_thread(slow_server: Server, png_file: Path) -> None:
    client = slow_server.signed_in()
    threads, percents = set(), []

    def on_progress(p: renderiq.Progress) -> None:
        threads.add(threading.get_ident())
        percents.append(p.percent)

    created = client.create_render(png_file, quality="standard")
    client.wait_for_render(created, timeout=60, on_progress=on_progress, long_poll=False)
    assert threads == {threading.get_ident()}
    assert len(percents) >= 2, f"polling reports states before the end: {percents}"
    assert percents == sorted(percents) and percents[-1] == 100


def test_ctrl_c_during_render_withdraws_the_pending_render(
    held_server: Server, pending_render: Tuple[renderiq.Client, str], png_file: Path
) -> None:
    client, queued = pending_render  # the only worker is busy: a new render stays pending
    before = client.credits().balance
    known = {r.id for r in client.renders()}
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    created = []

    def press_ctrl_c_once_the_render_is_queued() -> None:
        deadline = time.monotonic() + 60
        while not created and time.monotonic() < deadline:
            created.extend(r.id for r in client.list_renders(status="pending").items if r.id not in known)
            time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGINT)

    presser = threading.Thread(target=press_ctrl_c_once_the_render_is_queued, daemon=True)
    presser.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            client.render(png_file, quality="standard", timeout=120)  # the `render` call, started
    finally:
        presser.join(60)
        signal.signal(signal.SIGINT, previous)
    assert len(created) == 1, "the render was created before Ctrl-C"
    assert client.get_render(created[0]).status == "cancelled", "Ctrl-C withdrew it"
    assert client.get_render(queued).status == "pending"
    assert client.credits().balance == before, "its credits were refunded"
