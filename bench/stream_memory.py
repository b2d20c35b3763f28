"""Peak memory of validating partnerships and importing grants, against the dataset.

Issue 18: validating 2 million partnership rows took 1.9 GB and importing 1.2
million 360Giving grants 1.94 GB, because the reader held each file whole (as bytes,
as text and as lists of cells) and the importer validated through that reader. The
target is that memory does not grow with the file beyond the dataset it builds.

For each case and each of two file sizes (half and full) this script writes a
synthetic file, runs the command in a child process and takes the child's peak
resident memory (``ru_maxrss``), then measures in the same run:

- the floor: the peak of a child that only imports what the command imports;
- the dataset: ``memory_usage(deep=True)`` of every frame of the dataset the
  command built (read back from the folder it validated or wrote).

It prints ``(peak - floor) / dataset`` for each size. Reading holds the columns
it builds and one chunk of rows, so the ratio stays flat from half to full size;
a reader that holds the file grows by the file's size instead. ``--before DIR``
runs the same commands against another checkout (say the main branch) beside::

    .venv/bin/python bench/stream_memory.py
    .venv/bin/python bench/stream_memory.py --partnerships 2000000 --grants 1200000 \
        --before /work/main

The files are written under ``--work`` (default ``big/stream-memory``, ignored by
git) and deleted afterwards unless ``--keep`` is given.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Runs a command in a grandchild and prints the grandchild's peak RSS in bytes.
_PEAK = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=False, stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)
"""
# Imports what the CLI imports to validate or import, then prints its own peak RSS.
_FLOOR = """
import resource
import pandas, numpy, click
import partnernet.cli, partnernet.io.read, partnernet.io.importers.threesixty
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""
# The size in bytes of the dataset a folder holds: each column's array, plus each
# distinct object a text column points to, counted once (memory_usage(deep=True)
# would count a string shared by a million cells a million times).
_DATASET = """
import sys
from partnernet.io.read import read_dataset
ds = read_dataset(sys.argv[1])
total = 0
for frame in ds.tables().values():
    for column in frame.columns:
        series = frame[column]
        total += int(series.memory_usage(index=False, deep=False))
        if series.dtype == object:
            objects = {id(v): v for v in series.to_numpy() if v is not None}
            total += sum(sys.getsizeof(v) for v in objects.values())
print(total)
"""


def _python(checkout: Path, *args: str) -> str:
    # Run from the checkout: ``-m`` and ``-c`` put the working folder first on the path.
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    done = subprocess.run(
        [sys.executable, *args],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        cwd=checkout,
    )
    if done.returncode != 0:
        raise SystemExit(f"{args[:2]} in {checkout} failed:\n{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def _peak(checkout: Path, command: list[str]) -> tuple[int, float]:
    started = time.perf_counter()
    code = "import partnernet, sys; assert partnernet.__file__.startswith(sys.argv[1])"
    _python(checkout, "-c", code + "; print(1)", str(checkout))
    peak = int(_python(checkout, "-c", _PEAK, sys.executable, "-m", "partnernet", *command))
    return peak, time.perf_counter() - started


def write_partnerships(folder: Path, rows: int, organisations: int, seed: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    with open(folder / "organisations.csv", "w", encoding="utf-8", newline="") as out:
        out.write("id,name,type,size_band\n")
        bands = ("micro", "small", "medium", "large")
        for i in range(organisations):
            out.write(f"GB-CHC-{1000000 + i},Organisation {i},vcse,{bands[i % 4]}\n")
    kinds = ("collaboration", "referral", "joint_delivery", "consultation", "agreement")
    with open(folder / "partnerships.csv", "w", encoding="utf-8", newline="") as out:
        out.write("source_id,target_id,kind,directed,weight,start,end\n")
        for _ in range(rows):
            a = rng.randrange(organisations)
            b = (a + 1 + rng.randrange(organisations - 1)) % organisations
            year = 2015 + rng.randrange(10)
            out.write(
                f"GB-CHC-{1000000 + a},GB-CHC-{1000000 + b},{kinds[rng.randrange(5)]},"
                f"{'true' if rng.random() < 0.3 else 'false'},{1 + rng.randrange(3)},"
                f"{year}-0{1 + rng.randrange(9)}-1{rng.randrange(10)},\n"
            )


def write_grants(path: Path, grants: int, recipients: int, seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(
            "Identifier,Title,Amount Awarded,Currency,Award Date,Recipient Org:Identifier,"
            "Recipient Org:Name,Funding Org:Identifier,Funding Org:Name,"
            "Grant Programme:Title\n"
        )
        for i in range(grants):
            r = rng.randrange(recipients)
            f = rng.randrange(200)
            out.write(
                f"360G-bench-{i},Grant {i},{100 + rng.randrange(100000)},GBP,"
                f"20{10 + rng.randrange(15)}-0{1 + rng.randrange(9)}-1{rng.randrange(10)},"
                f"GB-CHC-{2000000 + r},Recipient {r},GB-CHC-{100 + f},Funder {f},"
                f"Programme {rng.randrange(50)}\n"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partnerships", type=int, default=2_000_000)
    parser.add_argument("--grants", type=int, default=1_200_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, default=ROOT / "big" / "stream-memory")
    parser.add_argument("--before", type=Path, help="another checkout to measure beside")
    parser.add_argument("--keep", action="store_true", help="keep the files written")
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    parser.add_argument(
        "--cases", default="validate,import", help="which cases to run (comma-separated)"
    )
    args = parser.parse_args()

    checkouts = {"this": ROOT}
    if args.before is not None:
        checkouts = {"before": args.before.resolve(), **checkouts}
    results = []
    try:
        for case, full in (
            ("validate partnerships", args.partnerships),
            ("import grants", args.grants),
        ):
            if case.split()[0] not in args.cases.split(","):
                continue
            for size in (full // 2, full):
                data = args.work / f"{case.split()[0]}-{size}"
                if case.startswith("validate"):
                    write_partnerships(data, size, max(size // 100, 1000), args.seed)
                else:
                    write_grants(data / "grants.csv", size, max(size // 12, 1000), args.seed)
                for label, checkout in checkouts.items():
                    floor = int(_python(checkout, "-c", _FLOOR))
                    if case.startswith("validate"):
                        command = ["validate", str(data)]
                        built = data
                    else:
                        built = data / f"out-{label}"
                        shutil.rmtree(built, ignore_errors=True)
                        command = [
                            "import-360giving",
                            str(data / "grants.csv"),
                            "--out",
                            str(built),
                            "--quiet",
                        ]
                    peak, seconds = _peak(checkout, command)
                    dataset = int(_python(ROOT, "-c", _DATASET, str(built)))
                    ratio = (peak - floor) / dataset
                    results.append(
                        {
                            "case": case,
                            "rows": size,
                            "code": label,
                            "file_mb": round(
                                sum(p.stat().st_size for p in data.glob("*.csv")) / 1e6, 1
                            ),
                            "peak_mb": round(peak / 1e6),
                            "floor_mb": round(floor / 1e6),
                            "dataset_mb": round(dataset / 1e6),
                            "ratio": round(ratio, 2),
                            "seconds": round(seconds, 1),
                        }
                    )
                    r = results[-1]
                    print(
                        f"{case:22} {size:>10,} rows  {label:6}  file {r['file_mb']:7.1f} MB  "
                        f"peak {r['peak_mb']:5} MB  floor {r['floor_mb']:4} MB  "
                        f"dataset {r['dataset_mb']:5} MB  (peak - floor) / dataset "
                        f"{ratio:5.2f}  {seconds:6.1f} s",
                        flush=True,
                    )
                if not args.keep:
                    shutil.rmtree(data, ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(args.work, ignore_errors=True)
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
