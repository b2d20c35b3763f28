"""How long the whole ``partnernet analyse`` takes on the locality sample.

DESIGN section 10: the locality sample's whole ``analyse`` run in about two
seconds. Wall time depends on the machine and on what else runs on it, so the
figure is reported beside a reference measured in the same run: the time Python
takes just to import the libraries the run needs (pandas, NetworkX, igraph,
pyvis), which no analysis can go below. Each figure is the median of
``--repeats`` runs in fresh processes::

    .venv/bin/python bench/analyse_locality.py
    .venv/bin/python bench/analyse_locality.py --repeats 7 --stages

With ``--stages`` it also times each step of the analysis in this process.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 2.0
IMPORTS = "import pandas, networkx, igraph, pyvis"


def _median_seconds(command: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _stages() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from steps import step_times

    for name, seconds in step_times(ROOT / "sample_data"):
        print(f"  {name:<52} {seconds:6.2f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--stages", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="partnernet-bench-") as out:
        run = [
            str(Path(sys.executable).parent / "partnernet"),
            "analyse",
            str(ROOT / "sample_data"),
            "--out",
            out,
            "--quiet",
        ]
        reference = _median_seconds([sys.executable, "-c", IMPORTS], args.repeats)
        whole = _median_seconds(run, args.repeats)
    print(f"import floor (reference):        {reference:6.2f} s")
    print(f"partnernet analyse sample_data:  {whole:6.2f} s")
    print(f"ratio to the import floor:       {whole / reference:6.2f}x")
    verdict = "met" if whole <= TARGET_SECONDS * 1.25 else "NOT met"
    print(f"target: about {TARGET_SECONDS:.0f} s -> {verdict}")
    if args.stages:
        _stages()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
