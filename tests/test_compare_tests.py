"""The permutation tests of a change, against figures worked out by hand and the
E-I index of networkx-built graphs computed by analysis/ei.py."""

from __future__ import annotations

import itertools

import networkx as nx
import pandas as pd
import pytest

from partnernet.analysis.change_tests import (
    TIE_RESHUFFLE,
    YEAR_SWAP,
    change_tests,
    ei_change_test,
    paired_change_test,
)
from partnernet.analysis.ei import sector_ei


def _metrics(
    bands: list[str], seats: list[int], funding: list[float] | None = None
) -> pd.DataFrame:
    n = len(bands)
    return pd.DataFrame(
        {
            "id": [f"o{i}" for i in range(n)],
            "type": ["vcse"] * n,
            "size_band": bands,
            "board_seats": seats,
            "degree": seats,
            "funding_received": funding if funding is not None else [0.0] * n,
        }
    )


def test_two_small_organisations_gaining_seats_by_hand() -> None:
    # small o0, o1 go from no seat to a seat; larger o2, o3 keep theirs.
    # Gap before 0 - 1 = -1, after 1 - 1 = 0: the change is +1. Swapping years in
    # o0 and o1 (o2, o3 swap to no effect) gives +1, 0, 0, -1 with equal chance:
    # P(change >= +1) = 1/4, P(change <= +1) = 1, so the two-sided p is 2 * 1/4.
    bands = ["micro", "small", "large", "large"]
    before, after = _metrics(bands, [0, 0, 1, 1]), _metrics(bands, [1, 1, 1, 1])
    test = paired_change_test(before, after, "board seat gap", n_permutations=20_000, seed=1)
    assert (test.before, test.after, test.observed_change) == (-1.0, 0.0, 1.0)
    assert test.null_model == YEAR_SWAP
    assert test.units_moved == 4
    assert test.p_value == pytest.approx(0.5, abs=0.02)


def test_many_small_gainers_are_significant_and_exact_floor() -> None:
    # 12 small organisations all gain a seat: only all 12 swapped the same way
    # reach |change| = 12/12, so p is 2 * 2**-12 plus the +1 correction.
    bands = ["small"] * 12 + ["large"] * 4
    before = _metrics(bands, [0] * 12 + [1] * 4)
    after = _metrics(bands, [1] * 12 + [1] * 4)
    test = paired_change_test(before, after, "board seat gap", n_permutations=5_000, seed=2)
    assert test.observed_change == 1.0
    assert test.p_value < 0.01


def test_funding_share_of_small_organisations_by_hand() -> None:
    bands = ["micro", "large"]
    before = _metrics(bands, [0, 0], funding=[10.0, 90.0])
    after = _metrics(bands, [0, 0], funding=[30.0, 70.0])
    test = paired_change_test(
        before, after, "funding share of small orgs", n_permutations=2_000, seed=0
    )
    assert test.before == pytest.approx(0.1)
    assert test.after == pytest.approx(0.3)
    # The four swaps of o0 and o1, each worked out from the amounts themselves.
    shares = []
    for s0, s1 in itertools.product((False, True), repeat=2):
        f_before = [30.0 if s0 else 10.0, 70.0 if s1 else 90.0]
        f_after = [10.0 if s0 else 30.0, 90.0 if s1 else 70.0]
        shares.append(f_after[0] / sum(f_after) - f_before[0] / sum(f_before))
    at_least = sum(1 for d in shares if d >= 0.2 - 1e-12) / 4
    assert test.p_value == pytest.approx(min(1.0, 2 * at_least), abs=0.05)


def test_an_organisation_in_one_year_only_is_never_swapped() -> None:
    before = _metrics(["micro", "large"], [0, 1])
    after = pd.concat([before, _metrics(["micro"], [1]).assign(id="new")], ignore_index=True)
    test = paired_change_test(before, after, "board seat gap", n_permutations=500, seed=0)
    # before: small 0/1, after: small 1/2: the gap rises by 0.5 whatever is swapped
    assert test.observed_change == pytest.approx(0.5)
    assert test.units_moved == 2
    assert test.p_value == 1.0


def test_undefined_gap_is_said_not_tested() -> None:
    only_small = _metrics(["micro", "small"], [0, 1])
    test = paired_change_test(only_small, only_small, "board seat gap", n_permutations=100, seed=0)
    assert test.p_value is None and test.observed_change is None
    assert test.note is not None and "no small or no larger" in test.note


def _sectors(G: nx.Graph, sectors: dict[str, str]) -> nx.Graph:
    nx.set_node_attributes(G, sectors, "sector")
    return G


def test_ei_change_matches_the_ei_of_each_year() -> None:
    sectors = {"a": "vcse", "b": "vcse", "c": "public", "d": "public", "e": "funder"}
    before = _sectors(nx.Graph([("a", "b"), ("c", "d"), ("a", "c")]), sectors)
    after = _sectors(
        nx.Graph([("a", "b"), ("c", "d"), ("a", "e"), ("b", "e"), ("c", "e")]), sectors
    )
    test = ei_change_test(before, after, n_permutations=2_000, seed=0)
    assert test.before == pytest.approx(sector_ei(before, n_permutations=10, seed=0).ei)
    assert test.after == pytest.approx(sector_ei(after, n_permutations=10, seed=0).ei)
    # before: 1 external of 3 -> -1/3; after: 3 external of 5 -> 1/5
    assert test.observed_change == pytest.approx(1 / 5 + 1 / 3)
    assert test.null_model == TIE_RESHUFFLE
    assert test.units_moved == 4  # a-c lost; a-e, b-e, c-e new
    assert 0 < test.p_value <= 1


def test_ei_change_on_a_large_turnover_into_one_sector_is_significant() -> None:
    # 40 ties within the voluntary sector replace 40 across sectors.
    vcse = [f"v{i}" for i in range(41)]
    public = [f"p{i}" for i in range(41)]
    sectors = {**dict.fromkeys(vcse, "vcse"), **dict.fromkeys(public, "public")}
    kept = [(vcse[i], public[i]) for i in range(20)] + [
        (vcse[i], vcse[i + 1]) for i in range(20, 40)
    ]
    lost = [(vcse[i], public[(i + 1) % 41]) for i in range(40)]
    new = [(public[i], public[(i + 3) % 41]) for i in range(40)]
    test = ei_change_test(
        _sectors(nx.Graph(kept + lost), sectors),
        _sectors(nx.Graph(kept + new), sectors),
        n_permutations=2_000,
        seed=0,
    )
    assert test.observed_change < 0
    assert test.p_value < 0.001


def test_the_same_seed_gives_the_same_tests_and_the_seed_is_the_one_given() -> None:
    bands = ["micro", "small", "large", "large", "small"]
    before, after = _metrics(bands, [0, 0, 1, 1, 0]), _metrics(bands, [1, 0, 1, 0, 1])
    G = _sectors(
        nx.Graph([("o0", "o1"), ("o2", "o3")]), dict.fromkeys(["o0", "o1", "o2", "o3"], "vcse")
    )
    first = change_tests(before, after, G, G, n_permutations=300, seed=5)
    assert first == change_tests(before, after, G, G, n_permutations=300, seed=5)
    assert {t.seed for t in first} == {5}
    assert [t.figure for t in first] == [
        "board seat gap",
        "ties gap",
        "funding share of small orgs",
        "E-I index by sector",
    ]
