#!/usr/bin/env python3
"""watch benchmark: what `rudder watch` costs and how fast it reacts.

Run through `tests/bench/run.sh watch`, which builds rudder (release) and
the seeder and starts a fresh cluster. Seeds 500 releases x 10 revisions
(5,000 records), then:

1. starts `rudder watch -A -o json` and waits for its snapshot (`synced`);
2. latency: 200 record writes (a PATCH of the newest revision's `status`
   label of 200 different releases, one at a time), each timed from just
   before the request is sent to the moment the matching event line is read
   from watch's stdout; p50 and p99 (target p99 < 250 ms);
3. idle: LIST requests the API server counts (its /metrics,
   `apiserver_request_total`) while watch sits idle for --idle seconds
   (target 0), and watch's peak RSS (VmHWM; target <= 64 MiB); the same for
   `rudder ui -A` in a detached tmux (160x48, its own tmux server) when the
   build has it: started once the watch is idle, timed until the header
   shows every release (500/500: the 5,000 records), its startup LISTs
   counted, then idle together with the watch (0 LISTs in all is 0 for
   each) and its peak RSS;
4. for comparison, the LIST requests and bytes (`apiserver_response_sizes`)
   of one `helm list -A` (v3 and v4; median of 3), scaled to the seed's
   30 s poll loop and to k9s-style 2 s relists, per minute.
"""

import argparse
import base64
import http.client
import json
import os
import re
import selectors
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

import yaml


class Api:
    """A tiny client for the API server, from the kubeconfig's admin user."""

    def __init__(self, kubeconfig):
        with open(kubeconfig) as f:
            kc = yaml.safe_load(f)
        cluster = kc["clusters"][0]["cluster"]
        user = next(u for u in kc["users"] if u["name"] == "admin")["user"]
        m = re.match(r"https://([^:/]+):(\d+)", cluster["server"])
        self.host, self.port = m.group(1), int(m.group(2))
        self.ctx = ssl.create_default_context(
            cadata=base64.b64decode(cluster["certificate-authority-data"]).decode())
        self.token = user["token"]
        self.conn = None

    def request(self, method, path, body=None, content_type="application/json"):
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx)
            headers = {"Authorization": f"Bearer {self.token}"}
            if body is not None:
                headers["Content-Type"] = content_type
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
            except (http.client.HTTPException, OSError):
                self.conn = None
                if attempt:
                    raise
                continue
            if resp.status >= 300:
                sys.exit(f"{method} {path}: {resp.status} {data[:300]!r}")
            return data

    def metrics(self):
        """(LIST requests, LIST response bytes) for secrets, and all LISTs."""
        text = self.request("GET", "/metrics").decode()
        lists = secret_lists = secret_bytes = 0.0
        for line in text.splitlines():
            if line.startswith("apiserver_request_total{") and 'verb="LIST"' in line:
                n = float(line.rsplit(" ", 1)[1])
                lists += n
                if 'resource="secrets"' in line:
                    secret_lists += n
            if line.startswith("apiserver_response_sizes_sum{") and 'verb="LIST"' in line \
                    and 'resource="secrets"' in line:
                secret_bytes += float(line.rsplit(" ", 1)[1])
        return {"lists": lists, "secret_lists": secret_lists, "secret_bytes": secret_bytes}


def delta(after, before):
    return {k: after[k] - before[k] for k in after}


def proc_status_mib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def vm_hwm_mib(pid):
    return proc_status_mib(pid, "VmHWM")


class WatchProc:
    def __init__(self, rudder, env):
        self.proc = subprocess.Popen(
            [rudder, "watch", "-A", "-o", "json"], stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=env)
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.proc.stdout, selectors.EVENT_READ)
        self.buf = b""

    def next(self, timeout):
        """The next JSON line and the monotonic time it was read."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not self.sel.select(left):
                err = self.proc.stderr.read1(4096) if self.proc.poll() is not None else b""
                sys.exit(f"no event from rudder watch in {timeout}s {err!r}")
            chunk = self.proc.stdout.read()
            if chunk == b"":
                sys.exit("rudder watch exited")
            if chunk:
                self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line), time.monotonic()

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


class UiProc:
    """`rudder ui -A` in a detached tmux session on a private tmux server
    (its own socket, no user configuration), 160x48."""

    def __init__(self, rudder, env, releases):
        self.rudder = rudder
        self.env = dict(env)
        self.env.pop("TMUX", None)
        self.env.update({"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "NO_COLOR": "1"})
        self.dir = tempfile.mkdtemp(prefix="rudder-bench-ui.")
        self.socket = os.path.join(self.dir, "s")
        self.pid = None

    def tmux(self, *args):
        return subprocess.run(["tmux", "-S", self.socket, *args], check=True,
                              capture_output=True, text=True, env=self.env).stdout

    def start(self):
        self.tmux("-f", "/dev/null", "new-session", "-d", "-s", "ui", "-x", "160", "-y", "48",
                  f"exec {self.rudder} ui -A")
        pane = int(self.tmux("list-panes", "-t", "ui", "-F", "#{pane_pid}").split()[0])
        # `exec`: the pane's process is rudder itself.
        self.pid = pane
        exe = os.readlink(f"/proc/{pane}/exe")
        if os.path.basename(exe) != os.path.basename(self.rudder):
            sys.exit(f"the tmux pane runs {exe}, not rudder")

    def screen(self):
        return self.tmux("capture-pane", "-p", "-t", "ui")

    def wait_for(self, text, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.2)
        sys.exit(f"rudder ui never showed {text!r}; screen:\n{self.screen()}")

    def stop(self):
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], capture_output=True)


def pct(xs, p):
    xs = sorted(xs)
    k = (len(xs) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--releases", type=int, default=500)
    p.add_argument("--revisions", type=int, default=10)
    p.add_argument("--namespaces", type=int, default=50)
    p.add_argument("--changes", type=int, default=200)
    p.add_argument("--idle", type=int, default=300, help="seconds watch sits idle")
    p.add_argument("--rudder", required=True)
    p.add_argument("--seed", required=True)
    a = p.parse_args()
    env = dict(os.environ)
    api = Api(env["KUBECONFIG"])
    helm3, helm4 = env["HELM3"], env["HELM4"]
    failures = []

    t0 = time.monotonic()
    print(subprocess.run(
        [a.seed, "--namespaces", str(a.namespaces), "--releases", str(a.releases),
         "--revisions", str(a.revisions), "--deep-revisions", "0"],
        check=True, capture_output=True, text=True).stdout.strip(), flush=True)
    print(f"seeded {a.releases * a.revisions} records in {time.monotonic() - t0:.1f}s", flush=True)

    # 1. Start and snapshot.
    before_start = api.metrics()
    t0 = time.monotonic()
    w = WatchProc(a.rudder, env)
    added = 0
    while True:
        ev, _ = w.next(120)
        if ev["event"] == "synced":
            break
        added += 1
    startup = time.monotonic() - t0
    start_cost = delta(api.metrics(), before_start)
    print(f"watch: snapshot of {added} releases in {startup:.2f}s, "
          f"{start_cost['secret_lists']:.0f} LIST of secrets at startup", flush=True)
    if added != a.releases:
        failures.append(f"snapshot had {added} releases, expected {a.releases}")

    # 2. Latency of 200 changes.
    lat = []
    for i in range(a.changes):
        r = i % a.releases
        ns = f"bench-{r % a.namespaces}"
        name = f"app-{r}"
        key = f"sh.helm.release.v1.{name}.v{a.revisions}"
        status = "failed" if (i // a.releases) % 2 == 0 else "deployed"
        patch = json.dumps({"metadata": {"labels": {"status": status}}})
        sent = time.monotonic()
        api.request("PATCH", f"/api/v1/namespaces/{ns}/secrets/{key}", patch,
                    "application/merge-patch+json")
        while True:
            ev, seen = w.next(30)
            if ev.get("name") == name and ev.get("namespace") == ns and ev.get("status") == status:
                break
        lat.append((seen - sent) * 1000.0)
    p50, p99 = pct(lat, 50), pct(lat, 99)
    print(f"latency over {len(lat)} changes: p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
          f"max {max(lat):.1f} ms", flush=True)
    if p99 >= 250:
        failures.append(f"p99 latency {p99:.1f} ms >= 250 ms")

    # 3. Idle (and rudder ui, when this build has it).
    ui = None
    has_ui = subprocess.run([a.rudder, "ui", "--help"], capture_output=True).returncode == 0
    if has_ui:
        ui = UiProc(a.rudder, env, a.releases)
        before_ui = api.metrics()
        t0 = time.monotonic()
        ui.start()
        ui.wait_for(f"{a.releases}/{a.releases} releases", 120)
        ui_startup = time.monotonic() - t0
        ui_start_cost = delta(api.metrics(), before_ui)
        print(f"ui: {a.releases} releases ({a.releases * a.revisions} records) on screen in "
              f"{ui_startup:.2f}s, {ui_start_cost['secret_lists']:.0f} LIST of secrets at startup "
              f"(the watch was idle meanwhile)", flush=True)
    before_idle = api.metrics()
    print(f"idle for {a.idle}s ...", flush=True)
    time.sleep(a.idle)
    watch_rss = vm_hwm_mib(w.proc.pid)
    print(f"watch peak RSS {watch_rss:.1f} MiB", flush=True)
    idle = delta(api.metrics(), before_idle)
    print(f"idle: {idle['secret_lists']:.0f} LIST of secrets, {idle['lists']:.0f} LIST in all "
          f"(every client of the API server); watch peak RSS {watch_rss:.1f} MiB "
          f"(now: heap {proc_status_mib(w.proc.pid, 'RssAnon'):.1f} MiB, "
          f"file-backed {proc_status_mib(w.proc.pid, 'RssFile'):.1f} MiB: the binary's code)",
          flush=True)
    if idle["secret_lists"] != 0:
        failures.append(f"{idle['secret_lists']:.0f} LIST of secrets while idle")
    if watch_rss > 64:
        failures.append(f"watch peak RSS {watch_rss:.1f} MiB > 64 MiB")
    if ui:
        ui_rss = vm_hwm_mib(ui.pid)
        print(f"ui: peak RSS {ui_rss:.1f} MiB (now: heap {proc_status_mib(ui.pid, 'RssAnon'):.1f} "
              f"MiB); idle LISTs: counted above with the watch's (both idle at once: 0 there "
              f"is 0 for each); screen still {ui.screen().splitlines()[0].strip()!r}", flush=True)
        if ui_rss > 64:
            failures.append(f"ui peak RSS {ui_rss:.1f} MiB > 64 MiB")
        ui.stop()
    else:
        print("ui: not in this build (no `rudder ui`); column skipped", flush=True)
    w.stop()

    # 4. helm list -A, scaled to 30 s polling and 2 s relists.
    for label, helm in (("helm v3", helm3), ("helm v4", helm4)):
        runs = []
        for _ in range(3):
            b = api.metrics()
            subprocess.run([helm, "list", "-A"], check=True, capture_output=True, env=env)
            runs.append(delta(api.metrics(), b))
        n = statistics.median(r["secret_lists"] for r in runs)
        by = statistics.median(r["secret_bytes"] for r in runs)
        print(f"{label} list -A: {n:.0f} LIST, {by / 1e6:.1f} MB per run; "
              f"30 s poll: {2 * n:.0f} LIST/min, {2 * by / 1e6:.1f} MB/min; "
              f"2 s relist: {30 * n:.0f} LIST/min, {30 * by / 1e6:.1f} MB/min", flush=True)

    if failures:
        print("MISSED: " + "; ".join(failures))
        sys.exit(1)
    print("all watch targets met")


if __name__ == "__main__":
    main()
