#!/usr/bin/env python3
"""Load benchmark of the reference server (`renderiq-server`), on loopback.

Starts a fresh server (temporary data dir, rate limits raised out of the way), creates a user,
then measures two workloads with a pool of threads, each keeping one keep-alive connection:

  * render status reads: GET /api/plugins/renders/{id}
  * render creation:     POST /api/plugins/renders (multipart, small PNG, quality standard)

Both are bounded in request count and in time. Prints requests/s and p50/p99 latency.
Standard library only.

    cargo build --release -p renderiq-server
    python3 bench/load_server.py                       # uses target/release/renderiq-server
    python3 bench/load_server.py --reads 20000 --creates 2000 --threads 16 --max-seconds 60
"""

import argparse
import http.client
import json
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zlib

PASSWORD = "bench-password"


def tiny_png(w=64, h=48):
    raw = b"".join(b"\x00" + b"".join(bytes(((x * 4) % 256, (y * 5) % 256, 128)) for x in range(w)) for y in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def multipart(image):
    boundary = "bench" + uuid.uuid4().hex
    parts = [
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"view.png\"\r\n"
        f"Content-Type: image/png\r\n\r\n".encode() + image + b"\r\n",
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"quality\"\r\n\r\nstandard\r\n".encode(),
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\nbenchmark\r\n".encode(),
        f"--{boundary}--\r\n".encode(),
    ]
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, int(round(p / 100.0 * (len(ordered) - 1)))))
    return ordered[k]


def run_load(host, port, threads, total, max_seconds, make_request):
    """Runs `total` requests over `threads` connections, stopping early after `max_seconds`."""
    latencies = []
    errors = []
    lock = threading.Lock()
    counter = {"next": 0}
    deadline = time.monotonic() + max_seconds

    def worker():
        conn = http.client.HTTPConnection(host, port, timeout=30)
        local = []
        while True:
            with lock:
                if counter["next"] >= total or time.monotonic() > deadline:
                    break
                i = counter["next"]
                counter["next"] += 1
            method, path, body, headers, expect = make_request(i)
            start = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
                elapsed = time.perf_counter() - start
                if resp.status != expect:
                    with lock:
                        errors.append(resp.status)
                else:
                    local.append(elapsed)
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    errors.append(repr(exc))
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
        conn.close()
        with lock:
            latencies.extend(local)

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    wall = time.perf_counter() - started
    return latencies, errors, wall


def report(name, latencies, errors, wall):
    done = len(latencies)
    print(f"{name}: {done} ok, {len(errors)} errors in {wall:.2f} s -> {done / wall:,.0f} req/s; "
          f"p50 {percentile(latencies, 50) * 1000:.2f} ms, p99 {percentile(latencies, 99) * 1000:.2f} ms, "
          f"mean {statistics.fmean(latencies) * 1000 if latencies else float('nan'):.2f} ms")
    if errors:
        print(f"  first errors: {errors[:5]}")


def call(host, port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = json.loads(resp.read() or b"null")
    conn.close()
    return resp.status, data


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    default_bin = os.path.join(root, "target", "release", "renderiq-server")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server-bin", default=default_bin)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--reads", type=int, default=10000, help="status reads to send (bound)")
    parser.add_argument("--creates", type=int, default=1000, help="render creations to send (bound)")
    parser.add_argument("--max-seconds", type=float, default=30.0, help="time bound per workload")
    parser.add_argument("--workers", type=int, default=2, help="render workers of the server")
    args = parser.parse_args()

    if not os.path.exists(args.server_bin):
        sys.exit(f"{args.server_bin} not found: run `cargo build --release -p renderiq-server` first")

    data_dir = tempfile.mkdtemp(prefix="renderiq-bench-")
    server = None
    try:
        credits = args.creates * 5 + 1000
        subprocess.run([args.server_bin, "user", "add", "--email", "bench@example.com", "--password", PASSWORD,
                        "--credits", str(credits), "--data-dir", data_dir], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        server = subprocess.Popen(
            [args.server_bin, "serve", "--bind", "127.0.0.1:0", "--data-dir", data_dir,
             "--read-rate-limit", "0", "--create-rate-limit", "0", "--render-delay-ms", "0",
             "--workers", str(args.workers)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = server.stdout.readline().strip()
        url = line.rsplit(" ", 1)[-1]
        host, port = url.removeprefix("http://").split(":")
        port = int(port)
        print(f"server: {url} ({os.path.relpath(args.server_bin, root)}), {args.threads} client threads, "
              f"{args.workers} render workers, {os.cpu_count()} CPUs")

        status, session = call(host, port, "POST", "/api/plugins/auth/signin",
                               json.dumps({"email": "bench@example.com", "password": PASSWORD}),
                               {"Content-Type": "application/json"})
        assert status == 200, session
        token = session["data"]["accessToken"]
        auth = {"Authorization": f"Bearer {token}", "x-renderiq-platform": "other"}

        image = tiny_png()
        body, content_type = multipart(image)
        status, created = call(host, port, "POST", "/api/plugins/renders", body,
                               dict(auth, **{"Content-Type": content_type}))
        assert status == 200, created
        render_id = created["data"]["id"]

        def read_request(_):
            return "GET", f"/api/plugins/renders/{render_id}", None, auth, 200

        def create_request(_):
            return "POST", "/api/plugins/renders", body, dict(auth, **{"Content-Type": content_type}), 200

        # Warm-up.
        run_load(host, port, args.threads, 200, 10, read_request)

        latencies, errors, wall = run_load(host, port, args.threads, args.reads, args.max_seconds, read_request)
        report("render status reads (GET /renders/{id})", latencies, errors, wall)
        latencies, errors, wall = run_load(host, port, args.threads, args.creates, args.max_seconds, create_request)
        report("render creation      (POST /renders)   ", latencies, errors, wall)

        status, credits_now = call(host, port, "GET", "/api/plugins/credits", None, auth)
        print(f"credits after the run: {credits_now['data']}")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
