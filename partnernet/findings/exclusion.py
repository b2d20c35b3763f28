"""Findings on the first question: are small organisations excluded?"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from partnernet.analysis.exclusion import (
    DEGREE_RATIO_BELOW,
    FAR_HOPS,
    FAR_SHARE_MARGIN,
    MIN_GROUP_SIZE,
)
from partnernet.analysis.populations import EXCLUSION_TYPES, LARGER_BANDS, SMALL_BANDS
from partnernet.analysis.records import (
    Currencies,
    FundingConcentration,
    GroupTests,
    RemovalOverlap,
    SmallVsLargeTests,
)
from partnernet.analysis.results import Results
from partnernet.findings.finding import Finding
from partnernet.findings.gates import BOARD_FILES, SIZE_FILES, cannot_answer, data_gates
from partnernet.findings.thresholds import ALPHA
from partnernet.findings.wording import (
    count,
    integer,
    other_currencies,
    p_shown,
    p_value,
    percent,
)

__all__ = ["exclusion_findings"]


def _comparison_finding(
    finding_id: str,
    tests: SmallVsLargeTests,
    key: str,
    alpha: float,
    min_group: int,
) -> Finding | None:
    test = tests.get(key)
    if not test:
        return None
    n_small, n_larger = int(tests.get("n_small", 0)), int(tests.get("n_larger", 0))
    what = "board seats" if key == "board_seat_share" else "ties"
    figures: dict[str, Any] = {
        "n_small": n_small,
        "n_larger": n_larger,
        "min_group_size": min_group,
    }
    if n_small < min_group or n_larger < min_group or test.get("p_value") is None:
        figures.update(test_p_value=None)
        return Finding(
            id=finding_id,
            question="exclusion",
            text=(
                f"Too little data to compare {what} by size: the data has "
                f"{count(n_small, 'small or micro organisation')} and "
                f"{count(n_larger, 'medium or larger organisation')} with a known size "
                f"band, and at least {min_group} of each are needed."
            ),
            figures=figures,
        )
    small_value, larger_value = float(test["group_value"]), float(test["rest_value"])
    p = float(test["p_value"])
    n_perm = int(test["n_permutations"])
    figures.update(
        small_value=small_value,
        larger_value=larger_value,
        observed_difference=float(test["observed_difference"]),
        p_value=p,
        n_permutations=n_perm,
        p_shown=p_shown(p, n_perm),
        alpha=alpha,
    )
    if key == "board_seat_share":
        k_small, k_larger = int(tests["small_with_seat"]), int(tests["larger_with_seat"])
        figures.update(small_with_seat=k_small, larger_with_seat=k_larger)
        facts = (
            f"{percent(small_value)} of small and micro organisations ({k_small:,} of {n_small:,}) "
            f"hold a seat on a board, against {percent(larger_value)} of medium and larger "
            f"organisations ({k_larger:,} of {n_larger:,})"
        )
        lower = "under-represented on boards"
    else:
        facts = (
            f"small and micro organisations have {small_value:.1f} ties on average "
            f"({n_small:,} organisations), against {larger_value:.1f} for medium and larger "
            f"organisations ({n_larger:,})"
        )
        lower = "less connected"
    shown = p_value(p, n_perm)
    if small_value >= larger_value:
        text = (
            f"No sign that small organisations are {lower}: {facts}."
            f" (One-sided permutation test of the size labels, {shown}.)"
        )
    elif p < alpha:
        text = (
            f"Small organisations are {lower}: {facts}. A gap this large is unlikely to be "
            f"chance ({shown} of the size labels; below the usual {alpha:g})."
        )
    else:
        text = (
            f"{facts[0].upper()}{facts[1:]}. The gap is not statistically significant "
            f"({shown} of the size labels; {alpha:g} or less would be needed), so it "
            "could be chance."
        )
    return Finding(id=finding_id, question="exclusion", text=text, figures=figures)


def _small_vs_larger_from_table(size_bands: pd.DataFrame) -> dict[str, Any] | None:
    """Weighted small-and-micro and larger figures from the size-band table."""
    if size_bands is None or size_bands.empty:
        return None
    t = size_bands.set_index("size_band")
    out: dict[str, Any] = {}
    for side, bands in (("small", SMALL_BANDS), ("larger", LARGER_BANDS)):
        part = t[t.index.isin(bands)]
        n = int(part["count"].sum())
        out[f"n_{side}"] = n
        out[f"{side}_no_path"] = round(float((part["share_no_path"] * part["count"]).sum()))
        out[f"{side}_share_of_organisations"] = float(part["share"].sum())
        funding = part["share_of_funding"]
        out[f"{side}_share_of_funding"] = (
            float(funding.sum()) if funding.notna().all() and len(part) else None
        )
    return out


def exclusion_findings(
    results: Results,
    *,
    alpha: float = ALPHA,
    min_group: int = MIN_GROUP_SIZE,
    max_listed: int = 5,
) -> list[Finding]:
    """Plain-English findings on the exclusion of small organisations.

    Each finding names the figures it rests on (every number in the text is in
    ``figures``), says "not statistically significant" when a permutation p-value
    is ``alpha`` or more, and says when there is too little data (fewer than
    ``min_group`` organisations on a side).

    They read the size-band table, the small-versus-larger tests, the funding
    concentration and the under-connected groups of ``results``.

    Returns
    -------
    list[Finding]
        Ids: ``small-orgs-board-seats``, ``small-orgs-degree``,
        ``small-orgs-no-path``, ``small-orgs-funding-share``,
        ``funding-concentration``, ``under-connected-groups`` (those with data).
    """
    size_bands, groups = results.size_bands, results.groups
    tests = results.summary.small_vs_large
    concentration = results.summary.funding_concentration
    findings: list[Finding] = []
    gates = data_gates(results)
    if not gates.sizes:
        findings.append(
            cannot_answer(
                "small-orgs-size-unknown",
                "exclusion",
                "Whether small organisations are shut out",
                "no voluntary or infrastructure organisation in the data has a known size",
                SIZE_FILES,
                {"known_size": 0},
            )
        )
    for finding_id, key in (
        ("small-orgs-board-seats", "board_seat_share"),
        ("small-orgs-degree", "degree"),
    ):
        if not gates.sizes:
            break
        if key == "board_seat_share" and not gates.board_seats:
            findings.append(
                cannot_answer(
                    finding_id,
                    "exclusion",
                    "Whether small organisations hold fewer board seats",
                    "the data has no board memberships",
                    BOARD_FILES,
                    {"memberships": 0},
                )
            )
            continue
        finding = _comparison_finding(finding_id, tests, key, alpha, min_group)
        if finding is not None:
            findings.append(finding)

    sides = _small_vs_larger_from_table(size_bands)
    if gates.sizes and sides and sides["n_small"] and sides["n_larger"]:
        # Organisations with no tie at all are kept apart from those with no route
        # (issue 12): nothing can be said about the routes of an isolated one.
        routes = _isolated_and_unreachable(results.metrics)
        iso_small, iso_larger = routes["small"][0], routes["larger"][0]
        n_small, n_larger = sides["n_small"] - iso_small, sides["n_larger"] - iso_larger
        k_small, k_larger = routes["small"][1], routes["larger"][1]
        figures = {
            "n_small": n_small,
            "n_larger": n_larger,
            "small_no_path": k_small,
            "larger_no_path": k_larger,
            "small_share_no_path": k_small / n_small if n_small else 0.0,
            "larger_share_no_path": k_larger / n_larger if n_larger else 0.0,
            "small_isolated": iso_small,
            "larger_isolated": iso_larger,
            "isolated": iso_small + iso_larger,
        }
        findings.append(
            Finding(
                id="small-orgs-no-path",
                question="exclusion",
                text=(
                    f"{percent(figures['small_share_no_path'])} of small and micro "
                    f"organisations with a tie in the data ({k_small:,} of {n_small:,}) have "
                    "no route at all through the network to a public body or a board, "
                    f"against {percent(figures['larger_share_no_path'])} of medium and larger "
                    f"organisations with a tie ({k_larger:,} of {n_larger:,})."
                    + (
                        " A further "
                        + count(iso_small + iso_larger, "organisation has", "organisations have")
                        + f" no tie in the data at all ({iso_small:,} small or micro, "
                        f"{iso_larger:,} medium or larger), so nothing can be said about "
                        f"{'its route' if iso_small + iso_larger == 1 else 'their routes'}."
                        if iso_small or iso_larger
                        else ""
                    )
                    + (
                        " These are too few organisations to draw a conclusion from."
                        if min(n_small, n_larger) < min_group
                        else ""
                    )
                ),
                figures=figures,
            )
        )
        if sides["small_share_of_funding"] is not None:
            org_share = sides["small_share_of_organisations"]
            fund_share = sides["small_share_of_funding"]
            findings.append(
                Finding(
                    id="small-orgs-funding-share",
                    question="exclusion",
                    text=(
                        f"Small and micro organisations are {percent(org_share)} of the voluntary "
                        f"and infrastructure organisations in the data but received "
                        f"{percent(fund_share)} of the funding those organisations received."
                    ),
                    figures={
                        "small_share_of_organisations": org_share,
                        "small_share_of_funding": fund_share,
                    },
                )
            )

    findings.extend(_concentration_findings(concentration, min_group, results.summary.currencies))
    names = {str(n): str(d.get("name", n)) for n, d in results.graph.nodes(data=True)}
    group_tests = results.summary.group_tests
    findings.extend(_group_findings(groups, group_tests, names, max_listed))
    if gates.sizes:
        findings.extend(
            _overlap_findings(
                results.summary.removal_overlap, names, group_tests.community_names_by
            )
        )
    return findings


def _concentration_findings(
    concentration: FundingConcentration, min_group: int, currencies: Currencies
) -> list[Finding]:
    n = int(concentration.get("recipients") or 0)
    if concentration.get("gini") is None or n < min_group:
        return [
            Finding(
                id="funding-concentration",
                question="exclusion",
                text=(
                    f"Too little funding data to measure how concentrated funding is: "
                    f"{count(n, 'voluntary or infrastructure organisation')} received "
                    f"funding in the data, and at least {min_group} are needed."
                ),
                figures={"recipients": n, "min_group_size": min_group},
            )
        ]
    g = float(concentration["gini"])
    top_count = int(concentration["top_count"])
    share = float(concentration["top_share"])
    fraction = float(concentration["top_fraction"])
    total = float(concentration["total_amount"])
    return [
        Finding(
            id="funding-concentration",
            question="exclusion",
            text=(
                f"The top {percent(fraction)} of funded organisations ({top_count:,} of {n:,}) "
                f"received {percent(share)} of the £{total:,.0f} awarded to voluntary and "
                f"infrastructure organisations. The Gini coefficient across recipients is "
                f"{g:.2f} (0 would mean every recipient received the same; 1, that one "
                "received everything)."
                + (
                    f" Awards in other currencies are left out, not converted: "
                    f"{other_currencies(currencies.other, exact=True)} in all."
                    if currencies.other_awards
                    else ""
                )
            ),
            figures={
                "recipients": n,
                "top_fraction": fraction,
                "top_count": top_count,
                "top_share": share,
                "total_amount": round(total),
                "gini": g,
                "gini_equal": 0,
                "gini_one_takes_all": 1,
                **(
                    {
                        "other_currencies": [
                            {"currency": t.currency, "awards": t.awards, "amount": round(t.amount)}
                            for t in currencies.other
                        ]
                    }
                    if currencies.other_awards
                    else {}
                ),
            },
        )
    ]


_GROUPING_WORDS = {
    "size_band": "size band",
    "tag": "tag",
    "locality": "locality",
    "community": "network community",
}


def _group_words(row: Mapping[str, Any], by: str) -> tuple[str, str]:
    """A group's name in a sentence, and a note on how it was named (or empty)."""
    grouping = str(row["grouping"])
    if grouping == "community":
        return (
            f"the network community {row['label']}",
            f"named after its member with the highest {by}",
        )
    return f"{_GROUPING_WORDS.get(grouping, grouping)} '{row['label']}'", ""


def _group_findings(
    groups: pd.DataFrame, tests: GroupTests, names: Mapping[str, str], max_listed: int
) -> list[Finding]:
    if groups is None or groups.empty:
        return []
    whole = groups.attrs.get("whole", {})
    thresholds = groups.attrs.get("thresholds", {})
    min_size = int(thresholds.get("min_size", MIN_GROUP_SIZE))
    flagged = groups[groups["flagged"].astype(bool)]
    candidates = groups[groups["grouping"] != "size_band"]
    small = int((candidates["n"] < min_size).sum())
    ratio = float(thresholds.get("degree_ratio_below", DEGREE_RATIO_BELOW))
    margin = float(thresholds.get("far_share_margin", FAR_SHARE_MARGIN))
    hops = int(thresholds.get("far_hops", FAR_HOPS))
    reshuffles = tests.reshuffles
    figures: dict[str, Any] = {
        "groups_tested": tests.groups_tested,
        "tests": tests.tests,
        "groups_flagged": len(flagged),
        "groups_too_small": small,
        "min_size": min_size,
        "reshuffles": reshuffles,
        "fdr_percent": round(100 * tests.fdr, 6),
        "decision_makers": tests.decision_makers,
        "decision_maker_ties": tests.decision_maker_ties,
        **{f"threshold_{k}": v for k, v in thresholds.items() if k != "min_size"},
        "threshold_far_share_margin_points": round(100 * margin, 6),
        **{f"whole_{k}": v for k, v in whole.items()},
    }
    far_words = (
        f" or the share of them far from decision makers (more than {hops} hops from any "
        f"public body or board, or no route at all) is at least {100 * margin:.0f} points "
        "above the overall share"
        if tests.use_distance
        else ""
    )
    method = (
        f" Each tag, locality and network community of at least {min_size} organisations "
        f"({count(tests.groups_tested, 'group')}, {count(tests.tests, 'test')}) was compared "
        f"with {integer(reshuffles)} random groups of the same size; a group is flagged only "
        "when the difference passes the Benjamini-Hochberg step at a "
        f"{100 * tests.fdr:g}% false discovery rate and its members have fewer than "
        f"{ratio:g} times the average number of ties{far_words}. Size bands are compared "
        "in the findings on small organisations above, not here."
    )
    if not tests.use_distance:
        method += (
            f" The data has {count(tests.decision_makers, 'decision maker')} (public bodies "
            f"and boards) with {count(tests.decision_maker_ties, 'tie')} between them: too "
            "few to say which organisations are far from decision makers, so groups are "
            "compared on their ties alone."
        )
    too_small = (
        f" {count(small, 'group')} with fewer than {min_size} members "
        f"{'was' if small == 1 else 'were'} not tested: too few to say anything."
        if small
        else ""
    )
    if flagged.empty:
        text = (
            "No tag, locality or network community stands out as under-connected against "
            f"random groups of its size.{method}{too_small}"
        )
        return [Finding("under-connected-groups", "exclusion", text, figures)]
    ordered = flagged.sort_values(["mean_degree_ratio", "n"], ascending=[True, False])
    explained = ordered[ordered["explained_by"].astype(str) != ""]
    shut_out = ordered[ordered["explained_by"].astype(str) == ""]
    listed, rows = [], []
    for record in shut_out.head(max_listed).to_dict("records"):
        row: dict[str, Any] = {
            "grouping": str(record["grouping"]),
            "group": str(record["group"]),
            "label": str(record["label"]),
            "n": int(record["n"]),
            "mean_degree_ratio": float(record["mean_degree_ratio"]),
            "p_degree": float(record["p_degree"]),
            "p_degree_shown": p_shown(float(record["p_degree"]), reshuffles),
        }
        words, note = _group_words(record, tests.community_names_by)
        part = (
            f"{words} ({f'{note}; ' if note else ''}{row['n']:,} "
            f"organisations: {row['mean_degree_ratio']:.2f} times the average number of ties, "
            f"{p_value(row['p_degree'], reshuffles)}"
        )
        if tests.use_distance:
            row["share_far_from_decision"] = float(record["share_far_from_decision"])
            row["p_far"] = float(record["p_far"])
            row["p_far_shown"] = p_shown(row["p_far"], reshuffles)
            part += (
                f"; {percent(row['share_far_from_decision'])} far from decision makers, "
                f"{p_value(row['p_far'], reshuffles)}"
            )
        listed.append(part + ")")
        rows.append(row)
    figures["flagged"] = rows
    text = ""
    if len(shut_out):
        more = len(shut_out) - len(listed)
        text = (
            f"{count(len(shut_out), 'group')} of organisations "
            f"{'is' if len(shut_out) == 1 else 'are'} under-connected: {'; '.join(listed)}"
            f"{f'; and {more} more' if more else ''}."
        )
    if len(explained):
        parts, explained_rows = [], []
        for record in explained.head(max_listed).to_dict("records"):
            sole = str(record["explained_by"])
            words, note = _group_words(record, tests.community_names_by)
            parts.append(
                f"{words} ({f'{note}; ' if note else ''}"
                f"{count(int(record['n']), 'organisation')}) is mostly organisations tied "
                f"to {names.get(sole, sole)} and to no one else"
            )
            explained_rows.append(
                {"group": str(record["group"]), "n": int(record["n"]), "explained_by": sole}
            )
        figures["explained_by_one_organisation"] = explained_rows
        text += (
            f" {'; '.join(parts)}: one organisation's ties explain "
            f"{'it' if len(explained) == 1 else 'them'}, not a group shut out."
        )
    whole_far = whole.get("share_far_from_decision")
    overall = (
        f" Across all voluntary and infrastructure organisations, {percent(whole_far)} are far "
        "from decision makers."
        if tests.use_distance and isinstance(whole_far, float) and whole_far == whole_far
        else ""
    )
    text = f"{text.strip()}{method}{overall}{too_small}"
    return [Finding("under-connected-groups", "exclusion", text, figures)]


def _isolated_and_unreachable(metrics: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """For the small-and-micro and the larger side (VCSE and infrastructure
    organisations with a size band): how many have no tie in the data, and how
    many have ties but no route to any decision maker."""
    out = {"small": (0, 0), "larger": (0, 0)}
    needed = {"type", "size_band", "degree", "distance_to_decision"}
    if metrics.empty or not needed <= set(metrics.columns):
        return out
    population = metrics[metrics["type"].isin(EXCLUSION_TYPES)]
    isolated = population["degree"] == 0
    unreachable = ~isolated & ~population["distance_to_decision"].astype(float).lt(float("inf"))
    for side, bands in (("small", SMALL_BANDS), ("larger", LARGER_BANDS)):
        mask = population["size_band"].isin(bands)
        out[side] = (int((isolated & mask).sum()), int((unreachable & mask).sum()))
    return out


def _overlap_findings(
    overlaps: tuple[RemovalOverlap, ...], names: Mapping[str, str], by: str
) -> list[Finding]:
    """Where the organisations a broker's loss would cut off sit in a flagged group."""
    if not overlaps:
        return []
    top = overlaps[0]
    words, note = _group_words({"grouping": top.grouping, "label": top.label}, by)
    text = (
        f"Of the {count(top.cut_off, 'small organisation')} that losing "
        f"{names.get(top.broker_id, top.broker_id)} would leave with no path to any decision "
        f"maker, {integer(top.overlap)} {'is' if top.overlap == 1 else 'are'} in the "
        f"under-connected group {words} ({f'{note}; ' if note else ''}of its "
        f"{integer(top.group_size)} members)"
        + (
            ": most of the organisations that depend on it belong to that group."
            if 2 * top.overlap > top.cut_off
            else "."
        )
    )
    return [
        Finding(
            "under-connected-cut-off",
            "exclusion",
            text,
            {
                "broker_id": top.broker_id,
                "cut_off": top.cut_off,
                "grouping": top.grouping,
                "group": top.group,
                "overlap": top.overlap,
                "group_size": top.group_size,
            },
        )
    ]
