"""One organisation in words: what its figures mean, and the sentences of its
profile (``partnernet profile``), the page a CVS sends to a member group or a funder.

The map's details panel explains each figure with :data:`FIGURE_MEANINGS` and shows
:func:`band_position`; the profile page (:mod:`partnernet.render.profile`) is
:func:`organisation_profile`.
"""

from __future__ import annotations

import difflib
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from partnernet.analysis.results import BROKERAGE_ROLES, Results
from partnernet.findings import wording
from partnernet.findings.finding import Finding
from partnernet.findings.wording import TYPE_LABELS, plain_text
from partnernet.model import POUNDS, SEAT_ROLES, in_pounds

__all__ = [
    "BAND_FIGURES",
    "FIGURE_MEANINGS",
    "OrganisationProfile",
    "band_position",
    "near_ids",
    "organisation_profile",
    "removal_sentences",
]

# What each figure the map and the profile show means, in a reader's words: the
# label, then the meaning. The report's glossary (render/report.py) defines the
# terms these use.
FIGURE_MEANINGS: dict[str, tuple[str, str]] = {
    "degree": (
        "Partners",
        "organisations it has a tie with: it funds them or is funded by them, works in "
        "partnership, sits on a board with them or shares a trustee or staff member",
    ),
    "betweenness": (
        "Betweenness",
        "the share, from 0 to 1, of the shortest routes between other organisations "
        "that pass through it; the top brokers have the highest",
    ),
    "board_seats": (
        "Board seats",
        "boards and forums it sits on as chair or member (observers and secretariats "
        "attend without a seat)",
    ),
    "distance_to_decision": (
        "Hops to a decision maker",
        "ties in the shortest chain from it to a public body or a board; 0 means it is one",
    ),
    "funding_received": ("Funding received", "pounds granted or paid to it in the data"),
    "funding_from_public": ("From public bodies", "the part of that from public bodies"),
    "funding_given": ("Funding given", "pounds it granted or paid to others in the data"),
    "community": (
        "Community",
        "the group of organisations more tied to one another than to the rest "
        "(the Leiden method), numbered largest first",
    ),
    "coordinator": (
        "Coordinator",
        "pairs from its own sector, not tied to each other, that it links",
    ),
    "itinerant": (
        "Itinerant",
        "pairs from one sector, not its own and not tied to each other, that it links",
    ),
    "gatekeeper": (
        "Gatekeeper",
        "pairs it links where the second is from its own sector and the first is not",
    ),
    "representative": (
        "Representative",
        "pairs it links where the first is from its own sector and the second is not",
    ),
    "liaison": (
        "Liaison",
        "pairs from two different sectors, neither its own, that it links",
    ),
}
# The figures an organisation is placed against others of its size band by.
BAND_FIGURES: tuple[str, ...] = ("degree", "betweenness")

LAYER_WORDS: dict[str, str] = {
    "FUNDS": "funding",
    "PARTNERS_WITH": "partnership",
    "MEMBER_OF": "board membership",
    "SHARES_PERSON": "shared trustee or staff",
    "PART_OF": "department ties",
}


def band_position(metrics: pd.DataFrame) -> pd.DataFrame:
    """For each organisation, the share of the others in its size band with a lower
    degree and a lower betweenness.

    Parameters
    ----------
    metrics : ``Results.metrics`` (``id``, ``size_band`` and the ``BAND_FIGURES``).

    Returns
    -------
    pd.DataFrame
        Indexed by ``id``: ``band_n`` (organisations in the band, itself included)
        and ``<figure>_below`` for each of ``BAND_FIGURES`` (share, 0 to 1, of the
        *other* organisations of the band with a strictly lower value; NaN without
        a band or alone in it). One vectorised rank per figure.

    Examples
    --------
    >>> m = pd.DataFrame({"id": list("abcd"), "size_band": ["small"] * 3 + [None],
    ...                   "degree": [1, 5, 5, 2], "betweenness": [0.0, 0.1, 0.2, 0.0]})
    >>> band_position(m)[["band_n", "degree_below", "betweenness_below"]].values.tolist()
    [[3.0, 0.0, 0.0], [3.0, 0.5, 0.5], [3.0, 0.5, 1.0], [nan, nan, nan]]
    """
    frame = metrics.set_index(metrics["id"].astype(str))
    bands = frame["size_band"].where(frame["size_band"].notna(), None)
    out = pd.DataFrame(index=frame.index)
    out.index.name = "id"
    banded = frame[bands.notna()]
    n = banded.groupby("size_band")["id"].transform("size").astype(float)
    out["band_n"] = n.reindex(out.index)
    for figure in BAND_FIGURES:
        values = pd.to_numeric(banded[figure], errors="coerce")
        lower = values.groupby(banded["size_band"]).rank(method="min") - 1
        share = (lower / (n - 1)).where(n > 1)
        out[f"{figure}_below"] = share.reindex(out.index)
    return out


def near_ids(unknown: str, known: list[str], names: dict[str, str], *, limit: int = 5) -> list[str]:
    """Ids close to ``unknown``, by id or by name, for an "unknown --org" message.

    Examples
    --------
    >>> near_ids("GB-CHC-11", ["GB-CHC-111", "X-9"], {"X-9": "Food Bank"})
    ['GB-CHC-111']
    >>> near_ids("food bank", ["GB-CHC-111", "X-9"], {"X-9": "Food Bank"})
    ['X-9']
    """
    by_id = difflib.get_close_matches(unknown, known, n=limit, cutoff=0.6)
    lowered = {names.get(k, "").lower(): k for k in known}
    by_name = [
        lowered[name]
        for name in difflib.get_close_matches(unknown.lower(), list(lowered), n=limit, cutoff=0.6)
    ]
    return list(dict.fromkeys([*by_id, *by_name]))[:limit]


@dataclass(frozen=True)
class OrganisationProfile:
    """Everything the profile page of one organisation shows.

    ``facts`` are (label, value, meaning) rows; ``ties`` (layer words, organisations
    or boards at the other end) rows; ``boards`` (each with its roles there),
    ``funders`` and ``recipients`` name the other side
    (funders and recipients with pounds, largest first); ``findings`` are the
    sentences, in the page's order, each with the figures it states.
    """

    name: str
    kind: str
    facts: list[tuple[str, str, str]]
    ties: list[tuple[str, int]]
    boards: list[str]
    funders: list[tuple[str, str]]
    recipients: list[tuple[str, str]]
    cut_off: list[str]
    findings: list[Finding] = field(default_factory=list)


def organisation_profile(results: Results, org_id: str) -> OrganisationProfile:
    """The profile of organisation ``org_id``: its ties by layer, board seats,
    funding in and out, its position against organisations of its size band, the
    brokerage roles it plays and what its loss would cut off.

    Reads ``results`` only (no graph is built, no measure recomputed); raises
    ``KeyError`` for an id that is not an organisation of the dataset.
    """
    G = results.multilayer
    if org_id not in G or G.nodes[org_id].get("node_kind") != "organisation":
        raise KeyError(org_id)
    data = G.nodes[org_id]
    names = {n: plain_text(d.get("name")) or str(n) for n, d in G.nodes(data=True)}
    name = names[org_id]
    metrics = results.metrics.set_index(results.metrics["id"].astype(str))
    row: dict[str, Any] = metrics.loc[org_id].to_dict() if org_id in metrics.index else {}

    kind = TYPE_LABELS.get(data["type"], data["type"])
    if data["type"] == "department" and data.get("parent_id") in names:
        kind += f" of {names[data['parent_id']]}"
    details = [kind]
    if data.get("size_band"):
        details.append(f"size band {str(data['size_band']).replace('_', ' ')}")
    if data.get("locality"):
        details.append(plain_text(data["locality"], limit=60))

    # Ties by layer, counted as distinct organisations (or boards) on the other end.
    others: dict[str, set[str]] = defaultdict(set)
    roles: dict[str, set[str]] = defaultdict(set)
    for _, other, d in G.out_edges(org_id, data=True):
        others[d["layer"]].add(other)
        if d["layer"] == "MEMBER_OF":
            roles[other].add(str(d.get("role") or "member"))
    for other, _, d in G.in_edges(org_id, data=True):
        others[d["layer"]].add(other)
    ties = [(LAYER_WORDS.get(layer, layer), len(ends)) for layer, ends in sorted(others.items())]
    # A seat is a say in decisions (model.SEAT_ROLES); observers and secretariats
    # attend without one, as the board_seats figure counts them.
    seated = sorted(names[b] for b, r in roles.items() if r & set(SEAT_ROLES))
    boards = [
        f"{names[b]} ({', '.join(sorted(r)).replace('_', '-')})"
        for b, r in sorted(roles.items(), key=lambda item: names[item[0]])
    ]
    attends = len(roles) - len(seated)

    funding = in_pounds(results.dataset.funding)
    given = funding[funding["funder_id"] == org_id].groupby("recipient_id")["amount"].sum()
    received = funding[funding["recipient_id"] == org_id].groupby("funder_id")["amount"].sum()
    recipients = [
        (names.get(str(k), str(k)), wording.money(v))
        for k, v in given.sort_values(ascending=False).items()
    ]
    funders = [
        (names.get(str(k), str(k)), wording.money(v))
        for k, v in received.sort_values(ascending=False).items()
    ]
    other_currency = results.dataset.funding[
        (results.dataset.funding["currency"].fillna(POUNDS).str.upper() != POUNDS)
        & (
            (results.dataset.funding["funder_id"] == org_id)
            | (results.dataset.funding["recipient_id"] == org_id)
        )
    ]

    facts: list[tuple[str, str, str]] = []
    for key in ("degree", "betweenness", "board_seats", "distance_to_decision", "community"):
        if key in row:
            label, meaning = FIGURE_MEANINGS[key]
            digits = 4 if key == "betweenness" else 2
            facts.append((label, wording.number(row[key], digits=digits), meaning))
    label, meaning = FIGURE_MEANINGS["funding_received"]
    facts.append((label, wording.money(float(received.sum())), meaning))
    label, meaning = FIGURE_MEANINGS["funding_given"]
    facts.append((label, wording.money(float(given.sum())), meaning))

    findings = [
        _ties_finding(name, ties, len(seated), attends),
        _funding_finding(
            name,
            float(received.sum()),
            len(funders),
            float(given.sum()),
            len(recipients),
            len(other_currency),
        ),
        _band_finding(
            org_id, data.get("size_band"), bool(data.get("public_body")), results.metrics
        ),
        _roles_finding(name, row),
    ]
    cut_off, removal = _removal_finding(name, org_id, results, names)
    findings.append(removal)
    return OrganisationProfile(
        name=name,
        kind=" · ".join(details),
        facts=facts,
        ties=ties,
        boards=boards,
        funders=funders,
        recipients=recipients,
        cut_off=cut_off,
        findings=[f for f in findings if f is not None],
    )


def _ties_finding(name: str, ties: list[tuple[str, int]], seats: int, attends: int) -> Finding:
    if not ties:
        return Finding(
            id="profile-ties",
            question="profile",
            text=f"{name} has no tie in the data: it may simply be unrecorded.",
            figures={},
        )
    parts = [
        f"{wording.count(n, 'organisation')} by {layer}"
        for layer, n in ties
        if layer != "board membership"
    ]
    text = (
        f"{name} is tied to {wording.and_list(parts)}."
        if parts
        else f"{name} has no tie in the data except through boards."
    )
    if seats:
        text += f" It has a seat on {wording.count(seats, 'board or forum', 'boards or forums')}"
        if attends:
            text += f" and attends {wording.integer(attends)} more without a seat"
        text += "."
    elif attends:
        text += (
            f" It attends {wording.count(attends, 'board or forum', 'boards or forums')} "
            "without a seat."
        )
    return Finding(
        id="profile-ties",
        question="profile",
        text=text,
        figures={layer: n for layer, n in ties} | {"board_seats": seats, "attends": attends},
    )


def _funding_finding(
    name: str, received: float, funders: int, given: float, recipients: int, other: int
) -> Finding:
    sentences = []
    if funders:
        sentences.append(
            f"It received {wording.money(received)} from "
            f"{wording.count(funders, 'funder')} in the data."
        )
    else:
        sentences.append("It received no funding in the data.")
    if recipients:
        sentences.append(
            f"It gave {wording.money(given)} to {wording.count(recipients, 'organisation')}."
        )
    if other:
        sentences.append(
            f"{wording.count(other, 'award')} in other currencies are not added to these pounds."
        )
    return Finding(
        id="profile-funding",
        question="profile",
        text=" ".join(sentences),
        figures={
            "received": received,
            "funders": funders,
            "given": given,
            "recipients": recipients,
            "other_currency_awards": other,
            # As written from a million on (wording.money: "£2.4m").
            "received_millions": received / 1_000_000,
            "given_millions": given / 1_000_000,
        },
    )


def _band_finding(org_id: str, band: Any, public_body: bool, metrics: pd.DataFrame) -> Finding:
    if not band and public_body:
        return Finding(
            id="profile-band",
            question="profile",
            text="As a public body it has no size band, so it is not compared by size.",
            figures={},
        )
    if not band:
        return Finding(
            id="profile-band",
            question="profile",
            text=(
                "It has no size band in the data, so it cannot be compared with "
                "organisations of its size: add its income or size_band to "
                "organisations.csv."
            ),
            figures={},
        )
    position = band_position(metrics).loc[org_id]
    n = int(position["band_n"])
    band_words = str(band).replace("_", " ")
    if n < 2:
        return Finding(
            id="profile-band",
            question="profile",
            text=f"It is the only {band_words} organisation in the data: there is none to "
            "compare it with.",
            figures={"band_n": n},
        )
    degree, between = float(position["degree_below"]), float(position["betweenness_below"])
    text = (
        f"Against the {wording.count(n - 1, 'other ' + band_words + ' organisation')}, "
        f"it has more partners than {wording.percent(degree)} of them and a higher "
        f"betweenness than {wording.percent(between)}."
    )
    return Finding(
        id="profile-band",
        question="profile",
        text=text,
        figures={
            "band_n": n,
            "others": n - 1,
            "degree_below": degree,
            "betweenness_below": between,
        },
    )


def _roles_finding(name: str, row: dict[str, Any]) -> Finding | None:
    played = []
    for role in BROKERAGE_ROLES:
        value: Any = row.get(role)
        try:
            amount = float(value)
        except (TypeError, ValueError):
            continue
        if math.isfinite(amount) and amount > 0:
            played.append((role, int(amount)))
    if not row:
        return None
    if not played:
        return Finding(
            id="profile-roles",
            question="profile",
            text="It links no pair of organisations that are not tied to each other: it "
            "plays no brokerage role.",
            figures={},
        )
    parts = [
        f"{wording.count(n, 'pair')} as {role} ({FIGURE_MEANINGS[role][1]})"
        for role, n in sorted(played, key=lambda p: -p[1])
    ]
    return Finding(
        id="profile-roles",
        question="profile",
        text="It brokers " + "; ".join(parts) + ".",
        figures=dict(played),
    )


def removal_sentences(results: Results) -> dict[str, str]:
    """What the loss of each organisation in the removal or cut-point tables would
    cut off, as one sentence each (the map's details panel shows them).

    Examples
    --------
    >>> from partnernet.analysis.pipeline import analyse
    >>> from partnernet.model import Dataset
    >>> removal_sentences(analyse(Dataset.from_frames()))
    {}
    """
    removal, cut_points = _removal_rows(results)
    out = {}
    for org_id in [*removal, *cut_points]:
        finding = _removal_text(removal.get(org_id), cut_points.get(org_id))
        if finding is not None:
            out[org_id] = finding.text
    return out


def _removal_rows(results: Results) -> tuple[dict[str, Any], dict[str, Any]]:
    def by_id(frame: pd.DataFrame) -> dict[str, Any]:
        if frame.empty:
            return {}
        return {str(row["id"]): row for row in frame.to_dict(orient="records")}

    return by_id(results.removal), by_id(results.cut_points)


def _removal_finding(
    name: str, org_id: str, results: Results, names: dict[str, str]
) -> tuple[list[str], Finding]:
    removal, cut_points = _removal_rows(results)
    hit = removal.get(org_id)
    finding = _removal_text(hit, cut_points.get(org_id))
    if finding is None:
        finding = Finding(
            id="profile-removal",
            question="profile",
            text=(
                "It is not a cut point: without it, every other organisation would stay "
                "connected to the same organisations as now, by other routes."
            ),
            figures={},
        )
    ids = [i for i in str(hit["cut_off_ids"] or "").split(";") if i] if hit else []
    return [names.get(i, i) for i in ids], finding


def _removal_text(hit: dict[str, Any] | None, cut: dict[str, Any] | None) -> Finding | None:
    if hit is not None:
        lost = int(hit["small_cut_off"])
        after, before = int(hit["components_after"]), int(hit["components_before"])
        text = (
            f"Without it, {wording.count(lost, 'small organisation')} would lose every "
            f"route to a decision maker, and the network would go from "
            f"{wording.count(before, 'separate part')} to {wording.integer(after)}."
        )
        if lost == 0:
            text = (
                "Without it, no small organisation would lose its route to a decision "
                f"maker; the network would have {wording.count(after, 'separate part')} "
                f"(now {wording.integer(before)})."
            )
        return Finding(
            id="profile-removal",
            question="profile",
            text=text,
            figures={
                "small_cut_off": lost,
                "components_before": before,
                "components_after": after,
            },
        )
    if cut is not None:
        separated = int(cut["separated"])
        pieces = int(cut["pieces"])
        return Finding(
            id="profile-removal",
            question="profile",
            text=(
                f"It is a cut point: without it, its part of the network would split into "
                f"{wording.integer(pieces)} pieces, cutting "
                f"{wording.count(separated, 'organisation')} off from the largest."
            ),
            figures={"pieces": pieces, "separated": separated},
        )
    return None
