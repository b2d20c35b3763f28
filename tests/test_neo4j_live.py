"""The Neo4j round trip on a real server: runs whenever NEO4J_URI is set.

    docker compose up -d && NEO4J_URI=bolt://localhost:7687 make test-neo4j

It deletes every Organisation, Board and Person node of the database it is given
(NEO4J_URI and NEO4J_DATABASE), so it refuses to start on a database that already
holds any, unless PARTNERNET_LIVE_WIPE=1 says that is fine; it leaves none behind.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Iterator
from itertools import combinations
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import SAMPLE_DIR

from partnernet.analysis.pipeline import analyse
from partnernet.cli import cli
from partnernet.errors import StoreError
from partnernet.io.read import read_dataset
from partnernet.model import Dataset
from partnernet.neo4j import Store, connect, property_names

pytestmark = pytest.mark.neo4j

KEY = "test-key-not-secret"


@pytest.fixture(scope="module")
def sample() -> Dataset:
    return read_dataset(SAMPLE_DIR, pseudonym_key=KEY)


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
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


def _organisation_properties(live: Store) -> dict[str, dict[str, Any]]:
    """Every organisation's properties, read directly (a test may write its own Cypher)."""

    def work(tx: Any) -> list[dict[str, Any]]:
        return list(tx.run("MATCH (o:Organisation) RETURN o.id AS id, properties(o) AS p").data())

    with live._driver.session(database=live.database) as session:
        return {r["id"]: r["p"] for r in session.execute_read(work)}


def test_reading_back_gives_the_loaded_dataset(store: Store, sample: Dataset) -> None:
    store.load(sample, wipe=True)
    assert store.read_dataset().equals(sample)


def test_loading_twice_leaves_the_same_counts(store: Store, sample: Dataset) -> None:
    first = store.load(sample, wipe=True)
    counts = store.counts()
    second = store.load(sample, batch_size=97)
    assert store.counts() == counts
    assert {k: v for k, v in second.items() if k != "wiped"} == {
        k: v for k, v in first.items() if k != "wiped"
    }
    assert counts["organisations"] == len(sample.organisations)
    assert counts["boards"] == len(sample.boards)
    assert counts["memberships"] == len(sample.memberships)
    assert counts["funding"] == len(sample.funding)
    assert counts["partnerships"] == len(sample.partnerships)
    assert counts["affiliations"] == len(sample.affiliations)
    assert counts["people"] == sample.affiliations["person_id"].nunique()
    assert counts["part_of"] == int(sample.organisations["parent_id"].notna().sum())
    assert store.read_dataset().equals(sample)


def test_shares_person_ties_count_the_shared_people(store: Store, sample: Dataset) -> None:
    store.load(sample, wipe=True)
    orgs_of = sample.affiliations.groupby("person_id")["org_id"].agg(lambda s: sorted(set(s)))
    expected = Counter(pair for orgs in orgs_of for pair in combinations(orgs, 2))

    def work(tx: Any) -> list[dict[str, Any]]:
        query = (
            "MATCH (a:Organisation)-[s:SHARES_PERSON]->(b:Organisation) "
            "RETURN a.id AS a, b.id AS b, s.count AS n"
        )
        return list(tx.run(query).data())

    with store._driver.session(database=store.database) as session:
        got = {(r["a"], r["b"]): r["n"] for r in session.execute_read(work)}
    assert got == dict(expected)


def test_write_back_sets_the_pn_properties(store: Store, sample: Dataset) -> None:
    store.load(sample, wipe=True)
    metrics = analyse(sample, seed=0, permutations=200).metrics
    assert store.write_back(metrics) == len(metrics)
    names = property_names(list(metrics.columns))
    held = _organisation_properties(store)
    for row in metrics.to_dict("records"):
        props = held[row["id"]]
        for column, prop in names.items():
            value = row[column]
            if pd.isna(value):
                assert prop not in props, (row["id"], prop)
            elif isinstance(value, float) and not math.isinf(value):
                assert props[prop] == pytest.approx(value), (row["id"], prop)
            else:
                assert props[prop] == value, (row["id"], prop)
    assert any("pn_broker_liaison" in props for props in held.values())


def test_load_command_against_the_server(store: Store, sample: Dataset) -> None:
    result = CliRunner().invoke(
        cli, ["load", str(SAMPLE_DIR), "--wipe", "--quiet"], env={"PARTNERNET_PSEUDONYM_KEY": KEY}
    )
    assert result.exit_code == 0, result.output
    assert f"Loaded {len(sample.organisations):,} organisations" in result.stdout
    assert store.read_dataset().equals(sample)


def test_wrong_password_is_one_line_and_exit_4(store: Store) -> None:
    wrong = connect(password="certainly-not-the-password")
    with wrong, pytest.raises(StoreError) as caught:
        wrong.verify()
    assert caught.value.exit_code == 4
    first_line = str(caught.value).splitlines()[0]
    assert first_line == (
        f"Neo4j at {wrong.uri} refused the credentials for user '{wrong.username}'."
    )
    assert "certainly-not-the-password" not in str(caught.value)


def test_missing_database_is_named(store: Store) -> None:
    with connect(database="partnernet-no-such-db") as missing, pytest.raises(StoreError) as caught:
        missing.counts()
    assert "has no database 'partnernet-no-such-db'" in str(caught.value)
