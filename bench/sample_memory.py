"""How long ``partnernet sample`` takes and how much memory it peaks at.

Runs the command in a child process (so the figure is the generator's own, not
this script's) and prints wall time, the child's peak resident memory and the rows
written per file. DESIGN section 10 asks that the national scale (200,000
organisations, about a million ties) finishes on a 2-core machine under 4 GB::

    .venv/bin/python bench/sample_memory.py                 # national, seed 0
    .venv/bin/python bench/sample_memory.py --scale region --keep big/

The output goes to a temporary folder that is deleted afterwards unless ``--keep``
names a folder to write it to instead.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TABLES = ("organisations", "boards", "memberships", "funding", "partnerships", "affiliations")
LIMIT_BYTES = 4 * 1024**3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="national")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", metavar="DIR", help="write here and keep the files")
    args = parser.parse_args()

    workdir = None if args.keep else tempfile.mkdtemp(prefix="partnernet-sample-")
    out = Path(args.keep) if args.keep else Path(workdir) / "big"  # type: ignore[arg-type]
    command = [
        sys.executable,
        "-m",
        "partnernet",
        "sample",
        "--out",
        str(out),
        "--scale",
        args.scale,
        "--seed",
        str(args.seed),
        "--force",
    ]
    try:
        start = time.perf_counter()
        subprocess.run(command, check=True)
        wall = time.perf_counter() - start
        # Linux reports ru_maxrss in kilobytes: the largest child that has finished.
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        rows = {}
        for table in TABLES:
            with open(out / f"{table}.csv", "rb") as handle:
                rows[table] = sum(1 for _ in handle) - 1  # no field holds a line break
        size = sum((out / f"{t}.csv").stat().st_size for t in TABLES)
    finally:
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)

    ties = sum(rows[t] for t in ("memberships", "funding", "partnerships", "affiliations"))
    print(f"scale {args.scale}, seed {args.seed}")
    print(f"wall time      {wall:8.1f} s")
    print(f"peak RSS       {peak / 1024**2:8.1f} MB (limit {LIMIT_BYTES / 1024**3:.0f} GB)")
    print(f"files          {size / 1024**2:8.1f} MB")
    for table, n in rows.items():
        print(f"{table:<14} {n:>10,} rows")
    print(f"ties           {ties:>10,} (memberships, funding, partnerships, affiliations)")
    return 0 if peak < LIMIT_BYTES else 1


if __name__ == "__main__":
    sys.exit(main())
