"""A report an officer can quote (issue 12): a title, the place, period and data
sources on the first page, a link to the map, one glossary defining every term the
report uses, and bounded lines and figures at 600 departments."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, SAMPLE_DIR

from partnernet import read_dataset
from partnernet.analysis.pipeline import analyse
from partnernet.cli import cli
from partnernet.findings import explain
from partnernet.render import charts
from partnernet.render.report import (
    DEFAULT_TITLE,
    GLOSSARY,
    HEATMAP_MAX_DEPARTMENTS,
    SCREEN_LINE,
    betweenness_ranks,
    glossary,
    render_report,
)

# Words a reader may not know, each with the glossary term that must define it when
# the report uses it. Matched case-insensitively on the report outside its glossary.
JARGON: dict[str, str] = {
    r"\bsectors?\b": "Sector",
    r"\bdecision makers?\b": "Decision maker",
    r"\bties?\b": "Tie",
    r"\bbetweenness\b": "Betweenness",
    r"\bmodularity\b": "Modularity",
    r"\bE-I\b": "E-I index",
    r"\bliaison\b": "Liaison",
    r"\bcoordinator\b|\bitinerant\b|\bgatekeeper\b|\brepresentative\b": "Brokerage roles",
    r"\bconstraint\b|\beffective size\b": "Constraint",
    r"\bcommunit(y|ies)\b": "Community",
    r"\bsiloed\b": "Siloed",
    r"\bduplicated engagement\b": "Duplicated engagement",
    r"\bp = |\bp-value|\breshuffl|\bshuffled\b": "p-value, reshuffle",
    r"\bbrokers?\b": "Broker",
    r"\boverlap\b": "Partner overlap",
    r"\bcoordinat(e|ion)": "Coordination tie",
    r"\blikely renam|\breplaced a department\b": "Likely renaming",
    r"\bGini\b": "Gini coefficient",
    r"\bsize bands?\b": "Size band",
    r"\bVCSE\b": "VCSE organisation",
    r"\binfrastructure\b": "Infrastructure organisation (CVS)",
    r"\bdensity\b": "Density",
    r"\bcentralisation\b": "Degree centralisation",
    r"\bclustering\b": "Average clustering",
    r"\bunder-connected\b": "Under-connected group",
    r"\bcut points?\b|\bhold[s]? part of the network together\b": "Cut point",
    r"\bseparate parts?\b": "Separate part",
    r"\bhops?\b|\bno route\b": "Route, hops",
    r"\bz\b": "z",
    r"\bactive at the same time\b|\bdated ties\b": "Active period",
    r"\bpublic bod(y|ies)\b": "Public body",
}


def _load_bench():
    spec = importlib.util.spec_from_file_location(
        "many_departments", ROOT / "bench" / "many_departments.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["many_departments"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def sample_md() -> str:
    results = analyse(read_dataset(SAMPLE_DIR), permutations=200)
    return render_report(results, explain(results), title="Marshford partnerships 2025")[1]


def _body_and_glossary(markdown: str) -> tuple[str, list[str]]:
    body, _, rest = markdown.partition("\n## Glossary\n")
    glossary_part = rest.split("\n## ", 1)[0]
    terms = re.findall(r"^- \*\*(.+?)\*\*: ", glossary_part, flags=re.M)
    # The method section comes after the glossary and is body text too.
    return body + rest[len(glossary_part) :], [t.replace("\\", "") for t in terms]


def test_every_term_the_report_uses_is_in_its_one_glossary(sample_md: str) -> None:
    assert sample_md.count("## Glossary") == 1
    body, terms = _body_and_glossary(sample_md)
    assert terms == [t for t, _ in GLOSSARY]
    used = {term for pattern, term in JARGON.items() if re.search(pattern, body, re.I)}
    # The sample uses nearly all of them: a check that the patterns really match.
    assert len(used) >= 25, sorted(set(JARGON.values()) - used)
    assert used <= set(terms), sorted(used - set(terms))


def test_the_glossary_says_which_types_form_each_sector() -> None:
    sector = dict(glossary())["Sector"]
    assert "public (Local authority, Council/public department, NHS body" in sector
    assert "voluntary (VCSE organisation and Other)" in sector
    assert "private (Business)" in sector
    assert all(definition for _, definition in glossary())


def test_the_first_page_gives_title_place_period_sources_and_the_map(
    sample_md: str,
) -> None:
    first_page = sample_md.split("\n## ", 1)[0]
    assert first_page.startswith("# Marshford partnerships 2025\n")
    assert "- **Place:** Marshford Council" in first_page
    assert "- **Period:** Grants awarded April 2021 to " in first_page
    assert "board memberships dated " in first_page
    assert re.search(
        r"- \*\*Data sources:\*\* organisations\.csv \([\d,]+ rows\); boards\.csv \([\d,]+ rows\)"
        r"; memberships\.csv",
        first_page,
    )
    assert "[network.html](network.html)" in first_page


def test_analyse_title_and_place_reach_the_html_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            "analyse",
            str(SAMPLE_DIR),
            "--out",
            str(out),
            "--permutations",
            "100",
            "-q",
            "--title",
            "Marshford <partnerships>",
            "--place",
            "Marshford & district",
        ],
    )
    assert result.exit_code == 0, result.output
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<title>Marshford &lt;partnerships&gt;</title>" in html
    assert "<h1>Marshford &lt;partnerships&gt;</h1>" in html
    cover = html.split("</header>", 1)[0]
    assert "<dt>Place</dt><dd>Marshford &amp; district</dd>" in cover
    assert '<a href="network.html">' in cover and (out / "network.html").exists()
    assert "<dt>Data sources</dt>" in cover and "<dt>Period</dt>" in cover


def test_without_a_title_the_default_is_used_and_an_undated_place_says_so() -> None:
    from partnernet.model import Dataset

    results = analyse(Dataset.from_frames(), permutations=50)
    md = render_report(results, explain(results))[1]
    assert md.startswith(f"# {DEFAULT_TITLE}\n")
    assert "- **Period:** No dates in the data" in md
    assert "- **Place:** not stated in the data (give one with --place)" in md
    assert "Not in the data: organisations.csv, boards.csv" in md


def test_top_brokers_are_ranked_by_betweenness_with_shared_ranks(sample_md: str) -> None:
    assert betweenness_ranks([0.5, 0.2, 0.2, 0.1]) == ["1", "2=", "2=", "4"]
    table = sample_md.split("| Rank by betweenness |", 1)[1].split("\n\n", 1)[0]
    rows = [r.split(" | ") for r in table.splitlines()[2:]]
    values = [float(r[3]) for r in rows]
    assert values == sorted(values, reverse=True)
    assert rows[0][0].lstrip("| ") == "1"


def test_isolated_organisations_are_kept_apart_from_no_route(sample_md: str) -> None:
    assert "With no tie in the data | With ties but no route to a decision maker |" in sample_md
    assert "5% of small organisations have no route" not in sample_md
    assert "have no tie in the data at all" in sample_md


def test_a_600_department_report_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    bench = _load_bench()
    ds = bench.many_departments(departments=600, organisations=700, seed=1)
    drawn: list[int] = []
    heatmap = charts.overlap_heatmap

    def counting(matrix, labels):  # type: ignore[no-untyped-def]
        drawn.append(len(labels))
        return heatmap(matrix, labels)

    monkeypatch.setattr(charts, "overlap_heatmap", counting)
    results = analyse(ds, permutations=50)
    html, md = render_report(results, explain(results))
    assert drawn == [HEATMAP_MAX_DEPARTMENTS]
    assert (
        f"Manyshire Council has 600 departments: more than the {HEATMAP_MAX_DEPARTMENTS} a "
        "heatmap can show legibly"
    ) in md
    longest = max(md.splitlines(), key=len)
    assert len(longest) <= SCREEN_LINE, longest[:300]
    # The overlap matrix is too wide to print as a table at this size.
    assert "**Partner overlap (Jaccard)**" not in md
    # The department table lists only the departments drawn.
    table = md.split("**Coordination and duplicated engagement", 1)[1].split("\n\n", 2)[1]
    assert len(table.splitlines()) == 2 + HEATMAP_MAX_DEPARTMENTS
    assert len(html) < 5_000_000
