#!/usr/bin/env python3
"""list/status benchmark: rudder against helm v3 and helm v4, side by side.

Run through tests/bench/run.sh, which builds everything and starts a fresh
cluster. Seeds the cluster with rudder's own encoder (examples/seed.rs),
checks that helm reads those records exactly as rudder does, then times the
commands, alternating tools each round, and prints medians of wall time and
peak RSS with the ratios against rudder.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time


def run(cmd, env=None):
    """Runs cmd with output discarded; returns (seconds, peak RSS in MiB)."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.monotonic() - start
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"{' '.join(cmd)} failed ({code}):\n{err}")
    return elapsed, usage.ru_maxrss / 1024.0


def output(cmd, env=None):
    return subprocess.run(cmd, check=True, capture_output=True, env=env).stdout


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--namespaces", type=int, default=50)
    p.add_argument("--releases", type=int, default=500)
    p.add_argument("--revisions", type=int, default=10)
    p.add_argument("--deep-revisions", type=int, default=300)
    p.add_argument("--rudder", required=True)
    p.add_argument("--seed", required=True)
    a = p.parse_args()
    helm3, helm4, rudder = os.environ["HELM3"], os.environ["HELM4"], a.rudder

    t0 = time.monotonic()
    print(subprocess.run(
        [a.seed, "--namespaces", str(a.namespaces), "--releases", str(a.releases),
         "--revisions", str(a.revisions), "--deep-revisions", str(a.deep_revisions)],
        check=True, capture_output=True, text=True).stdout.strip(), flush=True)
    print(f"seeding took {time.monotonic() - t0:.1f}s", flush=True)

    # helm must read what rudder's encoder wrote, and agree with rudder.
    checks = [
        (["list", "-A", "-o", "json"], []),
        (["list", "-n", "bench-0"], []),
        (["status", "deep", "-n", "bench-0", "-o", "json"], []),
        (["history", "deep", "-n", "bench-0", "--max", "5"], []),
        (["get", "values", "deep", "-n", "bench-0"], []),
    ]
    for args, _ in checks:
        h4 = output([helm4] + args)
        r4 = output([rudder] + args)
        h3 = output([helm3] + args)
        r3 = output([rudder, "--compat", "v3"] + args)
        if h4 != r4 or h3 != r3:
            sys.exit(f"rudder and helm disagree on {' '.join(args)}")
        if len(h4) < 10:
            sys.exit(f"helm read nothing for {' '.join(args)}")
    print("helm v3 and v4 read the seeded records; rudder's output matches theirs", flush=True)

    workloads = [
        ("list -A", ["list", "-A", "--max", "0"]),
        (f"status ({a.deep_revisions} revisions)", ["status", "deep", "-n", "bench-0"]),
        (f"get values ({a.deep_revisions} revisions)", ["get", "values", "deep", "-n", "bench-0"]),
    ]
    tools = [("rudder", [rudder]), ("helm v3", [helm3]), ("helm v4", [helm4])]
    results = {}
    for name, args in workloads:
        for tool, prefix in tools:  # warm-up (discovery caches, page cache)
            run(prefix + args)
        for i in range(a.runs):
            order = tools[i % len(tools):] + tools[:i % len(tools)]
            for tool, prefix in order:
                results.setdefault((name, tool), []).append(run(prefix + args))

    print()
    print(f"{a.releases} releases x {a.revisions} revisions over {a.namespaces} namespaces, "
          f"plus one release with {a.deep_revisions} revisions; {a.runs} runs each, medians")
    print()
    print(f"{'command':<28} {'tool':<8} {'wall':>9} {'peak RSS':>10} {'time ratio':>11} {'RSS ratio':>10}")
    verdicts = []
    for name, _ in workloads:
        base_t = statistics.median(t for t, _ in results[(name, "rudder")])
        base_m = statistics.median(m for _, m in results[(name, "rudder")])
        for tool, _ in tools:
            t = statistics.median(x for x, _ in results[(name, tool)])
            m = statistics.median(y for _, y in results[(name, tool)])
            rt = t / base_t if base_t else float("inf")
            rm = m / base_m if base_m else float("inf")
            print(f"{name:<28} {tool:<8} {t:>8.3f}s {m:>7.1f}MiB {rt:>10.1f}x {rm:>9.1f}x")
            if tool != "rudder" and name == "list -A":
                verdicts.append((f"list vs {tool}: >= 20x faster", rt >= 20))
                verdicts.append((f"list vs {tool}: <= 1/10 of the peak RSS", rm >= 10))
            if tool != "rudder" and name.startswith("status"):
                verdicts.append((f"status vs {tool}: >= 30x faster", rt >= 30))
    print()
    for text, ok in verdicts:
        print(f"  {'met ' if ok else 'MISSED'}  {text}")


if __name__ == "__main__":
    main()
