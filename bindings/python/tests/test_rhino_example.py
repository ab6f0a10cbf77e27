"""The Rhino 8 script's render logic (examples/rhino/renderiq_rhino.py) against the reference
server, with a fake viewport capture: everything but the Rhino calls themselves."""

import importlib.util
import io
import time
from pathlib import Path
from types import ModuleType

import pytest
from PIL import Image

from conftest import REPO, Server, png_bytes

SCRIPT = REPO / "examples" / "rhino" / "renderiq_rhino.py"


@pytest.fixture(scope="module")
def rhino_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("renderiq_rhino", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # no Rhino imports happen at import time
    return module


def idle_loop(job, seconds: float = 60.0) -> int:
    """What Rhino's Idle event does: call poll() over and over; returns the number of calls."""
    calls, deadline = 0, time.monotonic() + seconds
    while not job.poll():
        calls += 1
        assert time.monotonic() < deadline, job.status
        time.sleep(0.01)
    return calls


def test_script_header_asks_rhino_for_the_package() -> None:
    head = SCRIPT.read_text().splitlines()[:4]
    assert "# r: renderiq" in head and "#! python3" in head


def test_aspect_ratio_of_common_viewports(rhino_script: ModuleType) -> None:
    assert rhino_script.aspect_ratio_for(1920, 1080) == "16:9"
    assert rhino_script.aspect_ratio_for(1000, 1000) == "1:1"
    assert rhino_script.aspect_ratio_for(1200, 900) == "4:3"
    assert rhino_script.aspect_ratio_for(2560, 1080) == "21:9"
    assert rhino_script.aspect_ratio_for(0, 0) == "16:9"


def test_captured_viewport_renders_and_downloads(rhino_script: ModuleType, server: Server, tmp_path: Path) -> None:
    email, password = server.add_user(credits=20)
    rhino_script.SERVER_URL = server.url
    client = rhino_script.make_client(token_store="memory")
    client.sign_in(email, password)
    capture = png_bytes(800, 450, (90, 90, 90))  # what ViewCapture + Bitmap.Save(Png) produce
    job = rhino_script.ViewportRender(client, capture, width=800, height=450, output_dir=str(tmp_path))
    job.start()
    calls = idle_loop(job)
    assert job.state == "done", job.status
    assert calls > 1, "Idle polled without blocking"
    assert job.render.aspect_ratio == "16:9" and job.render.quality == "standard"
    assert job.result_path.parent == tmp_path
    Image.open(io.BytesIO(job.result_path.read_bytes())).verify()
    assert client.credits().balance == 15


def test_failures_end_the_job_with_a_message(rhino_script: ModuleType, server: Server, tmp_path: Path) -> None:
    email, password = server.add_user(credits=3)
    rhino_script.SERVER_URL = server.url
    client = rhino_script.make_client(token_store="memory")
    client.sign_in(email, password)
    job = rhino_script.ViewportRender(client, png_bytes(), width=64, height=48, output_dir=str(tmp_path))
    job.start()
    idle_loop(job)
    assert job.state == "failed"
    assert "not enough credits (3 of 5)" in job.status
