"""The ``partnernet`` command line: each command parses options, calls the library
and prints. Data goes to stdout; messages and progress bars to stderr.

Exit codes (DESIGN section 8): 0 success, 1 unexpected error, 2 usage, 3 invalid
input, 4 Neo4j unavailable or refused, 5 output cannot be written.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import click

from partnernet import __version__
from partnernet.errors import PartnernetError

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _fail(message: str, code: int) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


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
        "dataset_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=str)
    )(command)


def reading_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Options that change how a dataset's files are read."""
    command = click.option(
        "--date-format",
        default=None,
        metavar="FMT",
        help="strftime format of the dates when they are not YYYY-MM-DD, e.g. %d/%m/%Y.",
    )(command)
    command = click.option(
        "--encoding",
        default="utf-8",
        show_default=True,
        help="Text encoding of the CSV files (a UTF-8 byte-order mark is always accepted).",
    )(command)
    return command


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


def _progress(quiet: bool) -> Callable[[str], None] | None:
    if quiet:
        return None
    return lambda step: click.echo(f"  {step}...", err=True)


def _parsed_layers(layers: str | None) -> tuple[str, ...]:
    from partnernet.graph import parse_layers

    try:
        return parse_layers(layers)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--layers") from exc


@cli.command()
@dataset_argument
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=str),
    help="Existing folder for network.html, report.html, report.md and the tables.",
)
@layers_option
@seed_option
@click.option(
    "--permutations",
    default=5000,
    show_default=True,
    type=click.IntRange(min=100),
    help="Permutations per significance test.",
)
@reading_options
@quiet_option
@handle_errors
def analyse(
    dataset_dir: str,
    out_dir: str,
    layers: str | None,
    seed: int,
    permutations: int,
    date_format: str | None,
    encoding: str,
    quiet: bool,
) -> None:
    """Validate a dataset, measure its network and write the map, report and tables.

    Writes network.html, report.html, report.md, metrics.csv, metrics.json,
    groups.csv, departments.csv, summary.json and findings.json into OUT (which
    must exist). Nothing is written unless the whole dataset is valid.

    \b
    Example:
      mkdir -p out && partnernet analyse sample_data --out out/
    """
    from partnernet.analysis.pipeline import analyse as run_analysis
    from partnernet.export import write_outputs
    from partnernet.io.read import read_dataset

    chosen = _parsed_layers(layers)
    ds = read_dataset(dataset_dir, date_format=date_format, encoding=encoding)
    results = run_analysis(
        ds, layers=chosen, seed=seed, permutations=permutations, progress=_progress(quiet)
    )
    written = write_outputs(out_dir, ds, results)
    for finding in results.findings:
        if finding.question != "coverage":
            click.echo(f"- {finding.text}")
    if not quiet:
        click.echo(f"Wrote {len(written)} files to {out_dir}", err=True)


def main() -> None:
    """Entry point for the ``partnernet`` script."""
    try:
        cli(standalone_mode=True)
    except Exception as exc:  # a bug: say so plainly, exit 1
        click.echo(
            f"Error: unexpected {type(exc).__name__}: {exc}\n"
            "This is a bug in partnernet; please report it with the command you ran.",
            err=True,
        )
        sys.exit(1)
