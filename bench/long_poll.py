#!/usr/bin/env python3
"""Render long-polls at scale (issue 15): many concurrent `?wait=30&until=change` waiters.

One release build of renderiq-server on its SQLite database, one render worker kept busy with a
render that takes ten minutes, so the 100 renders created after it stay pending. Then:

1. 10,000 long-polls (`GET /renders/{id}?wait=30&until=change`), 100 per render, each on its own
   connection, held at once (one asyncio client, raw HTTP/1.1);
2. the server's RSS is read from /proc (before the waiters, while they are all held, peak);
3. 20 of the renders are cancelled one after another; for each, the time from sending the
   cancel to each of its 100 waiters' answers (answer status `cancelled`) is recorded, and no
   waiter of another render may answer meanwhile (a change wakes its own render's waiters only);
4. p50/p99 of those answer times, RSS per waiter, and the targets: server RSS under 300 MB with
   every waiter held, p99 at most 50 ms. Exits 1 when one is missed.

    python3 bench/long_poll.py [--waiters 10000] [--renders 100] [--cancels 20]
        [--server-bin target/release/renderiq-server]

Needs `cargo build --release -p renderiq-server` first. Not part of any test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
import zlib

PASSWORD = "bench-password"


def tiny_png(w: int = 64, h: int = 48) -> bytes:
    raw = b"".join(b"\0" + bytes((x * 4 + y) % 256 for x in range(w * 3)) for y in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def request(url: str, method: str = "GET", body: bytes | None = None, headers: dict | None = None) -> dict:
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(req, timeout=30) as answer:
        return json.load(answer)


def create_render(base: str, token: str) -> str:
    boundary = "renderiq-bench"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"v.png\"\r\n"
            f"Content-Type: image/png\r\n\r\n").encode() + tiny_png() + (
        f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\nbench\r\n"
        f"--{boundary}--\r\n").encode()
    answer = request(f"{base}/api/plugins/renders", "POST", body, {
        "Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"})
    return answer["data"]["id"]


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


async def long_poll(host: str, port: int, token: str, render_id: str, connected: asyncio.Event,
                    answers: dict, counter: list) -> None:
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError as e:
        counter[2].append(repr(e))
        connected.set()
        return
    writer.write((f"GET /api/plugins/renders/{render_id}?wait=30&until=change HTTP/1.1\r\n"
                  f"Host: {host}\r\nAuthorization: Bearer {token}\r\n\r\n").encode())
    await writer.drain()
    counter[0] += 1
    if counter[0] == counter[1]:
        connected.set()
    head = await reader.readuntil(b"\r\n\r\n")
    at = time.perf_counter()
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    body = json.loads(await reader.readexactly(length))
    answers.setdefault(render_id, []).append((at, head.split(b" ")[1], body["data"]["status"]))
    writer.close()


async def run(args, host: str, port: int, token: str, render_ids: list, pid: int) -> int:
    connected = asyncio.Event()
    answers: dict = {}
    counter = [0, args.waiters, []]
    idle_rss = rss_mb(pid)
    tasks = []
    started = time.perf_counter()
    for i in range(args.waiters):
        render_id = render_ids[i % len(render_ids)]
        tasks.append(asyncio.create_task(long_poll(host, port, token, render_id, connected, answers, counter)))
        if i % 200 == 199:
            await asyncio.sleep(0)  # let the connections open as we go
    try:
        await asyncio.wait_for(connected.wait(), 120)
    except asyncio.TimeoutError:
        pass
    if counter[0] < args.waiters:
        print(f"only {counter[0]} of {args.waiters} long-polls were sent; errors: {counter[2][:3]}",
              file=sys.stderr)
        return 1
    # Each request is sent; give the server a moment to read the last ones and park them.
    await asyncio.sleep(1.0)
    setup = time.perf_counter() - started
    held_rss = rss_mb(pid)
    answered_early = sum(len(v) for v in answers.values())
    print(f"{args.waiters} long-polls held over {len(render_ids)} renders after {setup:.1f} s; "
          f"{answered_early} answered before any change")

    latencies = []
    strays = 0
    cancelled = render_ids[: args.cancels]
    for render_id in cancelled:
        others_before = sum(len(v) for k, v in answers.items() if k != render_id)
        sent = time.perf_counter()
        await asyncio.to_thread(request, f"{base_url(host, port)}/api/plugins/renders/{render_id}/cancel",
                                "POST", b"", {"Authorization": f"Bearer {token}"})
        deadline = sent + 5
        while len(answers.get(render_id, [])) < args.waiters // len(render_ids) and time.perf_counter() < deadline:
            await asyncio.sleep(0.001)
        got = answers.get(render_id, [])
        if len(got) < args.waiters // len(render_ids):
            print(f"only {len(got)} waiters of {render_id} answered within 5 s", file=sys.stderr)
            return 1
        bad = [a for a in got if a[1] != b"200" or a[2] != "cancelled"]
        if bad:
            print(f"unexpected answers for {render_id}: {bad[:3]}", file=sys.stderr)
            return 1
        latencies += [(at - sent) * 1000 for at, _, _ in got]
        strays += sum(len(v) for k, v in answers.items() if k != render_id) - others_before
        await asyncio.sleep(0.1)
    peak_rss = rss_mb(pid, "VmHWM")

    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)

    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    per_waiter_kb = (held_rss - idle_rss) * 1024 / args.waiters
    print()
    print("| long-polls held | server RSS idle | RSS held | peak | per waiter | change → answers p50 | p99 | max |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {args.waiters:,} over {len(render_ids)} renders | {idle_rss:.0f} MB | {held_rss:.0f} MB | "
          f"{peak_rss:.0f} MB | {per_waiter_kb:.1f} KB | {p50:.1f} ms | {p99:.1f} ms | {latencies[-1]:.1f} ms |")
    print(f"\n{len(latencies)} answers to {len(cancelled)} cancels; waiters of other renders answered "
          f"meanwhile: {strays}")
    failed = []
    if held_rss >= args.max_rss_mb:
        failed.append(f"server RSS {held_rss:.0f} MB with the waiters held, target < {args.max_rss_mb} MB")
    if p99 > args.max_p99_ms:
        failed.append(f"change → answers p99 {p99:.1f} ms, target <= {args.max_p99_ms} ms")
    if strays:
        failed.append(f"{strays} waiters of renders that did not change answered")
    for f in failed:
        print(f"BELOW TARGET: {f}", file=sys.stderr)
    return 1 if failed else 0


def base_url(host: str, port: int) -> str:
    return f"http://{host}:{port}"


def main() -> int:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(root, "target"))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server-bin", default=os.path.join(target, "release", "renderiq-server"))
    parser.add_argument("--waiters", type=int, default=10000)
    parser.add_argument("--renders", type=int, default=100)
    parser.add_argument("--cancels", type=int, default=20)
    parser.add_argument("--max-rss-mb", type=float, default=300)
    parser.add_argument("--max-p99-ms", type=float, default=50)
    args = parser.parse_args()
    if not os.path.exists(args.server_bin):
        sys.exit(f"{args.server_bin} not found: run `cargo build --release -p renderiq-server` first")
    need = args.waiters + 1000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(need, min(hard, 1 << 20)), max(hard, need)))

    data_dir = tempfile.mkdtemp(prefix="renderiq-longpoll-")
    server = None
    try:
        subprocess.run([args.server_bin, "user", "add", "--email", "bench@example.com", "--password", PASSWORD,
                        "--credits", "100000", "--data-dir", data_dir], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # The server inherits the raised file limit.
        server = subprocess.Popen(
            [args.server_bin, "serve", "--bind", "127.0.0.1:0", "--data-dir", data_dir,
             "--read-rate-limit", "0", "--create-rate-limit", "0", "--user-read-rate-limit", "0",
             "--user-create-rate-limit", "0", "--max-pending-renders", "0",
             "--max-waiters-per-user", str(args.waiters), "--max-connections", str(args.waiters + 100),
             "--workers", "1",
             "--render-delay-ms", "600000", "--token-ttl-seconds", "3600"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = server.stdout.readline().strip()
        url = line.split()[-1]
        host, port = url.removeprefix("http://").split(":")
        port = int(port)
        base = base_url(host, port)
        token = request(f"{base}/api/plugins/auth/signin", "POST",
                        json.dumps({"email": "bench@example.com", "password": PASSWORD}).encode(),
                        {"Content-Type": "application/json"})["data"]["accessToken"]
        create_render(base, token)  # the one the only worker takes, for ten minutes
        time.sleep(0.5)
        render_ids = [create_render(base, token) for _ in range(args.renders)]
        print(f"server {url} ({os.path.relpath(args.server_bin, root)}), {os.cpu_count()} CPUs, "
              f"{len(render_ids)} pending renders")
        return asyncio.run(run(args, host, port, token, render_ids, server.pid))
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
