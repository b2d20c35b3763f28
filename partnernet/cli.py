"""The ``partnernet`` command line: each command parses options, calls the library
and prints. Data goes to stdout; messages and progress bars to stderr.

Exit codes (DESIGN section 8): 0 success, 1 unexpected error, 2 usage, 3 invalid
input, 4 Neo4j unavailable or refused, 5 output cannot be written.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import gc
import io
import os
import stat
import sys
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import click

from partnernet import __version__
from partnernet.errors import PartnernetError, visible

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _fail(message: str, code: int) -> None:
    _echo(f"Error: {message}", err=True)
    sys.exit(code)


def _echo(text: str, *, err: bool = False) -> None:
    """Print ``text``, which quotes names, ids or cells from the data: every control
    character shown (``visible``), never acted on by the terminal."""
    click.echo(visible(text, keep_newlines=True), err=err)


def handle_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library exceptions into a message and the documented exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except PartnernetError as exc:
            _fail(str(exc), exc.exit_code)

    return wrapper


def dataset_argument(command: Callable[..., Any]) -> Callable[..., Any]:
    """The DIR argument naming a dataset folder."""
    return click.argument(
        # Not click.Path(file_okay=False): a file given as DIR is invalid input
        # (exit 3, explained by the reader), not a usage error.
        "dataset_dir",
        metavar="DIR",
        type=click.Path(path_type=str),
    )(command)


def reading_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Options that change how a dataset's files are read."""
    command = click.option(
        "--date-format",
        default=None,
        metavar="FMT",
        help=(
            "strftime format of the dates when they are not YYYY-MM-DD, e.g. %d/%m/%Y"
            " (dates in YYYY-MM-DD are still accepted)."
        ),
    )(command)
    command = click.option(
        "--encoding",
        default="utf-8",
        show_default=True,
        help="Text encoding of the CSV files (a UTF-8 byte-order mark is always accepted).",
    )(command)
    return command


def delimiter_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """The separator of a dataset's CSV files (a file with another is refused)."""
    return click.option(
        "--delimiter",
        default=None,
        metavar="SEP",
        help=(
            "Separator of the CSV files: ',' (the default), ';' or tab. A file separated "
            "by another is refused with a message that names its separator."
        ),
    )(command)


def _note(message: str) -> None:
    _echo(f"Note: {message}", err=True)


def _read_folder(dataset_dir: str, **options: Any) -> Any:
    """``read_dataset``, once any interrupted partnernet run in DIR is finished or
    undone (io.staging), and seen whole even while an import swaps files in."""
    from partnernet.io.read import read_dataset
    from partnernet.io.staging import consistent_read

    return consistent_read(dataset_dir, lambda: read_dataset(dataset_dir, **options), on_note=_note)


def _lock_out(out_dir: str, command: str, *, outputs: bool = False) -> None:
    """Hold OUT's writer lock until the command ends: a second writer is refused
    (exit 5) instead of one run's files silently replacing the other's. With
    ``outputs`` (a folder of run outputs, not a dataset a person edits), say when
    its files no longer match its manifest."""
    from partnernet.io.staging import check_manifest, writing_folder

    click.get_current_context().with_resource(
        writing_folder(out_dir, command=command, on_note=_note)
    )
    if outputs:
        for line in check_manifest(out_dir):
            _note(f"{line}, so the folder does not hold one whole run; this run replaces it.")


def quiet_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--quiet", "-q", is_flag=True, help="No progress bars or notes on stderr.")(
        command
    )


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", prog_name="partnernet")
def cli() -> None:
    """Map a place's partnership network and show whether small organisations are
    shut out, whether departments work in silos, and who brokers the connections.

    \b
    Example:
      partnernet validate sample_data
    """


@cli.command()
@dataset_argument
@handle_errors
def init(dataset_dir: str) -> None:
    """Create DIR with templates of the six dataset files.

    Each CSV file has its header (required columns first) and an example row; the
    examples form a dataset that validates and analyses with no pseudonym key set
    (the example person is already a pseudonym). DIR is created when missing; an
    existing file is never overwritten (nothing is written if any exists); the six
    files arrive together, with a manifest, under DIR's lock. Prints
    the three commands to run next.

    \b
    Example:
      partnernet init mydata
    """
    from partnernet.io.templates import KEY_HELP, next_commands, write_templates

    _lock_out(dataset_dir, "init")
    written = write_templates(dataset_dir)
    names = ", ".join(path.name for path in written)
    commands = "\n".join(f"  {command}" for command in next_commands(dataset_dir))
    click.echo(
        f"Wrote {names} to {dataset_dir}.\n{KEY_HELP}\n"
        f"Replace the example rows with your own, then run:\n{commands}",
        err=True,
    )


@cli.command()
@dataset_argument
@reading_options
@delimiter_option
@handle_errors
def validate(
    dataset_dir: str, date_format: str | None, encoding: str, delimiter: str | None
) -> None:
    """Check a dataset folder and report every problem in every file.

    On success prints one line with the number of rows in each table (exit 0).
    Otherwise lists each problem with its file, spreadsheet row, column and how to
    fix it (exit 3). Writes nothing, but finishes or undoes a partnernet run that
    was interrupted in DIR (and says so), so it checks one whole dataset.

    \b
    Examples:
      partnernet validate sample_data
      partnernet validate mydata --date-format %d/%m/%Y --encoding cp1252
    """

    ds = _read_folder(
        dataset_dir,
        date_format=date_format,
        encoding=encoding,
        delimiter=delimiter,
        on_note=_note,
    )
    counts = [
        _count(len(ds.organisations), "organisation"),
        _count(len(ds.boards), "board"),
        _count(len(ds.memberships), "membership"),
        _count(len(ds.funding), "funding award"),
        _count(len(ds.partnerships), "partnership"),
        _count(len(ds.affiliations), "affiliation"),
    ]
    _echo(f"{dataset_dir} is valid: {', '.join(counts)}.")


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def layers_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """The organisation-graph layers to measure (DESIGN section 4)."""
    return click.option(
        "--layers",
        default=None,
        metavar="LAYERS",
        help="Comma-separated ties to measure: FUNDS, MEMBER_OF, PARTNERS_WITH, "
        "SHARES_PERSON (default: all).",
    )(command)


def seed_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--seed",
        default=0,
        show_default=True,
        type=int,
        help="Seed for every random step; the same seed gives the same results.",
    )(command)


def permutations_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--permutations",
        default=5000,
        show_default=True,
        type=click.IntRange(min=100),
        help="Permutations per significance test (at least 5,000 for reported p-values).",
    )(command)


def out_folder_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--out`` naming an output folder: created when missing, exit 5 when it cannot
    be written (checked by the command before it reads anything)."""
    return click.option(
        "--out",
        "out_dir",
        required=True,
        type=click.Path(path_type=str),
        help=help_text,
    )


def out_file_option(example: str, what: str = "The file") -> Callable[..., Any]:
    """``--out`` naming one output file (``example`` shows one); its folder is
    created when missing."""
    return click.option(
        "--out",
        "out_file",
        required=True,
        type=click.Path(path_type=str),
        help=f"{what} to write (e.g. {example}); its folder is created when missing.",
    )


def dataset_out_option(help_text: str) -> Callable[..., Any]:
    """``--out`` naming a dataset folder (the six CSV files), never a file."""
    return click.option(
        "--out",
        "out_dir",
        required=True,
        type=click.Path(file_okay=False, path_type=str),
        help=help_text,
    )


class _StepBars:
    """A ``progress(step, done, total)`` callback drawn as one bar per step on stderr,
    labelled ``label`` with ``{step}`` filled in."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None
        self.step: str | None = None
        self.done = 0

    def __call__(self, step: str, done: int, total: int) -> None:
        if step != self.step:
            self.close()
            label = self.label.format(step=step)
            self.bar = click.progressbar(length=max(total, 1), label=label, file=sys.stderr)
            self.bar.__enter__()
            self.step, self.done = step, 0
        elif total != self.bar.length:
            # A step that announced itself as one part now counts its parts.
            self.bar.length = max(total, 1)
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        """End the current step: a step is done when the next one starts."""
        if self.bar is not None:
            self.bar.update(self.bar.length - self.bar.pos)
            self.bar.__exit__(None, None, None)
            self.bar = None
            self.step = None


@contextlib.contextmanager
def _analysing(
    ds: Any, *, layers: Any, seed: int, permutations: int, quiet: bool, then: str
) -> Iterator[Any]:
    """One analysis of ``ds`` under the step bars; the block that follows (writing
    what the command writes) shows as the step ``then``."""
    from partnernet.analysis.pipeline import analyse as run_analysis

    with _step_bars(quiet, "Analysing: {step}") as bars:
        results = run_analysis(
            ds, layers=layers, seed=seed, permutations=permutations, progress=bars
        )
        if bars is not None:
            bars(then, 0, 1)
        yield results


@contextlib.contextmanager
def _step_bars(quiet: bool, label: str) -> Iterator[_StepBars | None]:
    """Bars for a command's steps (see :class:`_StepBars`); None under --quiet."""
    bars = None if quiet else _StepBars(label)
    try:
        yield bars
    finally:
        if bars is not None:
            bars.close()


def _parsed_layers(layers: str | None) -> tuple[str, ...]:
    from partnernet.graph import parse_layers

    try:
        return parse_layers(layers)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--layers") from exc


def _bytes_bar(quiet: bool, paths: tuple[str, ...] | list[str], label: str) -> Any:
    """A progress bar on stderr over the bytes of ``paths``; nothing under --quiet."""
    import contextlib
    import os

    if quiet:
        return contextlib.nullcontext(None)
    total = sum(os.path.getsize(p) for p in paths if os.path.isfile(p))
    return click.progressbar(length=max(total, 1), label=label, file=sys.stderr)


@cli.command("import-360giving")
@click.argument("files", nargs=-1, required=True, metavar="FILE...", type=click.Path(path_type=str))
@dataset_out_option("Dataset folder to create, or to merge into when it exists.")
@click.option(
    "--aliases",
    default=None,
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=str),
    help="CSV with columns alias,id: identifiers that name the same organisation.",
)
@click.option(
    "--skipped",
    "skipped_file",
    default=None,
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=str),
    help="Also write every grant left out, with file, row and reason, to this CSV "
    "(written even when the import fails).",
)
@reading_options
@quiet_option
@handle_errors
def import_360giving(
    files: tuple[str, ...],
    out_dir: str,
    aliases: str | None,
    skipped_file: str | None,
    date_format: str | None,
    encoding: str,
    quiet: bool,
) -> None:
    """Import 360Giving grant files (flat CSV or JSON) into a dataset folder.

    Funders, their departments and recipients become organisations.csv; grants
    become funding.csv. Grants are kept once per Identifier; grants to individuals
    and rows that cannot be used are left out and listed (with -q too), and a file
    that gives no grant fails the import. Identifiers are made whole by the rules
    of docs/import-rules.md; likely duplicates are written to
    OUT/suggested-aliases.csv for --aliases. An existing dataset in OUT keeps its
    own rows. Nothing is written unless the merged dataset is valid.

    \b
    Example:
      partnernet import-360giving grants-2023.csv grants-2024.json --out mydata
    """
    from partnernet.io.importers.threesixty import import_360giving as run_import

    _lock_out(out_dir, "import-360giving")  # before the dataset there is read, until it is written

    with _bytes_bar(quiet, files, "Reading grants") as bar:
        summary = run_import(
            files,
            out_dir,
            aliases=aliases,
            date_format=date_format,
            encoding=encoding,
            progress=bar.update if bar is not None else None,
            skipped=skipped_file,
        )
    if quiet:
        # --quiet hides progress and notes, never a grant or a pound left out.
        left_out = summary.left_out_line()
        if left_out is not None:
            _echo(left_out, err=True)
        return
    for line in summary.lines():
        _echo(line, err=True)
    left_out = summary.left_out_line()
    if left_out is not None:
        _echo(left_out, err=True)
    click.echo(f"Wrote {out_dir}/organisations.csv and {out_dir}/funding.csv", err=True)


@cli.command("import-register")
@click.argument("register_file", metavar="FILE", type=click.Path(path_type=str))
@dataset_out_option("The dataset folder whose organisations get incomes and size bands.")
@click.option(
    "--number-column",
    default="registered_charity_number",
    show_default=True,
    help="Column of registered charity numbers (matched to GB-CHC-, GB-SC-, GB-NIC- ids).",
)
@click.option(
    "--income-column",
    default=None,
    help="Column of annual income in pounds [default: income, else latest_income].",
)
@click.option(
    "--company-column",
    default="charity_company_registration_number",
    show_default=True,
    help="Column of company numbers, matched to GB-COH- ids when the file has it.",
)
@click.option(
    "--name-column",
    default="charity_name",
    show_default=True,
    help="Column of charity names, matched to the names of local 360G- ids to suggest "
    "their charity ids (written to OUT/suggested-aliases-register.csv, never merged).",
)
@reading_options
@quiet_option
@handle_errors
def import_register(
    register_file: str,
    out_dir: str,
    number_column: str,
    income_column: str | None,
    company_column: str,
    name_column: str,
    date_format: str | None,
    encoding: str,
    quiet: bool,
) -> None:
    """Fill income and size band from a charity register extract.

    Each organisation in OUT whose id carries a registered number (GB-CHC-, GB-SC-,
    GB-NIC-, or GB-COH- with a company number column) gets the register's income
    and the size band it implies. Only organisations.csv is rewritten, and only
    when the dataset stays valid. Organisations with a local 360G- id whose name
    is one charity's get that charity's id as a suggested alias, in a file to
    check and pass back with 'import-360giving --aliases'.

    \b
    Example:
      partnernet import-register register.csv --out mydata --income-column latest_income
    """
    from partnernet.io.importers.register import import_register as run_import

    _lock_out(out_dir, "import-register")  # before the dataset there is read, until it is written

    with _bytes_bar(quiet, [register_file], "Reading register") as bar:
        summary = run_import(
            register_file,
            out_dir,
            number_column=number_column,
            income_column=income_column,
            company_column=company_column or None,
            name_column=name_column or None,
            date_format=date_format,
            encoding=encoding,
            progress=bar.update if bar is not None else None,
        )
    if not quiet:
        for line in summary.lines():
            _echo(line, err=True)
        if summary.matched:
            click.echo(f"Wrote {out_dir}/organisations.csv", err=True)
        else:
            click.echo(
                "No organisation matched by number; organisations.csv was not written."
                if summary.suggestions_file
                else "No organisation matched; nothing was written.",
                err=True,
            )


def _column_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """One option per column role of a council spending file."""
    for role, option, example in (
        ("category", "--category-column", "Expense Type"),
        ("amount", "--amount-column", "Net Amount"),
        ("date", "--date-column", "Paid Date"),
        ("supplier_id", "--supplier-id-column", "Supplier ID"),
        ("supplier", "--supplier-column", "Supplier Name"),
        ("unit", "--unit-column", "Service Area"),
    ):
        command = click.option(
            option,
            f"{role}_column",
            default=None,
            metavar="C",
            help=f"Column of the {role.replace('_', ' ')} (e.g. '{example}'), when the "
            "usual headings do not find it.",
        )(command)
    return command


@cli.command("import-spend")
@click.argument("files", nargs=-1, required=True, metavar="FILE...", type=click.Path(path_type=str))
@dataset_out_option("Dataset folder to create, or to merge into when it exists.")
@click.option(
    "--council-id",
    required=True,
    metavar="ID",
    help="The council's identifier, e.g. GB-LAE-TRF (a local_authority).",
)
@click.option(
    "--council-name",
    default=None,
    metavar="NAME",
    help="The council's name when new to the dataset [default: the file's "
    "OrganisationLabel, else the id].",
)
@click.option(
    "--departments",
    "departments_map",
    default=None,
    metavar="MAP.csv",
    type=click.Path(dir_okay=False, path_type=str),
    help="CSV with columns unit,department: roll units up into the departments named.",
)
@click.option(
    "--date-format",
    default="%d/%m/%Y",
    show_default=True,
    metavar="FMT",
    help="strftime format of the payment dates (YYYY-MM-DD is always accepted).",
)
@_column_options
@click.option(
    "--skipped",
    "skipped_file",
    default=None,
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=str),
    help="Also write every unusable payment row, with file, row and reason, to this CSV "
    "(never a redacted row or a private person's; written even when the import fails).",
)
@click.option(
    "--encoding",
    default="utf-8",
    show_default=True,
    help="Text encoding of the CSV files (a UTF-8 byte-order mark is always accepted).",
)
@quiet_option
@handle_errors
def import_spend(
    files: tuple[str, ...],
    out_dir: str,
    council_id: str,
    council_name: str | None,
    departments_map: str | None,
    date_format: str,
    unit_column: str | None,
    supplier_column: str | None,
    supplier_id_column: str | None,
    date_column: str | None,
    amount_column: str | None,
    category_column: str | None,
    skipped_file: str | None,
    encoding: str,
    quiet: bool,
) -> None:
    """Import a council's published payments (CSV or zip files) into a dataset folder.

    The council becomes a local_authority, its service areas or organisational
    units departments (or the departments of --departments MAP.csv), its suppliers
    organisations, and the payments one funding row per department, supplier and
    financial year (April-March), credits netted. Redacted payments and payments to
    private persons are counted and left out; no name of theirs is written. The
    rules are in docs/import-rules.md, "Council spending". An existing dataset in
    OUT keeps its own rows; nothing is written unless the merged dataset is valid.

    \b
    Example:
      partnernet import-spend spend-2025-q1.csv spend-2025-q2.zip --out mydata \\
        --council-id GB-LAE-TRF --departments units.csv
    """
    from partnernet.io.importers.spend import import_spend as run_import

    _lock_out(out_dir, "import-spend")  # before the dataset there is read, until it is written

    columns = {
        "unit": unit_column,
        "supplier": supplier_column,
        "supplier_id": supplier_id_column,
        "date": date_column,
        "amount": amount_column,
        "category": category_column,
    }
    with _bytes_bar(quiet, files, "Reading payments") as bar:
        summary = run_import(
            files,
            out_dir,
            council_id=council_id,
            council_name=council_name,
            departments=departments_map,
            date_format=date_format,
            encoding=encoding,
            progress=bar.update if bar is not None else None,
            columns=columns,
            skipped=skipped_file,
        )
    if not quiet:
        for line in summary.lines():
            _echo(line, err=True)
    # --quiet hides progress and notes, never a payment or pound left out.
    for warning in (summary.left_out_line(), summary.units_warning()):
        if warning is not None:
            _echo(warning, err=True)
    if not quiet:
        click.echo(f"Wrote {out_dir}/organisations.csv and {out_dir}/funding.csv", err=True)


SAMPLE_SCALES = ("locality", "city", "region", "national")


@cli.command()
@dataset_out_option("Folder for the six CSV files; created when missing.")
@click.option(
    "--scale",
    type=click.Choice(SAMPLE_SCALES),
    default="locality",
    show_default=True,
    help="About 250, 2,500, 25,000 or 200,000 organisations.",
)
@seed_option
@click.option("--force", is_flag=True, help="Replace dataset files already in OUT.")
@click.option(
    "--year-after",
    "year_after_dir",
    default=None,
    type=click.Path(file_okay=False, path_type=str),
    help="Also write the same place one year on, with known changes planted, to this folder.",
)
@quiet_option
@handle_errors
def sample(
    out_dir: str, scale: str, seed: int, force: bool, year_after_dir: str | None, quiet: bool
) -> None:
    """Write a synthetic place whose findings are known, to try partnernet on.

    The place has a council with five departments (two of them siloed), a health
    body, a CVS that is the main broker, a community foundation and VCSE groups
    sized like the real sector. The same seed always gives the same files. OUT
    already holding dataset files is refused unless --force is given (exit 5).
    The files are replaced together, with a manifest: a run that fails or is
    killed leaves the dataset that was there; a second writer exits 5.

    With --year-after DIR2 the same place one year on is written to DIR2 too
    (locality scale only), with changes planted for 'partnernet compare' to find:
    micro and small groups gain board seats, the Housing department starts to
    coordinate, a volunteer centre joins as a new broker, three groups leave;
    funding is unchanged.

    \b
    Examples:
      partnernet sample --out mysample
      partnernet sample --out big --scale national --seed 1
      partnernet sample --out y2024 --year-after y2025
    """
    from partnernet.synthetic.generate import generate_sample

    if year_after_dir is not None and scale != "locality":
        raise click.UsageError("--year-after writes a locality-scale place only.")
    # Each folder's lock for the whole command; each dataset replaced whole (io.staging).
    _lock_out(out_dir, "sample")
    if year_after_dir is not None:
        _lock_out(year_after_dir, "sample")
    with _step_bars(quiet, "Generating {step}") as bars:
        counts = generate_sample(out_dir, scale=scale, seed=seed, overwrite=force, progress=bars)
    if not quiet:
        summary = ", ".join(f"{n:,} {table}" for table, n in counts.items())
        click.echo(f"Wrote a {scale} sample (seed {seed}) to {out_dir}: {summary}.", err=True)
    if year_after_dir is not None:
        from partnernet.io.read import read_dataset
        from partnernet.io.writers import replace_dataset
        from partnernet.synthetic.year_after import year_after

        after, planted = year_after(read_dataset(out_dir), seed=seed)
        replace_dataset(after, year_after_dir, command="sample")
        if not quiet:
            click.echo(
                f"Wrote the year after to {year_after_dir}: {len(planted.seat_gainers)} groups "
                f"gained board seats, {len(planted.joined)} organisations joined and "
                f"{len(planted.left)} left.",
                err=True,
            )


def neo4j_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Where Neo4j is: --uri, --username, --database and --password-prompt.

    Each falls back to NEO4J_URI, NEO4J_USERNAME and NEO4J_DATABASE. The password
    comes only from NEO4J_PASSWORD or a hidden prompt, never from an option: an
    option's value shows in shell history and in the process list. The command
    receives ``neo4j_connect``, a function returning a
    :class:`partnernet.neo4j.Store` (nothing is sent until the store is used).
    """

    @functools.wraps(command)
    def wrapper(
        *args: Any,
        neo4j_uri: str | None,
        neo4j_username: str | None,
        neo4j_database: str | None,
        password_prompt: bool,
        **kwargs: Any,
    ) -> Any:
        def neo4j_connect() -> Any:
            from partnernet.neo4j import connect

            password = None
            if password_prompt:
                password = click.prompt("Neo4j password", hide_input=True, err=True)
            return connect(neo4j_uri, neo4j_username, password, neo4j_database)

        return command(*args, neo4j_connect=neo4j_connect, **kwargs)

    for option in reversed(
        [
            click.option(
                "--uri",
                "neo4j_uri",
                default=None,
                metavar="URI",
                help="Neo4j server (default: $NEO4J_URI, else bolt://localhost:7687).",
            ),
            click.option(
                "--username",
                "neo4j_username",
                default=None,
                help="Neo4j user (default: $NEO4J_USERNAME, else neo4j).",
            ),
            click.option(
                "--database",
                "neo4j_database",
                default=None,
                help="Neo4j database (default: $NEO4J_DATABASE, else the user's home database).",
            ),
            click.option(
                "--password-prompt",
                is_flag=True,
                help="Type the password at a hidden prompt instead of setting $NEO4J_PASSWORD.",
            ),
        ]
    ):
        wrapper = option(wrapper)
    return wrapper


@cli.command()
@dataset_argument
@neo4j_options
@click.option(
    "--wipe",
    is_flag=True,
    help="First delete every Organisation, Board and Person node (and their ties), so "
    "the graph holds exactly this dataset.",
)
@click.option(
    "--batch-size",
    default=2000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Rows per transaction.",
)
@reading_options
@delimiter_option
@quiet_option
@handle_errors
def load(
    dataset_dir: str,
    neo4j_connect: Callable[[], Any],
    wipe: bool,
    batch_size: int,
    date_format: str | None,
    encoding: str,
    delimiter: str | None,
    quiet: bool,
) -> None:
    """Validate a dataset and load it into Neo4j, to explore in Browser or Bloom.

    Nothing is sent unless the whole dataset is valid. Loading is idempotent:
    loading the same folder twice leaves the same graph, and a load that stopped
    half-way is completed by running it again. Rows deleted from the files stay in
    the graph unless --wipe is given. People appear only as pseudonyms; the
    SHARES_PERSON ties between organisations count the people they share.

    \b
    Examples:
      docker compose up -d
      NEO4J_PASSWORD=... partnernet load sample_data
      partnernet load mydata --uri neo4j+s://db.example.org --password-prompt --wipe
    """
    import contextlib

    ds = _read_folder(
        dataset_dir,
        date_format=date_format,
        encoding=encoding,
        delimiter=delimiter,
        on_note=None if quiet else _note,
    )
    total = sum(len(frame) for frame in ds.tables().values())
    bar: Any = (
        contextlib.nullcontext()
        if quiet
        else click.progressbar(length=total, label="Loading into Neo4j", file=sys.stderr)
    )
    with neo4j_connect() as store:
        # Connect before drawing the bar, so a refused connection is the only output.
        store.verify()
        with bar:
            counts = store.load(
                ds,
                wipe=wipe,
                batch_size=batch_size,
                progress=None if quiet else (lambda _table, rows: bar.update(rows)),
            )
        where = store.shown_uri + (f" (database {store.database})" if store.database else "")
    loaded = [
        _count(counts["organisations"], "organisation"),
        _count(counts["boards"], "board"),
        _count(counts["memberships"], "membership"),
        _count(counts["funding"], "funding award"),
        _count(counts["partnerships"], "partnership"),
        _count(counts["affiliations"], "affiliation"),
    ]
    wiped = f" after deleting {_count(counts['wiped'], 'node')}" if wipe else ""
    _echo(
        f"Loaded {', '.join(loaded)} into Neo4j at {where}{wiped}; "
        f"{_count(counts['shares_person'], 'SHARES_PERSON tie')}."
    )


@cli.command()
@click.argument("dataset_dir", metavar="[DIR]", required=False, type=click.Path(path_type=str))
@out_folder_option("Existing folder for network.html, report.html, report.md and the tables.")
@click.option("--from-neo4j", is_flag=True, help="Read the dataset from Neo4j instead of DIR.")
@click.option(
    "--write-back",
    is_flag=True,
    help="Also write each organisation's metrics to Neo4j as pn_ properties.",
)
@click.option(
    "--title",
    default=None,
    help="The report's title (default: 'Partnership network report').",
)
@click.option(
    "--place",
    default=None,
    help="The place the data covers, for the report's first page (default: the local "
    "authorities in the data).",
)
@click.option(
    "--xlsx",
    is_flag=True,
    help="Also write tables.xlsx: the three tables and the data dictionary as sheets "
    "(values only, never a formula).",
)
@layers_option
@seed_option
@permutations_option
@reading_options
@delimiter_option
@neo4j_options
@quiet_option
@handle_errors
def analyse(
    dataset_dir: str | None,
    out_dir: str,
    from_neo4j: bool,
    write_back: bool,
    title: str | None,
    place: str | None,
    xlsx: bool,
    layers: str | None,
    seed: int,
    permutations: int,
    date_format: str | None,
    encoding: str,
    delimiter: str | None,
    neo4j_connect: Callable[[], Any],
    quiet: bool,
) -> None:
    """Validate a dataset, measure its network and write the map, report and tables.

    Writes network.html, report.html, report.md, metrics.csv, metrics.json,
    groups.csv, departments.csv, summary.json and findings.json into OUT (with
    --xlsx, tables.xlsx too; docs/outputs.md says what every column means), which
    is created when missing (and checked before anything is read). Nothing is
    written unless the whole dataset is valid. Needs no server unless
    --from-neo4j or --write-back is given.

    \b
    Examples:
      partnernet analyse sample_data --out out/
      partnernet analyse sample_data --out out/ --title "Marshford partnerships 2025"
      partnernet analyse sample_data --out out/ --xlsx
      partnernet analyse --from-neo4j --write-back --out out/
    """
    from partnernet.io.folders import prepare_output_folder

    if from_neo4j == (dataset_dir is not None):
        raise click.UsageError("give a dataset folder DIR, or --from-neo4j, but not both.")
    # Before anything is imported or read: a folder that cannot be written should
    # fail at once, not after minutes of analysis.
    prepare_output_folder(out_dir)
    _lock_out(out_dir, "analyse", outputs=True)
    chosen = _parsed_layers(layers)

    from partnernet.export import write_outputs
    from partnernet.findings import explain

    store: Any = neo4j_connect() if (from_neo4j or write_back) else None
    with store or contextlib.nullcontext():
        if store is not None:
            # Before the analysis, so an unreachable server costs no waiting.
            store.verify()
        if dataset_dir is not None:
            ds = _read_folder(
                dataset_dir,
                date_format=date_format,
                encoding=encoding,
                delimiter=delimiter,
                on_note=None if quiet else _note,
            )
        else:
            ds = store.read_dataset()
        with _analysing(
            ds,
            layers=chosen,
            seed=seed,
            permutations=permutations,
            quiet=quiet,
            then="writing the tables, map and report",
        ) as results:
            findings = explain(results)
            written = write_outputs(out_dir, results, findings, xlsx=xlsx, title=title, place=place)
        if store is not None and write_back:
            updated = store.write_back(results.metrics)
            click.echo(
                f"Wrote pn_ metrics to {_count(updated, 'organisation')} in Neo4j.", err=True
            )
    for finding in findings:
        if finding.question != "coverage":
            _echo(f"- {visible(finding.text)}")
    if not quiet:
        click.echo(f"Wrote {len(written)} files to {out_dir}", err=True)


@cli.command()
@dataset_argument
@out_file_option("out/network.html", "The HTML file")
@click.option(
    "--colour-by",
    type=click.Choice(["type", "size_band", "community"]),
    default="type",
    show_default=True,
    help="What the node colours show.",
)
@click.option(
    "--size-by",
    type=click.Choice(["betweenness", "degree", "funding"]),
    default="betweenness",
    show_default=True,
    help="What the node sizes show (funding: pounds given plus received).",
)
@layers_option
@seed_option
@permutations_option
@reading_options
@delimiter_option
@quiet_option
@handle_errors
def render(
    dataset_dir: str,
    out_file: str,
    colour_by: str,
    size_by: str,
    layers: str | None,
    seed: int,
    permutations: int,
    date_format: str | None,
    encoding: str,
    delimiter: str | None,
    quiet: bool,
) -> None:
    """Write the interactive network map alone, with a choice of styling.

    The map is one HTML file that opens offline in any browser: brokers are
    stars, under-connected organisations have a red ring, boards are diamonds.
    The folder is created when missing and locked while the command runs (a
    second writer there exits 5); an existing map is replaced only once the new
    one is complete. A map written over a file of an analyse run there (its
    network.html) is recorded in that run's manifest, so the folder still reads
    as one whole run.

    \b
    Examples:
      partnernet render sample_data --out out/network.html
      partnernet render sample_data --out out/funding.html --size-by funding --layers FUNDS
    """
    from partnernet.io.staging import record_single_file
    from partnernet.render.network import check_map_path, write_network

    chosen = _parsed_layers(layers)
    # Checked first: a mistyped --out should not cost a whole analysis.
    target = check_map_path(out_file)
    # One writer per folder: the map's folder is locked for the whole command.
    _lock_out(str(target.parent), "render")
    ds = _read_folder(
        dataset_dir,
        date_format=date_format,
        encoding=encoding,
        delimiter=delimiter,
        on_note=None if quiet else _note,
    )
    # As many reshuffles as analyse: the red rings are the under-connected groups,
    # and with 100 reshuffles no group could pass Benjamini-Hochberg, so the map would
    # ring none where analyse's map rings some.
    with _analysing(
        ds,
        layers=chosen,
        seed=seed,
        permutations=permutations,
        quiet=quiet,
        then="drawing the map",
    ) as results:
        write_network(target, results, colour_by=colour_by, size_by=size_by, layers=chosen)
    # A map over a file of the folder's run (analyse's network.html) keeps the
    # folder whole: the manifest records the replacement (io.staging).
    if record_single_file(target.parent, target.name, command="render") and not quiet:
        _note(
            f"{target.name} was part of the run in {target.parent}; its manifest records "
            "this map in its place."
        )
    if not quiet:
        click.echo(f"Wrote {target}", err=True)


@cli.command("export")
@dataset_argument
@click.option(
    "--format",
    "fmt",
    required=True,
    type=click.Choice(["gexf", "graphml", "kumu", "pajek"]),
    help="gexf (Gephi, with the map's positions, colours and sizes), graphml (Cytoscape, "
    "igraph, R), kumu (Kumu's JSON blueprint) or pajek (.net, for statnet and UCINET).",
)
@out_file_option("out/network.gexf")
@layers_option
@seed_option
@permutations_option
@reading_options
@delimiter_option
@quiet_option
@handle_errors
def export_network(
    dataset_dir: str,
    fmt: str,
    out_file: str,
    layers: str | None,
    seed: int,
    permutations: int,
    date_format: str | None,
    encoding: str,
    delimiter: str | None,
    quiet: bool,
) -> None:
    """Write the organisation network for Gephi, Cytoscape, Kumu, R or Pajek.

    One file: every organisation with every metric of metrics.csv, the boards
    with their members, and the ties the metrics were computed on, each with its
    layers. No person is exported. The same seed gives the same metrics and, in
    GEXF and Pajek, the same layout as the map.

    \b
    Examples:
      partnernet export sample_data --format gexf --out out/network.gexf
      partnernet export sample_data --format graphml --out out/network.graphml
      partnernet export sample_data --format kumu --out out/kumu.json --layers FUNDS
    """
    from partnernet.exchange import check_exchange_path, write_exchange

    chosen = _parsed_layers(layers)
    # Checked first: a mistyped --out should not cost a whole analysis.
    target = check_exchange_path(out_file, fmt)

    ds = _read_folder(
        dataset_dir,
        date_format=date_format,
        encoding=encoding,
        delimiter=delimiter,
        on_note=None if quiet else _note,
    )
    with _analysing(
        ds, layers=chosen, seed=seed, permutations=permutations, quiet=quiet, then=f"writing {fmt}"
    ) as results:
        write_exchange(target, results, fmt)
    if not quiet:
        click.echo(f"Wrote {target}", err=True)


@cli.command()
@dataset_argument
@click.option(
    "--org",
    "org_id",
    required=True,
    help="The organisation's id, as in the id column of organisations.csv.",
)
@out_file_option("out/profile.html", "The HTML file")
@layers_option
@seed_option
@reading_options
@delimiter_option
@quiet_option
@handle_errors
def profile(
    dataset_dir: str,
    org_id: str,
    out_file: str,
    layers: str | None,
    seed: int,
    date_format: str | None,
    encoding: str,
    delimiter: str | None,
    quiet: bool,
) -> None:
    """Write one organisation's profile: a page to send to a member group or a funder.

    Its ties by kind, board seats, funding in and out, how it stands against
    organisations of its size band, the brokerage roles it plays and what its loss
    would cut off, each figure explained. One self-contained HTML file with no
    script, opening offline. An id that is not in the dataset is refused (exit 3)
    with the nearest ids.

    \b
    Example:
      partnernet profile sample_data --org GB-CHC-1100019 --out out/marshford-cvs.html
    """
    from partnernet.render.network import check_map_path
    from partnernet.render.profile import check_organisation, write_profile

    chosen = _parsed_layers(layers)
    # Checked first: a mistyped --out or --org should not cost a whole analysis.
    target = check_map_path(out_file)
    ds = _read_folder(
        dataset_dir,
        date_format=date_format,
        encoding=encoding,
        delimiter=delimiter,
        on_note=None if quiet else _note,
    )
    check_organisation(ds, org_id)
    # A profile states no test result (no p-value, no under-connected group), so the
    # permutation tests run at their minimum.
    with _analysing(
        ds, layers=chosen, seed=seed, permutations=100, quiet=quiet, then="writing the profile"
    ) as results:
        write_profile(target, results, org_id)
    if not quiet:
        click.echo(f"Wrote {target}", err=True)


@cli.command()
@click.argument("old_dir", metavar="OLD", type=click.Path(path_type=str))
@click.argument("new_dir", metavar="NEW", type=click.Path(path_type=str))
@out_folder_option("Folder for the change page, its map and tables (created when missing).")
@click.option(
    "--aliases",
    "aliases_file",
    default=None,
    metavar="FILE",
    type=click.Path(path_type=str),
    help="CSV with columns alias,id: an organisation whose id changed between the years.",
)
@click.option("--title", default=None, help="Title of the change page (default 'What changed').")
@layers_option
@seed_option
@permutations_option
@reading_options
@delimiter_option
@quiet_option
@handle_errors
def compare(
    old_dir: str,
    new_dir: str,
    out_dir: str,
    aliases_file: str | None,
    title: str | None,
    layers: str | None,
    seed: int,
    permutations: int,
    date_format: str | None,
    encoding: str,
    delimiter: str | None,
    quiet: bool,
) -> None:
    """Compare two datasets of the same place, say 2024 and 2025.

    Matches organisations by id (--aliases for renamed ids), analyses each year
    once and writes into OUT: compare.html and compare.md (what changed, the
    Covenant view, and permutation tests of whether each change is more than
    chance), difference.html (the new map with new ties and organisations
    highlighted and lost ties faint), changes.csv (one row per change) and
    headline_changes.csv (every headline figure before and after). Both datasets
    are validated first.

    \b
    Example:
      partnernet compare place-2024 place-2025 --out change/
    """
    from partnernet.io.folders import prepare_output_folder

    prepare_output_folder(out_dir)  # before the heavy imports and any reading
    _lock_out(out_dir, "compare", outputs=True)

    from pathlib import Path

    from partnernet.analysis.compare import compare as compare_runs
    from partnernet.analysis.compare import matched
    from partnernet.analysis.pipeline import analyse as run_analysis
    from partnernet.export import write_comparison
    from partnernet.io.merge import read_aliases

    chosen = _parsed_layers(layers)
    aliases = read_aliases(aliases_file, encoding=encoding) if aliases_file else {}
    old = _read_folder(
        old_dir,
        date_format=date_format,
        encoding=encoding,
        delimiter=delimiter,
        on_note=None if quiet else _note,
    )
    new = _read_folder(
        new_dir,
        date_format=date_format,
        encoding=encoding,
        delimiter=delimiter,
        on_note=None if quiet else _note,
    )
    old, new = matched(old, new, aliases)
    runs = [
        run_analysis(ds, layers=chosen, seed=seed, permutations=permutations, progress=None)
        for ds in (old, new)
    ]
    comparison = compare_runs(*runs)
    labels = [Path(folder).resolve().name or folder for folder in (old_dir, new_dir)]
    if labels[0] == labels[1]:
        labels = ["before", "after"]
    written = write_comparison(
        out_dir,
        comparison,
        before_label=labels[0],
        after_label=labels[1],
        title=title,
        aliases_used=len(aliases),
    )
    from partnernet.findings.compare import terminal_lines

    for line in terminal_lines(comparison):
        _echo(f"- {line}")
    if not quiet:
        click.echo(f"Wrote {len(written)} files to {out_dir}", err=True)


def _leave(done: SystemExit) -> None:
    """Exit a command that succeeded without tearing the heap down first.

    Everything the command wrote is in place (and synced) before it returns, and
    its locks go with the process; what is left is the interpreter freeing every
    object of the graphs and tables one by one (0.2 s at city scale, seconds at
    national). Output is flushed first (to a pipe whose reader left, it is dropped:
    see _ReaderMayLeave). A failure, an interruption, a profiler or tracer that
    writes at exit, or output that cannot be flushed takes Python's ordinary way
    out, with its clean-up.
    """
    if done.code not in (None, 0) or sys.getprofile() is not None or sys.gettrace() is not None:
        raise done
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except Exception:
        raise done from None
    os._exit(0)


# A command builds its graphs and tables once and keeps them to the end, and the
# libraries it imports make hundreds of thousands of objects that live as long.
# Python's default collector pass every 700 new objects scans them over and over
# (80 ms of a 0.8 s run at locality, a third of it while pandas is imported); a
# pass every 100,000 still frees any reference cycle long before it matters.
_NEW_OBJECTS_PER_COLLECTION = 100_000


class _ReaderMayLeave(io.RawIOBase):
    """Writes to a pipe whose reader may leave before the end
    (``partnernet analyse … | head``): once it has, what is written is dropped, as
    it is for a closed stdout, so the command goes on to its end and its exit
    status, instead of dying of a ``BrokenPipeError`` in whichever line printed
    next (a finding, a progress bar). Each write is whole (partial writes are
    finished here), so it can sit under a text layer with no buffer between, as
    ``python -u`` has it."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd
        self._reader_left = False

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def isatty(self) -> bool:
        return False  # only pipes and sockets are guarded

    def write(self, data: Any) -> int | None:
        view = memoryview(data).cast("B")
        written = 0
        while written < len(view) and not self._reader_left:
            try:
                written += os.write(self._fd, view[written:])
            except BlockingIOError:
                # A full non-blocking pipe: what was written, or None, as io.FileIO.
                return written or None
            except OSError as error:
                if not _reader_has_left(error):
                    raise
                self._reader_left = True
        return len(view)


def _reader_has_left(error: OSError) -> bool:
    # Windows reports a pipe without its reader as EINVAL, not EPIPE.
    return isinstance(error, BrokenPipeError | ConnectionResetError) or (
        os.name == "nt" and error.errno == errno.EINVAL
    )


def _guard_standard_streams() -> None:
    """Put ``sys.stdout`` and ``sys.stderr``, where each is a pipe or a socket (a
    terminal or a file has no reader to leave), over :class:`_ReaderMayLeave`, with
    the encoding, error handling and buffering they had."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if type(stream) is not io.TextIOWrapper:
            continue  # closed (``>&-``, None) or replaced by the program running us
        try:
            mode = os.fstat(stream.fileno()).st_mode
        except (OSError, ValueError):
            continue
        if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
            continue
        stream.flush()
        raw = _ReaderMayLeave(stream.fileno())
        # Buffered as it was: python -u (PYTHONUNBUFFERED) puts the text layer
        # straight on the descriptor.
        binary: Any = (
            io.BufferedWriter(raw) if isinstance(stream.buffer, io.BufferedWriter) else raw
        )
        guarded = io.TextIOWrapper(
            binary,
            encoding=stream.encoding,
            errors=stream.errors,
            line_buffering=stream.line_buffering,
            write_through=stream.write_through,
        )
        setattr(sys, name, guarded)


def main() -> None:
    """Entry point for the ``partnernet`` script."""
    gc.set_threshold(_NEW_OBJECTS_PER_COLLECTION, 10, 10)
    _guard_standard_streams()
    try:
        cli(standalone_mode=True)
    except SystemExit as done:
        _leave(done)
    except Exception as exc:  # a bug: say so plainly, exit 1
        if os.environ.get("PARTNERNET_DEBUG", "").strip() not in ("", "0"):
            traceback.print_exc(file=sys.stderr)
        _echo(
            f"Error: unexpected {type(exc).__name__}: {exc}\n"
            "This is a bug in partnernet; please report it with the command you ran"
            " (PARTNERNET_DEBUG=1 shows the traceback).",
            err=True,
        )
        sys.exit(1)
