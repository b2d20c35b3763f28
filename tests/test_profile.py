"""Organisation profiles (``partnernet profile``): the figures against the dataset
worked out independently, the sentences backed by their figures, the page as safe
as the map and the report, and an unknown id refused with the nearest ones.
(tests/test_browser.py opens a profile in Chromium.)"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from render_support import PSEUDONYM_KEY, hostile, sample
from test_exclusion import assert_numbers_backed
from test_render_network import csp_of, parse, sha256_source

from partnernet.cli import cli
from partnernet.errors import InputError
from partnernet.findings.profile import band_position, organisation_profile
from partnernet.model import SEAT_ROLES
from partnernet.render.profile import profile_for, render_profile_html

CVS = "GB-CHC-1100019"


def _partners(ds: object, org_id: str) -> int:
    p = ds.partnerships  # type: ignore[attr-defined]
    ends = set(p.loc[p["source_id"] == org_id, "target_id"]) | set(
        p.loc[p["target_id"] == org_id, "source_id"]
    )
    return len(ends - {org_id})


def test_the_cvs_profile_matches_the_dataset_counted_independently() -> None:
    ds, results = sample()
    profile = organisation_profile(results, CVS)
    assert profile.name == "Marshford CVS"
    ties = dict(profile.ties)
    assert ties["partnership"] == _partners(ds, CVS)
    f = ds.funding
    out_of = f[f["funder_id"] == CVS]
    into = f[f["recipient_id"] == CVS]
    assert ties["funding"] == len(set(out_of["recipient_id"]) | set(into["funder_id"]))
    assert len(profile.funders) == into["funder_id"].nunique()
    assert len(profile.recipients) == out_of["recipient_id"].nunique()
    m = ds.memberships[ds.memberships["org_id"] == CVS]
    assert len(profile.boards) == m["board_id"].nunique() == ties["board membership"]
    seats = m[m["role"].isin(SEAT_ROLES)]["board_id"].nunique()
    text = " ".join(f.text for f in profile.findings)
    assert f"a seat on {seats} boards or forums" in text
    assert f"attends {m['board_id'].nunique() - seats} more without a seat" in text
    metrics = results.metrics.set_index("id").loc[CVS]
    assert seats == metrics["board_seats"]
    assert f"£{into['amount'].sum():,.0f}" in text
    assert f"£{out_of['amount'].sum():,.0f}" in text
    removal = results.removal.set_index("id").loc[CVS]
    assert f"{removal['small_cut_off']} small organisations would lose every route" in text
    assert len(profile.cut_off) == removal["small_cut_off"] > 0
    names = ds.organisations.set_index("id")["name"]
    assert set(profile.cut_off) == set(names[removal["cut_off_ids"].split(";")])
    assert f"{metrics['itinerant']:,} pairs as itinerant" in text


def test_band_position_is_the_share_of_the_band_below_counted_by_hand() -> None:
    _ds, results = sample()
    m = results.metrics
    position = band_position(m)
    banded = m[m["size_band"].notna()]
    for _, row in banded.sample(25, random_state=1).iterrows():
        same = banded[(banded["size_band"] == row["size_band"]) & (banded["id"] != row["id"])]
        for figure in ("degree", "betweenness"):
            expected = (same[figure] < row[figure]).mean()
            assert position.loc[row["id"], f"{figure}_below"] == pytest.approx(expected)
        assert position.loc[row["id"], "band_n"] == len(same) + 1
    assert position.loc[m[m["size_band"].isna()]["id"], "band_n"].isna().all()


def test_band_position_of_one_alone_in_its_band_is_unknown() -> None:
    m = pd.DataFrame(
        {"id": ["a", "b"], "size_band": ["major", "small"], "degree": [3, 1], "betweenness": [0, 0]}
    )
    assert np.isnan(band_position(m).loc["a", "degree_below"])


@pytest.mark.parametrize("which", ["sample", "hostile"])
def test_every_number_in_a_profile_sentence_is_among_its_figures(which: str) -> None:
    ds, results = sample() if which == "sample" else hostile()
    names = [*ds.organisations["name"], *ds.boards["name"]]
    for org_id in ds.organisations["id"][:60]:
        for finding in organisation_profile(results, org_id).findings:
            assert finding.question == "profile"
            assert_numbers_backed(finding, names)


def test_an_organisation_with_no_tie_says_so_and_claims_nothing() -> None:
    _ds, results = hostile()
    profile = organisation_profile(results, "V-ISOLATED")
    assert profile.ties == [] and profile.boards == [] and profile.funders == []
    (ties,) = [f for f in profile.findings if f.id == "profile-ties"]
    assert ties.text.endswith("has no tie in the data: it may simply be unrecorded.")


def test_the_hostile_profiles_show_names_as_text_under_a_strict_policy() -> None:
    ds, results = hostile()
    for org_id in ds.organisations["id"]:
        html = render_profile_html(profile_for(results, org_id))
        page = parse(html)
        assert page.scripts == []
        assert {tag for tag, _ in page.tags} <= {
            "html", "head", "meta", "title", "style", "body", "main", "header", "h1", "h2",
            "h3", "p", "section", "ul", "li", "dl", "div", "dt", "dd", "span", "table",
            "thead", "tbody", "tr", "th", "td", "a",
        }  # fmt: skip
        assert [a.get("href") for t, a in page.tags if t == "a"] == ["report.html#glossary"]
        policy = csp_of(html)
        assert policy["default-src"] == ["'none'"]
        assert policy["style-src"] == [sha256_source(page.styles[0])]
        assert "script-src" not in policy
        name = ds.organisations.set_index("id").loc[org_id, "name"]
        if "<" in name:
            assert name not in html


def test_an_unknown_id_is_an_input_error_naming_it_and_the_nearest() -> None:
    _ds, results = sample()
    with pytest.raises(InputError) as caught:
        profile_for(results, "GB-CHC-110001")
    assert "'GB-CHC-110001' is not an organisation" in str(caught.value)
    assert "GB-CHC-1100019 (Marshford CVS)" in str(caught.value)
    assert caught.value.exit_code == 3


def _profile(*args: str) -> object:
    return CliRunner().invoke(
        cli, ["profile", *args], env={"PARTNERNET_PSEUDONYM_KEY": PSEUDONYM_KEY}
    )


def test_profile_command_writes_the_page(tmp_path: Path) -> None:
    from conftest import SAMPLE_DIR

    target = tmp_path / "new" / "cvs.html"
    result = _profile(str(SAMPLE_DIR), "--org", CVS, "--out", str(target), "-q")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    html = target.read_text(encoding="utf-8")
    assert "<h1>Marshford CVS</h1>" in html
    assert "Who would be cut off without it" in html


def test_profile_command_refuses_an_unknown_id_and_writes_nothing(tmp_path: Path) -> None:
    from conftest import SAMPLE_DIR

    target = tmp_path / "cvs.html"
    result = _profile(str(SAMPLE_DIR), "--org", "marshford cvs", "--out", str(target), "-q")
    assert result.exit_code == 3  # type: ignore[attr-defined]
    output = result.output  # type: ignore[attr-defined]
    assert "Error: --org 'marshford cvs' is not an organisation of this dataset." in output
    assert "GB-CHC-1100019 (Marshford CVS)" in output
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []
