"""A council with many departments, and how long ``partnernet analyse`` takes on it.

Real council spending data has one department per cost centre: hundreds of them.
:func:`many_departments` makes such a place (a council, ``departments`` departments
and ``organisations`` voluntary organisations, each department funding a handful
of them over a few years, some departments in sequence, a few boards and
partnerships so coordination can be seen). The test suite uses it small
(tests/test_report_bounds.py); run as a script it writes the full-size place and
times the whole ``analyse`` end to end in a fresh process.

The target (issue 12) is the locality time budget x 10. The locality budget
(DESIGN section 10) is 2x the time the interpreter takes to import pandas and
networkx, so the bound is 20x that floor, measured in the same run; the script
prints the ratio::

    .venv/bin/python bench/many_departments.py
    .venv/bin/python bench/many_departments.py --departments 600 --organisations 3000 --repeats 3
    .venv/bin/python bench/many_departments.py --write-only --out /tmp/many
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from partnernet.model import Dataset  # noqa: E402

FLOOR = "import pandas, networkx"
LOCALITY_BUDGET = 2.0  # x the import floor (DESIGN section 10)
BOUND = 10 * LOCALITY_BUDGET
BANDS = ("micro", "small", "medium", "large")


def many_departments(
    *, departments: int = 600, organisations: int = 3000, seed: int = 0
) -> Dataset:
    """The synthetic council: ``departments`` departments of one council, each
    funding 3 to 12 of ``organisations`` voluntary organisations (popular ones
    more often), active over one to six years between 2015 and 2025; every tenth
    department follows on from the one before it (in sequence, sharing
    partners); 20 boards of 4 to 8 departments and organisations; a partnership
    between every 25th department and the next.

    Examples
    --------
    >>> ds = many_departments(departments=4, organisations=10)
    >>> int((ds.organisations["type"] == "department").sum()), len(ds.boards)
    (4, 20)
    """
    rng = np.random.default_rng(seed)
    council = "GB-LAE-MANY"
    dept_ids = [f"{council}-CC{i:04d}" for i in range(departments)]
    org_ids = [f"GB-CHC-{100000 + i}" for i in range(organisations)]
    orgs = pd.DataFrame(
        {
            "id": [council, *dept_ids, *org_ids],
            "name": [
                "Manyshire Council",
                *[f"Cost Centre {i:04d}" for i in range(departments)],
                *[f"Community Group {i:05d}" for i in range(organisations)],
            ],
            "type": ["local_authority"] + ["department"] * departments + ["vcse"] * organisations,
            "parent_id": [None] + [council] * departments + [None] * organisations,
            "size_band": [None] * (1 + departments) + list(rng.choice(BANDS, organisations)),
        }
    )
    popularity = 1.0 / np.arange(1, organisations + 1) ** 0.6
    popularity /= popularity.sum()
    grants = []
    starts = pd.Timestamp("2015-01-01") + pd.to_timedelta(
        rng.integers(0, 365 * 5, departments), unit="D"
    )
    spans = rng.integers(365, 365 * 6, departments)
    previous: list[str] = []
    for i, dept in enumerate(dept_ids):
        start, span = starts[i], int(spans[i])
        if i % 10 == 9 and previous:
            # Follows on from the one before: starts a month after it ends, with
            # most of its partners.
            prior = [g for g in grants if g[1] == dept_ids[i - 1]]
            start = max(pd.Timestamp(g[4]) for g in prior) + pd.Timedelta(days=30)
            partners = previous[: max(2, len(previous) - 1)]
        else:
            k = int(rng.integers(3, 13))
            partners = list(rng.choice(org_ids, size=k, replace=False, p=popularity))
        for j, org in enumerate(partners):
            when = start + pd.Timedelta(days=int(j * span / max(len(partners) - 1, 1)))
            grants.append(
                (f"G{len(grants):06d}", dept, org, float(rng.integers(500, 50_000)), when)
            )
        previous = partners
    funding = pd.DataFrame(
        grants, columns=["id", "funder_id", "recipient_id", "amount", "award_date"]
    )
    funding["award_date"] = pd.to_datetime(funding["award_date"]).dt.strftime("%Y-%m-%d")
    boards = pd.DataFrame(
        {"id": [f"board-{b:02d}" for b in range(20)], "name": [f"Forum {b:02d}" for b in range(20)]}
    )
    members = []
    for b in boards["id"]:
        size = int(rng.integers(4, 9))
        chosen = list(rng.choice(dept_ids, size=size // 2, replace=False))
        chosen += list(rng.choice(org_ids, size=size - size // 2, replace=False))
        members += [(b, m, "member") for m in chosen]
    memberships = pd.DataFrame(members, columns=["board_id", "org_id", "role"])
    pairs = [(dept_ids[i], dept_ids[i + 1]) for i in range(0, departments - 1, 25)]
    partnerships = pd.DataFrame(pairs, columns=["source_id", "target_id"])
    return Dataset.from_frames(
        organisations=orgs,
        funding=funding,
        boards=boards,
        memberships=memberships,
        partnerships=partnerships,
    )


def write_folder(ds: Dataset, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in ds.tables().items():
        if len(frame):
            frame.to_csv(out / f"{name}.csv", index=False, date_format="%Y-%m-%d")


def _median_seconds(command: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--departments", type=int, default=600)
    parser.add_argument("--organisations", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="Keep the dataset here.")
    parser.add_argument("--write-only", action="store_true")
    args = parser.parse_args()

    ds = many_departments(
        departments=args.departments, organisations=args.organisations, seed=args.seed
    )
    with tempfile.TemporaryDirectory(prefix="partnernet-many-") as tmp:
        folder = args.out or Path(tmp) / "place"
        write_folder(ds, folder)
        print(
            f"{args.departments:,} departments, {args.organisations:,} organisations, "
            f"{len(ds.funding):,} grants, {len(ds.memberships):,} board seats -> {folder}"
        )
        if args.write_only:
            return 0
        out = Path(tmp) / "out"
        run = [
            str(Path(sys.executable).parent / "partnernet"),
            "analyse",
            str(folder),
            "--out",
            str(out),
            "--quiet",
        ]
        floor = _median_seconds([sys.executable, "-c", FLOOR], args.repeats)
        seconds = _median_seconds(run, args.repeats)
        ratio = seconds / floor
        longest = max(
            len(line) for line in (out / "report.md").read_text(encoding="utf-8").splitlines()
        )
    print(f"import floor ({FLOOR}): {floor:.2f} s (median of {args.repeats})")
    print(f"partnernet analyse: {seconds:.2f} s (median of {args.repeats})")
    print(
        f"ratio {ratio:.1f}x the floor; bound {BOUND:g}x (locality budget "
        f"{LOCALITY_BUDGET:g}x, times 10): {'within' if ratio <= BOUND else 'OVER'}"
    )
    print(f"longest report.md line: {longest:,} characters")
    return 0 if ratio <= BOUND else 1


if __name__ == "__main__":
    raise SystemExit(main())
