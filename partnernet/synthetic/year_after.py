"""The year after: the synthetic place one year on, with changes planted in the data
so that ``partnernet compare`` has something known to find.

:func:`year_after` takes the place's dataset and returns next year's, with
:class:`PlantedChanges` saying exactly what was planted:

1. ``SEAT_GAINERS`` micro and small voluntary organisations with no board seat
   join the place's VCSE board (the one the CVS convenes): the board-seat gap
   between small and larger organisations narrows.
2. The Housing department (siloed in the sample) starts a partnership with
   Children's Services: it stops being siloed. Adult Social Care stays siloed.
3. A new infrastructure organisation, a volunteer centre, joins and partners with
   the council, the health body, the ``BROKER_PARTNERS`` small groups the
   network reaches least and two new micro groups that join with it: a new top
   broker.
4. ``LEAVERS`` voluntary organisations with no funding and no board seat leave
   (every row naming them goes), and ``ENDED`` partnerships between two
   voluntary organisations that stay come to an end.

Funding is left exactly as it was (no leaver or newcomer receives any), so the
funding share of small organisations is the planted *unchanged* figure.
The same dataset and seed always give the same year after.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import pandas as pd

from partnernet.model import Dataset

__all__ = ["BROKER_PARTNERS", "ENDED", "LEAVERS", "SEAT_GAINERS", "PlantedChanges", "year_after"]

SEAT_GAINERS = 14
BROKER_PARTNERS = 12
LEAVERS = 3
ENDED = 3
_SMALL = ("micro", "small")
_START = pd.Timestamp("2025-06-01")


@dataclass(frozen=True)
class PlantedChanges:
    """What :func:`year_after` changed, by id."""

    board_id: str
    seat_gainers: tuple[str, ...]
    coordinating: tuple[str, str]  # (department that was siloed, its new partner)
    broker: str
    joined: tuple[str, ...]  # the broker and the groups that came with it
    broker_partners: tuple[str, ...]
    left: tuple[str, ...]
    ended: tuple[tuple[str, str], ...]  # partnerships (source, target) that ended


def _department(orgs: pd.DataFrame, suffix: str) -> str:
    found = orgs.loc[(orgs["type"] == "department") & orgs["id"].str.endswith(suffix), "id"]
    if found.empty:
        raise ValueError(f"the place has no department whose id ends {suffix!r}")
    return str(found.iloc[0])


def year_after(ds: Dataset, *, seed: int = 0) -> tuple[Dataset, PlantedChanges]:
    """The place one year on, and the changes planted in it.

    ``ds`` is a place made by :func:`partnernet.synthetic.generate_sample` (it
    needs a CVS-convened board, a council with Housing and Children's Services,
    and micro and small groups).

    Examples
    --------
    >>> from partnernet.io.read import read_dataset
    >>> after, planted = year_after(read_dataset("sample_data"), seed=1)
    >>> len(planted.seat_gainers), len(planted.left)
    (14, 3)
    >>> planted.broker in set(after.organisations["id"])
    True
    """
    rng = random.Random(seed)
    orgs = ds.organisations
    cvs = orgs.loc[orgs["type"] == "infrastructure", "id"]
    boards = ds.boards
    convened = boards.loc[boards["convener_id"].isin(set(cvs)), "id"]
    board_id = str(convened.iloc[0] if not convened.empty else boards["id"].iloc[0])

    seated = set(ds.memberships["org_id"])
    funded = set(ds.funding["recipient_id"]) | set(ds.funding["funder_id"])
    small_vcse = orgs.loc[(orgs["type"] == "vcse") & orgs["size_band"].isin(_SMALL), "id"]
    unseated = sorted(str(i) for i in small_vcse if i not in seated)
    gainers = sorted(rng.sample(unseated, SEAT_GAINERS))
    leaver_pool = sorted(i for i in unseated if i not in funded and i not in gainers)
    leavers = sorted(rng.sample(leaver_pool, LEAVERS))
    # The volunteer centre reaches the groups the network reaches least (fewest
    # rows naming them), so it brokers for them: a new top broker.
    rows_naming = pd.concat(
        [
            ds.partnerships["source_id"],
            ds.partnerships["target_id"],
            ds.funding["recipient_id"],
            ds.affiliations["org_id"],
        ]
    ).value_counts()
    rest = [i for i in unseated if i not in gainers and i not in leavers]
    rng.shuffle(rest)
    rest.sort(key=lambda i: int(rows_naming.get(i, 0)))
    partners = sorted(rest[:BROKER_PARTNERS])

    council = str(orgs.loc[orgs["type"] == "local_authority", "id"].iloc[0])
    nhs = orgs.loc[orgs["type"] == "nhs", "id"]
    housing = _department(orgs, "-HSG")
    children = _department(orgs, "-CS")
    place = str(orgs.loc[orgs["id"] == council, "name"].iloc[0]).removesuffix(" Council")
    broker = f"{council}-VC"
    newcomers = [f"{broker}-G1", f"{broker}-G2"]
    new_orgs = pd.DataFrame(
        {
            "id": [broker, *newcomers],
            "name": [
                f"{place} Volunteer Centre",
                f"{place} Young Carers Circle",
                f"{place} Allotment Friends",
            ],
            "type": ["infrastructure", "vcse", "vcse"],
            "size_band": ["small", "micro", "micro"],
            "income": [64_000.0, 3_500.0, 1_800.0],
        }
    )
    broker_ties = [council, *([str(nhs.iloc[0])] if not nhs.empty else []), *partners, *newcomers]
    new_partnerships = pd.DataFrame(
        {
            "source_id": [housing] + [broker] * len(broker_ties),
            "target_id": [children, *broker_ties],
            "kind": "collaboration",
            "directed": False,
            "weight": 1.0,
            "start": _START,
        }
    )
    new_memberships = pd.DataFrame(
        {"board_id": board_id, "org_id": gainers, "role": "member", "start": _START}
    )

    gone = set(leavers)
    vcse = set(orgs.loc[orgs["type"] == "vcse", "id"]) - gone
    links = ds.partnerships
    between = links[links["source_id"].isin(vcse) & links["target_id"].isin(vcse)]
    pairs = sorted(
        {(str(a), str(b)) for a, b in zip(between["source_id"], between["target_id"], strict=True)}
    )
    ended = sorted(rng.sample(pairs, ENDED))
    tables = {}
    for table, frame in ds.tables().items():
        keep = pd.Series(True, index=frame.index)
        for column in ("id", "org_id", "source_id", "target_id"):
            if column in frame.columns and table != "boards":
                keep &= ~frame[column].isin(gone)
        if table == "partnerships":
            for a, b in ended:
                keep &= ~((frame["source_id"] == a) & (frame["target_id"] == b))
        tables[table] = frame[keep]
    tables["organisations"] = pd.concat([tables["organisations"], new_orgs], ignore_index=True)
    tables["partnerships"] = pd.concat(
        [tables["partnerships"], new_partnerships], ignore_index=True
    )
    tables["memberships"] = pd.concat([tables["memberships"], new_memberships], ignore_index=True)
    planted = PlantedChanges(
        board_id=board_id,
        seat_gainers=tuple(gainers),
        coordinating=(housing, children),
        broker=broker,
        joined=(broker, *newcomers),
        broker_partners=tuple(partners),
        left=tuple(leavers),
        ended=tuple(ended),
    )
    return Dataset.from_frames(**tables), planted
