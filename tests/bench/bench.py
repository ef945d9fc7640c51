#!/usr/bin/env python3
"""list/status benchmark: rudder against helm v3 and helm v4, side by side.

Run through tests/bench/run.sh, which builds everything and starts a fresh
cluster. Seeds the cluster with rudder's own encoder (examples/seed.rs),
then times each command, alternating tools each round. Every timed run's
stdout is kept and checked: each run of rudder must print exactly what
helm v4 printed for the same command (and `rudder --compat v3` what helm v3
printed), so the figures are for the right answer. Prints medians of wall
time and peak RSS, the ratios against rudder, and a pass/fail line per
target; exits 1 if any target is missed or any output differs.

Two workloads: the seeded records as written (labels agree with bodies:
rudder's fast path), then the same with forged `version` labels on some
records (labels disagree with bodies: rudder must notice and fall back to
helm's full decode, its slow path).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

# (workload prefix, minimum speed-up of rudder over each helm)
TARGETS = [
    ("list -A", 10.0),
    ("status", 10.0),
    ("get values", 10.0),
    # The slow path is helm's own algorithm: it must not be slower.
    ("forged: list -A", 1.0),
    ("forged: status", 1.0),
]


def run(cmd, env=None):
    """Runs cmd; returns (seconds, peak RSS in MiB, stdout bytes).

    stdout goes to a file, not a pipe, so reading it costs the tool nothing
    that differs between tools."""
    with tempfile.TemporaryFile() as out:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, env=env)
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.monotonic() - start
        proc.stderr.close()
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            sys.exit(f"{' '.join(cmd)} failed ({code}):\n{err.decode(errors='replace')}")
        out.seek(0)
        return elapsed, usage.ru_maxrss / 1024.0, out.read()


def output(cmd, env=None):
    return subprocess.run(cmd, check=True, capture_output=True, env=env).stdout


def first_difference(a, b):
    al, bl = a.decode(errors="replace").splitlines(), b.decode(errors="replace").splitlines()
    for i in range(max(len(al), len(bl))):
        x = al[i] if i < len(al) else None
        y = bl[i] if i < len(bl) else None
        if x != y:
            return f"line {i + 1}:\n    helm:   {x!r}\n    rudder: {y!r}"
    return f"same lines, different bytes ({len(a)} vs {len(b)})"


def seed(a, extra):
    t0 = time.monotonic()
    print(subprocess.run(
        [a.seed, "--namespaces", str(a.namespaces), "--releases", str(a.releases),
         "--revisions", str(a.revisions), "--deep-revisions", str(a.deep_revisions)] + extra,
        check=True, capture_output=True, text=True).stdout.strip(), flush=True)
    print(f"seeding took {time.monotonic() - t0:.1f}s", flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--namespaces", type=int, default=50)
    p.add_argument("--releases", type=int, default=500)
    p.add_argument("--revisions", type=int, default=10)
    p.add_argument("--deep-revisions", type=int, default=300)
    p.add_argument("--forged", type=int, default=None,
                   help="releases given a record with a forged version label (default: a tenth)")
    p.add_argument("--rudder", required=True)
    p.add_argument("--seed", required=True)
    a = p.parse_args()
    if a.forged is None:
        a.forged = max(1, a.releases // 10)
    helm3, helm4, rudder = os.environ["HELM3"], os.environ["HELM4"], a.rudder
    tools = [("rudder", [rudder]), ("helm v3", [helm3]), ("helm v4", [helm4])]
    problems = []
    results = {}

    def time_workloads(workloads):
        for name, args in workloads:
            # What rudder must print: helm v4's answer as rudder prints it
            # by default, helm v3's under --compat v3 (checked, not timed).
            r3 = output([rudder, "--compat", "v3"] + args)
            for tool, prefix in tools:  # warm-up (discovery caches, page cache)
                run(prefix + args)
            outs = {}
            for i in range(a.runs):
                order = tools[i % len(tools):] + tools[:i % len(tools)]
                for tool, prefix in order:
                    t, m, out = run(prefix + args)
                    results.setdefault((name, tool), []).append((t, m))
                    outs.setdefault(tool, []).append(out)
            h4 = outs["helm v4"][0]
            if len(h4) < 10:
                problems.append(f"{name}: helm v4 printed almost nothing")
            for tool, want in [("helm v4", h4), ("rudder", h4), ("helm v3", r3)]:
                for i, out in enumerate(outs[tool]):
                    if out != want:
                        other = "rudder --compat v3" if tool == "helm v3" else "helm v4"
                        problems.append(
                            f"{name}: run {i + 1} of {tool} differs from {other}: "
                            + first_difference(out if tool != "rudder" else want,
                                               want if tool != "rudder" else out))
                        break
            print(f"timed {name}: every run's output checked", flush=True)

    seed(a, [])
    time_workloads([
        ("list -A", ["list", "-A", "--max", "0"]),
        (f"status ({a.deep_revisions} revisions)", ["status", "deep", "-n", "bench-0"]),
        (f"get values ({a.deep_revisions} revisions)", ["get", "values", "deep", "-n", "bench-0"]),
    ])

    # Forged labels: some releases get a record whose labels claim a newer
    # revision than its body holds.
    seed(a, ["--forge", str(a.forged)])
    time_workloads([
        ("forged: list -A", ["list", "-A", "--max", "0"]),
        ("forged: status", ["status", "app-0", "-n", "bench-0"]),
    ])

    print()
    print(f"{a.releases} releases x {a.revisions} revisions over {a.namespaces} namespaces, "
          f"plus one release with {a.deep_revisions} revisions; forged labels on "
          f"{a.forged} releases for the forged workloads; {a.runs} runs each, medians")
    print()
    header = (f"{'command':<30} {'tool':<8} {'wall':>9} {'peak RSS':>10} {'faster by':>10} "
              f"{'smaller by':>11} {'target':>7}  result")
    print(header)
    print("-" * len(header))
    missed = 0
    for (name, tool), samples in results.items():
        if tool != "rudder":
            continue
        base_t = statistics.median(t for t, _ in samples)
        base_m = statistics.median(m for _, m in samples)
        target = next(x for prefix, x in TARGETS if name.startswith(prefix))
        print(f"{name:<30} {'rudder':<8} {base_t:>8.3f}s {base_m:>7.1f}MiB")
        for other, _ in tools[1:]:
            t = statistics.median(x for x, _ in results[(name, other)])
            m = statistics.median(y for _, y in results[(name, other)])
            rt = t / base_t if base_t else float("inf")
            rm = m / base_m if base_m else float("inf")
            ok = rt >= target
            missed += not ok
            print(f"{'':<30} {other:<8} {t:>8.3f}s {m:>7.1f}MiB {rt:>9.1f}x {rm:>10.1f}x "
                  f"{target:>6.0f}x  {'pass' if ok else 'FAIL'}")
    print()
    for p_ in problems:
        print(f"OUTPUT DIFFERS: {p_}")
    print(f"targets: {sum(1 for _ in results if _[1] != 'rudder') - missed} passed, {missed} failed; "
          f"outputs: {'all identical to helm' if not problems else f'{len(problems)} differ'}")
    if missed or problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
