"""How fast ``partnernet load`` fills Neo4j, beside a plain ``UNWIND $rows CREATE``.

DESIGN section 7: loading goes through ``UNWIND $rows ... MERGE`` in batches of a
few thousand rows, so it is idempotent. Against a live Neo4j the figure that means
something is the ratio to the cheapest load of the same rows in the same run: one
``UNWIND $rows CREATE`` per batch of the same size, into an empty graph that has the
same id indexes (the constraints), matching each tie's ends by id and creating each
person once. That load is not idempotent and derives no SHARES_PERSON ties; the
ratio is what idempotence and the derived ties cost. Each figure is the median of
``--repeats`` loads of the city (2,500 organisations) and region (25,000) samples,
after one warm-up load of each kind, the two kinds alternating, each into an
emptied graph::

    .venv/bin/python bench/neo4j_load.py
    .venv/bin/python bench/neo4j_load.py --scales city --repeats 5

It starts a Neo4j of its own from neo4j-server/ (build it first: make neo4j-server)
unless ``--uri`` names one, whose partnernet nodes it then deletes. Round trips are
transactions sent, counted by a wrapper round the driver.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from neo4j import GraphDatabase

ROOT = Path(__file__).resolve().parent.parent
LAUNCHER = ROOT / "neo4j-server" / "run"
BATCH = 2000

# The plain load: labels and types fixed here, every value a parameter.
CREATE = {
    "organisations": "UNWIND $rows AS row CREATE (o:Organisation) SET o = row",
    "boards": "UNWIND $rows AS row CREATE (b:Board) SET b = row",
    "part_of": "UNWIND $rows AS row MATCH (c:Organisation {id: row.id}) "
    "MATCH (p:Organisation {id: row.parent_id}) CREATE (c)-[:PART_OF]->(p)",
    "memberships": "UNWIND $rows AS row MATCH (o:Organisation {id: row.org_id}) "
    "MATCH (b:Board {id: row.board_id}) CREATE (o)-[m:MEMBER_OF]->(b) SET m = row",
    "funding": "UNWIND $rows AS row MATCH (a:Organisation {id: row.funder_id}) "
    "MATCH (b:Organisation {id: row.recipient_id}) CREATE (a)-[f:FUNDS]->(b) SET f = row",
    "partnerships": "UNWIND $rows AS row MATCH (a:Organisation {id: row.source_id}) "
    "MATCH (b:Organisation {id: row.target_id}) CREATE (a)-[p:PARTNERS_WITH]->(b) SET p = row",
    "people": "UNWIND $rows AS row CREATE (:Person {id: row.id})",
    "affiliations": "UNWIND $rows AS row MATCH (p:Person {id: row.person_id}) "
    "MATCH (o:Organisation {id: row.org_id}) CREATE (p)-[a:AFFILIATED_WITH]->(o) SET a = row",
}


class CountingDriver:
    """The driver, counting transactions (each one round trip of BEGIN..COMMIT)."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver
        self.transactions = 0

    def verify_connectivity(self) -> None:
        self.driver.verify_connectivity()

    def close(self) -> None:
        self.driver.close()

    def session(self, **config: Any) -> Any:
        owner = self
        session = self.driver.session(**config)

        class Counting:
            def __enter__(self) -> Any:
                session.__enter__()
                return self

            def __exit__(self, *exc: Any) -> None:
                session.__exit__(*exc)

            def execute_write(self, work: Any, *args: Any) -> Any:
                def counted(tx: Any, *a: Any) -> Any:
                    owner.transactions += 1
                    return work(tx, *a)

                return session.execute_write(counted, *args)

            execute_read = execute_write

        return Counting()


@contextmanager
def own_server() -> Iterator[str]:
    if not (ROOT / "neo4j-server" / "target" / ".built").exists():
        sys.exit("neo4j-server is not built: run 'make neo4j-server' first")
    process = subprocess.Popen(
        [str(LAUNCHER), "--stop-on-eof"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    started = time.perf_counter()
    line = process.stdout.readline()
    if not line.startswith("ready "):
        process.kill()
        sys.exit(f"Neo4j did not start: {process.stderr.read()[-2000:]}")
    print(f"{process.stderr.readline().strip()} ({time.perf_counter() - started:.1f} s wall)")
    try:
        yield line.removeprefix("ready ").strip()
    finally:
        process.terminate()
        process.wait(timeout=60)


def plain_rows(dataset: Any) -> list[tuple[str, list[dict[str, Any]]]]:
    """The rows partnernet's load sends, table by table, plus one row per person."""
    from partnernet.neo4j.store import _load_statements

    tables = [(table, rows) for table, _, rows in _load_statements(dataset)]
    people = sorted(set(dataset.affiliations["person_id"]))
    at = [t for t, _ in tables].index("affiliations")
    tables.insert(at, ("people", [{"id": p} for p in people]))
    return tables


def plain_load(driver: Any, tables: list[tuple[str, list[dict[str, Any]]]]) -> None:
    def run(tx: Any, statement: str, rows: list[dict[str, Any]]) -> None:
        tx.run(statement, {"rows": rows}).consume()

    with driver.session() as session:
        for table, rows in tables:
            for start in range(0, len(rows), BATCH):
                session.execute_write(run, CREATE[table], rows[start : start + BATCH])


def empty(store: Any) -> None:
    from partnernet.model import Dataset

    store.load(Dataset.from_frames(), wipe=True)  # the constraints stay: the same indexes


def measure(uri: str, scale: str, repeats: int) -> dict[str, Any]:
    from partnernet.io.read import read_dataset
    from partnernet.neo4j import Store
    from partnernet.synthetic import generate_sample

    with tempfile.TemporaryDirectory() as tmp:
        generate_sample(Path(tmp) / scale, scale=scale, seed=1)
        dataset = read_dataset(Path(tmp) / scale, pseudonym_key="bench")
    rows = sum(len(frame) for frame in dataset.tables().values())
    tables = plain_rows(dataset)
    ours: list[float] = []
    plain: list[float] = []
    trips = {"partnernet": 0, "plain": 0}
    with GraphDatabase.driver(uri, auth=None) as raw:
        admin = Store(raw, uri=uri, has_password=False)
        empty(admin)
        for attempt in range(repeats + 1):
            counting = CountingDriver(raw)
            empty(admin)
            start = time.perf_counter()
            plain_load(counting, tables)
            plain.append(time.perf_counter() - start)
            trips["plain"] = counting.transactions

            counting = CountingDriver(raw)
            empty(admin)
            store = Store(counting, uri=uri, has_password=False)
            start = time.perf_counter()
            store.load(dataset, batch_size=BATCH)
            ours.append(time.perf_counter() - start)
            trips["partnernet"] = counting.transactions
            if attempt == 0:  # a warm-up: the server plans each statement once
                ours.pop()
                plain.pop()
        empty(admin)
    return {
        "scale": scale,
        "rows": rows,
        "partnernet": statistics.median(ours),
        "plain": statistics.median(plain),
        "trips": trips,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", nargs="+", default=["city", "region"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--uri", help="a scratch Neo4j without authentication")
    args = parser.parse_args()
    with own_server() if args.uri is None else _given(args.uri) as uri:
        results = [measure(uri, scale, args.repeats) for scale in args.scales]
    print()
    header = "| sample | rows | partnernet rows/s | plain CREATE rows/s | time ratio "
    print(header + "| round trips partnernet / plain |")
    print("|---|---|---|---|---|---|")
    for r in results:
        ours, plain = r["rows"] / r["partnernet"], r["rows"] / r["plain"]
        print(
            f"| {r['scale']} | {r['rows']:,} | {ours:,.0f} | {plain:,.0f} "
            f"| {r['partnernet'] / r['plain']:.2f}x "
            f"| {r['trips']['partnernet']} / {r['trips']['plain']} |"
        )
    return 0


@contextmanager
def _given(uri: str) -> Iterator[str]:
    yield uri


if __name__ == "__main__":
    raise SystemExit(main())
