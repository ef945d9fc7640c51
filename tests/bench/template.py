#!/usr/bin/env python3
"""template benchmark: `rudder template` against `helm template` (v3 and
v4) on each real-world chart of shared/realcharts, side by side.

Run through `tests/bench/run.sh template` (builds rudder in release mode;
no cluster is needed). Each round runs every tool once per chart, the
tools alternating; medians of wall time and peak RSS are printed with the
speed-up of rudder over each helm. Every timed run's stdout is checked:
rudder must print what helm v4 printed (`rudder --compat v3` what helm v3
printed), so the figures are for the right answer. Targets (issue 10):
rudder at least 5x faster than each helm on every chart, and under 200 ms.
Exits 1 if a target is missed or an output differs.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

# (chart directory, extra arguments): values that avoid random output, so
# outputs can be compared byte for byte.
CHARTS = [
    ("podinfo", ["--skip-tests"]),
    ("ingress-nginx", []),
    ("prometheus-node-exporter", []),
    ("nginx", ["--set", "tls.existingSecret=nginx-tls"]),
    ("grafana-sampling", []),
]
SPEEDUP = 5.0
MAX_SECONDS = 0.200


def run(cmd, env):
    """Runs cmd; returns (seconds, peak RSS in MiB, stdout bytes, exit,
    stderr bytes, CPU seconds (user + system))."""
    with tempfile.TemporaryFile() as out:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, env=env)
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.monotonic() - start
        proc.stderr.close()
        out.seek(0)
        return (elapsed, usage.ru_maxrss / 1024.0, out.read(), os.waitstatus_to_exitcode(status),
                err, usage.ru_utime + usage.ru_stime)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--rudder", required=True)
    p.add_argument("--helm3", required=True)
    p.add_argument("--helm4", required=True)
    p.add_argument("--realcharts", required=True)
    a = p.parse_args()

    home = tempfile.mkdtemp(prefix="rudder-bench-template.")
    env = dict(os.environ)
    for k in list(env):
        if k.startswith(("HELM_", "RUDDER_")) or k == "KUBECONFIG":
            del env[k]
    env.update({
        "HOME": home, "HELM_CONFIG_HOME": f"{home}/config", "HELM_CACHE_HOME": f"{home}/cache",
        "HELM_DATA_HOME": f"{home}/data", "KUBECONFIG": f"{home}/none", "TZ": "UTC",
    })
    tools = [
        ("helm v4", [a.helm4]),
        ("rudder", [a.rudder]),
        ("helm v3", [a.helm3]),
        ("rudder v3", [a.rudder, "--compat", "v3"]),
    ]
    rows = []
    ok = True
    for chart, extra in CHARTS:
        args = ["template", "rel", os.path.join(a.realcharts, chart), "--namespace", "ns1",
                "--kube-version", "1.36.0"] + extra
        times = {name: [] for name, _ in tools}
        rss = {name: [] for name, _ in tools}
        cpu = {name: [] for name, _ in tools}
        outs = {}
        for _ in range(a.runs):
            for name, cmd in tools:
                t, m, out, code, err, c = run(cmd + args, env)
                times[name].append(t)
                rss[name].append(m)
                cpu[name].append(c)
                outs.setdefault(name, (out, code, err))
        for mine, theirs in (("rudder", "helm v4"), ("rudder v3", "helm v3")):
            if outs[mine][:2] != outs[theirs][:2]:
                ok = False
                print(f"{chart}: {mine} output differs from {theirs} "
                      f"(exit {outs[mine][1]} vs {outs[theirs][1]}): "
                      f"{outs[mine][2].decode(errors='replace')[:300]}", file=sys.stderr)
        med = {n: statistics.median(v) for n, v in times.items()}
        mem = {n: statistics.median(v) for n, v in rss.items()}
        used = {n: statistics.median(v) for n, v in cpu.items()}
        rows.append((chart, med, mem, used))

    print(f"rudder template vs helm template, median of {a.runs} runs (wall ms / peak RSS MiB)")
    head = f"{'chart':26} {'helm v4':>14} {'rudder':>14} {'x v4':>6} {'helm v3':>14} {'rudder v3':>14} {'x v3':>6}"
    print(head)
    print("-" * len(head))
    for chart, med, mem, _ in rows:
        cell = lambda n: f"{med[n] * 1000:7.1f}/{mem[n]:5.1f}"
        x4 = med["helm v4"] / med["rudder"]
        x3 = med["helm v3"] / med["rudder v3"]
        print(f"{chart:26} {cell('helm v4'):>14} {cell('rudder'):>14} {x4:6.1f} "
              f"{cell('helm v3'):>14} {cell('rudder v3'):>14} {x3:6.1f}")
        for x, label in ((x4, "v4"), (x3, "v3")):
            if x < SPEEDUP:
                ok = False
                print(f"  MISSED: {chart}: {x:.1f}x faster than helm {label} (target {SPEEDUP}x)")
        for n in ("rudder", "rudder v3"):
            if med[n] > MAX_SECONDS:
                ok = False
                print(f"  MISSED: {chart}: {n} took {med[n] * 1000:.0f} ms (target < 200 ms)")
    # CPU time (user + system) says what the work costs when other load
    # on the machine stretches wall times; the targets are on wall time.
    print(f"\nCPU time (user + system), median of {a.runs} runs (ms)")
    print(f"{'chart':26} {'helm v4':>8} {'rudder':>8} {'helm v3':>8} {'rudder v3':>9}")
    for chart, _, _, used in rows:
        print(f"{chart:26} {used['helm v4'] * 1000:8.1f} {used['rudder'] * 1000:8.1f} "
              f"{used['helm v3'] * 1000:8.1f} {used['rudder v3'] * 1000:9.1f}")
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
