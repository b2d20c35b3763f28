"""Every sentence of the year-on-year change page, and the figures as a person reads
them (:mod:`partnernet.findings.wording` writes each number).

The page groups the figures under the Civil Society Covenant's four principles
(``COVENANT``): each figure is shown with its definition and its change, and no
score is made from them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from partnernet.analysis.change_tests import CHANGE_TEST_NAMES, ChangeTest
from partnernet.analysis.compare import HEADLINE_FIGURES, Comparison
from partnernet.findings import wording
from partnernet.findings.gates import BOARD_FILES, SIZE_FILES, TIE_FILES, data_gates
from partnernet.findings.thresholds import ALPHA
from partnernet.findings.wording import and_list, count, plain_text

__all__ = [
    "COVENANT",
    "DEFINITIONS",
    "HEADLINE_TABLE_COLUMNS",
    "LAYER_WORDS",
    "TEST_FIGURES",
    "cannot_test",
    "change_test_sentence",
    "change_text",
    "covenant_rows",
    "figure_text",
    "gap_text",
    "headline_table",
    "key_changes",
    "no_change",
    "ordered_tests",
    "terminal_lines",
]

LAYER_WORDS = {
    "FUNDS": "funding",
    "MEMBER_OF": "shared board",
    "PARTNERS_WITH": "partnership",
    "SHARES_PERSON": "shared trustee",
}

# What each headline figure is, in a sentence a reader can check it against.
DEFINITIONS: dict[str, str] = {
    "organisations": "Organisations in the organisation graph.",
    "ties": (
        "Pairs of organisations tied by funding, a partnership, a shared board or a shared trustee."
    ),
    "density": "Ties as a share of all possible pairs (0 to 1).",
    "components": "Separate parts of the network with no tie between them.",
    "isolated organisations": "Organisations with no tie at all.",
    "degree centralisation": "How far the ties centre on one organisation (0 even, 1 a star).",
    "average clustering": (
        "How often two partners of an organisation are tied to each other (0 to 1)."
    ),
    "average path length (largest part)": (
        "Mean number of steps between two organisations in the largest part."
    ),
    "modularity": "How strongly the network splits into communities (0 none, above 0.3 clear).",
    "small orgs: share with a board seat": (
        "Micro and small voluntary and infrastructure organisations that sit on at least one board."
    ),
    "larger orgs: share with a board seat": (
        "Medium and larger voluntary and infrastructure organisations that sit on at least one "
        "board."
    ),
    "board seat gap (small minus larger)": (
        "Small organisations' share with a board seat minus larger organisations' (0: no gap)."
    ),
    "small orgs: mean ties": "Mean ties of a micro or small organisation.",
    "larger orgs: mean ties": "Mean ties of a medium or larger organisation.",
    "ties gap (small minus larger)": "Small organisations' mean ties minus larger organisations'.",
    "funding share of small orgs": (
        "Share of the money received by voluntary and infrastructure organisations with a known"
        " size that went to micro and small ones."
    ),
    "funding Gini": "How unequally funding is spread across recipients (0 equal, 1 all to one).",
    "funding share of top 10%": "Share of all funding received by the top tenth of recipients.",
    "E-I index by sector": (
        "Ties across sectors minus ties within a sector, over all ties (−1 closed, +1 open; "
        "Krackhardt and Stern 1988)."
    ),
    "routes via infrastructure (share)": (
        "Shortest routes from small organisations to decision makers (public bodies and boards)"
        " that pass through an infrastructure organisation."
    ),
    "small orgs with a route to a decision maker": (
        "Micro and small organisations with any route through the network to a public body or a"
        " board."
    ),
    "departments coordinating with a sibling": (
        "Departments of a public body with a partnership or a shared board with another "
        "department of the same body."
    ),
    "siloed departments": (
        "Departments with no coordination tie to a sibling and partner overlap below 0.1 with each."
    ),
    "organisations with duplicated engagement": (
        "Organisations dealt with by two or more departments of one body that do not coordinate."
    ),
    "under-connected groups": (
        "Groups of organisations (size band, tag, locality, community) flagged as less "
        "connected than random groups of their size."
    ),
    "orgs with a known size band": (
        "Voluntary and infrastructure organisations whose income band is known."
    ),
    "ties dated": "Awards, board memberships and partnerships that carry a date.",
}

# The Civil Society Covenant's four principles, each with what it asks and the
# figures that bear on it. Figures only: no score is made from them.
COVENANT: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "Recognition",
        "Are small organisations recognised, reaching decision makers and funding?",
        (
            "routes via infrastructure (share)",
            "small orgs with a route to a decision maker",
            "funding share of small orgs",
        ),
    ),
    (
        "Partnership",
        "Do public bodies' departments coordinate, and do sectors work across their boundaries?",
        (
            "departments coordinating with a sibling",
            "siloed departments",
            "organisations with duplicated engagement",
            "E-I index by sector",
        ),
    ),
    (
        "Participation",
        "Do small organisations take part where decisions are made?",
        (
            "small orgs: share with a board seat",
            "larger orgs: share with a board seat",
            "board seat gap (small minus larger)",
            "small orgs: mean ties",
            "larger orgs: mean ties",
        ),
    ),
    (
        "Transparency",
        "Is the picture complete enough to judge?",
        ("orgs with a known size band", "ties dated"),
    ),
)

HEADLINE_TABLE_COLUMNS = (
    "figure",
    "kind",
    "before",
    "after",
    "change",
    "before_text",
    "after_text",
    "change_text",
    "definition",
)

# The headline figure behind each change test.
TEST_FIGURES = {
    "board seat gap": "board seat gap (small minus larger)",
    "ties gap": "ties gap (small minus larger)",
    "funding share of small orgs": "funding share of small orgs",
    "E-I index by sector": "E-I index by sector",
}
_TEST_WORDS = {
    "board seat gap": "The gap in board-seat share between small and larger organisations",
    "ties gap": "The gap in mean ties between small and larger organisations",
    "funding share of small orgs": "The share of funding that went to small organisations",
    "E-I index by sector": "The E-I index by sector",
}


def _kind(figure: str) -> str:
    return HEADLINE_FIGURES[figure][1]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def figure_text(figure: str, value: Any) -> str:
    """One headline figure as a person reads it: a count, a percentage or an index.

    Examples
    --------
    >>> figure_text("ties", 209.0), figure_text("ties dated", 0.5)
    ('209', '50%')
    >>> figure_text("density", 0.025028), figure_text("E-I index by sector", -0.2)
    ('0.025', '−0.20')
    >>> figure_text("board seat gap (small minus larger)", -0.7)
    '−70.0 points'
    """
    if not _is_number(value):
        return "–"
    kind = _kind(figure)
    if kind == "count":
        return wording.integer(value)
    if kind == "share" and "gap" in figure:
        return gap_text(figure, value)
    if kind == "share":
        return wording.percent(value, digits=1 if 0 < abs(value) < 0.1 else 0)
    text = wording.number(value, digits=3 if abs(value) < 0.1 else 2)
    # A typographic minus, as in the changes: "-0.01" reads as a dash.
    return "−" + text[1:] if text.startswith("-") else text


def change_text(figure: str, before: Any, after: Any) -> str:
    """The change in a figure: ``no change``, ``+3``, ``+7.5 points``, ``−0.17``.

    Examples
    --------
    >>> change_text("ties", 10, 12), change_text("ties dated", 0.5, 0.575)
    ('+2', '+7.5 points')
    >>> change_text("density", 0.2, 0.2)
    'no change'
    """
    if not (_is_number(before) and _is_number(after)):
        return "–"
    delta = after - before
    if math.isclose(delta, 0.0, abs_tol=1e-12):
        return "no change"
    sign = "+" if delta > 0 else "−"
    kind = _kind(figure)
    if kind == "count":
        return f"{sign}{wording.integer(abs(delta))}"
    if kind == "share":
        points = abs(delta) * 100
        text = f"{points:.1f}" if points < 10 else f"{points:.0f}"
        return f"{sign}{text} {'point' if text == '1.0' else 'points'}"
    text = wording.number(abs(delta))
    return f"{sign}{text}" if text != "0.00" else f"{sign}{wording.number(abs(delta), digits=4)}"


def _rounded(figure: str, value: Any) -> Any:
    """A number for the CSV: counts as integers, the rest to 4 decimal places."""
    if not _is_number(value):
        return None
    if _kind(figure) == "count":
        return round(value)
    return round(float(value), 4)


def headline_table(comparison: Comparison) -> pd.DataFrame:
    """headline_changes.csv: every headline figure before and after, as numbers
    (counts whole, the rest to 4 places) and as the page writes them."""
    rows = []
    for r in comparison.headline.itertuples(index=False):
        figure = str(r.figure)
        before, after = _rounded(figure, r.before), _rounded(figure, r.after)
        change = None
        if before is not None and after is not None:
            change = after - before if _kind(figure) == "count" else round(after - before, 4)
        rows.append(
            {
                "figure": figure,
                "kind": _kind(figure),
                "before": before,
                "after": after,
                "change": change,
                "before_text": figure_text(figure, r.before),
                "after_text": figure_text(figure, r.after),
                "change_text": change_text(figure, r.before, r.after),
                "definition": DEFINITIONS[figure],
            }
        )
    # Object columns, so a count stays 209 beside a share of 0.0481, never 209.0.
    return pd.DataFrame(
        {c: pd.Series([r[c] for r in rows], dtype="object") for c in HEADLINE_TABLE_COLUMNS},
        columns=list(HEADLINE_TABLE_COLUMNS),
    )


# The Covenant figures that rest on a change test's data (cannot_test), and what
# the row says in place of a change when that data is missing in either year.
_COVENANT_GATES: dict[str, tuple[str, str]] = {
    "small orgs: share with a board seat": ("board seat gap", "board memberships missing"),
    "larger orgs: share with a board seat": ("board seat gap", "board memberships missing"),
    "board seat gap (small minus larger)": ("board seat gap", "board memberships missing"),
    "small orgs: mean ties": ("ties gap", "sizes unknown"),
    "larger orgs: mean ties": ("ties gap", "sizes unknown"),
    "funding share of small orgs": ("funding share of small orgs", "sizes unknown"),
    "E-I index by sector": ("E-I index by sector", "grants only"),
}


def covenant_rows(comparison: Comparison) -> list[tuple[str, str, list[list[str]]]]:
    """For each principle: its name, its question, and rows of (figure, definition,
    before, after, change) as text."""
    values = comparison.headline.set_index("figure")
    # A figure whose change test the data cannot answer is shown, but not compared.
    gated = {
        figure: why
        for figure, (gate, why) in _COVENANT_GATES.items()
        if cannot_test(comparison, gate) is not None
    }
    out = []
    for principle, question, figures in COVENANT:
        rows = []
        for figure in figures:
            before, after = values.at[figure, "before"], values.at[figure, "after"]
            rows.append(
                [
                    figure[0].upper() + figure[1:],
                    DEFINITIONS[figure],
                    figure_text(figure, before),
                    figure_text(figure, after),
                    f"not comparable: {gated[figure]}"
                    if figure in gated
                    else change_text(figure, before, after),
                ]
            )
        out.append((principle, question, rows))
    return out


def terminal_lines(comparison: Comparison) -> list[str]:
    """What ``partnernet compare`` prints: the counts of each kind of change.

    Examples
    --------
    >>> from partnernet.analysis.compare import compare
    >>> from partnernet.analysis.pipeline import analyse
    >>> from partnernet.model import Dataset
    >>> run = analyse(Dataset.from_frames(), permutations=10)
    >>> terminal_lines(compare(run, run))[0]
    '0 new ties and 0 lost ties.'
    """
    ties = comparison.ties["change"].value_counts()
    orgs = comparison.organisations["change"].value_counts()
    seats = comparison.board_seats["change"]
    return [
        f"{count(int(ties.get('new', 0)), 'new tie')} and "
        f"{count(int(ties.get('lost', 0)), 'lost tie')}.",
        f"{count(int(orgs.get('joined', 0)), 'organisation')} joined the data and "
        f"{wording.integer(int(orgs.get('left', 0)))} left it.",
        f"{count(int((seats > 0).sum()), 'organisation')} gained board seats and "
        f"{wording.integer(int((seats < 0).sum()))} lost them.",
    ]


def no_change(comparison: Comparison) -> bool:
    """True when the two runs have the same organisations, ties, seats,
    departments' status, brokerage and every headline figure."""
    tables = (
        comparison.ties,
        comparison.organisations,
        comparison.board_seats,
        comparison.departments,
        comparison.brokers,
    )
    if any(not t.empty for t in tables):
        return False
    return all(
        change_text(str(r.figure), r.before, r.after) in ("no change", "–")
        for r in comparison.headline.itertuples(index=False)
    )


def _names(frame: pd.DataFrame, *, limit: int = 12) -> str:
    names = [plain_text(n) or str(i) for i, n in zip(frame["id"], frame["name"], strict=True)]
    shown = names[:limit]
    text = and_list(shown) if len(names) <= limit else "; ".join(shown)
    if len(names) > limit:
        text += f"; and {wording.integer(len(names) - limit)} more (changes.csv lists them all)"
    return text


def key_changes(comparison: Comparison) -> list[str]:
    """The changes in sentences, most telling first; one sentence when nothing changed."""
    if no_change(comparison):
        return [
            "Nothing changed: the two datasets have the same organisations, ties, board "
            "seats, departments and brokerage, and every headline figure is the same."
        ]
    lines = []
    seats = comparison.board_seats
    gained = seats[seats["change"] > 0]
    lost = seats[seats["change"] < 0]
    if not gained.empty:
        small = gained["size_band"].isin(("micro", "small")).sum()
        lines.append(
            f"{count(len(gained), 'organisation')} gained board seats "
            f"({wording.integer(small)} of them micro or small): {_names(gained)}."
        )
    if not lost.empty:
        lines.append(f"{count(len(lost), 'organisation')} lost board seats: {_names(lost)}.")
    for d in comparison.departments.itertuples(index=False):
        name = plain_text(d.name) or str(d.id)
        if d.change == "stopped being siloed":
            lines.append(
                f"{name} stopped being siloed: it now coordinates with a sibling department "
                "or shares partners with one."
            )
        else:
            lines.append(
                f"{name} started being siloed: it no longer coordinates with any sibling "
                "department and shares few partners with them."
            )
    orgs = comparison.organisations
    joined, left = orgs[orgs["change"] == "joined"], orgs[orgs["change"] == "left"]
    if not joined.empty:
        lines.append(f"{count(len(joined), 'organisation')} joined: {_names(joined)}.")
    if not left.empty:
        lines.append(f"{count(len(left), 'organisation')} left: {_names(left)}.")
    lines += _renaming_sentences(comparison, set(joined["id"]))
    gate = cannot_test(comparison, "brokerage")
    if gate is None:
        after_brokers = comparison.after.top_brokers
        new_brokers = [b for b in after_brokers if b not in comparison.before.top_brokers]
        graph = comparison.after.graph
        names = {n: plain_text(d.get("name")) or n for n, d in graph.nodes(data=True)}
        if new_brokers:
            lines.append(
                f"New among the top brokers: {and_list([names.get(b, b) for b in new_brokers])}."
            )
        lines += _broker_sentences(comparison)
    elif not comparison.brokers.empty:
        lines.append(gate)
    lines.append(_tie_sentence(comparison))
    return lines


def _renaming_sentences(comparison: Comparison, joined: set[str]) -> list[str]:
    """A department new this year that likely replaced one of last year's
    (:func:`partnernet.analysis.silos.likely_renamings`): say so, and how to join them."""
    graph = comparison.after.graph
    out = []
    for r in comparison.after.renamings.itertuples(index=False):
        if r.later_id not in joined or r.earlier_id not in comparison.before.graph:
            continue
        later = plain_text(graph.nodes[r.later_id].get("name")) or str(r.later_id)
        earlier = plain_text(graph.nodes[r.earlier_id].get("name")) or str(r.earlier_id)
        gap = int(r.gap_days)
        when = (
            f"began {count(gap, 'day')} after the other's last dated tie"
            if gap >= 0
            else f"began {count(-gap, 'day')} before the other's last dated tie"
        )
        out.append(
            f"{later}, new in the later data, looks like {earlier} under a new name: it {when} and "
            f"deals with {wording.integer(r.shared)} of the same organisations. If it is, an "
            f"aliases file (alias,id) naming '{r.later_id}' as an alias of '{r.earlier_id}' "
            "makes them one department in this comparison."
        )
    return out


def _broker_sentences(comparison: Comparison) -> list[str]:
    out = []
    brokers = comparison.brokers
    liaison = brokers[brokers["role"] == "liaison"]
    for b in liaison.itertuples(index=False):
        verb = "grew" if b.change > 0 else "shrank"
        out.append(
            f"{plain_text(b.name)}'s liaison brokerage {verb} from {wording.integer(b.before)} "
            f"to {wording.integer(b.after)} pairs of organisations in different sectors it links."
        )
    return out


def _layer_counts(ties: pd.DataFrame) -> str:
    counts: dict[str, int] = {}
    for layers in ties["layers"]:
        for layer in str(layers).split(";"):
            if layer:
                counts[layer] = counts.get(layer, 0) + 1
    return and_list(
        [
            f"{wording.integer(n)} by {LAYER_WORDS.get(k, k.lower())}"
            for k, n in sorted(counts.items())
        ]
    )


def _tie_sentence(comparison: Comparison) -> str:
    ties = comparison.ties
    new, lost = ties[ties["change"] == "new"], ties[ties["change"] == "lost"]
    text = f"{count(len(new), 'new tie')} and {count(len(lost), 'lost tie')}"
    parts = []
    if not new.empty:
        parts.append(f"new: {_layer_counts(new)}")
    if not lost.empty:
        parts.append(f"lost: {_layer_counts(lost)}")
    return text + (f" ({'; '.join(parts)})." if parts else ".")


def cannot_test(comparison: Comparison, figure: str) -> str | None:
    """The sentence for a change the data of neither year can answer, else None.

    The gates are the findings' own (:mod:`partnernet.findings.gates`): board
    seats need board memberships, small against larger needs known size bands,
    and the sector E-I index and brokerage need ties other than grants.
    """
    before, after = data_gates(comparison.before), data_gates(comparison.after)
    if figure == "board seat gap" and not (before.board_seats and after.board_seats):
        # Both years: a year with no memberships file has no seats to compare, not
        # a gap of zero (a change "from 0 points" would be the file's absence).
        return (
            "Whether small organisations gained board seats cannot be answered yet: "
            + (
                "neither year has"
                if not (before.board_seats or after.board_seats)
                else "one of the two years has no"
            )
            + f" board memberships. Adding {BOARD_FILES} would answer it."
        )
    if figure in ("board seat gap", "ties gap", "funding share of small orgs") and not (
        before.sizes and after.sizes
    ):
        return (
            f"{_TEST_WORDS[figure]} cannot be compared yet: "
            + ("neither year" if not (before.sizes or after.sizes) else "one year")
            + f" has voluntary organisations of known size. Adding {SIZE_FILES} would answer it."
        )
    if figure in ("E-I index by sector", "brokerage") and not (
        before.brokerage and after.brokerage
    ):
        what = "The E-I index by sector" if figure != "brokerage" else "Changes in brokerage"
        return (
            f"{what} cannot be compared yet: in "
            + ("neither year" if not (before.brokerage or after.brokerage) else "one year")
            + " are there ties other than grants, and a grant joins a funder to its recipient, "
            f"so it crosses sectors by construction. Adding {TIE_FILES} would answer it."
        )
    return None


def change_test_sentence(test: ChangeTest, comparison: Comparison | None = None) -> str:
    """One change test in plain English, naming its null model and its numbers.

    Examples
    --------
    >>> t = ChangeTest("board seat gap", "year swap within each organisation", -0.7, -0.62,
    ...     0.08, 0.0002, 5000, 7, 231)
    >>> print(change_test_sentence(t))  # doctest: +NORMALIZE_WHITESPACE
    The gap in board-seat share between small and larger organisations went from −70.0
    points to −62.0 points (+8.0 points). Swapping which year is which at random within
    each of the 231 organisations in both years gives a change this large rarely (p <
    0.001, 5,000 reshuffles, seed 7): the change is more than chance.
    """
    gate = None if comparison is None else cannot_test(comparison, test.figure)
    if gate is not None:
        return gate
    figure = TEST_FIGURES[test.figure]
    words = _TEST_WORDS[test.figure]
    if test.p_value is None or test.observed_change is None:
        return f"{words} cannot be compared: {test.note or 'it is undefined in one year'}."
    before, after = gap_text(figure, test.before), gap_text(figure, test.after)
    change = change_text(figure, test.before, test.after)
    if test.null_model.startswith("year swap"):
        null = (
            "Swapping which year is which at random within each of the "
            f"{wording.integer(test.units_moved)} organisations in both years"
        )
    else:
        null = (
            "Drawing at random which ties of either year were kept, lost and new "
            f"({wording.integer(test.units_moved)} of them changed)"
        )
    p = wording.p_value(test.p_value, test.reshuffles)
    seed = f", seed {test.seed}" if test.seed is not None else ""
    p_text = f"({p}{seed})"
    if change == "no change" and test.p_value >= ALPHA:
        return f"{words} did not change ({after}): there is no change to test {p_text}."
    if test.p_value < ALPHA:
        verdict = f"gives a change this large rarely {p_text}: the change is more than chance."
    else:
        verdict = (
            f"gives a change this large often {p_text}: the change is within what chance gives."
        )
    return f"{words} went from {before} to {after} ({change}). {null} {verdict}"


def gap_text(figure: str, value: float | None) -> str:
    """A tested figure as the page writes it: a gap of shares in points."""
    if value is None or not _is_number(value):
        return "–"
    if _kind(figure) == "share" and "gap" in figure:
        points = value * 100
        sign = "−" if points < 0 else ""
        return f"{sign}{abs(points):.1f} points"
    return figure_text(figure, value)


def ordered_tests(tests: Sequence[ChangeTest]) -> list[ChangeTest]:
    """The change tests in ``CHANGE_TEST_NAMES`` order."""
    rank = {name: i for i, name in enumerate(CHANGE_TEST_NAMES)}
    return sorted(tests, key=lambda t: rank.get(t.figure, len(rank)))
