"""The Neo4j store against a recording stand-in for the driver (no server needed).

``FakeDriver`` offers the part of the neo4j driver API the store may use
(``verify_connectivity``, ``session(database=...)``, ``execute_write``,
``execute_read``, ``tx.run(...).data()``, ``close``) and refuses the rest
(auto-commit ``session.run``, explicit transactions). It records every statement
and its parameters, checks each statement is the text of a ``cypher/`` file and each
parameter is a plain value, retries a transaction function on a retryable error as
the real driver does, and keeps an in-memory graph that follows what each of our
statements means, so a load can be read back. The live suite
(tests/test_neo4j_live.py) runs the same round trip on a real server.
"""

from __future__ import annotations

import datetime
import math
import re
import socket
import ssl
from dataclasses import dataclass, field
from typing import Any

import neo4j
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import SAMPLE_DIR
from neo4j import exceptions as neo4j_exceptions
from neo4j.time import Date

import partnernet.neo4j.store as store_module
from partnernet.analysis.results import BROKERAGE_ROLES, METRIC_COLUMNS
from partnernet.cli import cli
from partnernet.errors import InputError, StoreError
from partnernet.io.read import read_dataset
from partnernet.model import COLUMNS, Dataset
from partnernet.neo4j import Store, connect, property_names
from partnernet.neo4j.queries import names, query

STATEMENT_NAMES = {query(name): name for name in names()}
PASSWORD = "hunter2-not-a-real-password"
URI = "bolt://localhost:7687"


def server_error(code: str, message: str) -> Exception:
    """A Neo4jError as the driver builds it from a server's failure message."""
    return neo4j_exceptions.Neo4jError._hydrate_neo4j(code=code, message=message)


# -- the stand-in -----------------------------------------------------------------


@dataclass
class Graph:
    """What the database holds, in the shape our statements give it."""

    organisations: dict[str, dict[str, Any]] = field(default_factory=dict)
    boards: dict[str, dict[str, Any]] = field(default_factory=dict)
    people: set[str] = field(default_factory=set)
    # (type, key) -> {"_from": id, "_to": id, **properties}
    rels: dict[tuple[str, Any], dict[str, Any]] = field(default_factory=dict)
    constraints: set[str] = field(default_factory=set)

    def copy(self) -> Graph:
        """A snapshot to run a transaction on (property values are never mutated)."""
        return Graph(
            {k: dict(v) for k, v in self.organisations.items()},
            {k: dict(v) for k, v in self.boards.items()},
            set(self.people),
            {k: dict(v) for k, v in self.rels.items()},
            set(self.constraints),
        )


def _stored(value: Any) -> Any:
    """A parameter value as the server would store it (dates become Neo4j Dates)."""
    if isinstance(value, datetime.date):
        return Date.from_native(value)
    return value


def _set(target: dict[str, Any], key: str, value: Any) -> None:
    if value is None:  # Cypher: SET x.p = null removes the property
        target.pop(key, None)
    else:
        target[key] = _stored(value)


def _check_plain(value: Any, where: str, problems: list[str]) -> None:
    if isinstance(value, np.generic):
        problems.append(f"{where}: numpy scalar {value!r}")
        return
    if value is None or isinstance(value, bool | int | str):
        return
    if isinstance(value, float):
        if math.isnan(value):
            problems.append(f"{where}: NaN")
        return
    if type(value) is datetime.date:
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            _check_plain(item, f"{where}[{i}]", problems)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                problems.append(f"{where}: key {key!r} is not a str")
            _check_plain(item, f"{where}.{key}", problems)
        return
    problems.append(f"{where}: {type(value).__name__} {value!r} is not a plain value")


class FakeResult:
    def __init__(self, records: list[dict[str, Any]]) -> None:
        self._records = records

    def data(self) -> list[dict[str, Any]]:
        return self._records


class FakeTx:
    def __init__(self, driver: FakeDriver, graph: Graph, mode: str) -> None:
        self.driver = driver
        self.graph = graph
        self.mode = mode

    def run(self, statement: str, parameters: dict[str, Any] | None = None, **kw: Any) -> Any:
        assert not kw, "parameters go in one dict"
        assert statement in STATEMENT_NAMES, f"statement not from cypher/: {statement[:80]!r}"
        name = STATEMENT_NAMES[statement]
        params = parameters or {}
        _check_plain(params, name, self.driver.problems)
        self.driver.runs.append((self.mode, name, params))
        attempt = sum(1 for _, n, _ in self.driver.runs if n == name)
        fault = self.driver.faults.get((name, attempt))
        if fault is not None:
            raise fault
        return FakeResult(getattr(self, "_" + name.split("_", 1)[0])(name, params))

    # Each handler does what the Cypher statement of that name does.

    def _constraint(self, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        self.graph.constraints.add(name)
        return []

    def _wipe(self, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        g = self.graph
        victims = [("o", k) for k in g.organisations] + [("b", k) for k in g.boards]
        victims = (victims + [("p", k) for k in g.people])[: params["limit"]]
        for kind, key in victims:
            if kind == "p":
                g.people.discard(key)
            else:
                (g.organisations if kind == "o" else g.boards).pop(key)
            for rel_key, rel in list(g.rels.items()):
                if _touches(rel_key[0], rel, kind, key):
                    del g.rels[rel_key]
        return [{"deleted": len(victims)}]

    def _merge(self, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        g = self.graph
        written = 0
        for row in params["rows"]:
            if name == "merge_organisations":
                node = g.organisations.setdefault(row["id"], {"id": row["id"]})
                for key in ("name", "type", "size_band", "income", "locality", "tags", "row_index"):
                    _set(node, key, row[key])
                written += 1
            elif name == "merge_boards":
                node = g.boards.setdefault(row["id"], {"id": row["id"]})
                for key in ("name", "convener_id", "level", "theme", "row_index"):
                    _set(node, key, row[key])
                written += 1
            elif name == "merge_part_of":
                if row["id"] in g.organisations and row["parent_id"] in g.organisations:
                    g.rels[("PART_OF", row["id"])] = {"_from": row["id"], "_to": row["parent_id"]}
                    written += 1
            else:
                rel_type, key, start, end, start_nodes, props = {
                    "merge_memberships": (
                        "MEMBER_OF", "row_key", "org_id", "board_id", g.boards,
                        ("role", "start", "end", "row_index"),
                    ),
                    "merge_funding": (
                        "FUNDS", "id", "funder_id", "recipient_id", g.organisations,
                        ("amount", "award_date", "currency", "duration_months", "kind",
                         "restricted", "programme", "row_index"),
                    ),
                    "merge_partnerships": (
                        "PARTNERS_WITH", "row_key", "source_id", "target_id", g.organisations,
                        ("kind", "directed", "weight", "start", "end", "row_index"),
                    ),
                    "merge_affiliations": (
                        "AFFILIATED_WITH", "row_key", "person_id", "org_id", g.organisations,
                        ("role", "start", "end", "row_index"),
                    ),
                }[name]  # fmt: skip
                if name == "merge_affiliations":
                    if row["org_id"] not in g.organisations:
                        continue
                    g.people.add(row["person_id"])
                elif row[start] not in g.organisations or row[end] not in start_nodes:
                    continue
                rel = g.rels.setdefault((rel_type, row[key]), {})
                rel.update(_from=row[start], _to=row[end])
                if key == "id":
                    rel["id"] = row["id"]
                for prop in props:
                    _set(rel, prop, row[prop])
                written += 1
        return [{"written": written}]

    def _derive(self, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        g = self.graph
        people_of: dict[str, set[str]] = {}
        for (rel_type, _), rel in g.rels.items():
            if rel_type == "AFFILIATED_WITH":
                people_of.setdefault(rel["_to"], set()).add(rel["_from"])
        written = 0
        for a in params["ids"]:
            if a not in g.organisations:
                continue
            for key in [k for k in g.rels if k[0] == "SHARES_PERSON" and k[1][0] == a]:
                del g.rels[key]
            for b, people in people_of.items():
                shared = len(people_of.get(a, set()) & people)
                if a < b and shared:
                    g.rels[("SHARES_PERSON", (a, b))] = {"_from": a, "_to": b, "count": shared}
                    written += 1
        return [{"written": written}]

    def _read(self, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        # Like the statements' ORDER BY: by row_index (missing last), then by the
        # ids, never in the order the stand-in happens to hold things.
        g = self.graph
        table = name.removeprefix("read_")
        if table == "organisations":
            parents = {r["_from"]: r["_to"] for (t, _), r in g.rels.items() if t == "PART_OF"}
            nodes = sorted(g.organisations.values(), key=lambda n: _read_order(n, "id"))
            return [
                {**_row(node, COLUMNS[table]), "parent_id": parents.get(node["id"])}
                for node in nodes
            ]
        if table == "boards":
            nodes = sorted(g.boards.values(), key=lambda n: _read_order(n, "id"))
            return [_row(node, COLUMNS[table]) for node in nodes]
        rel_type, start, end = {
            "memberships": ("MEMBER_OF", "org_id", "board_id"),
            "funding": ("FUNDS", "funder_id", "recipient_id"),
            "partnerships": ("PARTNERS_WITH", "source_id", "target_id"),
            "affiliations": ("AFFILIATED_WITH", "person_id", "org_id"),
        }[table]
        # then funding by id, memberships by board and organisation, the others by
        # start and end, and the row key (the stand-in's key) last
        ends = ("_to", "_from") if table == "memberships" else ("_from", "_to")
        if table == "funding":
            ends = ()
        keyed = sorted(
            ((key, rel) for (t, key), rel in g.rels.items() if t == rel_type),
            key=lambda item: (*_read_order(item[1], *ends), item[0]),
        )
        return [
            {**_row(rel, COLUMNS[table]), start: rel["_from"], end: rel["_to"]} for _, rel in keyed
        ]

    def _count(self, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        g = self.graph
        by_type = {
            t: sum(1 for (u, _) in g.rels if u == t)
            for t in ("PART_OF", "MEMBER_OF", "FUNDS", "PARTNERS_WITH", "AFFILIATED_WITH")
        }
        return [
            {
                "organisations": len(g.organisations),
                "boards": len(g.boards),
                "people": len(g.people),
                "part_of": by_type["PART_OF"],
                "memberships": by_type["MEMBER_OF"],
                "funding": by_type["FUNDS"],
                "partnerships": by_type["PARTNERS_WITH"],
                "affiliations": by_type["AFFILIATED_WITH"],
                "shares_person": sum(1 for (u, _) in g.rels if u == "SHARES_PERSON"),
            }
        ]

    def _write(self, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        written = 0
        for row in params["rows"]:
            node = self.graph.organisations.get(row["id"])
            if node is not None:
                for key, value in row["properties"].items():
                    _set(node, key, value)
                written += 1
        return [{"written": written}]


def _read_order(props: dict[str, Any], *keys: str) -> tuple[Any, ...]:
    position = props.get("row_index")
    return (position is None, position if position is not None else 0, *(props[k] for k in keys))


def _check_driver_config(config: dict[str, Any]) -> None:
    """The driver is asked to keep the server's "no such label" notices to itself."""
    assert config == {
        "notifications_disabled_classifications": [
            neo4j.NotificationDisabledClassification.UNRECOGNIZED
        ]
    }, config


def _touches(rel_type: str, rel: dict[str, Any], kind: str, key: str) -> bool:
    """Whether a relationship ends at the node of that kind ("o", "b", "p") and id."""
    start, end = {"MEMBER_OF": ("o", "b"), "AFFILIATED_WITH": ("p", "o")}.get(rel_type, ("o", "o"))
    return (start == kind and rel["_from"] == key) or (end == kind and rel["_to"] == key)


def _row(props: dict[str, Any], columns: tuple[str, ...]) -> dict[str, Any]:
    return {c: props.get(c) for c in columns}


class FakeSession:
    def __init__(self, driver: FakeDriver) -> None:
        self.driver = driver

    def __enter__(self) -> FakeSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.driver.events.append(("session-closed",))

    def _execute(self, mode: str, work: Any, *args: Any, **kwargs: Any) -> Any:
        # Like the driver: run the function in a transaction, roll back on failure
        # and retry it while the error is retryable (three attempts here).
        self.driver.events.append((mode,))
        for attempt in range(3):
            graph = self.driver.graph.copy()
            self.driver.attempts += 1
            try:
                result = work(FakeTx(self.driver, graph, mode), *args, **kwargs)
            except Exception as exc:
                retryable = getattr(exc, "is_retryable", lambda: False)()
                if retryable and attempt < 2:
                    self.driver.retries += 1
                    continue
                raise
            if mode == "write":
                self.driver.graph = graph
            return result
        raise AssertionError("unreachable")

    def execute_write(self, work: Any, *args: Any, **kwargs: Any) -> Any:
        return self._execute("write", work, *args, **kwargs)

    def execute_read(self, work: Any, *args: Any, **kwargs: Any) -> Any:
        return self._execute("read", work, *args, **kwargs)

    def run(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("auto-commit session.run is not retried: use execute_write")

    def begin_transaction(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("explicit transactions are not retried: use execute_write")


class FakeDriver:
    def __init__(self, *, verify_error: Exception | None = None) -> None:
        self.graph = Graph()
        self.runs: list[tuple[str, str, dict[str, Any]]] = []
        self.events: list[tuple[Any, ...]] = []
        self.problems: list[str] = []
        self.faults: dict[tuple[str, int], Exception] = {}
        self.verify_error = verify_error
        self.attempts = 0
        self.retries = 0
        self.closed = False
        self.databases: list[str | None] = []

    def verify_connectivity(self) -> None:
        self.events.append(("verify",))
        if self.verify_error is not None:
            raise self.verify_error

    def session(self, *, database: str | None = None) -> FakeSession:
        self.databases.append(database)
        return FakeSession(self)

    def close(self) -> None:
        self.closed = True

    def statements(self, name: str) -> list[dict[str, Any]]:
        return [params for _, n, params in self.runs if n == name]


def fake_store(driver: FakeDriver | None = None, **kwargs: Any) -> Store:
    return Store(driver or FakeDriver(), uri=URI, **kwargs)


# -- datasets -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> Dataset:
    return read_dataset(SAMPLE_DIR, pseudonym_key="test-key-not-secret")


def tricky() -> Dataset:
    """Missing values in every optional column, leading zeros, repeated rows."""
    nan = float("nan")
    day = pd.Timestamp
    return Dataset.from_frames(
        organisations=pd.DataFrame(
            {
                "id": ["GB-CHC-0001", "GB-LAE-X", "GB-LAE-X-PH", "007"],
                "name": ["Youth Group", "Council", "Public Health", "=cmd()"],
                "type": ["vcse", "local_authority", "department", "vcse"],
                "parent_id": [None, None, "GB-LAE-X", None],
                "size_band": ["micro", None, None, "small"],
                "income": [5_000.0, nan, nan, 25_000.5],
                "locality": ["North", None, None, "South"],
                "tags": ["youth;ethnic-minority-led", None, None, "youth"],
            }
        ),
        boards=pd.DataFrame(
            {"id": ["B1", "B2"], "name": ["Health board", "Forum"], "level": ["place", None]}
        ),
        memberships=pd.DataFrame(
            {
                "board_id": ["B1", "B1", "B2"],
                "org_id": ["GB-CHC-0001", "GB-LAE-X", "GB-CHC-0001"],
                "role": ["chair", None, "member"],
                "start": [day("2023-04-01"), pd.NaT, pd.NaT],
            }
        ),
        funding=pd.DataFrame(
            {
                "id": ["F-001", "F-002"],
                "funder_id": ["GB-LAE-X-PH", "GB-LAE-X"],
                "recipient_id": ["GB-CHC-0001", "007"],
                "amount": [12_500.0, 999.99],
                "award_date": [day("2024-01-31"), day("2023-12-01")],
                "currency": ["GBP", None],
                "duration_months": pd.array([12, None], dtype="Int64"),
                "kind": ["grant", None],
                "restricted": pd.array([True, None], dtype="boolean"),
            }
        ),
        partnerships=pd.DataFrame(
            {
                # the first two rows are identical and must both survive
                "source_id": ["GB-CHC-0001", "GB-CHC-0001", "007", "007"],
                "target_id": ["007", "007", "GB-LAE-X", "GB-LAE-X"],
                "kind": ["referral", "referral", "collaboration", "agreement"],
                "directed": [True, True, False, False],
                "weight": [1.0, 1.0, 2.5, nan],
                "end": [pd.NaT, pd.NaT, day("2025-03-31"), pd.NaT],
            }
        ),
        affiliations=pd.DataFrame(
            {
                "person_id": ["p-aaa", "p-aaa", "p-bbb", "p-bbb"],
                "org_id": ["GB-CHC-0001", "007", "GB-CHC-0001", "007"],
                "role": ["trustee", "trustee", None, "chair"],
            }
        ),
    )


def big_funding(n: int) -> Dataset:
    orgs = pd.DataFrame({"id": [f"O{i}" for i in range(100)], "name": "Org", "type": "vcse"})
    funding = pd.DataFrame(
        {
            "id": [f"G{i:05d}" for i in range(n)],
            "funder_id": [f"O{i % 7}" for i in range(n)],
            "recipient_id": [f"O{7 + i % 93}" for i in range(n)],
            "amount": np.linspace(100.0, 1e6, n),
            "award_date": pd.Timestamp("2024-01-01"),
        }
    )
    return Dataset.from_frames(organisations=orgs, funding=funding)


# -- round trip and idempotence -------------------------------------------------------


@pytest.mark.parametrize("name", ["sample", "tricky"])
def test_round_trip_gives_the_same_dataset(name: str, sample: Dataset) -> None:
    ds = sample if name == "sample" else tricky()
    driver = FakeDriver()
    with fake_store(driver) as store:
        store.load(ds)
        back = store.read_dataset()
    assert back.equals(ds)
    for table, frame in back.tables().items():
        assert list(frame.dtypes) == list(ds.tables()[table].dtypes), table
    assert driver.problems == []
    assert driver.closed


def test_tricky_dataset_lands_as_the_model_says() -> None:
    driver = FakeDriver()
    counts = fake_store(driver).load(tricky())
    g = driver.graph
    assert counts == {
        "wiped": 0,
        "organisations": 4,
        "boards": 2,
        "part_of": 1,
        "memberships": 3,
        "funding": 2,
        "partnerships": 4,
        "affiliations": 4,
        "shares_person": 1,
    }
    youth = g.organisations["GB-CHC-0001"]
    assert youth["tags"] == ["youth", "ethnic-minority-led"]
    assert "parent_id" not in youth and "size_band" in youth
    assert "income" not in g.organisations["GB-LAE-X"]  # NaN became "no property"
    assert g.rels[("PART_OF", "GB-LAE-X-PH")] == {"_from": "GB-LAE-X-PH", "_to": "GB-LAE-X"}
    grant = g.rels[("FUNDS", "F-001")]
    assert grant["award_date"] == Date(2024, 1, 31) and grant["restricted"] is True
    assert "restricted" not in g.rels[("FUNDS", "F-002")]
    # Two people are shared by the same pair: one tie counting 2, lower id first.
    assert g.rels[("SHARES_PERSON", ("007", "GB-CHC-0001"))]["count"] == 2
    # Only pseudonyms: Person nodes carry nothing but the id they were given.
    assert g.people == {"p-aaa", "p-bbb"}


def test_loading_twice_leaves_the_same_graph(sample: Dataset) -> None:
    driver = FakeDriver()
    store = fake_store(driver)
    first = store.load(sample)
    graph, counts = driver.graph.copy(), store.counts()
    second = store.load(sample)
    assert second == first
    assert store.counts() == counts
    assert driver.graph == graph
    assert counts["organisations"] == len(sample.organisations)
    assert counts["funding"] == len(sample.funding)
    assert counts["partnerships"] == len(sample.partnerships)


def test_row_keys_ignore_row_order_and_keep_duplicates() -> None:
    ds = tricky()
    shuffled = Dataset.from_frames(
        **{t: f.iloc[::-1].reset_index(drop=True) for t, f in ds.tables().items()}
    )
    keys = {}
    for name, dataset in (("original", ds), ("shuffled", shuffled)):
        driver = FakeDriver()
        fake_store(driver).load(dataset)
        (params,) = driver.statements("merge_partnerships")
        keys[name] = sorted(row["row_key"] for row in params["rows"])
    assert keys["original"] == keys["shuffled"]
    assert len(set(keys["original"])) == 4  # identical rows 1 and 2 keep two keys


def test_wipe_removes_what_an_earlier_load_left(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "WIPE_BATCH_SIZE", 3)
    driver = FakeDriver()
    store = fake_store(driver)
    store.load(tricky())
    smaller = Dataset.from_frames(
        organisations=pd.DataFrame({"id": ["N1"], "name": ["New"], "type": ["vcse"]})
    )
    counts = store.load(smaller, wipe=True)
    assert counts["wiped"] == 4 + 2 + 2  # organisations, boards, people
    assert len(driver.statements("wipe_batch")) == 3  # 3 + 3 + 2: a short batch ends it
    assert store.read_dataset().equals(smaller)


def test_a_corrected_parent_replaces_the_old_tie() -> None:
    ds = tricky()
    driver = FakeDriver()
    store = fake_store(driver)
    store.load(ds)
    orgs = ds.organisations.copy()
    orgs.loc[orgs["id"] == "GB-LAE-X-PH", "parent_id"] = "007"
    changed = Dataset.from_frames(**{**ds.tables(), "organisations": orgs})
    store.load(changed)
    assert store.read_dataset().equals(changed)


# -- what is sent ---------------------------------------------------------------------


def test_statements_come_only_from_cypher_files(sample: Dataset) -> None:
    driver = FakeDriver()
    store = fake_store(driver)
    store.load(sample, wipe=True)
    store.read_dataset()
    store.write_back(pd.DataFrame({"id": ["x"], "degree": [1]}))
    store.counts()
    # FakeTx.run refuses any text that is not a file's; every file but none is used.
    assert {name for _, name, _ in driver.runs} == set(names())


def test_parameters_are_plain_values_without_nan(sample: Dataset) -> None:
    driver = FakeDriver()
    fake_store(driver).load(tricky())
    fake_store(driver).load(sample)
    assert driver.problems == []
    dates = [
        row["award_date"] for params in driver.statements("merge_funding") for row in params["rows"]
    ]
    assert dates and all(type(d) is datetime.date for d in dates)


def test_the_stand_in_notices_unplain_parameters() -> None:
    problems: list[str] = []
    _check_plain(
        {"rows": [{"a": float("nan"), "b": np.int64(3), "c": pd.Timestamp("2024-01-01")}]},
        "q",
        problems,
    )
    assert problems == [
        "q.rows[0].a: NaN",
        "q.rows[0].b: numpy scalar np.int64(3)",
        "q.rows[0].c: Timestamp Timestamp('2024-01-01 00:00:00') is not a plain value",
    ]


def test_row_maps_carry_exactly_the_keys_each_file_reads(sample: Dataset) -> None:
    driver = FakeDriver()
    fake_store(driver).load(sample)
    for name in names():
        if not name.startswith("merge_"):
            continue
        (first, *_) = driver.statements(name)
        used = set(re.findall(r"\brow\.([a-z_]+)", query(name)))
        assert used == set(first["rows"][0]), name


@pytest.mark.parametrize("batch_size", [1, 7, 2000])
def test_no_batch_exceeds_the_batch_size(batch_size: int) -> None:
    ds = tricky() if batch_size < 10 else big_funding(4321)
    driver = FakeDriver()
    counts = fake_store(driver).load(ds, batch_size=batch_size)
    for _, name, params in driver.runs:
        for key in ("rows", "ids"):
            assert len(params.get(key, [])) <= batch_size, name
    sent = {
        table: sum(len(p["rows"]) for p in driver.statements(f"merge_{table}"))
        for table in ("organisations", "funding", "partnerships")
    }
    assert sent == {t: len(getattr(ds, t)) for t in sent}
    assert counts["funding"] == len(ds.funding)


def test_ten_thousand_rows_take_a_handful_of_round_trips() -> None:
    driver = FakeDriver()
    fake_store(driver).load(big_funding(10_000))
    assert len(driver.statements("merge_funding")) == 5
    # 7 constraints, 1 batch of organisations, 5 of funding: one transaction each.
    assert driver.events.count(("write",)) == 13
    assert len(driver.runs) == 13


def test_progress_counts_every_row_once_even_when_a_batch_is_retried() -> None:
    ds = big_funding(5000)
    driver = FakeDriver()
    driver.faults[("merge_funding", 2)] = server_error(
        "Neo.TransientError.Transaction.DeadlockDetected", "deadlock"
    )
    seen: dict[str, int] = {}
    counts = fake_store(driver).load(
        ds, progress=lambda table, rows: seen.__setitem__(table, seen.get(table, 0) + rows)
    )
    assert driver.retries == 1
    assert seen == {"organisations": 100, "funding": 5000}
    assert counts["funding"] == 5000
    assert fake_store(driver).read_dataset().equals(ds)


def test_writes_and_reads_use_managed_transactions_only(sample: Dataset) -> None:
    driver = FakeDriver()
    store = fake_store(driver, database="places")
    store.load(sample)
    store.read_dataset()
    modes = {mode for mode, _, _ in driver.runs}
    assert modes == {"write", "read"}
    assert all(mode == "read" for mode, name, _ in driver.runs if name.startswith("read_"))
    assert all(
        mode == "write" for mode, name, _ in driver.runs if not name.startswith(("read_", "count_"))
    )
    assert set(driver.databases) == {"places"}


def test_connectivity_is_verified_before_any_write(sample: Dataset) -> None:
    driver = FakeDriver()
    fake_store(driver).load(sample)
    assert driver.events[0] == ("verify",)
    driver = FakeDriver()
    fake_store(driver).write_back(pd.DataFrame({"id": ["a"], "degree": [1]}))
    assert driver.events[0] == ("verify",)


def test_a_load_that_fails_half_way_completes_when_run_again(sample: Dataset) -> None:
    driver = FakeDriver()
    lost = neo4j_exceptions.ServiceUnavailable("Failed to read from defunct connection")
    for attempt in (1, 2, 3):  # every retry fails too
        driver.faults[("merge_partnerships", attempt)] = lost
    with pytest.raises(StoreError) as caught:
        fake_store(driver).load(sample, batch_size=100)
    assert caught.value.exit_code == 4
    assert "run the same command again" in str(caught.value)
    assert driver.graph.rels and not any(t == "PARTNERS_WITH" for t, _ in driver.graph.rels)
    driver.faults.clear()
    store = fake_store(driver)
    store.load(sample, batch_size=100)
    clean = FakeDriver()
    fake_store(clean).load(sample, batch_size=100)
    assert driver.graph == clean.graph
    assert store.read_dataset().equals(sample)


def test_dangling_references_are_refused_before_anything_is_sent() -> None:
    ds = tricky()
    funding = ds.funding.copy()
    funding.loc[1, "recipient_id"] = "GB-CHC-9999"
    bad = Dataset.from_frames(**{**ds.tables(), "funding": funding})
    driver = FakeDriver()
    with pytest.raises(InputError) as caught:
        fake_store(driver).load(bad)
    assert caught.value.exit_code == 3
    assert str(caught.value) == (
        "cannot load this dataset into Neo4j: funding record 2: recipient_id "
        "'GB-CHC-9999' is not an organisation id.\n"
        "Check the folder with 'partnernet validate DIR'; nothing was written."
    )
    assert driver.events == []


def test_repeated_ids_are_refused() -> None:
    ds = tricky()
    orgs = pd.concat([ds.organisations, ds.organisations.iloc[[0]]], ignore_index=True)
    with pytest.raises(InputError, match="organisations: id 'GB-CHC-0001' appears more than once"):
        fake_store().load(Dataset.from_frames(**{**ds.tables(), "organisations": orgs}))


# -- write-back -----------------------------------------------------------------------


def test_property_names_follow_the_design() -> None:
    assert store_module._BROKERAGE_ROLES == BROKERAGE_ROLES
    got = property_names(list(METRIC_COLUMNS))
    assert got["betweenness"] == "pn_betweenness"
    assert got["liaison"] == "pn_broker_liaison"
    assert got["distance_to_decision"] == "pn_distance_to_decision"
    assert set(got) == set(METRIC_COLUMNS) - {"id", "name", "type", "size_band"}
    assert all(re.fullmatch(r"pn_[a-z0-9_]+", p) for p in got.values())
    with pytest.raises(ValueError, match="cannot be a property name"):
        property_names(["id", "x}) DETACH DELETE (n"])


def test_write_back_sets_pn_properties() -> None:
    driver = FakeDriver()
    store = fake_store(driver)
    store.load(tricky())
    metrics = pd.DataFrame(
        {
            "id": ["GB-CHC-0001", "007", "not-in-graph"],
            "name": ["Youth Group", "=cmd()", "?"],
            "betweenness": np.array([0.25, 0.0, 1.0]),
            "constraint": [0.5, float("nan"), 0.1],
            "liaison": np.array([3, 0, 1], dtype=np.int64),
            "distance_to_decision": [1.0, math.inf, 2.0],
            "under_connected": np.array([False, True, False]),
        }
    )
    assert store.write_back(metrics, batch_size=2) == 2
    youth, seven = driver.graph.organisations["GB-CHC-0001"], driver.graph.organisations["007"]
    assert {k: v for k, v in youth.items() if k.startswith("pn_")} == {
        "pn_betweenness": 0.25,
        "pn_constraint": 0.5,
        "pn_broker_liaison": 3,
        "pn_distance_to_decision": 1.0,
        "pn_under_connected": False,
    }
    assert "pn_constraint" not in seven and seven["pn_distance_to_decision"] == math.inf
    assert youth["name"] == "Youth Group"  # the organisation's own data is untouched
    assert driver.problems == []
    # A metric that becomes NaN on a later run removes the old value.
    store.write_back(pd.DataFrame({"id": ["GB-CHC-0001"], "constraint": [float("nan")]}))
    assert "pn_constraint" not in driver.graph.organisations["GB-CHC-0001"]
    assert all(len(p["rows"]) <= 2 for p in driver.statements("write_back_metrics")[:2])


def test_write_back_needs_ids() -> None:
    with pytest.raises(ValueError, match="'id' column"):
        fake_store().write_back(pd.DataFrame({"degree": [1]}))


# -- failures: one line, exit code 4, never the password -------------------------------


def _unavailable(message: str, cause: BaseException) -> Exception:
    exc = neo4j_exceptions.ServiceUnavailable(message)
    exc.__cause__ = cause
    return exc


def _cert_error() -> ssl.SSLCertVerificationError:
    error = ssl.SSLCertVerificationError(
        1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"
    )
    error.verify_message = "self-signed certificate"
    return error


def _routing_failure() -> Exception:
    inner = _unavailable(
        "Couldn't connect to 127.0.0.1:7687", ConnectionRefusedError(111, "refused")
    )
    exc = neo4j_exceptions.ServiceUnavailable("Unable to retrieve routing information")
    exc.__cause__ = ExceptionGroup("All routing table requests failed", [inner])
    return exc


FAILURES = [
    pytest.param(
        _unavailable("Failed to establish connection", ConnectionRefusedError(111, "refused")),
        "cannot connect to Neo4j at bolt://localhost:7687 (connection refused).\n"
        "Start it with 'docker compose up -d', or set NEO4J_URI (or --uri) to a running server.",
        id="refused",
    ),
    pytest.param(
        _routing_failure(),
        "cannot connect to Neo4j at bolt://localhost:7687 (connection refused).\n"
        "Start it with 'docker compose up -d', or set NEO4J_URI (or --uri) to a running server.",
        id="refused-behind-routing",
    ),
    pytest.param(
        _unavailable(
            "Failed to DNS resolve address", socket.gaierror(-2, "Name or service not known")
        ),
        "cannot connect to Neo4j at bolt://localhost:7687 (host not found).\n"
        "Check the host name in NEO4J_URI (or --uri).",
        id="dns",
    ),
    pytest.param(
        neo4j_exceptions.ServiceUnavailable("Timed out trying to establish connection"),
        "cannot connect to Neo4j at bolt://localhost:7687 (timed out).\n"
        "Check that the server is running and that no firewall blocks the port.",
        id="timeout",
    ),
    pytest.param(
        _unavailable("Couldn't connect", _cert_error()),
        "cannot connect to Neo4j at bolt://localhost:7687 (its TLS certificate was not "
        "accepted: self-signed certificate).\n"
        "Use a certificate this machine trusts, or bolt+ssc:// or neo4j+ssc:// for a "
        "self-signed certificate you trust.",
        id="tls-certificate",
    ),
    pytest.param(
        _unavailable("Couldn't connect", ssl.SSLError(1, "[SSL] wrong version number")),
        "cannot connect to Neo4j at bolt://localhost:7687 (the TLS handshake failed: "
        "[SSL] wrong version number).\n"
        "Check that the server has TLS enabled for Bolt, or use bolt:// without +s.",
        id="tls-handshake",
    ),
    pytest.param(
        neo4j_exceptions.ServiceUnavailable(
            "Cannot to connect to Bolt service on ('127.0.0.1', 7474) (looks like HTTP)"
        ),
        "cannot connect to Neo4j at bolt://localhost:7687 (that port speaks HTTP, not Bolt).\n"
        "Use the Bolt port, usually 7687: bolt://localhost:7687.",
        id="http-port",
    ),
    pytest.param(
        server_error(
            "Neo.ClientError.Security.Unauthorized",
            "The client is unauthorized due to authentication failure.",
        ),
        "Neo4j at bolt://localhost:7687 refused the credentials for user 'neo4j'.\n"
        "Check NEO4J_USERNAME and NEO4J_PASSWORD (or type it with --password-prompt).",
        id="credentials",
    ),
    pytest.param(
        server_error("Neo.ClientError.Database.DatabaseNotFound", "Graph not found: places"),
        "Neo4j at bolt://localhost:7687 has no database 'places'.\n"
        "Check NEO4J_DATABASE or --database (the Community edition has only 'neo4j').",
        id="no-database",
    ),
]


@pytest.mark.parametrize(("error", "message"), FAILURES)
def test_connection_failures_become_one_clear_line(error: Exception, message: str) -> None:
    driver = FakeDriver(verify_error=error)
    with pytest.raises(StoreError) as caught:
        fake_store(driver, username="neo4j", database="places").load(tricky())
    assert caught.value.exit_code == 4
    assert str(caught.value) == message
    assert driver.runs == []  # nothing was written


WRITE_FAILURES = [
    pytest.param(
        server_error("Neo.TransientError.General.DatabaseUnavailable", "busy"),
        "Neo4j at bolt://localhost:7687 stayed busy after repeated retries "
        "(Neo.TransientError.General.DatabaseUnavailable).",
        id="busy",
    ),
    pytest.param(
        server_error(
            "Neo.ClientError.Schema.ConstraintValidationFailed",
            "Relationship(7) already exists with type `FUNDS` and property `id` = 'F-001'",
        ),
        "Neo4j at bolt://localhost:7687 holds data that conflicts with this dataset "
        "(Relationship(7) already exists with type `FUNDS` and property `id` = 'F-001').",
        id="constraint",
    ),
    pytest.param(
        server_error("Neo.ClientError.Security.Forbidden", "Write operations are not allowed"),
        "Neo4j at bolt://localhost:7687 does not allow user 'neo4j' to do this "
        "(Write operations are not allowed).",
        id="forbidden",
    ),
    pytest.param(
        neo4j_exceptions.SessionExpired("lost"),
        "the connection to Neo4j at bolt://localhost:7687 failed part-way "
        "(the connection was lost).",
        id="session-expired",
    ),
]


@pytest.mark.parametrize(("error", "message"), WRITE_FAILURES)
def test_failures_while_writing_become_one_clear_line(error: Exception, message: str) -> None:
    driver = FakeDriver()
    for attempt in (1, 2, 3):
        driver.faults[("merge_funding", attempt)] = error
    with pytest.raises(StoreError) as caught:
        fake_store(driver, username="neo4j").load(tricky())
    assert caught.value.exit_code == 4
    assert str(caught.value).split("\n")[0] == message


def test_missing_password_is_named() -> None:
    error = server_error("Neo.ClientError.Security.Unauthorized", "unauthorized")
    store = fake_store(FakeDriver(verify_error=error), has_password=False)
    with pytest.raises(StoreError, match="needs a password and none was given"):
        store.verify()


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("localhost:7687", "'localhost:7687' is not a Neo4j URI."),
        ("http://localhost:7474", "'http://localhost:7474' is not a Neo4j URI."),
        ("bolt://localhost:port", "'bolt://localhost:port' is not a Neo4j URI."),
        (
            f"bolt://neo4j:{PASSWORD}@localhost:7687",
            "'bolt://***@localhost:7687' carries credentials, which Neo4j URIs cannot.",
        ),
    ],
)
def test_bad_uris_are_refused_without_echoing_secrets(uri: str, message: str) -> None:
    with pytest.raises(StoreError) as caught:
        connect(uri, "neo4j", PASSWORD)
    assert caught.value.exit_code == 4
    assert str(caught.value).split("\n")[0] == message
    assert PASSWORD not in str(caught.value)


def test_connect_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    class Factory:
        @staticmethod
        def driver(uri: str, *, auth: Any, **config: Any) -> FakeDriver:
            seen.update(uri=uri, auth=auth)
            _check_driver_config(config)
            return FakeDriver()

    monkeypatch.setattr(store_module, "GraphDatabase", Factory)
    monkeypatch.setenv("NEO4J_URI", "neo4j+s://db.example.org")
    monkeypatch.setenv("NEO4J_USERNAME", "analyst")
    monkeypatch.setenv("NEO4J_PASSWORD", PASSWORD)
    monkeypatch.setenv("NEO4J_DATABASE", "places")
    with connect() as store:
        assert seen == {"uri": "neo4j+s://db.example.org", "auth": ("analyst", PASSWORD)}
        assert store.database == "places"
        assert PASSWORD not in repr(store) and PASSWORD not in str(vars(store))
    for name in ("NEO4J_URI", "NEO4J_USERNAME", "NEO4J_PASSWORD", "NEO4J_DATABASE"):
        monkeypatch.delenv(name)
    with connect():
        assert seen == {"uri": "bolt://localhost:7687", "auth": None}


# -- the load command -------------------------------------------------------------------


@pytest.fixture
def cli_driver(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Route the CLI's connect() to a FakeDriver; returns what it saw."""
    seen: dict[str, Any] = {"driver": FakeDriver()}

    class Factory:
        @staticmethod
        def driver(uri: str, *, auth: Any, **config: Any) -> FakeDriver:
            seen.update(uri=uri, auth=auth)
            _check_driver_config(config)
            return seen["driver"]

    monkeypatch.setattr(store_module, "GraphDatabase", Factory)
    for name in ("NEO4J_URI", "NEO4J_USERNAME", "NEO4J_PASSWORD", "NEO4J_DATABASE"):
        monkeypatch.delenv(name, raising=False)
    return seen


def test_load_command_loads_and_prints_counts(cli_driver: dict[str, Any], sample: Dataset) -> None:
    result = CliRunner().invoke(
        cli, ["load", str(SAMPLE_DIR), "--quiet", "--database", "places"],
        env={"NEO4J_PASSWORD": PASSWORD},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    driver = cli_driver["driver"]
    assert cli_driver["auth"] == ("neo4j", PASSWORD)
    assert driver.closed and set(driver.databases) == {"places"}
    assert len(driver.graph.organisations) == len(sample.organisations)
    assert result.stdout.startswith(
        f"Loaded {len(sample.organisations):,} organisations, {len(sample.boards):,} boards, "
    )
    assert "into Neo4j at bolt://localhost:7687 (database places)" in result.stdout
    assert PASSWORD not in result.output


def test_load_command_prompts_for_a_hidden_password(cli_driver: dict[str, Any]) -> None:
    result = CliRunner().invoke(
        cli, ["load", str(SAMPLE_DIR), "-q", "--password-prompt"], input=PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    assert cli_driver["auth"] == ("neo4j", PASSWORD)
    assert PASSWORD not in result.output


def test_load_command_takes_no_password_option(cli_driver: dict[str, Any]) -> None:
    result = CliRunner().invoke(cli, ["load", str(SAMPLE_DIR), "--password", PASSWORD])
    assert result.exit_code == 2
    assert "No such option '--password'" in result.output


@pytest.mark.parametrize(("error", "message"), FAILURES[:1] + FAILURES[4:5] + FAILURES[7:8])
def test_load_command_exits_4_with_the_message(
    cli_driver: dict[str, Any], error: Exception, message: str
) -> None:
    cli_driver["driver"] = FakeDriver(verify_error=error)
    result = CliRunner().invoke(cli, ["load", str(SAMPLE_DIR)], env={"NEO4J_PASSWORD": PASSWORD})
    assert result.exit_code == 4
    assert result.stderr == f"Error: {message}\n"
    assert result.stdout == ""
    assert PASSWORD not in result.output


def test_load_command_validates_before_connecting(
    cli_driver: dict[str, Any], tmp_path: Any
) -> None:
    (tmp_path / "organisations.csv").write_text("id,name,type\nA,Alpha,not-a-type\n")
    result = CliRunner().invoke(cli, ["load", str(tmp_path)])
    assert result.exit_code == 3
    assert "organisations.csv" in result.stderr
    assert cli_driver["driver"].events == [] and "uri" not in cli_driver


# -- analyse --from-neo4j / --write-back -------------------------------------------------


def test_analyse_from_neo4j_equals_analyse_from_the_files(
    cli_driver: dict[str, Any], tmp_path: Any
) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["load", str(SAMPLE_DIR), "-q"]).exit_code == 0
    from_files, from_neo4j = tmp_path / "files", tmp_path / "neo4j"
    from_files.mkdir()
    from_neo4j.mkdir()
    common = ["--permutations", "200", "--seed", "3", "-q"]
    first = runner.invoke(cli, ["analyse", str(SAMPLE_DIR), "--out", str(from_files), *common])
    assert first.exit_code == 0, first.output
    second = runner.invoke(
        cli, ["analyse", "--from-neo4j", "--write-back", "--out", str(from_neo4j), *common]
    )
    assert second.exit_code == 0, second.output
    for name in ("metrics.csv", "groups.csv", "departments.csv", "summary.json"):
        assert (from_neo4j / name).read_bytes() == (from_files / name).read_bytes(), name
    organisations = cli_driver["driver"].graph.organisations
    cvs = organisations["GB-CHC-1100019"]
    assert cvs["pn_broker_liaison"] > 0 and 0 < cvs["pn_betweenness"] <= 1


def test_analyse_needs_a_folder_or_neo4j_but_not_both(tmp_path: Any) -> None:
    neither = CliRunner().invoke(cli, ["analyse", "--out", str(tmp_path)])
    both = CliRunner().invoke(
        cli, ["analyse", str(SAMPLE_DIR), "--from-neo4j", "--out", str(tmp_path)]
    )
    for result in (neither, both):
        assert result.exit_code == 2
        assert "give a dataset folder DIR, or --from-neo4j, but not both" in result.output
    assert list(tmp_path.iterdir()) == []


def test_analyse_from_an_unreachable_neo4j_exits_4_and_writes_nothing(
    cli_driver: dict[str, Any], tmp_path: Any
) -> None:
    error, message = FAILURES[0].values
    cli_driver["driver"] = FakeDriver(verify_error=error)
    result = CliRunner().invoke(cli, ["analyse", "--from-neo4j", "--out", str(tmp_path)])
    assert result.exit_code == 4
    assert result.stderr == f"Error: {message}\n"
    assert list(tmp_path.iterdir()) == []
