"""What the figures are made of: the money they add up, and the period they cover.

Every total, share and concentration figure partnernet reports is in pounds;
:func:`currencies` counts the awards in other currencies so they can be stated
beside those figures (nothing is converted). :func:`period` records the first and
last dates in the data, so a reader knows when the network was observed.
"""

from __future__ import annotations

import pandas as pd

from partnernet.analysis.records import Currencies, CurrencyTotal, DateRange, Period
from partnernet.model import POUNDS, Dataset, is_pounds

__all__ = ["currencies", "period"]


def currencies(ds: Dataset) -> Currencies:
    """The pounds the totals add up, and the awards in other currencies beside them.

    Examples
    --------
    >>> ds = Dataset.from_frames(
    ...     organisations=pd.DataFrame({"id": ["f", "g"], "name": ["F", "G"],
    ...                                 "type": ["funder", "vcse"]}),
    ...     funding=pd.DataFrame({"id": ["1", "2", "3"], "funder_id": ["f"] * 3,
    ...                           "recipient_id": ["g"] * 3, "amount": [100.0, 50.0, 20.0],
    ...                           "award_date": ["2024-01-01"] * 3,
    ...                           "currency": ["GBP", None, "USD"]}))
    >>> c = currencies(ds)
    >>> c.pounds_awards, c.pounds_amount, [(o.currency, o.awards, o.amount) for o in c.other]
    (2, 150.0, [('USD', 1, 20.0)])
    """
    f = ds.funding
    pounds = is_pounds(f)
    others = f[~pounds]
    codes = others["currency"].astype("str").str.strip().str.upper()
    other = tuple(
        CurrencyTotal(currency=str(code), awards=len(part), amount=float(part.sum()))
        for code, part in others["amount"].groupby(codes.to_numpy(), sort=True)
    )
    return Currencies(
        currency=POUNDS,
        pounds_awards=int(pounds.sum()),
        pounds_amount=float(f.loc[pounds, "amount"].sum()),
        other_awards=len(others),
        other=other,
    )


def _iso(value: object) -> str | None:
    stamp = pd.Timestamp(value)
    return None if pd.isna(stamp) else stamp.strftime("%Y-%m-%d")


def _date_range(frame: pd.DataFrame, columns: tuple[str, ...]) -> DateRange:
    present = [frame[c] for c in columns if c in frame]
    if not present or not len(frame):
        return DateRange(first=None, last=None, dated=0, rows=len(frame))
    dates = pd.concat([pd.to_datetime(c) for c in present], axis=1)
    dated = int(dates.notna().any(axis=1).sum())
    if not dated:
        return DateRange(first=None, last=None, dated=0, rows=len(frame))
    return DateRange(
        first=_iso(dates.min().min()),
        last=_iso(dates.max().max()),
        dated=dated,
        rows=len(frame),
    )


def period(ds: Dataset) -> Period:
    """The first and last award date, and the span of membership and partnership dates.

    Examples
    --------
    >>> ds = Dataset.from_frames(
    ...     organisations=pd.DataFrame({"id": ["f", "g"], "name": ["F", "G"],
    ...                                 "type": ["funder", "vcse"]}),
    ...     funding=pd.DataFrame({"id": ["1", "2"], "funder_id": ["f"] * 2,
    ...                           "recipient_id": ["g"] * 2, "amount": [1.0, 2.0],
    ...                           "award_date": ["2013-05-01", "2024-02-29"]}))
    >>> p = period(ds)
    >>> p.first_award, p.last_award, p.awards_dated, p.memberships.dated
    ('2013-05-01', '2024-02-29', 2, 0)
    """
    awards = _date_range(ds.funding, ("award_date",))
    return Period(
        first_award=awards.first,
        last_award=awards.last,
        awards_dated=awards.dated,
        awards=awards.rows,
        memberships=_date_range(ds.memberships, ("start", "end")),
        partnerships=_date_range(ds.partnerships, ("start", "end")),
    )
