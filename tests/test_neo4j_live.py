"""The Neo4j round trip on a real server (marker ``neo4j``).

``make test`` runs these with the rest of the suite against a Neo4j 5.26 Community
it starts for the run (neo4j-server/with-neo4j: embedded, Bolt on 127.0.0.1,
authentication on, a fresh store); ``make test-neo4j`` runs them alone, against the
server NEO4J_URI names when it is set:

    docker compose up -d && NEO4J_URI=bolt://localhost:7687 make test-neo4j

They delete every Organisation, Board and Person node of the database they are given
(NEO4J_URI and NEO4J_DATABASE), so they refuse to start on a database that already
holds any unless PARTNERNET_LIVE_WIPE=1 says that is fine, and leave none behind.
Every test starts from an empty graph. The test that stops a server mid-load starts
servers of its own from the launcher, never stopping the one NEO4J_URI names.
"""

from __future__ import annotations

import logging
import math
import os
import unicodedata
from collections import Counter
from collections.abc import Iterator
from itertools import combinations
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import SAMPLE_DIR, TEST_DATA, missing_tool, require_neo4j
from neo4j import GraphDatabase
from neo4j import exceptions as neo4j_exceptions
from neo4j_server import LaunchedServer

from partnernet.analysis.pipeline import analyse
from partnernet.cli import cli
from partnernet.errors import StoreError
from partnernet.io.read import read_dataset
from partnernet.io.staging import MANIFEST_NAME as MANIFEST
from partnernet.model import Dataset
from partnernet.neo4j import DEFAULT_BATCH_SIZE, Store, connect, property_names
from partnernet.synthetic import generate_sample

pytestmark = pytest.mark.neo4j

KEY = "test-key-not-secret"
# The constraints of cypher/constraint_*.cypher: name -> (entity, label or type, key).
CONSTRAINTS = {
    "pn_organisation_id": ("NODE", "Organisation", "id"),
    "pn_board_id": ("NODE", "Board", "id"),
    "pn_person_id": ("NODE", "Person", "id"),
    "pn_funds_id": ("RELATIONSHIP", "FUNDS", "id"),
    "pn_member_of_row_key": ("RELATIONSHIP", "MEMBER_OF", "row_key"),
    "pn_partners_with_row_key": ("RELATIONSHIP", "PARTNERS_WITH", "row_key"),
    "pn_affiliated_with_row_key": ("RELATIONSHIP", "AFFILIATED_WITH", "row_key"),
}


@pytest.fixture(scope="module")
def sample() -> Dataset:
    return read_dataset(SAMPLE_DIR, pseudonym_key=KEY)


@pytest.fixture(scope="module")
def server() -> Iterator[Store]:
    require_neo4j()  # module fixtures come before the autouse check in conftest
    with connect() as live:
        held = live.counts()
        ours = held["organisations"] + held["boards"] + held["people"]
        if ours and os.environ.get("PARTNERNET_LIVE_WIPE") != "1":
            pytest.fail(
                f"the database at {live.uri} already holds {ours} Organisation, Board or "
                "Person nodes and this suite deletes them: point NEO4J_URI at a scratch "
                "server (docker compose up -d), or set PARTNERNET_LIVE_WIPE=1"
            )
        try:
            yield live
        finally:
            live.load(Dataset.from_frames(), wipe=True)


@pytest.fixture
def store(server: Store) -> Store:
    """The server's store, emptied of partnernet's nodes before the test."""
    server.load(Dataset.from_frames(), wipe=True)
    assert _node_count(server) == 0
    return server


def _read(live: Store, statement: str, **parameters: Any) -> list[dict[str, Any]]:
    """Rows of a read-only statement of the test's own (never one from input)."""

    def work(tx: Any) -> list[dict[str, Any]]:
        return list(tx.run(statement, parameters).data())

    with live._driver.session(database=live.database) as session:
        return session.execute_read(work)


def _write(live: Store, statement: str, **parameters: Any) -> None:
    def work(tx: Any) -> None:
        tx.run(statement, parameters).consume()

    with live._driver.session(database=live.database) as session:
        session.execute_write(work)


def _organisation_properties(live: Store) -> dict[str, dict[str, Any]]:
    rows = _read(live, "MATCH (o:Organisation) RETURN o.id AS id, properties(o) AS p")
    return {r["id"]: r["p"] for r in rows}


def _node_count(live: Store) -> int:
    return int(_read(live, "MATCH (n) RETURN count(n) AS n")[0]["n"])


def _snapshot(live: Store) -> dict[str, Any]:
    """Every node and relationship, by element id, with its labels or type and all
    its properties: equal snapshots mean nothing was changed, deleted or recreated."""
    nodes = _read(live, "MATCH (n) RETURN elementId(n) AS e, labels(n) AS l, properties(n) AS p")
    rels = _read(
        live,
        "MATCH (a)-[r]->(b) RETURN elementId(r) AS e, elementId(a) AS a, elementId(b) AS b, "
        "type(r) AS t, properties(r) AS p",
    )
    return {
        "nodes": {n["e"]: (sorted(n["l"]), n["p"]) for n in nodes},
        "relationships": {r["e"]: (r["a"], r["b"], r["t"], r["p"]) for r in rels},
    }


def _content(live: Store) -> Counter[str]:
    """The graph's content without element ids: each node as its labels and
    properties, each relationship as its type, properties and its ends' content."""
    rows = _read(
        live,
        "MATCH (n) OPTIONAL MATCH (n)-[r]->(m) "
        "RETURN labels(n) AS l, properties(n) AS p, type(r) AS t, properties(r) AS rp, "
        "labels(m) AS ml, m.id AS mid",
    )
    return Counter(
        repr(
            (
                sorted(r["l"]),
                sorted(r["p"].items()),
                r["t"],
                sorted((r["rp"] or {}).items()),
                r["ml"],
                r["mid"],
            )
        )
        for r in rows
    )


def _constraints(live: Store) -> dict[str, tuple[Any, ...]]:
    rows = _read(
        live,
        "SHOW CONSTRAINTS YIELD id, name, type, entityType, labelsOrTypes, properties "
        "WHERE name STARTS WITH 'pn_' RETURN *",
    )
    return {
        r["name"]: (r["id"], r["type"], r["entityType"], r["labelsOrTypes"], r["properties"])
        for r in rows
    }


class CountingDriver:
    """The real driver, counting the transactions (round trips) and statements sent."""

    def __init__(self, driver: Any) -> None:
        self._driver = driver
        self.transactions = 0
        self.statements = 0

    def verify_connectivity(self) -> None:
        self._driver.verify_connectivity()

    def close(self) -> None:
        self._driver.close()

    def session(self, **config: Any) -> Any:
        return _CountingSession(self, self._driver.session(**config))


class _CountingSession:
    def __init__(self, owner: CountingDriver, session: Any) -> None:
        self._owner = owner
        self._session = session

    def __enter__(self) -> _CountingSession:
        self._session.__enter__()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._session.__exit__(*exc_info)

    def _counted(self, work: Any) -> Any:
        def attempt(tx: Any, *args: Any) -> Any:
            self._owner.transactions += 1  # every attempt, retries included
            return work(_CountingTx(self._owner, tx), *args)

        return attempt

    def execute_write(self, work: Any, *args: Any) -> Any:
        return self._session.execute_write(self._counted(work), *args)

    def execute_read(self, work: Any, *args: Any) -> Any:
        return self._session.execute_read(self._counted(work), *args)


class _CountingTx:
    def __init__(self, owner: CountingDriver, tx: Any) -> None:
        self._owner = owner
        self._tx = tx

    def run(self, statement: str, parameters: Any = None) -> Any:
        self._owner.statements += 1
        return self._tx.run(statement, parameters)


def _driver_like(live: Store) -> Any:
    """A new driver for the server and credentials ``live`` uses."""
    password = os.environ.get("NEO4J_PASSWORD") or None
    auth = (live.username, password) if password is not None else None
    return GraphDatabase.driver(live.uri, auth=auth)


# -- loading ---------------------------------------------------------------------------


def test_constraints_are_created_once_and_again(store: Store, sample: Dataset) -> None:
    for name in CONSTRAINTS:
        _write(store, f"DROP CONSTRAINT {name} IF EXISTS")  # names from the fixed model
    assert _constraints(store) == {}
    store.load(sample)
    first = _constraints(store)
    assert {name: held[1:] for name, held in first.items()} == {
        name: (
            "UNIQUENESS" if entity == "NODE" else "RELATIONSHIP_UNIQUENESS",
            entity,
            [label],
            [key],
        )
        for name, (entity, label, key) in CONSTRAINTS.items()
    }
    store.load(sample)
    assert _constraints(store) == first  # the same constraints, not new ones
    # and they hold: a second organisation with a loaded id is refused
    taken = str(sample.organisations["id"].iloc[0])
    with pytest.raises(neo4j_exceptions.ConstraintError, match="already exists"):
        _write(store, "CREATE (:Organisation {id: $id})", id=taken)


def test_loading_twice_leaves_the_same_graph(store: Store, sample: Dataset) -> None:
    first = store.load(sample)
    counts = store.counts()
    before = _content(store)
    second = store.load(sample, batch_size=97)
    assert store.counts() == counts
    # the same nodes, relationships and properties (SHARES_PERSON ties are derived
    # anew on every load, so element ids are not compared)
    assert _content(store) == before
    assert second == first
    assert counts == {
        "organisations": len(sample.organisations),
        "boards": len(sample.boards),
        "people": sample.affiliations["person_id"].nunique(),
        "part_of": int(sample.organisations["parent_id"].notna().sum()),
        "memberships": len(sample.memberships),
        "funding": len(sample.funding),
        "partnerships": len(sample.partnerships),
        "affiliations": len(sample.affiliations),
        "shares_person": first["shares_person"],
    }
    assert first["shares_person"] > 0


def test_reading_back_gives_the_files_dataset(store: Store, sample: Dataset) -> None:
    store.load(sample)
    back = store.read_dataset()
    assert back.equals(sample)
    for table, frame in back.tables().items():
        assert list(frame.dtypes) == list(sample.tables()[table].dtypes), table


def test_shares_person_ties_count_the_shared_people(store: Store, sample: Dataset) -> None:
    store.load(sample)
    orgs_of = sample.affiliations.groupby("person_id")["org_id"].agg(lambda s: sorted(set(s)))
    expected = Counter(pair for orgs in orgs_of for pair in combinations(orgs, 2))
    rows = _read(
        store,
        "MATCH (a:Organisation)-[s:SHARES_PERSON]->(b:Organisation) "
        "RETURN a.id AS a, b.id AS b, s.count AS n",
    )
    assert {(r["a"], r["b"]): r["n"] for r in rows} == dict(expected)


def test_wipe_leaves_only_the_new_dataset(store: Store, sample: Dataset) -> None:
    hostile = read_dataset(TEST_DATA / "hostile", pseudonym_key=KEY)
    store.load(hostile)
    store.load(sample)  # without --wipe both stay
    both = store.counts()
    assert both["organisations"] == len(hostile.organisations) + len(sample.organisations)
    _write(store, "CREATE (:Unrelated {note: 'not partnernet data'})")
    result = CliRunner().invoke(
        cli, ["load", str(SAMPLE_DIR), "--wipe", "--quiet"], env={"PARTNERNET_PSEUDONYM_KEY": KEY}
    )
    assert result.exit_code == 0, result.output
    wiped = len(hostile.organisations) + len(sample.organisations) + len(hostile.boards)
    wiped += len(sample.boards) + both["people"]
    assert f"after deleting {wiped:,} nodes" in result.stdout
    assert store.read_dataset().equals(sample)
    # the wipe deletes partnernet's labels only
    assert _read(store, "MATCH (u:Unrelated) RETURN u.note AS note") == [
        {"note": "not partnernet data"}
    ]
    _write(store, "MATCH (u:Unrelated) DELETE u")


def test_load_command_against_the_server(store: Store, sample: Dataset) -> None:
    result = CliRunner().invoke(
        cli, ["load", str(SAMPLE_DIR), "--quiet"], env={"PARTNERNET_PSEUDONYM_KEY": KEY}
    )
    assert result.exit_code == 0, result.output
    assert f"Loaded {len(sample.organisations):,} organisations" in result.stdout
    assert store.read_dataset().equals(sample)


def test_the_server_has_nothing_to_warn_about(
    store: Store, sample: Dataset, caplog: pytest.LogCaptureFixture
) -> None:
    """No notification a person would see: no deprecation, and none about labels
    that an empty or partial graph does not have yet."""
    with caplog.at_level(logging.INFO, logger="neo4j.notifications"), connect() as fresh:
        fresh.counts()
        fresh.read_dataset()
        fresh.load(Dataset.from_frames(organisations=sample.organisations))
        fresh.read_dataset()
        fresh.load(sample)
        fresh.write_back(analyse(sample, seed=0, permutations=50).metrics)
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == []


# -- round trips of awkward values --------------------------------------------------------

# Names no one normalises: composed and decomposed forms, bidi controls, joiners, astral
# characters, a BOM, line and paragraph separators, controls, a NUL.
UNICODE_NAMES = [
    "Caf\u00e9 (composed)",
    "Cafe\u0301 (decomposed)",
    "\u202eRTL override\u202c and \u200fmarks\u200e",
    "zero\u200bwidth\u200djoiner\u2060",
    "👩‍👩‍👧 family, 🏳️‍🌈 flag, 𝔘𝔫𝔦𝔠𝔬𝔡𝔢, 𠜎",
    "\ufeffBOM first",
    "lines\u2028and\u2029paragraphs\r\nand\ttabs",
    "nul\x00inside and \x07bell",
    "Ελληνικά · עברית · العربية · हिन्दी · 한국어 · ქართული",
    "\U0010fffd last plane, \ufffd replacement, \uffff",
]


def _awkward() -> Dataset:
    nan = float("nan")
    names = [*UNICODE_NAMES, "L" * 200_000, "", "  padded  "]
    n = len(names)
    ids = [f"U-{i:02d}" for i in range(n)]
    return Dataset.from_frames(
        organisations=pd.DataFrame(
            {
                "id": ids,
                "name": names,
                "type": ["vcse"] * n,
                "size_band": ["micro"] * (n - 1) + [None],
                "income": [nan, 0.1, 1e15, 5e-324] + [nan] * (n - 4),
                "locality": ["", None, "x" * 10_000] + [names[i] for i in range(3, n)],
                "tags": ["", None, "youth;\u00e9lder;\u6771\u4eac"] + [None] * (n - 3),
            }
        ),
        boards=pd.DataFrame(
            {"id": ["B-\u00e9", "B-e\u0301"], "name": ["", UNICODE_NAMES[4]], "theme": ["", None]}
        ),
        memberships=pd.DataFrame(
            {"board_id": ["B-\u00e9", "B-e\u0301"], "org_id": [ids[0], ids[1]], "role": ["", None]}
        ),
        funding=pd.DataFrame(
            {
                "id": ["F-\u2028", "F-\x00"],
                "funder_id": [ids[0], ids[1]],
                "recipient_id": [ids[1], ids[0]],
                "amount": [0.01, 123456789.125],
                "award_date": [pd.Timestamp("1900-01-01"), pd.Timestamp("2099-12-31")],
                "programme": ["", UNICODE_NAMES[6]],
                "duration_months": pd.array([None, 0], dtype="Int64"),
                "restricted": pd.array([None, False], dtype="boolean"),
            }
        ),
        partnerships=pd.DataFrame(
            {
                "source_id": [ids[2], ids[2]],
                "target_id": [ids[3], ids[3]],
                "kind": ["", ""],
                "weight": [nan, 0.5],
            }
        ),
        affiliations=pd.DataFrame(
            {"person_id": ["p-\U0001f600", "p-\U0001f600"], "org_id": [ids[4], ids[5]]}
        ),
    )


def _assert_same_rows(got: Dataset, expected: Dataset) -> None:
    """Dataset.equals, table by table, saying which value differs when one does."""
    for table, want in expected.tables().items():
        have = getattr(got, table)
        keys = list(want.columns)
        pd.testing.assert_frame_equal(
            have.sort_values(keys, na_position="last", kind="stable").reset_index(drop=True),
            want.sort_values(keys, na_position="last", kind="stable").reset_index(drop=True),
            obj=table,
        )
    assert got.equals(expected)


def test_hostile_names_round_trip_exactly(store: Store) -> None:
    hostile = read_dataset(TEST_DATA / "hostile", pseudonym_key=KEY)
    store.load(hostile)
    _assert_same_rows(store.read_dataset(), hostile)
    non_ascii = [n for n in hostile.organisations["name"] if not n.isascii()]
    assert non_ascii, "the hostile data should hold non-ASCII names"
    held = {r["name"] for r in _read(store, "MATCH (o:Organisation) RETURN o.name AS name")}
    assert set(non_ascii) <= held


def test_nan_empty_long_and_unicode_values_round_trip_exactly(store: Store) -> None:
    awkward = _awkward()
    assert unicodedata.normalize("NFC", UNICODE_NAMES[1]) != UNICODE_NAMES[1]
    store.load(awkward)
    _assert_same_rows(store.read_dataset(), awkward)
    # NaN reaches the database as no property at all
    props = _organisation_properties(store)
    assert "income" not in props["U-00"] and props["U-03"]["income"] == 5e-324
    assert props["U-00"]["locality"] == "" and "locality" not in props["U-01"]
    assert len(props["U-10"]["name"]) == 200_000


# -- analysis from the graph --------------------------------------------------------------


def test_analyse_from_neo4j_writes_the_same_tables_as_from_the_files(
    store: Store, tmp_path: Path
) -> None:
    runner = CliRunner()
    env = {"PARTNERNET_PSEUDONYM_KEY": KEY}
    assert runner.invoke(cli, ["load", str(SAMPLE_DIR), "--quiet"], env=env).exit_code == 0
    files, graph = tmp_path / "files", tmp_path / "graph"
    files.mkdir()
    graph.mkdir()
    common = ["--permutations", "200", "--seed", "3", "--quiet"]
    a = runner.invoke(cli, ["analyse", str(SAMPLE_DIR), "--out", str(files), *common], env=env)
    b = runner.invoke(cli, ["analyse", "--from-neo4j", "--out", str(graph), *common], env=env)
    assert a.exit_code == 0, a.output
    assert b.exit_code == 0, b.output
    assert a.stdout == b.stdout  # the findings

    # The tables and JSON files, not the run's manifest (its run id and time differ).
    def outputs(folder: Path) -> list[str]:
        return sorted(
            p.name for p in folder.iterdir() if p.suffix in (".csv", ".json") and p.name != MANIFEST
        )

    tables = outputs(files)
    assert tables == outputs(graph)
    assert "metrics.csv" in tables and "groups.csv" in tables
    for name in tables:
        assert (graph / name).read_bytes() == (files / name).read_bytes(), name


def test_write_back_sets_every_pn_property_once(store: Store, sample: Dataset) -> None:
    store.load(sample)
    metrics = analyse(sample, seed=0, permutations=200).metrics
    assert store.write_back(metrics) == len(metrics)
    names = property_names(list(metrics.columns))
    held = _organisation_properties(store)
    for row in metrics.to_dict("records"):
        props = held[row["id"]]
        assert {p for p in props if p.startswith("pn_")} == {
            prop for column, prop in names.items() if not pd.isna(row[column])
        }, row["id"]
        for column, prop in names.items():
            value = row[column]
            if pd.isna(value):
                continue
            if isinstance(value, float) and not math.isinf(value):
                assert props[prop] == pytest.approx(value), (row["id"], prop)
            else:
                assert props[prop] == value and type(props[prop]) is type(value), prop
    assert any(props.get("pn_broker_liaison") for props in held.values())
    before = _snapshot(store)
    assert store.write_back(metrics) == len(metrics)
    assert _snapshot(store) == before  # a second write-back changes nothing


def test_analyse_write_back_command(store: Store, tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"PARTNERNET_PSEUDONYM_KEY": KEY}
    assert runner.invoke(cli, ["load", str(SAMPLE_DIR), "--quiet"], env=env).exit_code == 0
    args = ["analyse", "--from-neo4j", "--write-back", "--out", str(tmp_path)]
    args += ["--permutations", "200", "--quiet"]
    first = runner.invoke(cli, args, env=env)
    assert first.exit_code == 0, first.output
    written = pd.read_csv(tmp_path / "metrics.csv", dtype={"id": str})
    assert f"Wrote pn_ metrics to {len(written):,} organisations" in first.stderr
    held = _read(store, "MATCH (o:Organisation) RETURN o.id AS id, o.pn_degree AS degree")
    assert {r["id"]: r["degree"] for r in held} == dict(
        zip(written["id"], written["degree"].astype(int), strict=True)
    )
    before = _snapshot(store)
    again = runner.invoke(cli, args, env=env)
    assert again.exit_code == 0, again.output
    assert _snapshot(store) == before


# -- failures -------------------------------------------------------------------------------


def test_wrong_password_exits_4_and_never_prints_a_password(store: Store) -> None:
    real = os.environ.get("NEO4J_PASSWORD")
    if not real:
        missing_tool(
            "the wrong-password test needs a server with authentication and its "
            "NEO4J_PASSWORD (make test starts one)"
        )
    wrong = "certainly-not-the-password-" + real[::-1]
    env = {"NEO4J_PASSWORD": wrong, "PARTNERNET_PSEUDONYM_KEY": KEY}
    result = CliRunner().invoke(cli, ["load", str(SAMPLE_DIR)], env=env)
    assert result.exit_code == 4, result.output
    assert result.stderr.splitlines()[0] == (
        f"Error: Neo4j at {store.uri} refused the credentials for user '{store.username}'."
    )
    assert wrong not in result.output and real not in result.output
    assert store.counts()["organisations"] == 0  # nothing was written

    missing = CliRunner().invoke(cli, ["load", str(SAMPLE_DIR)], env={"NEO4J_PASSWORD": ""})
    assert missing.exit_code == 4, missing.output
    assert f"Neo4j at {store.uri} needs a password and none was given." in missing.stderr

    with connect(password=wrong) as refused, pytest.raises(StoreError) as caught:
        refused.verify()
    assert caught.value.exit_code == 4
    assert wrong not in str(caught.value) and wrong not in repr(refused)


def test_missing_database_is_named(store: Store) -> None:
    with connect(database="partnernet-no-such-db") as missing, pytest.raises(StoreError) as caught:
        missing.counts()
    assert "has no database 'partnernet-no-such-db'" in str(caught.value)


def test_a_load_stopped_half_way_completes_when_run_again(sample: Dataset, tmp_path: Path) -> None:
    """The server dies (SIGKILL) mid-load; after a restart on the same store the graph
    holds whole batches only, and the same load completes it."""
    batch = 50
    db, log = tmp_path / "store", tmp_path / "neo4j.log"
    with LaunchedServer(db, log) as first:
        # a short retry budget: the driver would otherwise retry for 30 s
        driver = GraphDatabase.driver(first.uri, auth=None, max_transaction_retry_time=1.0)
        doomed = Store(driver, uri=first.uri, has_password=False)
        committed: list[tuple[str, int]] = []

        def progress(table: str, rows: int) -> None:
            committed.append((table, rows))
            if len(committed) == 3:
                first.kill()

        with doomed, pytest.raises(StoreError) as caught:
            doomed.load(sample, batch_size=batch, progress=progress)
        assert caught.value.exit_code == 4
        assert "failed part-way" in str(caught.value)
        assert "run the same command again" in (caught.value.hint or "")
    with LaunchedServer(db, log) as second:
        again = Store(GraphDatabase.driver(second.uri, auth=None), uri=second.uri)
        with again:
            left = again.counts()
            assert left["organisations"] >= 3 * batch  # what was committed survived
            assert left["organisations"] % batch == 0  # whole batches, never part of one
            assert left["organisations"] < len(sample.organisations)
            assert left["boards"] == left["funding"] == 0
            again.load(sample, batch_size=batch)
            assert again.read_dataset().equals(sample)


def test_region_sample_loads_in_few_round_trips(server: Store, tmp_path: Path) -> None:
    """25,000 organisations and 118,000 ties: a handful of round trips per 10,000 rows."""
    generate_sample(tmp_path / "region", scale="region", seed=1)
    region = read_dataset(tmp_path / "region", pseudonym_key=KEY)
    rows = sum(len(frame) for frame in region.tables().values())
    assert len(region.organisations) == 25_000
    counting = CountingDriver(_driver_like(server))
    with Store(counting, uri=server.uri, database=server.database) as store:
        summary = store.load(region, wipe=True)
        assert store.counts()["funding"] == len(region.funding)
    assert summary["organisations"] == 25_000
    per_10k = counting.transactions / (rows / 10_000)
    # 2,000 rows a batch is 5 per table and 10,000 rows; the constraints, the wipe and
    # the SHARES_PERSON ties add a few more.
    assert DEFAULT_BATCH_SIZE == 2000
    assert per_10k <= 8, (counting.transactions, rows)
    assert counting.statements == counting.transactions  # one statement per transaction
