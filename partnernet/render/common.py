"""Helpers shared by the map and the report: who counts as a broker, which flagged
groups an organisation belongs to, and how figures are written for people.

Both pages must agree on who the brokers are, so the choice is made here once.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import pandas as pd

from partnernet.analysis.results import Results
from partnernet.model import Dataset

__all__ = [
    "TYPE_LABELS",
    "flagged_groups_by_member",
    "format_count",
    "format_money",
    "format_number",
    "format_share",
    "group_label",
    "org_names",
    "plain_text",
    "split_ids",
    "top_brokers",
]

TYPE_LABELS: dict[str, str] = {
    "vcse": "VCSE organisation",
    "infrastructure": "Infrastructure (CVS)",
    "local_authority": "Local authority",
    "department": "Council/public department",
    "nhs": "NHS body",
    "central_government": "Central government",
    "funder": "Funder",
    "business": "Business",
    "education": "Education",
    "other": "Other",
}

GROUPING_LABELS: dict[str, str] = {
    "size_band": "Size band",
    "tag": "Tag",
    "locality": "Locality",
    "community": "Community",
}

# Characters that break a line or are invisible controls: a name carrying them must
# still read as one line in a tooltip, a table cell or a chart label.
_LINE_BREAKING = re.compile(r"[\u0000-\u001f\u007f-\u009f\u2028\u2029\u0085]+")


def plain_text(value: object, *, limit: int | None = None) -> str:
    """``value`` as one line of text: control and line-separator characters become
    spaces, and text longer than ``limit`` is cut with an ellipsis.

    This is about layout, not safety: escaping is the job of each output format.

    Examples
    --------
    >>> plain_text("Two\\u2028lines"), plain_text("abcdef", limit=4), plain_text(None)
    ('Two lines', 'abc…', '')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = _LINE_BREAKING.sub(" ", unicodedata.normalize("NFC", str(value))).strip()
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 1)].rstrip() + "…"
    return text


def split_ids(value: object) -> list[str]:
    """The ids in a ``;``-joined cell (``members``, ``cut_off_ids``), in order.

    Examples
    --------
    >>> split_ids("a;b;"), split_ids(float("nan"))
    (['a', 'b'], [])
    """
    if not isinstance(value, str) or not value:
        return []
    return [part for part in value.split(";") if part]


def org_names(ds: Dataset) -> dict[str, str]:
    """Organisation and board names by id (boards included: they share one id space)."""
    names = dict(zip(ds.organisations["id"], ds.organisations["name"], strict=True))
    names.update(zip(ds.boards["id"], ds.boards["name"], strict=True))
    return {k: plain_text(v) or k for k, v in names.items()}


def top_brokers(metrics: pd.DataFrame, *, n: int = 5) -> list[str]:
    """Ids of the top brokers: the ``n`` highest by betweenness and the ``n`` highest
    by liaison count (Gould and Fernandez 1989), those above zero, strongest first.

    Examples
    --------
    >>> m = pd.DataFrame({"id": ["a", "b", "c"], "betweenness": [0.5, 0.0, 0.1],
    ...                   "liaison": [0, 0, 7]})
    >>> top_brokers(m, n=1)
    ['a', 'c']
    """
    chosen: list[str] = []
    for column in ("betweenness", "liaison"):
        ranked = metrics[metrics[column] > 0].sort_values(
            [column, "id"], ascending=[False, True], kind="stable"
        )
        for org_id in ranked["id"].head(n):
            if org_id not in chosen:
                chosen.append(org_id)
    return chosen


def group_label(grouping: str, group: object) -> str:
    """A flagged group as a person reads it, e.g. ``Tag: youth``.

    Examples
    --------
    >>> group_label("size_band", "micro"), group_label("community", 3)
    ('Size band: micro', 'Community: 3')
    """
    return f"{GROUPING_LABELS.get(grouping, grouping.replace('_', ' ').capitalize())}: {group}"


def flagged_groups_by_member(results: Results) -> dict[str, list[str]]:
    """For each organisation in a flagged under-connected group, the groups' labels."""
    out: dict[str, list[str]] = {}
    groups = results.groups
    if groups.empty:
        return out
    for row in groups[groups["flagged"].astype(bool)].itertuples(index=False):
        label = group_label(str(row.grouping), plain_text(row.group))
        for member in split_ids(row.members):
            out.setdefault(member, []).append(label)
    return out


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def format_money(value: Any) -> str:
    """Pounds for a person: ``£1,234`` (pence dropped), ``£2.5m`` from a million.

    Examples
    --------
    >>> format_money(1234.5), format_money(2_500_000), format_money(float("nan"))
    ('£1,234', '£2.5m', '–')
    """
    if not _finite(value):
        return "–"
    amount = float(value)
    if abs(amount) >= 1_000_000:
        return f"£{amount / 1_000_000:,.1f}m"
    return f"£{amount:,.0f}"


def format_share(value: Any, *, digits: int = 0) -> str:
    """A share (0 to 1) as a percentage.

    Examples
    --------
    >>> format_share(0.1234), format_share(0.1234, digits=1), format_share(None)
    ('12%', '12.3%', '–')
    """
    if not _finite(value):
        return "–"
    return f"{100 * float(value):.{digits}f}%"


def format_number(value: Any, *, digits: int = 2) -> str:
    """A figure for a table: integers with separators, others to ``digits`` places;
    infinity reads "no path".

    Examples
    --------
    >>> format_number(12000), format_number(0.12345), format_number(float("inf"))
    ('12,000', '0.12', 'no path')
    """
    if isinstance(value, bool):
        return "yes" if value else "no"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return plain_text(value)
    if math.isnan(number):
        return "–"
    if math.isinf(number):
        return "no path"
    if number.is_integer() and abs(number) < 1e15:
        return f"{int(number):,}"
    return f"{number:,.{digits}f}"


def format_count(count: int, singular: str, plural: str | None = None) -> str:
    """``3 organisations``, ``1 organisation``.

    Examples
    --------
    >>> format_count(1, "board"), format_count(1200, "tie")
    ('1 board', '1,200 ties')
    """
    word = singular if count == 1 else (plural or singular + "s")
    return f"{count:,} {word}"


def names_list(ids: Iterable[str], names: dict[str, str], *, limit: int = 12) -> str:
    """Names for a list of ids, at most ``limit`` of them, then "and N more"."""
    ids = list(ids)
    shown = [names.get(i, i) for i in ids[:limit]]
    text = "; ".join(shown)
    if len(ids) > limit:
        text += f"; and {len(ids) - limit:,} more"
    return text
