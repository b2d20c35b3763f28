"""The planted year after (``partnernet sample --year-after``): the comparison finds
exactly what was planted, the change test finds the planted change significant and
the unchanged figure not, and the page names each planted change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from partnernet.analysis.compare import Comparison, compare
from partnernet.analysis.pipeline import analyse
from partnernet.cli import cli
from partnernet.findings.thresholds import ALPHA
from partnernet.io.read import read_dataset
from partnernet.render.compare import render_compare
from partnernet.synthetic.year_after import (
    BROKER_PARTNERS,
    LEAVERS,
    SEAT_GAINERS,
    PlantedChanges,
    year_after,
)


@pytest.fixture(scope="module")
def planted(sample_dataset: Any, sample_results: Any) -> tuple[Comparison, PlantedChanges]:
    after, changes = year_after(sample_dataset, seed=3)
    return compare(sample_results, analyse(after, seed=11)), changes


def test_the_year_after_plants_what_it_says(sample_dataset: Any) -> None:
    after, planted = year_after(sample_dataset, seed=3)
    assert len(planted.seat_gainers) == SEAT_GAINERS
    assert len(planted.left) == LEAVERS
    assert len(planted.broker_partners) == BROKER_PARTNERS
    ids = set(after.organisations["id"])
    assert not ids & set(planted.left)
    assert set(planted.joined) <= ids
    for table in ("memberships", "affiliations"):
        assert not set(getattr(after, table)["org_id"]) & set(planted.left)
    # Funding is untouched: the unchanged figure.
    assert after.funding.equals(sample_dataset.funding)
    # The same dataset and seed give the same year after.
    again, planted_again = year_after(sample_dataset, seed=3)
    assert again.equals(after) and planted_again == planted


def test_the_comparison_finds_exactly_the_planted_changes(
    planted: tuple[Comparison, PlantedChanges],
) -> None:
    result, changes = planted
    seats = result.board_seats.set_index("id")
    assert sorted(seats.index) == sorted(changes.seat_gainers)
    assert (seats["change"] == 1).all()
    assert set(seats["size_band"]) <= {"micro", "small"}
    orgs = result.organisations
    assert sorted(orgs.loc[orgs["change"] == "joined", "id"]) == sorted(changes.joined)
    assert sorted(orgs.loc[orgs["change"] == "left", "id"]) == sorted(changes.left)
    depts = result.departments
    assert depts[["id", "change"]].values.tolist() == [
        [changes.coordinating[0], "stopped being siloed"]
    ]
    assert changes.broker in result.after.top_brokers
    assert changes.broker not in result.before.top_brokers
    broker_rows = result.brokers[result.brokers["id"] == changes.broker]
    assert (broker_rows["before"] == 0).all() and (broker_rows["after"] > 0).all()
    new_partners = {
        (r.source if r.target == changes.broker else r.target)
        for r in result.ties.itertuples()
        if changes.broker in (r.source, r.target) and "PARTNERS_WITH" in r.layers
    }
    assert set(changes.broker_partners) <= new_partners
    lost = {(r.source, r.target) for r in result.ties.itertuples() if r.change == "lost"}
    for a, b in changes.ended:
        # ended, unless the two also share a board, a trustee or funding
        pair = (min(a, b), max(a, b))
        assert pair in lost or result.after.graph.has_edge(a, b)


def test_the_change_tests_find_the_planted_change_and_not_the_unchanged(
    planted: tuple[Comparison, PlantedChanges],
) -> None:
    result, _changes = planted
    tests = {t.figure: t for t in result.tests}
    seat = tests["board seat gap"]
    # 14 small organisations gained a seat: of ~187 small ones, about 7.5 points.
    assert seat.observed_change == pytest.approx(
        result.headline.set_index("figure").at["board seat gap (small minus larger)", "change"]
    )
    assert seat.observed_change > 0.05
    assert seat.p_value < 0.001
    funding = tests["funding share of small orgs"]
    assert funding.observed_change == 0
    assert funding.p_value >= ALPHA
    assert seat.reshuffles == 5_000 and seat.seed == 11


def test_the_page_names_the_planted_changes(
    planted: tuple[Comparison, PlantedChanges], sample_dataset: Any
) -> None:
    result, changes = planted
    _html, md = render_compare(result, before_label="2024", after_label="2025")
    names: dict[str, str] = {}
    for ds in (result.after.dataset, sample_dataset):
        names.update(zip(ds.organisations["id"], ds.organisations["name"], strict=True))
    for org in (*changes.seat_gainers, *changes.joined, *changes.left):
        assert names[org] in md.replace("\\", ""), org
    assert "Housing (Marshford Council) stopped being siloed" in md
    assert "New among the top brokers: Marshford Volunteer Centre." in md
    assert "14 organisations gained board seats (14 of them micro or small)" in md
    assert "board-seat share between small and larger organisations went from" in md
    assert "the change is more than chance" in md
    assert "The share of funding that went to small organisations did not change" in md
    assert "year swap within each organisation" in md
    assert "5,000 reshuffles, seed 11" in md


def test_sample_year_after_writes_a_pair_compare_reads(tmp_path: Path) -> None:
    before, after = tmp_path / "y2024", tmp_path / "y2025"
    result = CliRunner().invoke(
        cli, ["sample", "--out", str(before), "--seed", "2026", "--year-after", str(after), "-q"]
    )
    assert result.exit_code == 0, result.output
    planted = year_after(read_dataset(before), seed=2026)[0]
    assert read_dataset(after).equals(planted)
    result = CliRunner().invoke(
        cli, ["sample", "--out", str(tmp_path / "big"), "--scale", "city", "--year-after", "x"]
    )
    assert result.exit_code == 2
    assert "--year-after writes a locality-scale place only" in result.output


def _small_seat_share(ds: Any) -> float:
    """Worked out from the tables: micro and small voluntary and infrastructure
    organisations holding a seat (chair, co-chair or member) on any board."""
    orgs = ds.organisations
    small = orgs.loc[
        orgs["type"].isin(["vcse", "infrastructure"]) & orgs["size_band"].isin(["micro", "small"]),
        "id",
    ]
    seats = ds.memberships.loc[ds.memberships["role"].isin(["chair", "co_chair", "member"])]
    return float(small.isin(set(seats["org_id"])).mean())


def test_the_covenant_view_gives_each_figure_its_definition_and_its_worked_change(
    sample_dataset: Any, planted: tuple[Comparison, PlantedChanges]
) -> None:
    from partnernet.findings.compare import COVENANT, DEFINITIONS, covenant_rows, figure_text

    result, _changes = planted
    after, _ = year_after(sample_dataset, seed=3)
    rows = covenant_rows(result)
    assert [principle for principle, _q, _r in rows] == [
        "Recognition",
        "Partnership",
        "Participation",
        "Transparency",
    ]
    for (_principle, _question, figures), (_p, _q, shown) in zip(COVENANT, rows, strict=True):
        assert [row[1] for row in shown] == [DEFINITIONS[f] for f in figures]
        assert all(row[1] for row in shown)
    by_figure = {row[0].lower(): row for _p, _q, shown in rows for row in shown}
    seat = by_figure["small orgs: share with a board seat"]
    before, after_share = _small_seat_share(sample_dataset), _small_seat_share(after)
    assert after_share > before  # 14 small groups gained a seat
    figure = "small orgs: share with a board seat"
    assert seat[2:4] == [figure_text(figure, before), figure_text(figure, after_share)]
    # Funding is untouched in the planted year: its change says so.
    funding = by_figure["funding share of small orgs"]
    assert funding[2] == funding[3]
    # Housing starts coordinating: one more department coordinating with a sibling.
    headline = result.headline.set_index("figure")
    coordinating = headline.loc["departments coordinating with a sibling"]
    assert coordinating["after"] - coordinating["before"] == 1


def test_a_year_without_board_memberships_is_not_compared_as_a_gap_from_zero(
    sample_dataset: Any, sample_results: Any
) -> None:
    from dataclasses import replace

    from partnernet.findings.compare import cannot_test, change_test_sentence, covenant_rows

    after, _ = year_after(sample_dataset, seed=3)
    no_boards = replace(after, memberships=after.memberships.iloc[0:0])
    result = compare(sample_results, analyse(no_boards, seed=11, permutations=200))
    gate = cannot_test(result, "board seat gap")
    assert gate is not None and "one of the two years has no board memberships" in gate
    seat_test = next(t for t in result.tests if t.figure == "board seat gap")
    assert change_test_sentence(seat_test, result) == gate
    rows = {row[0].lower(): row for _p, _q, shown in covenant_rows(result) for row in shown}
    assert rows["small orgs: share with a board seat"][4] == (
        "not comparable: board memberships missing"
    )
    # The size-based figures that need no boards are still compared.
    assert not rows["small orgs: mean ties"][4].startswith("not comparable")


def test_a_partial_difference_map_counts_each_tie_once_and_loses_none_it_only_hides(
    planted: tuple[Comparison, PlantedChanges],
) -> None:
    import re

    from partnernet.render.difference import _key, map_changes
    from partnernet.render.network import network_payload

    result, _changes = planted
    before, after = result.before.multilayer, result.after.multilayer
    changes = map_changes(before, before_label="y1", after_label="y2", after=after)
    payload = network_payload(result.after, max_organisations=60, changes=changes)
    marks = {m["mark"]: m["label"] for m in payload["legend"]["marks"]}
    by_vis = {n["id"]: n for n in payload["nodes"]}
    new_pairs = {
        (e["from"], e["to"], e["layer"])
        if e["from"] <= e["to"]
        else (e["to"], e["from"], e["layer"])
        for e in payload["edges"]
        if e.get("change") == "new"
    }
    assert marks["newtie"] == f"New tie (thick orange line): {len(new_pairs)}"
    # Worked from the two graphs: the ties of last year that this year lacks.
    gone = {
        k
        for k in (_key(u, v, d["layer"]) for u, v, d in before.edges(data=True) if u != v)
        if k[2] != "PART_OF"
        and k not in {_key(u, v, d["layer"]) for u, v, d in after.edges(data=True) if u != v}
    }
    counts = [int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", marks["losttie"])]
    assert sum(counts) == len(gone)
    drawn_lost = [e for e in payload["edges"] if e.get("change") == "lost"]
    assert len(drawn_lost) == counts[0]
    assert all(e["from"] in by_vis and e["to"] in by_vis for e in drawn_lost)
