"""``partnernet init`` and ``partnernet validate`` through click's test runner.

Each bad-input case's exact message is checked in test_validation.py; here the
command's own behaviour: the success line, options, exit codes, help."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from partnernet.cli import cli
from partnernet.io.staging import MANIFEST_NAME, check_manifest
from partnernet.model import COLUMNS, TABLES

TEST_DATA = Path(__file__).resolve().parent / "data"


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_validate_prints_one_summary_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(TEST_DATA)
    code, out, err = _run("validate", "valid_full")
    assert (code, err) == (0, "")
    assert out == (
        "valid_full is valid: 9 organisations, 2 boards, 4 memberships, 4 funding awards, "
        "3 partnerships, 4 affiliations.\n"
    )


def test_validate_counts_singular_and_empty_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(TEST_DATA)
    code, out, _ = _run("validate", "valid_minimal")
    assert code == 0
    assert out == (
        "valid_minimal is valid: 2 organisations, 0 boards, 0 memberships, 0 funding awards, "
        "0 partnerships, 0 affiliations.\n"
    )


def test_validate_passes_date_format_and_encoding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(TEST_DATA)
    assert _run("validate", "valid_date_format")[0] == 3
    code, out, _ = _run("validate", "valid_date_format", "--date-format", "%d/%m/%Y")
    assert code == 0
    assert "2 funding awards" in out
    assert _run("validate", "bad_not_utf8")[0] == 3
    code, out, _ = _run("validate", "bad_not_utf8", "--encoding", "cp1252")
    assert (code, out.split(":")[0]) == (0, "bad_not_utf8 is valid")


def test_validate_without_a_key_exits_3_naming_the_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(TEST_DATA)
    monkeypatch.delenv("PARTNERNET_PSEUDONYM_KEY")
    monkeypatch.delenv("PARTNERNET_PSEUDONYM_KEY_FILE", raising=False)
    code, out, err = _run("validate", "valid_full")
    assert (code, out) == (3, "")
    assert err.startswith(
        "Error: valid_full/affiliations.csv names people (4 rows) but no pseudonym key is set"
    )
    assert "Set PARTNERNET_PSEUDONYM_KEY to a long random secret" in err


def test_validate_a_missing_folder_exits_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = _run("validate", "nowhere")
    assert (code, out) == (3, "")
    assert err.startswith("Error: nowhere: there is no such folder.\n")
    assert list(tmp_path.iterdir()) == []


def test_validate_an_unknown_encoding_exits_3(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(TEST_DATA)
    code, _, err = _run("validate", "valid_minimal", "--encoding", "nope")
    assert code == 3
    assert err == (
        "Error: unknown text encoding 'nope'.\n"
        "Give an encoding Python knows, such as utf-8, cp1252 or latin-1.\n"
    )


def test_validate_a_file_is_invalid_input_with_the_fix(tmp_path: Path) -> None:
    a_file = tmp_path / "organisations.csv"
    a_file.write_text("id,name,type\n")
    code, _, err = _run("validate", str(a_file))
    assert code == 3
    assert "this is a file, not a dataset folder" in err
    assert "Give the folder that holds organisations.csv" in err


def test_validate_help_has_an_example() -> None:
    code, out, _ = _run("validate", "-h")
    assert code == 0
    assert "partnernet validate sample_data" in out
    assert "--date-format FMT" in out and "--encoding" in out


def test_init_writes_templates_that_validate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = _run("init", "mydata/new")
    assert (code, out) == (0, "")
    assert err == (
        "Wrote organisations.csv, boards.csv, memberships.csv, funding.csv, partnerships.csv, "
        "affiliations.csv to mydata/new.\n"
        "The example person in affiliations.csv is already a pseudonym, so no key is needed "
        "yet. Before you write people's names or ids there, set PARTNERNET_PSEUDONYM_KEY to a "
        "long random secret (or PARTNERNET_PSEUDONYM_KEY_FILE to a file holding one); "
        "partnernet then replaces each by its keyed pseudonym on reading.\n"
        "Replace the example rows with your own, then run:\n"
        "  partnernet validate mydata/new\n"
        "  partnernet analyse mydata/new --out mydata/new-results/\n"
        "  partnernet render mydata/new --out mydata/new-results/map.html --colour-by size_band\n"
    )
    folder = tmp_path / "mydata" / "new"
    # The six templates arrive together, with their run's manifest (io.staging).
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [MANIFEST_NAME, *(f"{t}.csv" for t in TABLES)]
    )
    assert check_manifest(folder) == []
    for table in TABLES:
        lines = (folder / f"{table}.csv").read_text(encoding="utf-8").splitlines()
        assert lines[0] == ",".join(COLUMNS[table])
        assert len(lines) == (3 if table == "organisations" else 2)
    code, out, _ = _run("validate", "mydata/new")
    assert code == 0
    assert out == (
        "mydata/new is valid: 2 organisations, 1 board, 1 membership, 1 funding award, "
        "1 partnership, 1 affiliation.\n"
    )


def test_init_then_its_three_next_commands_run_with_no_key_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new user with no pseudonym key: init, then each command it prints, exits 0."""
    monkeypatch.delenv("PARTNERNET_PSEUDONYM_KEY")
    monkeypatch.delenv("PARTNERNET_PSEUDONYM_KEY_FILE", raising=False)
    monkeypatch.chdir(tmp_path)
    code, _, err = _run("init", "my_place/")
    assert code == 0
    printed = [line.strip() for line in err.splitlines() if line.startswith("  partnernet ")]
    assert len(printed) == 3
    for line in printed:
        code, out, err = _run(*shlex.split(line)[1:])
        assert code == 0, f"{line}\n{out}{err}"
    results = tmp_path / "my_place-results"
    assert (results / "report.html").is_file() and (results / "map.html").is_file()
    # the person is the template's own pseudonym, kept as written, never replaced
    metrics = (results / "metrics.csv").read_text(encoding="utf-8")
    assert "psn-" not in metrics


def test_init_x_validate_x_analyse_x_with_no_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PARTNERNET_PSEUDONYM_KEY")
    monkeypatch.delenv("PARTNERNET_PSEUDONYM_KEY_FILE", raising=False)
    monkeypatch.chdir(tmp_path)
    for args in (("init", "x"), ("validate", "x"), ("analyse", "x", "--out", "y", "-q")):
        code, out, err = _run(*args)
        assert code == 0, f"{args}\n{out}{err}"
    assert (tmp_path / "y" / "metrics.csv").is_file()


@pytest.mark.parametrize(
    "extra",
    [
        ("import-360giving", "grants.csv"),
        ("import-register", "grants.csv"),
        ("import-spend", "grants.csv", "--council-id", "GB-LAE-EXA"),
    ],
    ids=lambda e: e[0],
)
def test_import_into_the_templates_names_a_missing_file_first(
    extra: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even when the folder names people and no key is set, the missing file comes first."""
    monkeypatch.delenv("PARTNERNET_PSEUDONYM_KEY")
    monkeypatch.delenv("PARTNERNET_PSEUDONYM_KEY_FILE", raising=False)
    monkeypatch.chdir(tmp_path)
    assert _run("init", "my_place/")[0] == 0
    with (tmp_path / "my_place" / "affiliations.csv").open("a", encoding="utf-8") as f:
        f.write("Jane Smith,GB-CHC-1234567,member,,\n")
    before = {p.name: p.read_bytes() for p in (tmp_path / "my_place").iterdir()}
    code, out, err = _run(*extra, "--out", "my_place/", "-q")
    assert (code, out) == (3, "")
    assert err == (
        "Error: grants.csv does not exist.\nCheck the file name and the folder you are in.\n"
    )
    assert {p.name: p.read_bytes() for p in (tmp_path / "my_place").iterdir()} == before


def test_init_refuses_to_overwrite_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(TEST_DATA / "valid_minimal", tmp_path / "existing")
    monkeypatch.chdir(tmp_path)
    before = (tmp_path / "existing" / "organisations.csv").read_bytes()
    code, out, err = _run("init", "existing")
    assert (code, out) == (5, "")
    assert err == (
        "Error: existing already has organisations.csv; partnernet init never overwrites a "
        "file.\nChoose an empty or new folder, or move those files away first.\n"
    )
    assert [p.name for p in (tmp_path / "existing").iterdir()] == ["organisations.csv"]
    assert (tmp_path / "existing" / "organisations.csv").read_bytes() == before


def test_init_help_has_an_example() -> None:
    code, out, _ = _run("init", "--help")
    assert code == 0
    assert "partnernet init mydata" in out


@pytest.mark.parametrize(
    ("args", "status"),
    [(["--version"], 0), (["validate", "no-such-folder"], 3), (["validate", "sample_data"], 0)],
)
def test_the_script_keeps_its_exit_status_with_its_output_closed(
    args: list[str], status: int
) -> None:
    """A command that succeeds leaves without the interpreter's tear-down
    (cli._leave); its status, and a failure's, survive a closed stdout."""
    shell = f"{shlex.quote(sys.executable)} -m partnernet {' '.join(args)} >&-"
    done = subprocess.run(shell, shell=True, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == status, done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "dead", "status"),
    [
        (["analyse", "sample_data", "--out", "{out}"], "stdout", 0),  # the findings
        (["analyse", "sample_data", "--out", "{out}"], "stderr", 0),  # the progress bars
        (["-u", "analyse", "sample_data", "--out", "{out}"], "stdout", 0),  # unbuffered
        (["validate", "no-such-folder"], "stderr", 3),  # the error message
    ],
)
def test_a_reader_that_leaves_early_ends_the_output_not_the_command(
    tmp_path: Path, args: list[str], dead: str, status: int
) -> None:
    """``partnernet analyse … | head`` once died of a BrokenPipeError reported as a
    bug (exit 1). Here one stream is a pipe whose reader has already gone, so every
    write to it meets the broken pipe; the other is read, and must be clean."""
    out = tmp_path / "out"
    python_options = [a for a in args if a == "-u"]
    command = [a.format(out=out) for a in args if a != "-u"]
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, dead: write_end}
        done = subprocess.run(
            [sys.executable, *python_options, "-m", "partnernet", *command],
            cwd=ROOT,
            text=True,
            **streams,
        )
    finally:
        os.close(write_end)
    assert done.returncode == status, done.stderr
    alive = done.stderr if dead == "stdout" else done.stdout
    assert "Traceback" not in alive and "unexpected" not in alive
    if status == 0:
        assert (out / "report.html").is_file() and (out / "summary.json").is_file()
        if dead == "stderr":  # every finding but coverage's is printed, all of them
            findings = json.loads((out / "findings.json").read_text(encoding="utf-8"))
            printed = [line for line in done.stdout.splitlines() if line.startswith("- ")]
            assert len(printed) == sum(f["question"] != "coverage" for f in findings) > 0


def test_the_guarded_writer_drops_after_its_reader_left_and_reports_a_full_pipe_as_fileio() -> None:
    from partnernet.cli import _ReaderMayLeave

    read_end, write_end = os.pipe()
    try:
        os.set_blocking(write_end, False)
        writer = _ReaderMayLeave(write_end)
        big = b"x" * (1 << 22)  # more than any pipe holds
        written = writer.write(big)
        assert written is not None and 0 < written < len(big)  # as far as the pipe took
        assert writer.write(big) is None  # full: nothing taken, as io.FileIO says it
        os.close(read_end)
        read_end = -1
        assert writer.write(b"after the reader left") == len(b"after the reader left")
        assert writer.write(b"and after") == len(b"and after")
    finally:
        for fd in (read_end, write_end):
            if fd >= 0:
                os.close(fd)


def test_a_succeeding_command_prints_everything_before_it_leaves(tmp_path: Path) -> None:
    out = tmp_path / "printed.txt"
    with out.open("w") as printed:
        done = subprocess.run(
            [sys.executable, "-m", "partnernet", "validate", "sample_data"],
            cwd=ROOT,
            stdout=printed,
            stderr=subprocess.PIPE,
            text=True,
        )
    assert done.returncode == 0, done.stderr
    expected = subprocess.run(
        [sys.executable, "-c", "from partnernet.cli import cli; cli(['validate', 'sample_data'])"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.read_text() == expected.stdout and out.read_text().strip()
