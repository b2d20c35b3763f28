"""The report, checked without a browser: it says what the analysis found, under
the right question, with charts computed from the right numbers, and nothing from
the data is read as markup in either the HTML or the Markdown."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import html as html_lib
import re
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pytest
from markdown_it import MarkdownIt
from render_support import hostile, sample

from partnernet.errors import OutputError
from partnernet.findings import explain
from partnernet.render import charts
from partnernet.render.report import band_shares, escape_markdown, render_report, write_report


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False


def tags_of(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def sample_report() -> tuple[str, str]:
    _ds, results = sample()
    return render_report(results, explain(results))


@pytest.fixture(scope="module")
def hostile_report() -> tuple[str, str]:
    _ds, results = hostile()
    # Every group flagged, so every hostile name reaches the group tables too (the
    # small place has too few organisations for a group to pass the real tests).
    groups = results.groups.assign(flagged=True)
    groups.attrs = results.groups.attrs
    results = dataclasses.replace(results, groups=groups)
    return render_report(results, explain(results))


def text_of(html: str) -> str:
    """The text a reader sees: tags dropped, entities decoded."""
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", html))


def markdown_html(markdown: str) -> str:
    return MarkdownIt("commonmark").enable("table").enable("strikethrough").render(markdown)


# --- Figures the charts rest on --------------------------------------------------


def test_the_reports_gini_agrees_with_the_analysis(sample_report: tuple[str, str]) -> None:
    """Computed here from metrics.funding_received with the mean-difference formula,
    independently of the analysis; the report only shows the analysis's figure."""
    _, results = sample()
    m = results.metrics
    recipients = m[m["type"].isin(["vcse", "infrastructure"]) & (m["funding_received"] > 0)]
    amounts = recipients["funding_received"].to_numpy(dtype=float)
    diffs = np.abs(amounts[:, None] - amounts[None, :]).sum()
    ours = diffs / (2 * len(amounts) ** 2 * amounts.mean())
    assert ours == pytest.approx(results.summary.funding_concentration.gini, abs=1e-9)
    html, _ = sample_report
    assert f"The Gini coefficient is {ours:.2f}" in html


def test_band_shares_sum_to_one_and_match_the_size_band_table() -> None:
    _, results = sample()
    shares = band_shares(results.metrics)
    assert shares[["organisations", "board_seats", "funding"]].sum().tolist() == pytest.approx(
        [1, 1, 1]
    )
    table = results.size_bands.set_index("size_band")
    for row in shares.itertuples():
        assert row.organisations == pytest.approx(table.loc[row.band, "share"])
        assert row.funding == pytest.approx(table.loc[row.band, "share_of_funding"])
    # The sample's planted finding: micro and small hold far fewer seats than their share.
    small = shares[shares["band"].isin(["micro", "small"])]
    assert small["board_seats"].sum() < small["organisations"].sum() / 2


def test_band_shares_by_hand() -> None:
    m = pd.DataFrame(
        {
            "type": ["vcse", "vcse", "infrastructure", "local_authority", "vcse"],
            "size_band": ["micro", "small", "medium", None, None],
            "board_seats": [1, 0, 3, 9, 0],
            "funding_received": [100.0, 300.0, 600.0, 5000.0, 0.0],
        }
    )
    shares = band_shares(m)
    assert shares["band"].tolist() == ["micro", "small", "medium", "unknown"]
    assert shares["organisations"].tolist() == [0.25] * 4  # the council is left out
    assert shares["board_seats"].tolist() == [0.25, 0.0, 0.75, 0.0]
    assert shares["funding"].tolist() == [0.1, 0.3, 0.6, 0.0]


# --- What the report says -------------------------------------------------------


def test_every_finding_appears_under_its_question(sample_report: tuple[str, str]) -> None:
    html, markdown = sample_report
    _, results = sample()
    starts = {
        "exclusion": html.index('id="exclusion"'),
        "silos": html.index('id="silos"'),
        "brokerage": html.index('id="brokerage"'),
        "summary": html.index('id="network"'),
        "coverage": html.index('id="coverage"'),
    }
    ends = dict(zip(starts, [*sorted(starts.values())[1:], len(html)], strict=True))
    findings = explain(results)
    assert len(findings) >= 10
    for finding in findings:
        section = text_of(html[starts[finding.question] : ends[finding.question]])
        assert " ".join(finding.text.split()) in " ".join(section.split()), finding.id
        assert escape_markdown(finding.text) in markdown, finding.id


def test_the_report_names_the_planted_findings(sample_report: tuple[str, str]) -> None:
    html, markdown = sample_report
    for text in (html, markdown):
        assert "Departments of Marshford Council" in text
        assert "Adult Social Care" in text and "Housing" in text
        assert "Marshford CVS" in text
        assert "ethnic" in text
    # The top broker table ranks the CVS first.
    assert re.search(r"<td class=\"num\">1</td><td>Marshford CVS</td>", html)
    # The removal table lists what losing the CVS would cut off, by name.
    _, results = sample()
    cvs = results.removal.set_index("name").loc["Marshford CVS"]
    first_cut = results.metrics.set_index("id").loc[cvs["cut_off_ids"].split(";")[0], "name"]
    assert first_cut in text_of(html)


def test_coverage_and_limits_name_the_organisations_with_no_tie(
    sample_report: tuple[str, str],
) -> None:
    html, markdown = sample_report
    _, results = sample()
    coverage = text_of(html[html.index('id="coverage"') :])
    isolated = results.metrics.loc[results.metrics["degree"] == 0, "name"].tolist()
    assert isolated
    for name in isolated:
        assert name in coverage
    assert "only as complete as the data" in coverage
    assert "People are never named" in coverage
    assert "## Coverage and limits" in markdown


def test_every_chart_is_an_inline_svg_of_drawing_elements_only(
    sample_report: tuple[str, str],
) -> None:
    html, _ = sample_report
    images = [a for t, a in tags_of(html).tags if t == "img"]
    assert len(images) == 5  # size bands, Lorenz, groups, overlap, removal
    for attrs in images:
        src = attrs["src"] or ""
        assert src.startswith("data:image/svg+xml;base64,")
        root = ElementTree.fromstring(base64.b64decode(src.split(",", 1)[1]))
        assert {e.tag.removeprefix("{http://www.w3.org/2000/svg}") for e in root.iter()} <= (
            charts.ELEMENTS
        )
        assert attrs["alt"]
    # The page's policy lets these images show and nothing else load.
    (csp,) = re.findall(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    policy = html_lib.unescape(csp).split("; ")
    assert "img-src data:" in policy and "default-src 'none'" in policy


def test_the_report_is_self_contained_scriptless_and_printable(
    sample_report: tuple[str, str],
) -> None:
    html, _ = sample_report
    parsed = tags_of(html)
    assert not [t for t, _ in parsed.tags if t in ("script", "link", "iframe", "object")]
    for tag, attrs in parsed.tags:
        href = attrs.get("href")
        # In-page anchors, and the map beside the report (relative, same folder).
        assert href is None or href.startswith("#") or href == "network.html", (
            f"<{tag}> links out: {href}"
        )
        assert "style" not in attrs
    (meta,) = [
        a["content"] or ""
        for t, a in parsed.tags
        if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    ]
    (css,) = parsed.styles
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert meta == (
        f"default-src 'none'; style-src 'sha256-{digest}'; img-src data:; "
        "base-uri 'none'; form-action 'none'"
    )
    assert "@media print" in css and "@page" in css
    assert html.startswith('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">')


def test_the_same_data_gives_the_same_report() -> None:
    _ds, results = hostile()
    assert render_report(results, explain(results)) == render_report(results, explain(results))


# --- Hostile names --------------------------------------------------------------


def test_hostile_names_are_escaped_in_the_html(hostile_report: tuple[str, str]) -> None:
    html, _ = hostile_report
    parsed = tags_of(html)
    allowed = {
        "html", "head", "meta", "title", "style", "body", "main", "header", "h1", "h2",
        "h3", "p", "dl", "div", "dt", "dd", "section", "ul", "li", "nav", "ol", "a",
        "figure", "img", "figcaption", "table", "caption", "thead", "tr", "th", "tbody", "td",
    }  # fmt: skip
    assert {t for t, _ in parsed.tags} <= allowed
    assert not [a for t, a in parsed.tags if any(k.startswith("on") for k in a)]
    assert "window.__pwned" in html  # the names are there...
    assert "<script>window.__pwned" not in html  # ...as text
    assert "&lt;img src=x onerror=" in html
    # Template syntax in a name is text, never evaluated.
    assert "{{ 7*7 }} {% if true %}jinja{% endif %}" in text_of(html)
    # 49 as a number of its own (a p-value such as 0.149 is not the template's 7*7).
    shown = re.sub(r"data:image/svg\+xml;base64,[^\"]+", "", html)
    assert not re.search(r"(?<![\d.,])49(?![\d.,])", shown)


def test_hostile_names_cannot_inject_markdown(hostile_report: tuple[str, str]) -> None:
    _, markdown = hostile_report
    rendered = markdown_html(markdown)
    # Only the report's own structure comes out: no link but the report's own link to
    # the map, no image or raw HTML.
    assert re.findall(r"<a [^>]*>", rendered) == ['<a href="network.html">']
    assert "<img" not in rendered
    assert "<script" not in rendered and "<svg" not in rendered and "<style" not in rendered
    assert "<code>" not in rendered
    assert "&lt;script&gt;window.__pwned" in rendered
    # Every table row has as many cells as its header: a "|" in a name splits nothing.
    for table in re.findall(r"<table>.*?</table>", rendered, flags=re.S):
        widths = {
            row.count("<td") or row.count("<th")
            for row in re.findall(r"<tr>.*?</tr>", table, flags=re.S)
        }
        assert len(widths) == 1, table[:200]
    # A name that looks like a heading or list stays text.
    ds, _ = hostile()
    md_name = ds.organisations.set_index("id").loc["V-MD", "name"]
    assert html_lib.escape(md_name, quote=False) in rendered.replace("&quot;", '"')


@pytest.mark.parametrize(
    "text",
    [
        "[click](javascript:alert(1))",
        "![img](x)",
        "<img src=x onerror=alert(1)>",
        "a | b | c",
        "**bold** _it_ ~~gone~~ `code`",
        "# Heading",
        "1. numbered",
        "- bullet",
        "> quote",
        "&lt;already escaped&gt;",
        "$x^2$ \\ back",
        "line\u2028break",
    ],
)
def test_escape_markdown_renders_exactly_the_text(text: str) -> None:
    rendered = markdown_html(
        f"| h |\n|---|\n| {escape_markdown(text)} |\n\n- {escape_markdown(text)}\n"
    )
    expected = html_lib.escape(text.replace("\u2028", " "), quote=False)
    cells = re.findall(r"<td>(.*?)</td>", rendered)
    items = re.findall(r"<li>(.*?)</li>", rendered)
    assert cells == [expected]
    assert items == [expected]


# --- Writing --------------------------------------------------------------------


def test_write_report_writes_both_files_as_utf8(tmp_path: Path) -> None:
    _ds, results = hostile()
    written = write_report(tmp_path, results, explain(results))
    assert [p.name for p in written] == ["report.html", "report.md"]
    html, markdown = render_report(results, explain(results))
    assert (tmp_path / "report.html").read_bytes() == html.encode("utf-8")
    assert (tmp_path / "report.md").read_bytes() == markdown.encode("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "report.md"]


def test_a_folder_that_cannot_be_written_writes_nothing(tmp_path: Path) -> None:
    _ds, results = hostile()
    (tmp_path / "taken").write_text("a file", encoding="utf-8")
    with pytest.raises(OutputError) as caught:
        write_report(tmp_path / "taken" / "inside", results, explain(results))
    assert caught.value.exit_code == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_svg_data_uri() -> None:
    assert charts.svg_data_uri(b"<svg/>") == "data:image/svg+xml;base64,PHN2Zy8+"


def test_charts_draw_any_name_as_plain_text() -> None:
    """A '$' is a dollar, a line separator a space, and a script the font lacks no
    error: each name is the text of a <text>, as given (cut to the label limit)."""
    names = ["Ünïcödé 東京 🎉 Café", r"$\notacommand{x}$ costs", "two\u2028lines"]
    for svg in (
        charts.removal_chart(names, [3, 2, 1]),
        charts.group_chart(names, [0.5, 1.0, 2.0], [True, False, False]),
        charts.overlap_heatmap(pd.DataFrame(np.eye(3), index=names, columns=names), names),
    ):
        shown = [
            t.text for t in ElementTree.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")
        ]
        assert {"Ünïcödé 東京 🎉 Café", r"$\notacommand{x}$ costs", "two lines"} <= set(shown)


def test_the_glossary_names_as_public_bodies_exactly_the_models_public_body_types() -> None:
    from partnernet.model import PUBLIC_BODY_TYPES
    from partnernet.render.report import glossary

    named = dict(glossary())["Public body"].split(":")[0].lower()
    words = {
        "local_authority": "local authority",
        "department": "departments",
        "nhs": "nhs body",
        "central_government": "central government",
    }
    assert set(words) == PUBLIC_BODY_TYPES
    assert all(words[t] in named for t in PUBLIC_BODY_TYPES)
    assert "education" not in named and "school" not in named
