"""The Blender add-on's timer state machine (examples/blender/renderiq_render/core.py) without
Blender: it has no `bpy` import, so it runs here against the reference server."""

import sys
import time
from pathlib import Path
from typing import List

import pytest

from conftest import REPO, Server

sys.path.insert(0, str(REPO / "examples" / "blender"))
from renderiq_render import core  # noqa: E402


def drive(job: core.RenderJob, seconds: float = 60) -> List[str]:
    """Calls tick() as bpy.app.timers would, honouring the interval it returns. The panel's
    percentage never goes down."""
    statuses, percents, deadline = [], [job.percent], time.monotonic() + seconds
    while True:
        interval = job.tick()
        if not statuses or statuses[-1] != job.status:
            statuses.append(job.status)
        assert job.percent >= percents[-1], f"the percentage went down: {percents + [job.percent]}, {statuses}"
        percents.append(job.percent)
        if interval is None:
            return statuses
        assert interval > 0 and time.monotonic() < deadline, statuses
        time.sleep(interval)


def test_nearest_aspect_ratio() -> None:
    assert core.nearest_aspect_ratio(1920, 1080) == "16:9"
    assert core.nearest_aspect_ratio(160, 90) == "16:9"
    assert core.nearest_aspect_ratio(1080, 1920) == "9:16"
    assert core.nearest_aspect_ratio(1024, 1024) == "1:1"
    assert core.nearest_aspect_ratio(0, 10) == "16:9"


def test_token_store_choice_prefers_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RENDERIQ_TOKEN_STORE", raising=False)
    assert core.token_store_choice("KEYCHAIN") == "keychain"
    assert core.token_store_choice("MEMORY") == "memory"
    monkeypatch.setenv("RENDERIQ_TOKEN_STORE", "memory")
    assert core.token_store_choice("KEYCHAIN") == "memory"


def test_client_cache_rebuilds_only_when_settings_change(server: Server) -> None:
    cache = core.ClientCache()
    a = cache.get(server.url, "memory")
    assert cache.get(server.url, "memory") is a
    assert cache.get(server.url, "keychain") is not a


def test_job_renders_and_downloads(server: Server, png_file: Path, tmp_path: Path) -> None:
    client = server.signed_in(credits=20)
    done = []
    job = core.RenderJob(client, str(png_file), prompt="x", style="clay", quality="standard",
                         aspect_ratio="4:3", output_dir=str(tmp_path), on_done=lambda r, p: done.append((r, p)))
    assert job.state == "capturing"
    job.start()
    statuses = drive(job)
    assert job.state == "done" and job.finished, statuses
    assert statuses[-2:] == ["Downloading the result", "Done"]
    assert job.percent == 100
    render, path = done[0]
    assert render.style == "clay" and render.aspect_ratio == "4:3"
    assert path == tmp_path / f"renderiq-{render.id}.png" and path.read_bytes().startswith(b"\x89PNG")


def test_job_reports_failures_and_cancellation(server: Server, slow_server: Server, png_file: Path) -> None:
    errors = []
    failing = core.RenderJob(server.signed_in(credits=20), str(png_file), prompt="[fail]", quality="standard",
                             on_error=errors.append)
    failing.start()
    drive(failing)
    assert failing.state == "failed" and failing.status.startswith("Failed:")
    assert type(errors[0]).__name__ == "RenderFailedError"

    cancelled = core.RenderJob(slow_server.signed_in(credits=20), str(png_file), quality="standard")
    cancelled.start()
    assert cancelled.tick() is not None
    cancelled.cancel()
    drive(cancelled, seconds=10)
    assert cancelled.state == "cancelled" and cancelled.status == "Cancelled"
