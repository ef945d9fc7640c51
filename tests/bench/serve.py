#!/usr/bin/env python3
"""`rudder serve` load test: 200 SSE clients and 50 list requests a second
for --seconds (default 60) while releases change, on loopback.

Run through `tests/bench/run.sh serve` (release build, fresh cluster).
Seeds --releases releases (x --revisions) across --namespaces namespaces,
starts `rudder serve -A`, waits for the watch's snapshot (/metrics shows
every release), then at once:

- 200 threads each hold `GET /api/v1/events` open and note every event;
- a pacer sends `GET /api/v1/releases` 50 times a second (a pool of
  workers), each timed from send to the end of the body;
- one status-label PATCH of a different release's newest record a second
  (as watch.py does), the send time kept.

Reports list latency p50/p99 and the rate achieved, whether every SSE
client received every change (and the delivery latency p50/p99 across all
clients), and the server's peak RSS (VmHWM). Exits 1 when a client missed
a change or a list request failed.
"""

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(__file__))
from watch import Api, pct, vm_hwm_mib  # noqa: E402


class Sse(threading.Thread):
    def __init__(self, port, token):
        super().__init__(daemon=True)
        self.port, self.token = port, token
        self.seen = {}  # (ns, name, status) -> monotonic time of first sight
        self.synced = threading.Event()
        self.error = None

    def run(self):
        try:
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
            c.request("GET", "/api/v1/events", headers={"Authorization": f"Bearer {self.token}"})
            r = c.getresponse()
            event = None
            while True:
                line = r.readline()
                if not line:
                    return
                line = line.decode().rstrip("\n")
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:") and event == "synced":
                    self.synced.set()
                elif line.startswith("data:") and event == "release" and self.synced.is_set():
                    d = json.loads(line[5:])
                    rel = d["release"]
                    key = (rel["namespace"], rel["name"], rel["status"])
                    self.seen.setdefault(key, time.monotonic())
        except Exception as e:  # noqa: BLE001 - reported, not raised, from a thread
            self.error = repr(e)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--releases", type=int, default=200)
    p.add_argument("--revisions", type=int, default=3)
    p.add_argument("--namespaces", type=int, default=20)
    p.add_argument("--clients", type=int, default=200)
    p.add_argument("--rate", type=int, default=50)
    p.add_argument("--seconds", type=int, default=60)
    p.add_argument("--rudder", required=True)
    p.add_argument("--seed", required=True)
    a = p.parse_args()
    env = dict(os.environ)
    api = Api(env["KUBECONFIG"])
    failures = []

    print(subprocess.run(
        [a.seed, "--namespaces", str(a.namespaces), "--releases", str(a.releases),
         "--revisions", str(a.revisions), "--deep-revisions", "0"],
        check=True, capture_output=True, text=True).stdout.strip(), flush=True)

    token = "bench-token-0123456789abcdef"
    tf = tempfile.NamedTemporaryFile("w", delete=False)
    tf.write(token + "\n")
    tf.close()
    srv = subprocess.Popen(
        [a.rudder, "serve", "-A", "--listen", "127.0.0.1:0", "--token-file", tf.name],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env)
    line = srv.stderr.readline().decode()
    port = int(line.rsplit(":", 1)[1].strip().rstrip("/"))
    hdr = {"Authorization": f"Bearer {token}"}

    def get(path):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        c.request("GET", path, headers=hdr)
        r = c.getresponse()
        body = r.read()
        c.close()
        return r.status, body

    t0 = time.monotonic()
    while True:
        _, m = get("/metrics")
        if m.decode().count("helm_chart_info{") >= a.releases:
            break
        if time.monotonic() - t0 > 120:
            sys.exit("the server's watch never showed every release")
        time.sleep(0.2)
    print(f"serve: snapshot of {a.releases} releases after {time.monotonic() - t0:.1f}s", flush=True)

    clients = [Sse(port, token) for _ in range(a.clients)]
    for c in clients:
        c.start()
    for c in clients:
        if not c.synced.wait(60):
            sys.exit(f"an SSE client never got its snapshot ({c.error})")
    print(f"{a.clients} SSE clients synced", flush=True)

    lat, errors = [], []
    lock = threading.Lock()

    def one_list():
        t = time.monotonic()
        try:
            status, body = get("/api/v1/releases")
            ok = status == 200 and len(json.loads(body)["releases"]) == a.releases
        except Exception as e:  # noqa: BLE001
            ok, status = False, repr(e)
        with lock:
            (lat if ok else errors).append((time.monotonic() - t) * 1000.0 if ok else status)

    changes = []  # (ns, name, status, sent)
    stop = time.monotonic() + a.seconds

    def changer():
        i = 0
        while time.monotonic() < stop - 2:
            r = (i * 7) % a.releases
            ns, name = f"bench-{r % a.namespaces}", f"app-{r}"
            # Seeded newest revisions are deployed: the first visit of a
            # release fails it, the next deploys it again (a real change each time).
            status = "failed" if (i // a.releases) % 2 == 0 else "deployed"
            key = f"sh.helm.release.v1.{name}.v{a.revisions}"
            body = json.dumps({"metadata": {"labels": {"status": status}}})
            sent = time.monotonic()
            api.request("PATCH", f"/api/v1/namespaces/{ns}/secrets/{key}", body,
                        "application/merge-patch+json")
            changes.append((ns, name, status, sent))
            i += 1
            time.sleep(1)

    ch = threading.Thread(target=changer, daemon=True)
    ch.start()
    sent = 0
    with ThreadPoolExecutor(max_workers=32) as pool:
        start = time.monotonic()
        while time.monotonic() < stop:
            due = start + sent / a.rate
            if due > time.monotonic():
                time.sleep(due - time.monotonic())
            pool.submit(one_list)
            sent += 1
    elapsed = time.monotonic() - start
    ch.join()
    time.sleep(3)

    # (ns, name, status) is unique per change while no release is picked
    # twice: 7 is coprime with --releases and there are fewer changes than
    # releases.
    deliver, missed = [], 0
    for c in clients:
        for ns, name, status, t in changes:
            seen = c.seen.get((ns, name, status))
            if seen is None:
                missed += 1
            else:
                deliver.append((seen - t) * 1000.0)
    rss = vm_hwm_mib(srv.pid)
    srv.terminate()
    srv.wait()

    print(f"list: {len(lat)} ok, {len(errors)} failed, {len(lat) / elapsed:.1f} req/s achieved "
          f"(asked {a.rate}); p50 {pct(lat, 50):.1f} ms, p99 {pct(lat, 99):.1f} ms", flush=True)
    print(f"events: {len(changes)} changes x {a.clients} clients, {missed} missed; "
          f"delivery p50 {pct(deliver, 50):.1f} ms, p99 {pct(deliver, 99):.1f} ms", flush=True)
    print(f"server peak RSS (VmHWM): {rss:.1f} MiB", flush=True)
    if errors:
        failures.append(f"{len(errors)} list requests failed: {errors[:3]}")
    if missed:
        failures.append(f"{missed} change deliveries missed")
    for f in failures:
        print("FAIL:", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
