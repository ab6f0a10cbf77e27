"""Fixtures: the real reference server (`renderiq-server`) with a temporary data dir, users,
signed-in clients and test images.

The server binary comes from ``$RENDERIQ_SERVER_BIN`` or ``target/debug/renderiq-server`` at
the repository root (``cargo build -p renderiq-server``).
"""

from __future__ import annotations

import io
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import uuid
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

import pytest

import renderiq

REPO = Path(__file__).resolve().parents[3]
VECTORS = REPO / "tests" / "vectors" / "standard-webhooks.json"
PASSWORD = "correct horse battery staple"
LISTENING = re.compile(r"listening on (http://\S+)")


def server_binary() -> Path:
    path = Path(os.environ.get("RENDERIQ_SERVER_BIN", REPO / "target" / "debug" / "renderiq-server"))
    if not path.is_file():
        pytest.exit(
            f"reference server binary not found at {path}: run `cargo build -p renderiq-server` "
            "or set RENDERIQ_SERVER_BIN",
            returncode=2,
        )
    return path


# The whole suite signs in from 127.0.0.1, often as one user: far above the shipped sign-in
# limits (60 a minute per address, 10 per email), which are tested in server-mock/tests.
SUITE_AUTH_LIMITS = ["--auth-rate-limit", "10000", "--sign-in-rate-limit", "10000"]


class Server:
    """One `renderiq-server serve` process on 127.0.0.1 with its own data dir."""

    def __init__(self, *args: str, rust_log: Optional[str] = None) -> None:
        self.bin = server_binary()
        self.data_dir = Path(tempfile.mkdtemp(prefix="renderiq-pytest-"))
        self.args = list(args)
        self.rust_log = rust_log
        self.proc: Optional[subprocess.Popen[str]] = None
        self.url = ""
        self.log: List[str] = []
        self.logged = threading.Condition()

    def start(self) -> "Server":
        env = dict(os.environ, RUST_LOG=self.rust_log or os.environ.get("RUST_LOG", "warn"), NO_COLOR="1")
        self.proc = subprocess.Popen(
            [str(self.bin), "serve", "--bind", "127.0.0.1:0", "--data-dir", str(self.data_dir), "--test-hooks",
             "--allow-private-webhooks", *SUITE_AUTH_LIMITS, *self.args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        lines: "queue.Queue[Optional[str]]" = queue.Queue()

        def pump() -> None:
            assert self.proc and self.proc.stdout
            for line in self.proc.stdout:
                with self.logged:
                    self.log.append(line)
                    self.logged.notify_all()
                lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        while True:
            try:
                line = lines.get(timeout=60)
            except queue.Empty:
                self.stop()
                raise RuntimeError("the reference server did not start in 60 s:\n" + "".join(self.log))
            if line is None:
                raise RuntimeError("the reference server exited:\n" + "".join(self.log))
            m = LISTENING.search(line)
            if m:
                self.url = m.group(1)
                return self

    def wait_for_log(self, *parts: str, timeout: float = 30.0) -> str:
        """The first log line containing every one of `parts`, waiting up to `timeout` s for it."""

        def found() -> Optional[str]:
            return next((line for line in self.log if all(p in line for p in parts)), None)

        with self.logged:
            if not self.logged.wait_for(lambda: found() is not None, timeout=timeout):
                raise AssertionError(f"no server log line with {parts} in {timeout} s:\n" + "".join(self.log[-50:]))
            return found() or ""

    def add_user(self, credits: int = 1000, email: Optional[str] = None) -> Tuple[str, str]:
        email = email or f"user-{uuid.uuid4().hex[:10]}@example.com"
        subprocess.run(
            [
                str(self.bin), "user", "add",
                "--email", email,
                "--password", PASSWORD,
                "--credits", str(credits),
                "--data-dir", str(self.data_dir),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        return email, PASSWORD

    def client(self, **kwargs: object) -> renderiq.Client:
        kwargs.setdefault("platform", "other")
        kwargs.setdefault("plugin_name", "renderiq-pytest")
        kwargs.setdefault("plugin_version", renderiq.__version__)
        kwargs.setdefault("token_store", "memory")
        return renderiq.Client(self.url, **kwargs)  # type: ignore[arg-type]

    def signed_in(self, credits: int = 1000, **kwargs: object) -> renderiq.Client:
        email, password = self.add_user(credits)
        c = self.client(**kwargs)
        c.sign_in(email, password)
        return c

    def stop(self, kill: bool = False) -> None:
        """Stops the server: gracefully (a render in hand is finished first), or at once."""
        if self.proc and self.proc.poll() is None and kill:
            self.proc.kill()
            self.proc.wait()
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    """The shared server: renders take about 0.3 s."""
    s = Server("--render-delay-ms", "300").start()
    yield s
    s.stop()


@pytest.fixture(scope="session")
def slow_server() -> Iterator[Server]:
    """One worker, renders take 2.5 s: for timeouts, cancellation and GIL tests."""
    s = Server("--render-delay-ms", "2500", "--workers", "1").start()
    yield s
    s.stop()


@pytest.fixture(scope="session")
def held_server() -> Iterator[Server]:
    """One worker, renders take an hour: a render queued behind another stays pending until
    cancelled. Logs every request (tower_http at debug), so a test can see what reached it."""
    s = Server("--render-delay-ms", "3600000", "--workers", "1", rust_log="warn,tower_http=debug").start()
    yield s
    s.stop(kill=True)  # a graceful stop would first finish the render in hand


@pytest.fixture
def pending_render(held_server: Server, png_file: Path) -> Tuple[renderiq.Client, str]:
    """A client and the id of a render of it that stays pending until cancelled: the held
    server's only worker is busy with another render for an hour."""
    client = held_server.signed_in()
    client.create_render(png_file, quality="standard")  # keeps the only worker busy
    render = client.create_render(png_file, quality="standard")
    assert client.get_render(render.id).status == "pending"
    return client, render.id


def long_poll_log(render_id: str) -> Tuple[str, ...]:
    """What the held server logs when a wait's long-poll for `render_id` reaches it: the proof
    that a blocking wait is in progress (only a wait long-polls)."""
    return ("started processing request", f"/renders/{render_id}?", "wait=")


@pytest.fixture(scope="session")
def limited_server() -> Iterator[Server]:
    """One render creation per minute."""
    s = Server("--create-rate-limit", "1").start()
    yield s
    s.stop()


@pytest.fixture
def client(server: Server) -> renderiq.Client:
    """A client signed in as a new user with 1000 credits."""
    return server.signed_in(1000, platform="blender")


def png_bytes(width: int = 64, height: int = 48, color: Tuple[int, int, int] = (40, 120, 200)) -> bytes:
    from PIL import Image

    img = Image.new("RGB", (width, height), color)
    for x in range(width):
        img.putpixel((x, x * height // width), (255, 255, 255))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def png_file(tmp_path: Path) -> Path:
    path = tmp_path / "viewport.png"
    path.write_bytes(png_bytes())
    return path


def pytest_report_header(config: pytest.Config) -> List[str]:
    return [
        f"renderiq {renderiq.__version__} (core {renderiq.SDK_VERSION}) from {Path(renderiq.__file__).parent}",
        f"python {sys.version.split()[0]}",
    ]
