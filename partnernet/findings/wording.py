"""How partnernet writes figures and names for people, in one place.

Every sentence, table cell, tooltip and terminal line that shows a count, a
plural, a percentage, an amount of money or a p-value goes through these
functions, so the findings, the report, the map and the CLI never disagree on how
a figure reads.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = [
    "GROUPING_LABELS",
    "P_SHOWN_BELOW",
    "SECTOR_WORDS",
    "TYPE_LABELS",
    "and_list",
    "count",
    "group_label",
    "integer",
    "money",
    "money_in",
    "month",
    "names_list",
    "number",
    "other_currencies",
    "p_shown",
    "p_value",
    "percent",
    "period",
    "plain_text",
    "plural",
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

# The brokerage sectors as an adjective in a sentence ("a voluntary organisation").
SECTOR_WORDS: dict[str, str] = {
    "vcse": "voluntary",
    "infrastructure": "infrastructure",
    "public": "public",
    "funder": "funder",
    "private": "private",
}

# Characters that break a line or are invisible controls: a name carrying them must
# still read as one line in a sentence, a tooltip, a table cell or a chart label.
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


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def integer(value: float) -> str:
    """A whole number with thousands separators.

    Examples
    --------
    >>> integer(1234567), integer(3.0)
    ('1,234,567', '3')
    """
    return f"{int(value):,}"


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """The word for ``n`` things: ``singular`` for one, else the plural.

    Examples
    --------
    >>> plural(1, "body", "bodies"), plural(2, "body", "bodies"), plural(0, "tie")
    ('body', 'bodies', 'ties')
    """
    return singular if n == 1 else (plural_form or singular + "s")


def count(n: int, singular: str, plural_form: str | None = None) -> str:
    """``n`` with thousands separators and the right word.

    Examples
    --------
    >>> count(1, "board"), count(1200, "tie"), count(2, "body", "bodies")
    ('1 board', '1,200 ties', '2 bodies')
    """
    return f"{integer(n)} {plural(n, singular, plural_form)}"


def percent(share: Any, *, digits: int = 0) -> str:
    """A share (0 to 1) as a percentage a reader can take in.

    ``digits`` decimal places, except that a share under 1 % (and above 0) shows
    two significant figures, so a small share never reads as 0 %.

    Examples
    --------
    >>> percent(0.1234), percent(0.1234, digits=1), percent(0.0043), percent(0), percent(None)
    ('12%', '12.3%', '0.43%', '0%', '–')
    """
    if not _finite(share):
        return "–"
    value = 100 * float(share)
    if 0 < abs(value) < 1:
        return f"{float(f'{value:.2g}'):g}%"
    return f"{value:.{digits}f}%"


def money(amount: Any) -> str:
    """Pounds for a person: ``£1,234`` (pence dropped), ``£2.5m`` from a million.

    Examples
    --------
    >>> money(1234.5), money(2_500_000), money(float("nan"))
    ('£1,234', '£2.5m', '–')
    """
    if not _finite(amount):
        return "–"
    value = float(amount)
    if abs(value) >= 1_000_000:
        return f"£{value / 1_000_000:,.1f}m"
    return f"£{value:,.0f}"


def money_in(amount: Any, currency: str, *, exact: bool = False) -> str:
    """An amount in a named currency: pounds as :func:`money`, any other as
    ``USD 32,500`` (never with a pound sign: partnernet converts nothing).
    ``exact`` writes whole units even from a million (for a finding's text).

    Examples
    --------
    >>> money_in(32500, "USD"), money_in(2_500_000, "EUR"), money_in(2_500_000, "EUR", exact=True)
    ('USD 32,500', 'EUR 2.5m', 'EUR 2,500,000')
    >>> money_in(1234.5, "GBP")
    '£1,234'
    """
    if currency == "GBP":
        return f"£{float(amount):,.0f}" if exact and _finite(amount) else money(amount)
    if not _finite(amount):
        return "–"
    value = float(amount)
    if abs(value) >= 1_000_000 and not exact:
        return f"{currency} {value / 1_000_000:,.1f}m"
    return f"{currency} {value:,.0f}"


def other_currencies(totals: Iterable[Any], *, exact: bool = False) -> str:
    """The awards in currencies other than pounds, each counted with its own sum,
    e.g. ``1 award in USD (USD 32,500)``; empty when there are none. ``totals``
    are :class:`partnernet.analysis.records.CurrencyTotal` records.

    Examples
    --------
    >>> from types import SimpleNamespace as T
    >>> other_currencies([T(currency="EUR", awards=2, amount=900.0),
    ...                   T(currency="USD", awards=1, amount=32500.0)])
    '2 awards in EUR (EUR 900) and 1 award in USD (USD 32,500)'
    """
    return and_list(
        [
            f"{count(t.awards, 'award')} in {t.currency} "
            f"({money_in(t.amount, t.currency, exact=exact)})"
            for t in totals
        ]
    )


def period(first: Any, last: Any) -> str:
    """The years a period spans: ``2013–2024``, or one year; empty when undated.
    ``first`` and ``last`` are ISO dates (``YYYY-MM-DD``) or None.

    Examples
    --------
    >>> period("2013-04-01", "2024-03-31"), period("2024-01-01", "2024-12-31"), period(None, None)
    ('2013–2024', '2024', '')
    """
    if not first or not last:
        return ""
    start, end = str(first)[:4], str(last)[:4]
    return start if start == end else f"{start}–{end}"


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def month(date: Any) -> str:
    """An ISO date (or a timestamp) as the month and year a person says:
    ``August 2020``; empty when missing.

    Examples
    --------
    >>> month("2020-08-12"), month(None)
    ('August 2020', '')
    """
    if date is None or (isinstance(date, float) and math.isnan(date)):
        return ""
    text = str(date)[:10]
    return f"{_MONTHS[int(text[5:7]) - 1]} {text[:4]}"


def number(value: Any, *, digits: int = 2) -> str:
    """A figure for a table: integers with separators, others to ``digits`` places;
    infinity reads "no path".

    Examples
    --------
    >>> number(12000), number(0.12345), number(float("inf")), number(True)
    ('12,000', '0.12', 'no path', 'yes')
    """
    if isinstance(value, bool):
        return "yes" if value else "no"
    try:
        figure = float(value)
    except (TypeError, ValueError):
        return plain_text(value)
    if math.isnan(figure):
        return "–"
    if math.isinf(figure):
        return "no path"
    if figure.is_integer() and abs(figure) < 1e15:
        return f"{int(figure):,}"
    return f"{figure:,.{digits}f}"


# Below this a p-value is written as a bound, never as an exact figure.
P_SHOWN_BELOW = 0.001
# The bounds a p-value at the floor of a few reshuffles is written under.
_P_BOUNDS = (0.001, 0.01, 0.05, 0.1)


def p_shown(p: float, reshuffles: int) -> float:
    """The figure :func:`p_value` writes for ``p``: the bound (``0.001``, or the
    first of 0.01, 0.05, 0.1 above the floor ``1 / (reshuffles + 1)``, or a
    two-sided test's ``2 / (reshuffles + 1)``, when ``p`` is at that floor), else
    ``p`` rounded as shown.

    Examples
    --------
    >>> p_shown(1 / 5001, 5000), p_shown(1 / 101, 100)
    (0.001, 0.01)
    >>> p_shown(0.04321, 5000), p_shown(0.00123, 5000)
    (0.043, 0.0012)
    >>> p_shown(2 / 501, 500)  # the two-sided floor: a bound, not "p = 0.004"
    0.01
    """
    floor = 1 / (reshuffles + 1)
    if p < P_SHOWN_BELOW:
        return P_SHOWN_BELOW
    # A two-sided p-value (twice the smaller tail) has its floor at 2 / (n + 1).
    if math.isclose(p, floor, rel_tol=1e-9) or math.isclose(p, 2 * floor, rel_tol=1e-9):
        return next((b for b in _P_BOUNDS if p < b), round(p, 3))
    return float(f"{p:.2g}") if p < 0.01 else round(p, 3)


def p_value(p: float, reshuffles: int) -> str:
    """A permutation p-value with the reshuffles it rests on.

    A p-value from ``n`` reshuffles (``(1 + k) / (n + 1)``) can be no smaller than
    ``1 / (n + 1)``, so a small one is written as a bound, ``p < 0.001``, never as
    if exact; above 0.001, three decimal places (two significant figures under
    0.01).

    Examples
    --------
    >>> p_value(1 / 5001, 5000), p_value(0.04321, 5000), p_value(0.00123, 5000)
    ('p < 0.001, 5,000 reshuffles', 'p = 0.043, 5,000 reshuffles', 'p = 0.0012, 5,000 reshuffles')
    >>> p_value(1 / 101, 100), p_value(0.5, 1)
    ('p < 0.01, 100 reshuffles', 'p = 0.500, 1 reshuffle')
    """
    shown = p_shown(p, reshuffles)
    if shown in _P_BOUNDS and p < shown:
        written = f"< {shown:g}"
    else:
        written = f"= {shown:.3f}" if shown >= 0.01 else f"= {shown:g}"
    return f"p {written}, {count(reshuffles, 'reshuffle')}"


def and_list(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``.

    Examples
    --------
    >>> and_list(["a"]), and_list(["a", "b", "c"])
    ('a', 'a, b and c')
    """
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def names_list(ids: Iterable[str], names: dict[str, str], *, limit: int = 12) -> str:
    """Names for a list of ids, at most ``limit`` of them, then "and N more".

    Examples
    --------
    >>> names_list(["a", "b", "c"], {"a": "A"}, limit=2)
    'A; b; and 1 more'
    """
    chosen = list(ids)
    text = "; ".join(names.get(i, i) for i in chosen[:limit])
    if len(chosen) > limit:
        text += f"; and {integer(len(chosen) - limit)} more"
    return text


def group_label(grouping: str, group: object) -> str:
    """A group as a person reads it, e.g. ``Tag: youth``.

    Examples
    --------
    >>> group_label("size_band", "micro"), group_label("community", 3)
    ('Size band: micro', 'Community: 3')
    """
    return f"{GROUPING_LABELS.get(grouping, grouping.replace('_', ' ').capitalize())}: {group}"
