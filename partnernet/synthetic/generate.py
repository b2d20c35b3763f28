"""The synthetic place: a fictional town's partnership network with known findings.

``sample_data/`` in the repository is this module's output, regenerated with::

    partnernet sample --out sample_data --scale locality --seed 2026 --force

and a test checks that the committed files equal a fresh run byte for byte.

The place ("Marshford" at locality scale) has a council with five departments, an
NHS integrated care board, two central government departments, one CVS, a community
foundation, a few businesses, schools and colleges, and VCSE organisations whose
size bands follow the sector's shape in the NCVO Almanac (about 50 % micro, 30 %
small, 15 % medium, 4 % large, 1 % major). Nobody in it is real: people appear only
as codes already in pseudonym form (``psn-`` and 20 hex digits, a counter), so the
sample reads, validates and analyses without a pseudonymisation key.

Four findings are planted so that the analyses of DESIGN section 5 have something
known to find (``tests/test_sample.py`` checks each one directly on the files):

1. Micro and small organisations hold few board seats (about 5 % of them hold one,
   against more than half of medium and larger organisations) and receive far less
   funding per organisation.
2. Two council departments, ``Adult Social Care`` and ``Housing``, are siloed: no
   partnership or shared board with any sibling department, partner overlap below
   0.1 with each, yet both fund the same handful of providers (duplicated
   engagement). Children's Services, Public Health and Communities coordinate.
3. The CVS is the main liaison broker (Gould and Fernandez 1989): it alone ties a
   few dozen small groups to the public bodies and funders; removing it leaves them
   with no path to any decision maker.
4. Organisations tagged ``ethnic-minority-led`` are under-connected: most reach the
   network only through a few community hubs that reach it only through the CVS, so
   their mean degree is low and most sit more than two hops from decision makers.

Larger scales repeat the same shape: ``city`` is one place ten times the size,
``region`` ten such places and ``national`` eighty (200,000 organisations, about a
million ties), sharing the two central government departments. Places are built
and written one at a time, so memory stays bounded whatever the scale.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from partnernet.errors import OutputError
from partnernet.io.staging import stage_run
from partnernet.io.writers import SafeCsvWriter
from partnernet.model import COLUMNS, TABLES, size_band_for_income
from partnernet.synthetic.place import (
    BAND_SHARES,
    BIG,
    BOARD_ROUNDS,
    BUSINESSES,
    CENTRAL,
    COMMUNITIES,
    COMMUNITY_GROUPS,
    COUNCIL,
    CVS,
    DEDICATIONS,
    DEPARTMENTS,
    DUPLICATED,
    FOUNDATION,
    GROUP_NAMES,
    INCOME_RANGES,
    NHS,
    OVERLAPS,
    PLACE_BOARDS,
    PLACE_ENDS,
    PLACE_STEMS,
    PROGRAMMES,
    SILOED,
    THEME_WEIGHTS,
    WARDS,
    Board,
    LocalCharity,
    PublicBody,
)

__all__ = ["SCALES", "generate_sample"]

# scale -> (number of places, organisations per place).
SCALES: dict[str, tuple[int, int]] = {
    "locality": (1, 250),
    "city": (1, 2_500),
    "region": (10, 2_500),
    "national": (80, 2_500),
}

Progress = Callable[[str, int, int], None]
Row = tuple[Any, ...]

_FIRST_AWARD = date(2021, 4, 1).toordinal()
_LAST_AWARD = date(2025, 3, 31).toordinal()


@dataclass(eq=False)
class _Org:
    id: str
    name: str
    type: str
    parent_id: str = ""
    band: str = ""
    income: float = 0.0
    write_band: bool = False
    write_income: bool = False
    locality: str = ""
    tags: list[str] = field(default_factory=list)
    theme: str = ""
    reach: str = "connected"  # connected, cvs_only, hub, leaf, peer, isolated

    @property
    def big(self) -> bool:
        return self.band in BIG

    def row(self) -> Row:
        return (
            self.id,
            self.name,
            self.type,
            self.parent_id,
            self.band if self.write_band else "",
            _number(self.income) if self.write_income else "",
            self.locality,
            ";".join(self.tags),
        )


@dataclass
class _Counters:
    """Registry numbers and person codes, unique across the places of one run."""

    charity: int = 1_100_000
    company: int = 4_000_000
    school: int = 130_000
    person: int = 0
    places: set[str] = field(default_factory=set)


def generate_sample(
    out_dir: str | os.PathLike[str],
    *,
    scale: str = "locality",
    seed: int = 0,
    overwrite: bool = False,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Write a synthetic place as a dataset folder (DESIGN section 9).

    Parameters
    ----------
    out_dir : str or path-like
        The folder to write; created when missing.
    scale : {"locality", "city", "region", "national"}
        About 250, 2,500, 25,000 or 200,000 organisations.
    seed : int
        The same seed always gives byte-identical files.
    overwrite : bool
        Replace dataset files already in ``out_dir``; without it a folder holding
        any of them is refused.
    progress : callable, optional
        Called as ``progress(step_name, done, total)`` as places are written.

    Returns
    -------
    dict
        Rows written per table, in the order of ``model.TABLES``.

    Raises
    ------
    OutputError
        When the folder cannot be created or written, or already holds a dataset
        and ``overwrite`` is false, or another run holds its lock (exit code 5).
        The folder then keeps the dataset it had: the files are swapped in together.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     counts = generate_sample(folder, seed=1)
    >>> counts["organisations"]
    250
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    n_places, n_orgs = SCALES[scale]
    folder = _prepare_folder(Path(out_dir))
    counts = dict.fromkeys(TABLES, 0)
    counters = _Counters()
    names = _place_names(random.Random(f"partnernet-sample:{seed}:names"), n_places)
    # One whole run (io.staging): the six files are staged and swapped in together
    # under the folder's lock, so a kill leaves the old dataset or the new one.
    with stage_run(folder, command="sample") as run, contextlib.ExitStack() as stack:
        _refuse_existing(folder, overwrite=overwrite)  # under the lock, once settled
        writers = {}
        for table in TABLES:
            handle = stack.enter_context(run.open_text(f"{table}.csv"))
            # CRLF like write_dataset (RFC 4180), so both ways of writing a dataset agree.
            writers[table] = SafeCsvWriter(handle, lineterminator="\r\n")
            writers[table].writerow(COLUMNS[table])
        if progress is not None:
            progress("places", 0, n_places)
        for index, (place, code) in enumerate(names):
            rng = random.Random(f"partnernet-sample:{seed}:{index}")
            rows = _Place(
                rng,
                name=place,
                code=code,
                n_orgs=n_orgs,
                counters=counters,
                central=index == 0,
                qualify_wards=n_places > 1,
            ).build()
            for table in TABLES:
                writers[table].writerows(rows[table])
                counts[table] += len(rows[table])
            del rows
            if progress is not None:
                progress("places", index + 1, n_places)
        stack.close()  # every file flushed to disk before the commit
    return counts


def _prepare_folder(folder: Path) -> Path:
    if folder.exists() and not folder.is_dir():
        raise OutputError(
            f"cannot write the sample to {folder}: it is a file, not a folder.",
            hint="Choose a folder for --out.",
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot create the folder {folder}: {exc.strerror or exc}.",
            hint="Check the path and its permissions, or choose another output folder.",
        ) from exc
    return folder


def _refuse_existing(folder: Path, *, overwrite: bool) -> None:
    existing = [f"{t}.csv" for t in TABLES if (folder / f"{t}.csv").exists()]
    if existing and not overwrite:
        raise OutputError(
            f"{folder} already holds a dataset ({', '.join(existing)}); "
            "the sample would overwrite it.",
            hint="Choose an empty or new folder, or add --force to replace those files.",
        )


def _place_names(rng: random.Random, n: int) -> list[tuple[str, str]]:
    """``n`` distinct town names and three-letter codes; the first is Marshford."""
    names = [("Marshford", "MSF")]
    candidates = [s + e for s in PLACE_STEMS for e in PLACE_ENDS]
    rng.shuffle(candidates)
    used_codes = {"MSF"}
    for name in candidates:
        if len(names) == n:
            break
        letters = name.upper()
        for i in range(1, len(letters)):
            for j in range(i + 1, len(letters)):
                code = letters[0] + letters[i] + letters[j]
                if code not in used_codes:
                    break
            else:
                continue
            break
        else:  # every code from this name's letters is taken
            continue
        used_codes.add(code)
        names.append((name, code))
    return names[:n]


class _Place:
    """One place's organisations and ties, built in memory and returned as rows."""

    def __init__(
        self,
        rng: random.Random,
        *,
        name: str,
        code: str,
        n_orgs: int,
        counters: _Counters,
        central: bool,
        qualify_wards: bool,
    ) -> None:
        self.rng = rng
        self.name = name
        self.code = code
        self.slug = _slug(name)
        self.scale = n_orgs / 250
        self.n_orgs = n_orgs
        self.counters = counters
        self.central = central
        self.used_names: set[str] = set()
        self.used_ids: set[str] = set()
        n_wards = max(8, round(3 * self.scale))
        wards = list(WARDS[:n_wards])
        self.wards = wards
        self.ward_label = {w: (f"{w}, {name}" if qualify_wards else w) for w in wards}
        self.orgs: list[_Org] = []
        self.boards: list[Row] = []
        self.memberships: list[Row] = []
        self.funding: list[Row] = []
        self.partnerships: list[Row] = []
        self.affiliations: list[Row] = []
        self.seats: dict[str, int] = {}
        self.partnered: set[tuple[str, str]] = set()
        self.grant_number = 0
        self.programmes = {**PROGRAMMES, **{d.key: d.programmes for d in DEPARTMENTS}}

    def scaled(self, n: float) -> int:
        return max(1, round(n * self.scale))

    # -- organisations ---------------------------------------------------------

    def build(self) -> dict[str, list[Row]]:
        self._fixed_organisations()
        self._vcse()
        self._portfolios()
        self._boards()
        self._department_ties()
        self._other_funding()
        self._other_partnerships()
        self._anchor_every_connected_group()
        self._affiliations()
        return {
            "organisations": [o.row() for o in self.orgs],
            "boards": self.boards,
            "memberships": self.memberships,
            "funding": self.funding,
            "partnerships": self.partnerships,
            "affiliations": self.affiliations,
        }

    def add(self, org: _Org) -> _Org:
        if org.id in self.used_ids:  # registry numbers never repeat; a slug may
            raise AssertionError(f"duplicate sample id {org.id}")
        self.used_ids.add(org.id)
        self.used_names.add(org.name)
        self.orgs.append(org)
        return org

    def _fixed_organisations(self) -> None:
        if self.central:
            for body in CENTRAL:
                self.add(_Org(body.id, body.name, body.type))
        self.council = self.add(self._public_body(COUNCIL))
        self.dept: dict[str, _Org] = {}
        for department in DEPARTMENTS:
            self.dept[department.key] = self.add(
                _Org(
                    f"{self.council.id}-{department.suffix}",
                    f"{department.name} ({self.council.name})",
                    "department",
                    parent_id=self.council.id,
                )
            )
        self.nhs = self.add(self._public_body(NHS))
        self.cvs = self.add(self._local_charity(CVS))
        self.foundation = self.add(self._local_charity(FOUNDATION))
        rng, p = self.rng, self.name
        self.businesses: list[_Org] = []
        for pattern in BUSINESSES[: max(4, round(4 * self.scale**0.5))]:
            ward = rng.choice(self.wards)
            self.businesses.append(
                self.add(
                    _Org(
                        self.company_id(),
                        self.unique_name(pattern.format(P=p, W=ward)),
                        "business",
                        locality=self.ward_label[ward],
                    )
                )
            )
        self.schools: list[_Org] = []
        n_schools = max(2, round(2 * self.scale**0.5))
        for i in range(n_schools):
            ward = self.wards[i % len(self.wards)]
            school = f"{p} College" if i == 0 else f"{ward} Academy"
            self.counters.school += rng.randint(1, 40)
            self.schools.append(
                self.add(
                    _Org(
                        f"GB-EDU-{self.counters.school}",
                        self.unique_name(school),
                        "education",
                        locality=self.ward_label[ward],
                    )
                )
            )

    def _public_body(self, body: PublicBody) -> _Org:
        return _Org(
            body.id.format(C=self.code), body.name.format(P=self.name, C=self.code), body.type
        )

    def _local_charity(self, charity: LocalCharity) -> _Org:
        # The income is drawn before the charity number, as it always has been: the
        # order of draws fixes every later one.
        income = charity.income * self.scale**0.5 + self.rng.randrange(0, charity.spread)
        return _Org(
            self.charity_id(),
            charity.name.format(P=self.name),
            charity.type,
            band=size_band_for_income(income),
            income=round(income, charity.rounding),
            write_band=True,
            write_income=True,
        )

    def charity_id(self) -> str:
        self.counters.charity += self.rng.randint(1, 30)
        return f"GB-CHC-{self.counters.charity}"

    def company_id(self) -> str:
        self.counters.company += self.rng.randint(1, 60)
        return f"GB-COH-{self.counters.company:08d}"

    def unique_name(self, name: str, ward: str | None = None) -> str:
        if name not in self.used_names:
            return name
        if ward is not None and f"{name} ({ward})" not in self.used_names:
            return f"{name} ({ward})"
        k = 2
        while f"{name} {k}" in self.used_names:
            k += 1
        return f"{name} {k}"

    def _vcse(self) -> None:
        rng = self.rng
        n_vcse = self.n_orgs - len(self.orgs)
        bands = _quota_bands(n_vcse)
        rng.shuffle(bands)
        by_band: dict[str, list[int]] = {b: [] for b, _ in BAND_SHARES}
        for i, band in enumerate(bands):
            by_band[band].append(i)
        reach = ["connected"] * n_vcse
        eml = [False] * n_vcse
        micro, small = by_band["micro"], by_band["small"]
        n_eml = round(0.12 * n_vcse)
        n_hub = max(2, round(3 * self.scale))
        n_leaf = round(0.65 * n_eml)
        # Hubs are small groups; leaves mostly micro. Which groups play which part is
        # drawn from the shuffled band lists, so it is random but sized exactly.
        for i in small[:n_hub]:
            reach[i], eml[i] = "hub", True
        small_rest = small[n_hub:]
        n_leaf_small = n_leaf // 3
        leaves = small_rest[:n_leaf_small] + micro[: n_leaf - n_leaf_small]
        for i in leaves:
            reach[i], eml[i] = "leaf", True
        small_rest = small_rest[n_leaf_small:]
        micro_rest = micro[n_leaf - n_leaf_small :]
        n_eml_connected = max(0, n_eml - n_hub - n_leaf)
        big = by_band["medium"] + by_band["large"]
        n_eml_big = min(len(big), max(1, round(self.scale)))
        eml_connected = big[:n_eml_big] + small_rest[: max(0, n_eml_connected - n_eml_big)]
        for i in eml_connected:
            eml[i] = True
        small_rest = small_rest[max(0, n_eml_connected - n_eml_big) :]
        n_isolated = round(0.08 * len(micro))
        n_cvs_only = round(10 * self.scale)
        n_peer = round(4 * self.scale)
        for i in micro_rest[:n_isolated]:
            reach[i] = "isolated"
        micro_rest = micro_rest[n_isolated:]
        cvs_pool = micro_rest[: n_cvs_only // 2] + small_rest[: n_cvs_only - n_cvs_only // 2]
        for i in cvs_pool:
            reach[i] = "cvs_only"
        for i in micro_rest[n_cvs_only // 2 : n_cvs_only // 2 + n_peer]:
            reach[i] = "peer"

        themes = list(THEME_WEIGHTS)
        cumulative = list(itertools.accumulate(THEME_WEIGHTS.values()))
        self.vcse: list[_Org] = []
        for i in range(n_vcse):
            band = bands[i]
            ward = rng.choice(self.wards)
            tags: list[str] = []
            if eml[i]:
                community = rng.choice(COMMUNITIES)
                group = rng.choice(COMMUNITY_GROUPS)
                noun, theme, extra = group.noun, group.theme, group.tag
                where = self.name if rng.random() < 0.5 else ward
                base = f"{where} {community} {noun}"
                tags.append("ethnic-minority-led")
                # Only connected groups carry a second tag, so the planted gap stays
                # with this one group rather than leaking into "women-led" or "youth".
                if extra and reach[i] == "connected":
                    tags.append(extra)
            else:
                theme = rng.choices(themes, cum_weights=cumulative)[0]
                pattern = rng.choice(GROUP_NAMES[theme])
                base = pattern.format(P=self.name, W=ward, S=rng.choice(DEDICATIONS))
                tags.extend(self._tags(theme))
            name = self.unique_name(base, ward)
            org_id = self._vcse_id(band, name)
            income = _income(rng, band)
            r = rng.random()
            # Accounts give both; new or unregistered groups often only a band, and
            # some registers give only an income.
            if band == "micro" and org_id.startswith("360G-"):
                write_band, write_income = (True, r < 0.3)
            else:
                write_band, write_income = (r < 0.85, r >= 0.15)
            self.vcse.append(
                self.add(
                    _Org(
                        org_id,
                        name,
                        "vcse",
                        band=band,
                        income=income,
                        write_band=write_band,
                        write_income=write_income,
                        locality=self.ward_label[ward],
                        tags=tags,
                        theme=theme,
                        reach=reach[i],
                    )
                )
            )
        self.ward_of = {o.id: o.locality for o in self.vcse}

    def _tags(self, theme: str) -> list[str]:
        rng = self.rng
        tags = []
        young = theme in ("youth", "children", "families")
        if (young and rng.random() < 0.6) or rng.random() < 0.04:
            tags.append("youth")
        if theme == "faith" or rng.random() < 0.03:
            tags.append("faith")
        if (theme == "disability" and rng.random() < 0.4) or rng.random() < 0.03:
            tags.append("disability-led")
        if rng.random() < 0.05:
            tags.append("lgbtq+")
        if theme == "domestic abuse" or rng.random() < 0.05:
            tags.append("women-led")
        return tags

    def _vcse_id(self, band: str, name: str) -> str:
        r = self.rng.random()
        unregistered, charity = {
            "micro": (0.5, 0.85),
            "small": (0.1, 0.75),
        }.get(band, (0.0, 0.8))
        if r < unregistered:
            base = f"360G-{self.slug}-{_slug(name).removeprefix(self.slug + '-')}"
            org_id, k = base, 2
            while org_id in self.used_ids:
                org_id, k = f"{base}-{k}", k + 1
            return org_id
        if r < charity:
            return self.charity_id()
        return self.company_id()

    # -- who each department deals with ------------------------------------------

    def _portfolios(self) -> None:
        rng = self.rng
        self.connected = [o for o in self.vcse if o.reach == "connected"]
        # Councils rarely commission small ethnic-minority-led groups (the planted
        # under-connection): only the larger ones are in any department's reach.
        connected = [o for o in self.connected if o.big or "ethnic-minority-led" not in o.tags]
        pools: dict[str, list[_Org]] = {}
        for department in DEPARTMENTS:
            pool = [o for o in connected if o.theme in department.themes]
            rng.shuffle(pool)
            pools[department.key] = pool
        taken: set[str] = set()
        self.portfolio: dict[str, list[_Org]] = {}

        def draw(pool: list[_Org], n: int, *, prefer_big: bool = False) -> list[_Org]:
            free = [o for o in pool if o.id not in taken]
            if prefer_big:
                free.sort(key=lambda o: not o.big)
            if len(free) < n:  # top up from organisations no department deals with
                in_free = {o.id for o in free}
                rest = [o for o in connected if o.id not in taken and o.id not in in_free]
                rng.shuffle(rest)
                free += rest
            chosen = free[:n]
            taken.update(o.id for o in chosen)
            return chosen

        # The siloed pair: providers both pay (the duplicated engagement), then each
        # its own organisations, which no other department touches.
        portfolio = {d.key: d.portfolio for d in DEPARTMENTS}
        duplicated = draw(pools["hsg"], self.scaled(DUPLICATED), prefer_big=True)
        self.duplicated = duplicated
        asc = duplicated + draw(pools["asc"], self.scaled(portfolio["asc"]) - len(duplicated))
        hsg = duplicated + draw(pools["hsg"], self.scaled(portfolio["hsg"]) - len(duplicated))
        self.portfolio["asc"], self.portfolio["hsg"] = asc, hsg
        self.siloed_ids = {o.id for o in asc + hsg}
        # The coordinating departments deal with some of the same organisations on
        # purpose: cs first, then ph sharing some of cs's, then com sharing both.
        own: dict[str, list[_Org]] = {}
        for key in ("cs", "ph", "com"):
            shared: list[_Org] = []
            for dept, other, n in OVERLAPS:
                if dept == key:
                    shared += rng.sample(own[other], min(self.scaled(n), len(own[other])))
            shared = list(dict.fromkeys(shared))
            own[key] = draw(pools[key], self.scaled(portfolio[key]) - len(shared))
            self.portfolio[key] = shared + own[key]

    # -- boards ----------------------------------------------------------------

    def _boards(self) -> None:
        open_pool = [o for o in self.connected if o.id not in self.siloed_ids]
        self.big_open = [o for o in open_pool if o.big]
        self.small_open = [o for o in open_pool if not o.big]
        # What each department may seat: the siloed pair only their own, the others
        # none of the siloed pair's (which would tie them together).
        self.seatable = {
            k: [o for o in v if o.id not in self.siloed_ids or k in SILOED]
            for k, v in self.portfolio.items()
        }
        for spec in PLACE_BOARDS:
            self._board(spec, 0)
        for series in BOARD_ROUNDS:
            for i in range(self.scaled(series.rounds)):
                for spec in series.boards:
                    self._board(spec, i)

    def _board(self, spec: Board, i: int) -> None:
        """Board ``spec`` in round ``i``, and its members with their seats."""
        rng = self.rng
        ward = self.wards[i % len(self.wards)]
        board_id = f"{self.slug}-board-" + spec.slug.format(n=i + 1, w=_slug(ward))
        if spec.cycle:
            title = spec.names[i % len(spec.names)].format(P=self.name, W=ward)
            name = _numbered(title, i // len(spec.names))
        else:
            name = spec.names[min(i, len(spec.names) - 1)].format(P=self.name, W=ward)
        level = spec.levels[min(i, len(spec.levels) - 1)]
        convener = self._holders(spec.convener, i)[0]
        self.boards.append((board_id, name, convener.id, level, spec.theme))
        root = self.scale**0.5 if spec.grows else 1.0
        chosen = [(org, seat.role) for seat in spec.seats for org in self._holders(seat.holder, i)]
        big = self._seat_holders(
            self._pool(spec.big_pool, ward, big=True), round(spec.big_seats * root), big=True
        )
        small = self._seat_holders(
            self._pool(spec.small_pool, ward, big=False), round(spec.small_seats * root), big=False
        )
        chosen += [(o, "member") for o in big]
        chosen += [(o, "member") for o in small]
        seen: set[str] = set()
        for org, role in chosen:
            if org.id in seen:
                continue
            seen.add(org.id)
            self.seats[org.id] = self.seats.get(org.id, 0) + 1
            start = _day(rng, date(2018, 1, 1), date(2024, 6, 30))
            self.memberships.append((board_id, org.id, role, start, ""))

    def _holders(self, holder: str, i: int) -> list[_Org]:
        """The place's own bodies a :class:`~partnernet.synthetic.place.Seat` names."""
        fixed = {
            "council": self.council,
            "nhs": self.nhs,
            "cvs": self.cvs,
            "foundation": self.foundation,
            "school": self.schools[i % len(self.schools)],
        }
        if holder in fixed:
            return [fixed[holder]]
        if holder in self.dept:
            return [self.dept[holder]]
        if holder == "businesses":
            return list(self.businesses)
        kind, _, number = holder.partition(":")
        if kind == "business":
            return [self.businesses[int(number)]]
        raise ValueError(f"unknown seat holder {holder!r}")

    def _pool(self, pool: str, ward: str, *, big: bool) -> list[_Org]:
        """The organisations a board's open seats are drawn from (see ``Board``)."""
        open_pool = self.big_open if big else self.small_open
        if pool == "open":
            return open_pool
        if pool == "local":
            label = self.ward_label[ward]
            return [o for o in open_pool if o.locality == label] + open_pool
        if pool == "large":
            return [o for o in open_pool if o.band in ("large", "major")] or open_pool
        if pool == "food":
            food = [o for o in self.seatable["ph"] if o.theme == "food"] + self.small_open
            return [o for o in food if not o.big]
        if pool in self.seatable:
            own = [o for o in self.seatable[pool] if o.big]
            # A siloed department seats only its own, or it would not be siloed.
            return own if pool in SILOED else own or open_pool
        raise ValueError(f"unknown board pool {pool!r}")

    def _seat_holders(self, pool: Sequence[_Org], n: int, *, big: bool) -> list[_Org]:
        """``n`` organisations from ``pool``, those without a seat first.

        Large organisations take a second seat when the pool runs short (they sit on
        many boards); small ones never do, which keeps their seat share planted.
        """
        unique = list(dict.fromkeys(pool))
        unseated = [o for o in unique if o.id not in self.seats]
        chosen = self.rng.sample(unseated, min(n, len(unseated)))
        if big and len(chosen) < n:
            seated = [o for o in unique if o.id in self.seats]
            chosen += self.rng.sample(seated, min(n - len(chosen), len(seated)))
        return chosen

    # -- funding and partnerships ------------------------------------------------

    def award(
        self,
        funder: _Org,
        recipient: _Org,
        programme_key: str,
        *,
        kind: str | None = None,
        amount: float | None = None,
        awards: int | None = None,
    ) -> None:
        rng = self.rng
        if awards is None:
            awards = rng.choices((1, 2, 3), (0.5, 0.32, 0.18))[0]
        for _ in range(awards):
            if kind is None:
                k = (
                    rng.choices(("contract", "grant", "outcomes_based"), (0.65, 0.25, 0.1))[0]
                    if recipient.big
                    else "grant"
                )
            else:
                k = kind
            if amount is None:
                share = rng.uniform(0.08, 0.35) if k != "grant" else rng.uniform(0.05, 0.3)
                value = max(250.0, recipient.income * share)
                if funder is self.foundation:
                    value = min(value, 60_000.0 * self.scale**0.25)
                value = _round_money(value)
            else:
                value = amount
            self.grant_number += 1
            award_id = f"360G-{self.slug}-{self.grant_number:06d}"
            months = rng.choice((12, 12, 24, 36)) if k != "other" else 12
            restricted = "true" if k != "other" and rng.random() < 0.75 else "false"
            self.funding.append(
                (
                    award_id,
                    funder.id,
                    recipient.id,
                    _number(value),
                    date.fromordinal(rng.randint(_FIRST_AWARD, _LAST_AWARD)).isoformat(),
                    "GBP",
                    months,
                    k,
                    restricted,
                    rng.choice(self.programmes[programme_key]),
                )
            )

    def partner(self, source: _Org, target: _Org, kind: str | None = None) -> None:
        if source.id == target.id:
            return
        key = (min(source.id, target.id), max(source.id, target.id))
        if key in self.partnered:
            return
        self.partnered.add(key)
        rng = self.rng
        if kind is None:
            kind = rng.choices(
                ("collaboration", "referral", "joint_delivery", "consultation", "agreement"),
                (0.35, 0.25, 0.2, 0.12, 0.08),
            )[0]
        start = _day(rng, date(2017, 1, 1), date(2024, 12, 31))
        end = ""
        if rng.random() < 0.1:
            end = _day(rng, date.fromisoformat(start), date(2025, 12, 31))
        self.partnerships.append(
            (
                source.id,
                target.id,
                kind,
                "true" if kind == "referral" else "false",
                rng.choice((1, 1, 1, 2, 2, 3)),
                start,
                end,
            )
        )

    def _department_ties(self) -> None:
        """Each department funds or partners with every organisation it deals with."""
        rng = self.rng
        sat = {m[1] for m in self.memberships}
        for key, department in self.dept.items():
            for org in self.portfolio[key]:
                r = rng.random()
                if org in self.duplicated:
                    self.award(department, org, key)
                    continue
                if org.id in sat and r < 0.4:
                    continue  # engaged through the board alone
                if r < 0.15:
                    self.partner(
                        department, org, rng.choice(("consultation", "referral", "agreement"))
                    )
                    continue
                if r < 0.27:
                    self.partner(department, org, rng.choice(("collaboration", "joint_delivery")))
                self.award(department, org, key)
        # The coordinating departments work together; the siloed two never do.
        self.partner(self.dept["ph"], self.dept["com"], "joint_delivery")
        self.partner(self.dept["cs"], self.dept["ph"], "collaboration")
        self.partner(self.nhs, self.dept["asc"], "joint_delivery")

    def _other_funding(self) -> None:
        rng = self.rng
        p = self.dept
        self.award(
            p["com"], self.cvs, "com", kind="grant", amount=_round_money(120_000 * self.scale**0.5)
        )
        self.award(
            self.nhs,
            self.cvs,
            "nhs",
            kind="contract",
            amount=_round_money(80_000 * self.scale**0.5),
        )
        self.award(self.foundation, self.cvs, "foundation", kind="grant", awards=1)
        for funder_id, recipient, programme, value in (
            (CENTRAL[0].id, self.foundation, "Know Your Neighbourhood Fund", 400_000),
            (CENTRAL[1].id, self.council, "Homelessness Prevention Grant", 2_500_000),
        ):
            self.grant_number += 1
            self.funding.append(
                (
                    f"360G-{self.slug}-{self.grant_number:06d}",
                    funder_id,
                    recipient.id,
                    _number(_round_money(value * self.scale**0.5 * rng.uniform(0.8, 1.2))),
                    date.fromordinal(rng.randint(_FIRST_AWARD, _LAST_AWARD)).isoformat(),
                    "GBP",
                    36,
                    "grant",
                    "true",
                    programme,
                )
            )
        health = ("health", "mental health", "older people", "disability", "carers")
        nhs_pool = [o for o in self.connected if o.theme in health or o.big]
        rng.shuffle(nhs_pool)
        for org in nhs_pool[: self.scaled(22)]:
            self.award(self.nhs, org, "nhs")
        # The foundation mostly funds small groups already in the network.
        small = [o for o in self.connected if not o.big]
        big = [o for o in self.connected if o.big]
        for org in rng.sample(small, min(len(small), self.scaled(40))) + rng.sample(
            big, min(len(big), self.scaled(8))
        ):
            self.award(self.foundation, org, "foundation", kind="grant")
        # The CVS's small grants reach the groups nobody else funds.
        for org in self.vcse:
            if org.reach == "hub" or (org.reach == "cvs_only" and rng.random() < 0.6):
                self.award(
                    self.cvs, org, "cvs", kind="grant", amount=_round_money(rng.uniform(250, 2_000))
                )
        for business in self.businesses:
            for org in rng.sample(self.connected, 2):
                self.award(
                    business,
                    org,
                    "business",
                    kind="other",
                    amount=_round_money(rng.uniform(500, 5_000)),
                    awards=1,
                )

    def _other_partnerships(self) -> None:
        rng = self.rng
        self.partner(self.council, self.cvs, "agreement")
        self.partner(self.nhs, self.cvs, "agreement")
        self.partner(self.foundation, self.cvs, "collaboration")
        big = [o for o in self.connected if o.big]
        for org in rng.sample(big, min(len(big), self.scaled(4))):
            self.partner(self.nhs, org, "referral")
        youth = [o for o in self.portfolio["cs"] if o.theme in ("youth", "children", "families")]
        for school in self.schools:
            for org in rng.sample(youth, min(len(youth), 3)):
                self.partner(school, org, rng.choice(("collaboration", "referral")))
        # The CVS supports about half the connected groups, and is the only link of
        # the cvs_only groups and the community hubs.
        for org in self.connected:
            if rng.random() < 0.45:
                self.partner(
                    self.cvs, org, rng.choice(("consultation", "collaboration", "referral"))
                )
        cvs_only = [o for o in self.vcse if o.reach == "cvs_only"]
        for org in cvs_only:
            self.partner(org, self.cvs, rng.choice(("consultation", "referral", "collaboration")))
        for a, b in zip(cvs_only[::4], cvs_only[1::4], strict=False):
            self.partner(a, b, "collaboration")
        hubs = [o for o in self.vcse if o.reach == "hub"]
        for hub in hubs:
            self.partner(self.cvs, hub, "collaboration")
        leaves = [o for o in self.vcse if o.reach == "leaf"]
        for leaf in leaves:
            self.partner(leaf, rng.choice(hubs), rng.choice(("collaboration", "referral")))
            if rng.random() < 0.25:
                other = rng.choice(leaves)
                self.partner(leaf, other, "collaboration")
        # Groups working together: mostly with organisations of the same theme or ward.
        by_theme: dict[str, list[_Org]] = {}
        by_ward: dict[str, list[_Org]] = {}
        for org in self.connected:
            by_theme.setdefault(org.theme, []).append(org)
            by_ward.setdefault(org.locality, []).append(org)
        for org in self.connected:
            expected = {"micro": 0.4, "small": 0.8}.get(org.band, 1.6)
            for _ in range(_poisson(rng, expected)):
                r = rng.random()
                group = (
                    by_theme[org.theme]
                    if r < 0.35
                    else by_ward[org.locality]
                    if r < 0.6
                    else self.connected
                )
                self.partner(org, rng.choice(group))
        small_connected = [o for o in self.connected if not o.big]
        for org in self.vcse:
            if org.reach == "peer":
                self.partner(
                    org, rng.choice(small_connected), rng.choice(("collaboration", "referral"))
                )

    def _anchor_every_connected_group(self) -> None:
        """Give every connected group a tie that does not run through the CVS.

        Otherwise a connected group would depend on the CVS by chance, blurring the
        planted removal impact (only cvs_only groups, hubs and leaves depend on it).
        """
        tied: set[str] = set(self.seats)
        for row in self.funding:
            if row[1] != self.cvs.id:
                tied.add(row[2])
        for source, target, *_ in self.partnerships:
            if self.cvs.id not in (source, target):
                tied.update((source, target))
        big = [o for o in self.connected if o.big]
        for org in self.connected:
            if org.id in tied:
                continue
            if self.rng.random() < 0.6 or not big:
                self.award(self.foundation, org, "foundation", kind="grant", awards=1)
            else:
                self.partner(org, self.rng.choice(big))

    def _affiliations(self) -> None:
        rng = self.rng
        per_band = {
            "micro": (1, 1),
            "small": (1, 2),
            "medium": (2, 3),
            "large": (3, 4),
            "major": (4, 5),
        }
        # People shared between organisations (shared trustees) stay within a
        # cluster, so they never add a path the planted findings rule out.
        clusters: dict[str, list[_Org]] = {"main": [], "cvs_only": [], "eml": []}
        people: list[tuple[str, _Org]] = []
        holders = [self.cvs, self.foundation, *self.businesses, *self.vcse]
        for org in holders:
            low, high = per_band.get(org.band, (1, 2))
            if org is self.cvs:
                low, high = 4, 5
            cluster = {
                "connected": "main",
                "cvs_only": "cvs_only",
                "hub": "eml",
                "leaf": "eml",
            }.get(org.reach)
            if org.type in ("infrastructure", "funder", "business"):
                cluster = "main"
            if cluster is not None:
                clusters[cluster].append(org)
            for k in range(rng.randint(low, high)):
                self.counters.person += 1
                person = f"psn-{self.counters.person:020x}"
                role = "chair" if k == 0 else rng.choice(("member", "member", "secretariat"))
                self.affiliations.append(
                    (person, org.id, role, _day(rng, date(2012, 1, 1), date(2024, 9, 30)), "")
                )
                if cluster is not None:
                    people.append((person, org))
        cluster_of = {o.id: name for name, orgs in clusters.items() for o in orgs}
        for person, org in people:
            if rng.random() >= 0.12:
                continue
            mates = clusters[cluster_of[org.id]]
            other = rng.choice(mates)
            if other.id == org.id:
                continue
            self.affiliations.append(
                (person, other.id, "member", _day(rng, date(2012, 1, 1), date(2024, 9, 30)), "")
            )


def _quota_bands(n: int) -> list[str]:
    """``n`` size bands in the Almanac's proportions (largest-remainder rounding)."""
    exact = [(band, share * n) for band, share in BAND_SHARES]
    counts = {band: math.floor(x) for band, x in exact}
    short = n - sum(counts.values())
    by_remainder = sorted(exact, key=lambda bx: bx[1] - math.floor(bx[1]), reverse=True)
    for band, _ in by_remainder[:short]:
        counts[band] += 1
    return [band for band, _ in BAND_SHARES for _ in range(counts[band])]


def _income(rng: random.Random, band: str) -> float:
    low, high = INCOME_RANGES[band]
    value = math.exp(rng.uniform(math.log(low), math.log(high)))
    step = {"micro": 10, "small": 100, "medium": 1_000, "large": 10_000}.get(band, 100_000)
    return float(max(low, min(high, step * math.floor(value / step))))


def _round_money(value: float) -> float:
    step = 50 if value < 10_000 else 500 if value < 200_000 else 5_000
    return float(max(step, step * round(value / step)))


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _day(rng: random.Random, first: date, last: date) -> str:
    return date.fromordinal(rng.randint(first.toordinal(), last.toordinal())).isoformat()


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method: means here are small, so it is quick and needs no numpy.
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("'", "").replace("&", "and")).strip("-")


def _numbered(name: str, k: int) -> str:
    return name if k == 0 else f"{name} {k + 1}"
