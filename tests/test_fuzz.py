"""The fuzz tier: untrusted cells thrown at the readers and importers (issue 18).

Each test draws files from hypothesis strategies with a fixed seed
(``derandomize=True``) and a fixed budget (``max_examples``), so the tier runs in
``make test`` in seconds and the same examples every time. What is asserted is the
contract for bad input, not any value: the command exits 0 or 3 (never 1, a crash),
and the library raises nothing but :class:`~partnernet.errors.InputError` (of
which :class:`~partnernet.errors.ValidationError` is one).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import tempfile
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from partnernet.cli import cli
from partnernet.errors import InputError
from partnernet.io import parse
from partnernet.io.read import read_dataset

FUZZ = settings(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Characters that have broken parsers before: controls, bidi, invisible ones,
# combining marks, look-alikes, other scripts' digits, separators, quotes, a lone
# surrogate (only where JSON can carry one), and big-number pieces.
_NASTY = (
    "\x00\x01\x1b\t\n\r\x7f\u00a0\u00ad\u0301\u200b\u200e\u202e\u2066\u2028\ufeff"
    "\u0421\uff11\u09ea\u0660\u00e9,;\"'|=+-@£e.0123456789 "
)
_CELL_PIECES = st.one_of(
    st.text(alphabet=_NASTY, max_size=12),
    st.sampled_from(
        [
            "1e1000000",
            "1e400",
            "1e308",
            "-0",
            "NaN",
            "inf",
            "9" * 4301,
            "9223372036854775808",
            "9999-12-31",
            "2024-02-30",
            "0000-01-01",
            "\u09ea00",
            "GB-LAE-ABC:care",
            "GB-CHC-",
            "DUMMY01",
            "x" * 12_000,
        ]
    ),
    st.text(max_size=20),
)
CELL = st.lists(_CELL_PIECES, max_size=3).map("".join)
SAFE_CELL = CELL.map(lambda c: c.encode("utf-8", "surrogatepass").decode("utf-8", "replace"))


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    crash = result.exception if not isinstance(result.exception, SystemExit) else None
    return result.exit_code, result.output + (f"\n{crash!r}" if crash else "")


def _csv_text(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


# -- the value rules alone ---------------------------------------------------------


@settings(FUZZ, max_examples=300)
@given(cell=st.one_of(CELL, st.text()))
def test_every_value_rule_answers_any_cell(cell: str) -> None:
    money = parse.parse_money(cell)
    assert money is None or (money.is_finite() and money.copy_abs() <= parse.MAX_AMOUNT)
    months = parse.parse_months(cell)
    assert months is None or 0 <= months <= parse.MAX_MONTHS
    parse.parse_date(cell, date_times=True)
    parse.parse_date(cell, date_format="%d/%m/%Y")
    text, _ = parse.parse_text(cell)
    if text is not None:
        text.encode("utf-8")  # writable: no lone surrogate survives
        assert len(text) <= parse.MAX_TEXT_CHARS
        assert not any(ch in text for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2069")
    made = parse.normalise_org_id(cell)
    if made.id is not None:
        made.id.encode("utf-8")
        assert len(made.id) <= parse.MAX_ID_CHARS
    parse.confusable_key(cell)
    column = pd.Series([cell, None], dtype="object")
    parse.number_column(column, money=True)
    parse.date_column(column, date_format=None)


@settings(FUZZ, max_examples=150)
@given(
    value=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
        ),
        max_leaves=10,
    )
)
def test_money_and_months_answer_any_json_value(value: object) -> None:
    money = parse.parse_money(value)
    assert money is None or money.copy_abs() <= parse.MAX_AMOUNT
    assert parse.parse_months(value) is None or parse.parse_months(value) <= parse.MAX_MONTHS  # type: ignore[operator]
    parse.parse_money(Decimal("1e1000000"))
    parse.parse_months(Decimal("1e1000000"))


# -- the dataset reader --------------------------------------------------------------

_ORG_TYPES = st.sampled_from(["vcse", "funder", "department", "local_authority", "VCSE", ""])


# A funding row of the header's width whose cells are each valid or nasty, so the
# value rules (not only the row-width check) meet the nasty ones.
_FUNDING_ROW = st.tuples(
    st.sampled_from(["G1", "G2"]) | SAFE_CELL,
    st.sampled_from(["B"]) | SAFE_CELL,
    st.sampled_from(["A"]) | SAFE_CELL,
    st.sampled_from(["5", "£1,500"]) | SAFE_CELL,
    st.sampled_from(["2024-01-01"]) | SAFE_CELL,
    st.sampled_from(["", "12"]) | SAFE_CELL,
).map(list)
_ORGS = [("A", "Alpha", "vcse", ""), ("B", "Beta", "funder", "")]


@settings(FUZZ, max_examples=30)
# The crashes of issue 18, always tried first: a duration past int64, amounts whose
# sum overflows, Bengali digits, an oversized name.
@example(
    orgs=_ORGS,
    funding=[["G1", "B", "A", "5", "2024-01-01", "9223372036854775808"]],
    partnerships=[],
    affiliations=[],
    raw=b"",
)
@example(
    orgs=[*_ORGS, ("C", "x" * 200_000, "vcse", "1e1000000")],
    funding=[
        ["G1", "B", "A", "1e308", "2024-01-01", ""],
        ["G2", "B", "A", "\u09ea00", "2024-01-01", ""],
    ],
    partnerships=[["A", "B", "1e308", "2020-01-01", "9999-12-31"]],
    affiliations=[["Jane Smith", "A", "member", "", ""]],
    raw=b"\xff\xfe,\x00\n",
)
@given(
    orgs=st.lists(
        st.tuples(SAFE_CELL, SAFE_CELL, _ORG_TYPES | SAFE_CELL, SAFE_CELL), max_size=5
    ).map(lambda rows: _ORGS + rows),
    funding=st.lists(_FUNDING_ROW | st.lists(SAFE_CELL, min_size=5, max_size=7), max_size=4),
    partnerships=st.lists(st.lists(SAFE_CELL, min_size=2, max_size=5), max_size=3),
    affiliations=st.lists(st.lists(SAFE_CELL, min_size=2, max_size=5), max_size=3),
    raw=st.binary(max_size=60),
)
def test_validate_exits_0_or_3_on_any_dataset(
    orgs: list[tuple[str, str, str, str]],
    funding: list[list[str]],
    partnerships: list[list[str]],
    affiliations: list[list[str]],
    raw: bytes,
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        (folder / "organisations.csv").write_text(
            _csv_text(["id", "name", "type", "income"], [list(o) for o in orgs]),
            encoding="utf-8",
        )
        (folder / "funding.csv").write_text(
            _csv_text(
                ["id", "funder_id", "recipient_id", "amount", "award_date", "duration_months"],
                funding,
            ),
            encoding="utf-8",
        )
        (folder / "partnerships.csv").write_text(
            _csv_text(["source_id", "target_id", "weight", "start", "end"], partnerships),
            encoding="utf-8",
        )
        (folder / "affiliations.csv").write_text(
            _csv_text(["person_id", "org_id", "role", "start", "end"], affiliations),
            encoding="utf-8",
        )
        (folder / "boards.csv").write_bytes(b"id,name\n" + raw)
        code, output = _run("validate", str(folder))
        assert code in (0, 3), output
        if code == 0:
            # What validates also analyses: no bound lets a sum overflow there.
            code, output = _run("analyse", str(folder), "--out", f"{scratch}/out", "-q")
            assert code in (0, 3), output
        # The library raises InputError (ValidationError is one) and nothing else.
        with contextlib.suppress(InputError):
            read_dataset(folder, pseudonym_key="fuzz-key-not-secret-0123456789")


# -- the importers -------------------------------------------------------------------

_JSON_VALUE = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | CELL
    | st.sampled_from(["@big@", "@e400@", "@digits@", "@int64@", "@deep@", "@surrogate@", "@nan@"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(CELL, inner, max_size=3),
    max_leaves=8,
)
_ORG = st.fixed_dictionaries(
    {"id": CELL | _JSON_VALUE, "name": CELL | _JSON_VALUE},
    optional={"department": CELL, "charityNumber": CELL, "companyNumber": CELL},
)
_GRANT = st.fixed_dictionaries(
    {
        "id": CELL | _JSON_VALUE,
        "amountAwarded": st.integers() | st.floats() | CELL | _JSON_VALUE,
        "awardDate": CELL,
        "recipientOrganization": st.lists(_ORG, max_size=2) | _JSON_VALUE,
        "fundingOrganization": st.lists(_ORG, max_size=2),
    },
    optional={
        "currency": CELL,
        "plannedDates": st.lists(st.fixed_dictionaries({"duration": _JSON_VALUE}), max_size=1),
        "grantProgramme": st.lists(st.fixed_dictionaries({"title": CELL}), max_size=1),
    },
)
_GOOD = {
    "id": "G-good",
    "amountAwarded": 500,
    "awardDate": "2024-01-01",
    "recipientOrganization": [{"id": "GB-CHC-1", "name": "Alpha"}],
    "fundingOrganization": [{"id": "GB-LAE-ABC", "name": "Council", "department": "Care"}],
}


# JSON text json.dumps cannot write: drawn as a marker string, then put in raw.
_RAW_JSON = {
    "@big@": "1e1000000",
    "@e400@": "1e400",
    "@digits@": "9" * 4301,
    "@int64@": "9223372036854775808",
    "@deep@": "[" * 5000 + "]" * 5000,
    "@surrogate@": '"A\\ud800"',
    "@nan@": "NaN",
}
_RAW = st.sampled_from(sorted(_RAW_JSON))


def _with_raw(text: str) -> str:
    for marker, raw in _RAW_JSON.items():
        text = text.replace(f'"{marker}"', raw)
    return text


@settings(FUZZ, max_examples=30)
@example(
    grants=[
        {**_GOOD, "id": "G1", "amountAwarded": "@big@"},
        {**_GOOD, "id": "G2", "amountAwarded": "@digits@"},
        {**_GOOD, "id": "G3", "deep": "@deep@"},
        {**_GOOD, "id": "G4", "recipientOrganization": [{"id": "GB-CHC-9", "name": "@surrogate@"}]},
        {**_GOOD, "id": "G5", "plannedDates": [{"duration": "@int64@"}]},
        {**_GOOD, "id": "G6", "amountAwarded": 1e308},
        {**_GOOD, "id": "G7", "amountAwarded": 1e308},
        {**_GOOD, "id": "G\x01", "title": "t" * 200_000},
        {**_GOOD, "id": "G8", "recipientOrganization": [{"id": "GB-LAE-ABC:care", "name": "C"}]},
    ],
    extra="@deep@",
)
@given(grants=st.lists(_GRANT | _JSON_VALUE, max_size=4), extra=_JSON_VALUE | _RAW)
def test_import_360giving_json_exits_0_or_3(grants: list[object], extra: object) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "grants.json"
        # json.dumps keeps a lone surrogate as the escape \ud800, as a publisher's file may.
        text = _with_raw(json.dumps({"before": extra, "grants": [_GOOD, *grants]}))
        source.write_text(text, encoding="utf-8")
        code, output = _run("import-360giving", str(source), "--out", f"{scratch}/out")
        assert code in (0, 3), output
        if code == 0:
            read_dataset(f"{scratch}/out")  # what was written reads back


_CSV_TITLES = [
    "Identifier",
    "Amount Awarded",
    "Award Date",
    "Recipient Org:Identifier",
    "Recipient Org:Name",
    "Funding Org:Identifier",
    "Funding Org:Name",
    "Funding Org:Department",
    "Planned Dates:Duration (months)",
    "Currency",
]


@settings(FUZZ, max_examples=20)
@given(rows=st.lists(st.lists(SAFE_CELL, min_size=0, max_size=11), max_size=4))
def test_import_360giving_csv_exits_0_or_3(rows: list[list[str]]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "grants.csv"
        good = ["G-good", "500", "2024-01-01", "GB-CHC-1", "Alpha", "GB-LAE-ABC", "Council"]
        source.write_text(_csv_text(_CSV_TITLES, [good, *rows]), encoding="utf-8")
        code, output = _run("import-360giving", str(source), "--out", f"{scratch}/out")
        assert code in (0, 3), output


@settings(FUZZ, max_examples=12)
@given(rows=st.lists(st.lists(SAFE_CELL, min_size=0, max_size=6), max_size=4))
def test_import_spend_exits_0_or_3(rows: list[list[str]]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "spend.csv"
        header = ["Service Area", "Supplier Name", "Amount", "Payment Date", "Expense Type"]
        good = ["Care", "Friends Trust", "750", "01/04/2024", "Grants"]
        source.write_text(_csv_text(header, [good, *rows]), encoding="utf-8")
        code, output = _run(
            "import-spend",
            str(source),
            "--out",
            f"{scratch}/out",
            "--council-id",
            "GB-LAE-ABC",
            "--council-name",
            "Council",
        )
        assert code in (0, 3), output


@settings(FUZZ, max_examples=12)
@given(rows=st.lists(st.lists(SAFE_CELL, min_size=0, max_size=6), max_size=4))
def test_import_register_exits_0_or_3(rows: list[list[str]]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "out"
        out.mkdir()
        (out / "organisations.csv").write_text(
            "id,name,type\nGB-CHC-1000001,Alpha Trust,vcse\n360G-x-1,Beta,vcse\n",
            encoding="utf-8",
        )
        source = Path(scratch) / "register.csv"
        header = [
            "registered_charity_number",
            "linked_charity_number",
            "charity_name",
            "charity_company_registration_number",
            "income",
        ]
        good = ["1000001", "0", "ALPHA TRUST", "NA", "25000"]
        source.write_text(_csv_text(header, [good, *rows]), encoding="utf-8")
        code, output = _run("import-register", str(source), "--out", str(out))
        assert code in (0, 3), output


@pytest.mark.parametrize("depth", [63, 64, 65, 5000])
def test_json_nesting_at_and_past_the_bound(tmp_path: Path, depth: int) -> None:
    value = "[" * depth + "]" * depth
    grant = json.dumps(_GOOD)[:-1] + f', "deep": {value}}}'
    source = tmp_path / "grants.json"
    source.write_text('{"grants": [' + grant + "]}", encoding="utf-8")
    code, output = _run("import-360giving", str(source), "--out", str(tmp_path / "out"))
    # The grant itself is one level, so a value 63 deep inside it is 64 deep in all.
    if depth <= 63:
        assert code == 0, output
    else:
        assert code == 3, output
        assert "grant 1: grant not readable: values nested more than 64 deep" in output
