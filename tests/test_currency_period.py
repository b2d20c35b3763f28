"""One currency per figure, and the period the data covers (issue 11).

``tests/data/currencies`` holds five awards in pounds (GBP, empty and lower-case
``gbp``), one in USD and two in EUR; the pounds add up to £15,000 and the others
must be counted beside them, never added.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_exclusion import assert_numbers_backed

import partnernet
from partnernet.analysis.records import Currencies, CurrencyTotal, DateRange, Period
from partnernet.analysis.results import Results
from partnernet.cli import cli
from partnernet.export import summary_json
from partnernet.findings import explain
from partnernet.render.network import render_network_html
from partnernet.render.report import render_report

DATA = Path(__file__).resolve().parent / "data"
TRAFFORD = DATA / "real" / "trafford_council_voluntary_sector_grants.csv"


@pytest.fixture(scope="module")
def results() -> Results:
    return partnernet.analyse(partnernet.read_dataset(DATA / "currencies"), permutations=200)


def test_the_currencies_record_counts_other_money_apart(results: Results) -> None:
    assert results.summary.currencies == Currencies(
        currency="GBP",
        pounds_awards=5,
        pounds_amount=15_000.0,
        other_awards=3,
        other=(
            CurrencyTotal(currency="EUR", awards=2, amount=1_000.0),
            CurrencyTotal(currency="USD", awards=1, amount=32_500.0),
        ),
    )
    assert summary_json(results)["currencies"] == {
        "currency": "GBP",
        "pounds_awards": 5,
        "pounds_amount": 15_000.0,
        "other_awards": 3,
        "other": [
            {"currency": "EUR", "awards": 2, "amount": 1_000.0},
            {"currency": "USD", "awards": 1, "amount": 32_500.0},
        ],
    }


def test_totals_shares_and_concentration_add_pounds_only(results: Results) -> None:
    metrics = results.metrics.set_index("id")
    # GB-CHC-1 had £1,000 and USD 32,500; GB-CHC-2 £2,000 and EUR 1,000.
    assert metrics.loc["GB-CHC-1", "funding_received"] == 1_000.0
    assert metrics.loc["GB-CHC-1", "funding_from_public"] == 1_000.0
    assert metrics.loc["GB-CHC-2", "funding_received"] == 2_000.0
    assert metrics["funding_received"].sum() == 15_000.0
    bands = results.size_bands.set_index("size_band")["share_of_funding"]
    assert bands.to_dict() == pytest.approx(
        {"micro": 6 / 15, "small": 2 / 15, "medium": 3 / 15, "large": 4 / 15}
    )
    concentration = results.summary.funding_concentration
    assert concentration.total_amount == 15_000.0
    assert concentration.recipients == 5


def test_the_findings_state_the_other_currencies_beside_the_pounds(results: Results) -> None:
    findings = {f.id: f for f in explain(results)}
    assert findings["coverage-currencies"].text == (
        "Every total, share and concentration figure in this report is in pounds: 5 awards "
        "adding up to £15,000. Not added to them, since partnernet converts no currency: "
        "2 awards in EUR (EUR 1,000) and 1 award in USD (USD 32,500)."
    )
    concentration = findings["funding-concentration"]
    assert "of the £15,000 awarded" in concentration.text
    assert concentration.text.endswith(
        "Awards in other currencies are left out, not converted: 2 awards in EUR "
        "(EUR 1,000) and 1 award in USD (USD 32,500) in all."
    )
    assert findings["coverage-period"].text == (
        "Grants awarded 2013–2024 (8 dated awards): the network shown is the one those "
        "years saw, not necessarily today's."
    )
    for finding in findings.values():
        assert_numbers_backed(finding)


def test_all_pounds_data_says_nothing_about_other_currencies(sample_results) -> None:
    ids = {f.id for f in explain(sample_results)}
    assert "coverage-currencies" not in ids
    assert sample_results.summary.currencies.other == ()
    assert "Awards in other currencies" not in json.dumps(
        [f.to_dict() for f in explain(sample_results)]
    )


def test_the_report_and_map_never_add_other_currencies(results: Results) -> None:
    html, markdown = render_report(results, explain(results))
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", html))
    line = "| Funding awards | 5 (£15,000); also 2 awards in EUR (EUR 1,000) and 1 award in "
    assert line + "USD (USD 32,500), not added |" in markdown
    assert "Grants awarded 2013–2024." in text
    assert "£48,500" not in text and "£48,500" not in markdown
    page = render_network_html(results)
    assert "1 award; 1 in USD, USD 32,500" in page
    assert "£32,500" not in page


def test_the_period_record_spans_awards_memberships_and_partnerships(results: Results) -> None:
    assert results.summary.period == Period(
        first_award="2013-06-01",
        last_award="2024-02-29",
        awards_dated=8,
        awards=8,
        memberships=DateRange(first="2012-09-01", last="2019-03-31", dated=2, rows=3),
        partnerships=DateRange(first=None, last=None, dated=0, rows=1),
    )
    assert summary_json(results)["period"]["memberships"]["first"] == "2012-09-01"


def test_the_trafford_report_states_grants_awarded_2013_to_2024(tmp_path: Path) -> None:
    dataset, out = tmp_path / "trafford", tmp_path / "out"
    runner = CliRunner()
    imported = runner.invoke(cli, ["import-360giving", str(TRAFFORD), "--out", str(dataset)])
    assert imported.exit_code == 0, imported.output
    analysed = runner.invoke(
        cli, ["analyse", str(dataset), "--out", str(out), "--permutations", "200", "-q"]
    )
    assert analysed.exit_code == 0, analysed.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["period"]["first_award"][:4] == "2013"
    assert summary["period"]["last_award"][:4] == "2024"
    assert summary["period"]["awards_dated"] == summary["period"]["awards"] == 555
    assert summary["currencies"]["pounds_awards"] == 555
    assert summary["currencies"]["other"] == []
    report = (out / "report.md").read_text(encoding="utf-8")
    first_page = report.split("\n## ", 1)[0]
    assert "Grants awarded 2013–2024." in first_page
    assert "| Grants awarded | 2013–2024 |" in first_page
