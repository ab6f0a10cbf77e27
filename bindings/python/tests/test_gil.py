"""Blocking calls release the GIL: another Python thread keeps running during them."""

import threading
import time
from pathlib import Path
from typing import Callable

import renderiq

from conftest import Server


def count_during(call: Callable[[], object]) -> "tuple[int, float]":
    """Runs `call` while another thread counts as fast as it can; returns (count, seconds)."""
    counter = [0]
    stop = threading.Event()

    def spin() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            if n % 1000 == 0:
                counter[0] = n
        counter[0] = n

    t = threading.Thread(target=spin)
    t.start()
    time.sleep(0.05)  # let it start
    before = counter[0]
    started = time.monotonic()
    try:
        call()
    finally:
        elapsed = time.monotonic() - started
        during = counter[0] - before
        stop.set()
        t.join()
    return during, elapsed


def test_another_thread_advances_during_a_blocking_wait(slow_server: Server, png_file: Path) -> None:
    client = slow_server.signed_in()
    created = client.create_render(png_file, quality="standard")
    during, elapsed = count_during(lambda: client.wait_for_render(created, timeout=60))
    assert elapsed > 1.0, "the wait really blocked"
    # A thread holding the GIL for the whole wait would leave the counter at ~0; released, the
    # counter runs at full speed (millions per second).
    assert during > 200_000 * elapsed, f"only {during} increments in {elapsed:.1f} s"


def test_another_thread_advances_while_operation_result_blocks(slow_server: Server, png_file: Path) -> None:
    client = slow_server.signed_in()
    op = client.start_render(png_file, quality="standard", timeout=60)
    during, elapsed = count_during(lambda: op.result(timeout=60))
    assert elapsed > 1.0
    assert during > 200_000 * elapsed, f"only {during} increments in {elapsed:.1f} s"
