#!/usr/bin/env python3
"""Benchmark: `stackr validate` and `stackr graph` on synthetic stacks of
1,000, 2,000 and 4,000 resources. Prints wall time and peak memory of each
run (best of 3), and the growth ratios. Targets at 2,000 resources:
validate + graph under 0.5 s and under 100 MB.

    bench/validate.sh           # builds a release binary, then runs this
"""
import os, subprocess, sys, tempfile, time

def run(argv):
    best = None
    for _ in range(3):
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"{' '.join(argv)} failed: {proc.stderr.read().decode()}")
        rss_mb = usage.ru_maxrss / 1024
        if best is None or wall < best[0]:
            best = (wall, rss_mb)
    return best

def main() -> None:
    binary = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (1000, 2000, 4000):
            path = os.path.join(tmp, f"stack-{n}.yaml")
            with open(path, "w") as f:
                subprocess.run([sys.executable, os.path.join(here, "gen_stack.py"), str(n)], stdout=f, check=True)
            v = run([binary, "--color", "never", "validate", path])
            g = run([binary, "--color", "never", "graph", path, "--format", "json", "-o", os.devnull])
            rows.append((n, v, g))
    print(f"{'resources':>9} | {'validate s':>10} | {'validate MB':>11} | {'graph s':>8} | {'graph MB':>8}")
    print("-" * 60)
    for n, (vw, vm), (gw, gm) in rows:
        print(f"{n:>9} | {vw:>10.3f} | {vm:>11.1f} | {gw:>8.3f} | {gm:>8.1f}")
    (n1, v1, g1), (n2, v2, g2), (n4, v4, g4) = rows
    print()
    print(f"time ratio 2k/1k: validate {v2[0] / v1[0]:.2f}, graph {g2[0] / g1[0]:.2f}   (linear = 2.00)")
    print(f"time ratio 4k/2k: validate {v4[0] / v2[0]:.2f}, graph {g4[0] / g2[0]:.2f}   (linear = 2.00)")
    ok_time = v2[0] < 0.5 and g2[0] < 0.5
    ok_mem = v2[1] < 100 and g2[1] < 100
    print(f"2,000 resources: validate {v2[0]:.3f} s / {v2[1]:.1f} MB, graph {g2[0]:.3f} s / {g2[1]:.1f} MB"
          f" -> target <0.5 s {'met' if ok_time else 'MISSED'}, <100 MB {'met' if ok_mem else 'MISSED'}")

if __name__ == "__main__":
    main()
