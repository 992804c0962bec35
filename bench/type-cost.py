#!/usr/bin/env python3
"""What a resource type costs in code: for every resource type, the lines
of its reconciler (`crates/stackr-aws/src/<service>/<type>.rs`) and of its
declaration (`crates/stackr-schema/src/<service>/<type>.rs`), now and at a
base revision (default: the last commit before the reconciler kit), plus
what is shared: each service's `mod.rs`/`common.rs` and the kit.

    python3 bench/type-cost.py [BASE]

Lines are counted without blank lines and comments (`//`), so that
documentation does not count as cost. A type that did not exist at BASE
shows `-` there: the per-type cost of the new ones.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = sys.argv[1] if len(sys.argv) > 1 else "040d83c"
AWS = "crates/stackr-aws/src"
SCHEMA = "crates/stackr-schema/src"
SHARED = {"mod.rs", "common.rs", "document.rs", "config.rs", "container.rs", "metrics.rs", "region_reads.rs",
          "statement.rs", "cidr.rs", "account_roles.rs"}


def code_lines(text):
    n = 0
    for line in text.splitlines():
        s = line.strip()
        if s and not s.startswith("//"):
            n += 1
    return n


def at_base(path):
    r = subprocess.run(["git", "-C", str(ROOT), "show", f"{BASE}:{path}"], capture_output=True, text=True)
    return code_lines(r.stdout) if r.returncode == 0 else None


def now(path):
    p = ROOT / path
    return code_lines(p.read_text()) if p.exists() else None


def files(base_dir):
    out = set()
    for p in (ROOT / base_dir).glob("*/*.rs"):
        out.add(p.relative_to(ROOT / base_dir).as_posix())
    r = subprocess.run(["git", "-C", str(ROOT), "ls-tree", "-r", "--name-only", BASE, base_dir + "/"],
                       capture_output=True, text=True)
    for line in r.stdout.split():
        rel = line[len(base_dir) + 1:]
        if rel.count("/") == 1:
            out.add(rel)
    return sorted(out)


def show(n):
    return "-" if n is None else str(n)


rows, shared = [], []
for rel in files(AWS):
    service, name = rel.split("/")
    if name in SHARED or service in ("data", "kit"):
        shared.append(rel)
        continue
    rec_base, rec_now = at_base(f"{AWS}/{rel}"), now(f"{AWS}/{rel}")
    decl_base, decl_now = at_base(f"{SCHEMA}/{rel}"), now(f"{SCHEMA}/{rel}")
    rows.append((f"aws.{service}.{name[:-3]}", rec_base, rec_now, decl_base, decl_now))

print(f"code lines per resource type (no blanks, no comments); base {BASE}")
print(f"{'type':42} {'reconciler':>16} {'declaration':>14}")
print(f"{'':42} {'base':>7} {'now':>8} {'base':>6} {'now':>7}")
for kind, rb, rn, db, dn in rows:
    print(f"{kind:42} {show(rb):>7} {show(rn):>8} {show(db):>6} {show(dn):>7}")
old = [r for r in rows if r[1] is not None and r[2] is not None]
new = [r for r in rows if r[1] is None and r[2] is not None]
if old:
    b, n = sum(r[1] for r in old), sum(r[2] for r in old)
    print(f"\nexisting types ({len(old)}): reconcilers {b} -> {n} lines ({n - b:+d}); mean {b / len(old):.0f} -> {n / len(old):.0f}")
if new:
    rec = [r[2] for r in new]
    dec = [r[4] or 0 for r in new]
    print(f"new types ({len(new)}): reconciler mean {sum(rec) / len(rec):.0f} lines (min {min(rec)}, max {max(rec)}), "
          f"declaration mean {sum(dec) / len(dec):.0f}")
sb = sum(at_base(f"{AWS}/{r}") or 0 for r in shared)
sn = sum(now(f"{AWS}/{r}") or 0 for r in shared)
print(f"shared (service mod/common files, look-ups, kit): {sb} -> {sn} lines")
kit = sum(now(f"{AWS}/{r}") or 0 for r in shared if r.startswith("kit/"))
print(f"  of which the kit: {kit}")
