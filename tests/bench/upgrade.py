#!/usr/bin/env python3
"""upgrade benchmark: `rudder upgrade` against `helm upgrade` (v3 and v4),
side by side, on the real cluster.

Run through `tests/bench/run.sh upgrade` (builds rudder and the seeder in
release mode, starts a fresh cluster). Two workloads, each tool working on
its own release in its own namespace so no tool inherits another's field
managers:

- "300 revisions": fixtures/charts/web installed by the tool, its history
  deepened to --revisions records by the seeder (copies of revision 1), then
  upgraded with `--history-max 0` and a changed value each run. helm reads
  and decodes every revision on upgrade; rudder reads labels first.
- "200 objects": fixtures/bench/many (count=200) installed by the tool, then
  upgraded with a new `generation`, which changes every object.

Each round runs every tool once, the order rotating; medians of wall time
and peak RSS are printed with rudder's speed-up over each helm. Every timed
run must exit 0, and rudder's stdout must equal helm v4's once the
per-release lines (LAST DEPLOYED, NAMESPACE, REVISION) and the namespace's
name are masked.
Targets (issue 11): at least 3x faster than each helm on the long history,
never slower on the wide chart. Exits 1 if a target is missed.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

# Minimum speed-up of rudder over each helm, per workload.
TARGETS = {"revisions": 3.0, "objects": 1.0}
MASK = re.compile(rb"^(LAST DEPLOYED|NAMESPACE|REVISION):.*$", re.M)


def run(cmd):
    """Runs cmd; returns (seconds, peak RSS in MiB, stdout bytes)."""
    with tempfile.TemporaryFile() as out:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE)
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.monotonic() - start
        proc.stderr.close()
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            sys.exit(f"{' '.join(cmd)} failed ({code}):\n{err.decode(errors='replace')}")
        out.seek(0)
        return elapsed, usage.ru_maxrss / 1024.0, out.read()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--revisions", type=int, default=300)
    p.add_argument("--objects", type=int, default=200)
    p.add_argument("--rudder", required=True)
    p.add_argument("--seed", required=True)
    a = p.parse_args()
    tools = [("rudder", [a.rudder]), ("helm v3", [os.environ["HELM3"]]),
             ("helm v4", [os.environ["HELM4"]])]
    slug = {"rudder": "rudder", "helm v3": "helm3", "helm v4": "helm4"}
    web, many = "fixtures/charts/web", "fixtures/bench/many"
    workloads = [
        (f"{a.revisions} revisions", "deep", web,
         lambda i: ["--set", f"message=run-{i}"]),
        (f"{a.objects} objects", "many", many,
         lambda i: ["--set", f"count={a.objects}", "--set", f"generation={i}"]),
    ]
    problems, results = [], {}
    for name, release, chart, extra in workloads:
        for tool, prefix in tools:
            ns = f"bench-{release}-{slug[tool]}"
            run(prefix + ["install", release, chart, "-n", ns, "--create-namespace"] + extra(0))
            if release == "deep":
                print(subprocess.run([a.seed, "--deepen", f"{ns}/{release}={a.revisions}"],
                                     check=True, capture_output=True, text=True).stdout.strip(),
                      flush=True)
        outs = {}
        for i in range(a.runs + 1):  # run 0 warms up (discovery cache, page cache)
            order = tools[i % len(tools):] + tools[:i % len(tools)]
            for tool, prefix in order:
                ns = f"bench-{release}-{slug[tool]}"
                # --history-max 0: keep every revision (helm's default is 10).
                t, m, out = run(prefix + ["upgrade", release, chart, "-n", ns,
                                          "--history-max", "0"] + extra(i + 1))
                if i > 0:
                    results.setdefault((name, tool), []).append((t, m))
                    # Notes may name the namespace, which differs per tool.
                    out = MASK.sub(b"", out).replace(ns.encode(), b"NAMESPACE")
                    outs.setdefault(tool, []).append(out)
        for j, (out, want) in enumerate(zip(outs["rudder"], outs["helm v4"])):
            if out != want:
                problems.append(f"{name}: rudder's run {j + 1} differs from helm v4:\n"
                                f"--- helm v4\n{want.decode()}\n--- rudder\n{out.decode()}")
                break
        print(f"timed {name}: every run checked", flush=True)

    print()
    print(f"rudder upgrade vs helm upgrade, median of {a.runs} runs")
    header = f"{'workload':<16} {'tool':<8} {'wall':>9} {'peak RSS':>10} {'x time':>7} {'x mem':>6}"
    print(header)
    print("-" * len(header))
    missed = 0
    for name, *_ in workloads:
        base_t = statistics.median(t for t, _ in results[(name, "rudder")])
        base_m = statistics.median(m for _, m in results[(name, "rudder")])
        print(f"{name:<16} {'rudder':<8} {base_t:>8.3f}s {base_m:>7.1f}MiB")
        for tool in ("helm v3", "helm v4"):
            t = statistics.median(x for x, _ in results[(name, tool)])
            m = statistics.median(x for _, x in results[(name, tool)])
            target = TARGETS["revisions" if "revisions" in name else "objects"]
            ok = t / base_t >= target
            missed += not ok
            print(f"{'':<16} {tool:<8} {t:>8.3f}s {m:>7.1f}MiB {t / base_t:>6.1f}x {m / base_m:>5.1f}x"
                  f"  {'ok' if ok else 'MISSED'} (target {target:g}x)")
    print()
    for p_ in problems:
        print(f"OUTPUT DIFFERS: {p_}")
    print("PASS" if not missed and not problems else "FAIL")
    sys.exit(1 if missed or problems else 0)


if __name__ == "__main__":
    main()
