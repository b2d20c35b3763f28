"""Whole runs (io.staging): a folder holds exactly one run, the old or the new,
wherever a run is killed; one writer at a time; no copy outlives its process.

The kill tests SIGKILL real processes by pid: at every step of the swap (a wrapper
around os.replace/os.unlink/os.fsync that kills its own process at the k-th call),
and after random delays. Each then runs the next command and compares the folder,
byte for byte, with an uninterrupted old and new run.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, SAMPLE_DIR, TEST_DATA

from partnernet.cli import cli
from partnernet.errors import OutputError
from partnernet.io import staging
from partnernet.io.staging import (
    MANIFEST_NAME,
    STAGING_PREFIX,
    check_manifest,
    folder_lock,
    settle,
    stage_run,
)

PYTHON = sys.executable
BAD_DATASET = TEST_DATA / "bad_amount_zero"
# Bounded so `make test` stays short; raise it to run many more seeds.
KILL_TRIALS = int(os.environ.get("PARTNERNET_KILL_TRIALS", "4"))
KILL_SEED = int(os.environ.get("PARTNERNET_KILL_SEED", "18"))

# Kills its own process (SIGKILL, as `kill -9` would) at the k-th call of the file
# system operations a run's staging and swap are made of, then runs the command.
KILLER = textwrap.dedent(
    """
    import os, signal, sys
    k = int(sys.argv[1])
    calls = [0]
    def killing(fn):
        def wrapper(*args, **kwargs):
            calls[0] += 1
            if calls[0] == k:
                os.kill(os.getpid(), signal.SIGKILL)
            return fn(*args, **kwargs)
        return wrapper
    for name in ("replace", "unlink", "fsync", "rmdir"):
        setattr(os, name, killing(getattr(os, name)))
    if sys.argv[2] == "--stage":
        from pathlib import Path
        from partnernet.io.staging import stage_run
        with stage_run(sys.argv[3], command="test", retire=["c.txt"]) as run:
            for name in ("a.txt", "b.txt"):
                run.write_text(name, "new " + name)
    else:
        from partnernet.cli import main
        sys.argv = ["partnernet", *sys.argv[2:]]
        main()
    """
)


# Kills its own process just before the rename that would put argv[1] in place:
# between an import's organisations.csv and its funding.csv, say.
KILL_AT_RENAME = textwrap.dedent(
    """
    import os, signal, sys
    target, real = sys.argv[1], os.replace
    def replace(src, dst, **kwargs):
        staged = "staging" in str(src) and "staging" not in str(dst)
        if os.path.basename(str(dst)) == target and staged:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(src, dst, **kwargs)
    os.replace = replace
    from partnernet.cli import main
    sys.argv = ["partnernet", *sys.argv[2:]]
    main()
    """
)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _partnernet(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "partnernet", *map(str, args)],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=600,
    )


def state(folder: Path) -> dict[str, bytes]:
    """The run a folder holds: its visible files by name, with their bytes."""
    return {
        p.name: p.read_bytes()
        for p in sorted(folder.iterdir())
        if not p.name.startswith(".") and p.is_file()
    }


def leftovers(folder: Path) -> list[str]:
    """Anything hidden but the manifest: staging folders, temporary files, the lock."""
    return sorted(
        p.name for p in folder.iterdir() if p.name.startswith(".") and p.name != MANIFEST_NAME
    )


def assert_one_whole_run(folder: Path, old: dict[str, bytes], new: dict[str, bytes]) -> str:
    now = state(folder)
    assert now in (old, new), sorted(
        (name, name in old and old[name] == data, name in new and new[name] == data)
        for name, data in now.items()
    )
    assert leftovers(folder) == []
    assert check_manifest(folder) == []
    return "old" if now == old else "new"


# ----------------------------------------------------------------- the mechanism


def test_a_run_is_swapped_in_whole_with_its_manifest_last(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("not ours")
    with stage_run(tmp_path, command="test", retire=["gone.txt"]) as run:
        (tmp_path / "gone.txt").write_text("old output")
        run.write_text("a.txt", "alpha")
        run.write_bytes("b.bin", b"\x00\x01")
        # nothing is in place until the block ends
        assert not (tmp_path / "a.txt").exists()
    assert state(tmp_path) == {"a.txt": b"alpha", "b.bin": b"\x00\x01", "keep.txt": b"not ours"}
    manifest = json.loads((tmp_path / MANIFEST_NAME).read_text())
    assert manifest["command"] == "test"
    # The package's own version (read without importing importlib.metadata on every
    # run), which must be the one pyproject.toml releases.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert manifest["partnernet_version"] == project["version"]
    assert [f["name"] for f in manifest["files"]] == ["a.txt", "b.bin"]
    assert manifest["files"][0] == {
        "name": "a.txt",
        "bytes": 5,
        "sha256": "8ed3f6ad685b959ead7022518e1af76cd816f8e8ec7ccdda1ed4018e8f2223f8",
    }
    assert manifest["retired"] == ["gone.txt"]
    assert leftovers(tmp_path) == []
    (tmp_path / "a.txt").write_text("edited")
    assert check_manifest(tmp_path) == [
        f"{tmp_path}/a.txt has changed since run {manifest['run_id']} wrote it"
    ]


def test_a_failing_run_leaves_the_folder_as_it_was(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("old")
    with pytest.raises(RuntimeError), stage_run(tmp_path, command="test") as run:
        run.write_text("a.txt", "new")
        raise RuntimeError("rendering failed")
    assert state(tmp_path) == {"a.txt": b"old"}
    assert leftovers(tmp_path) == []


def _old_run(folder: Path) -> dict[str, bytes]:
    folder.mkdir()
    with stage_run(folder, command="test") as run:
        for name in ("a.txt", "b.txt", "c.txt"):
            run.write_text(name, "old " + name)
    return state(folder)


def test_a_kill_at_every_step_of_a_swap_leaves_the_old_run_or_the_new(tmp_path: Path) -> None:
    """SIGKILL at each file system call of staging, commit and swap, one by one."""
    script = tmp_path / "killer.py"
    script.write_text(KILLER)
    new = {"a.txt": b"new a.txt", "b.txt": b"new b.txt"}
    seen = []
    for k in range(1, 60):
        folder = tmp_path / f"k{k}"
        old = _old_run(folder)
        done = subprocess.run(
            [PYTHON, str(script), str(k), "--stage", str(folder)], env=_env(), timeout=60
        )
        if done.returncode == 0:
            break
        assert done.returncode == -signal.SIGKILL
        before = state(folder)
        assert before in (old, new) or set(before) <= set(old) | set(new)
        notes: list[str] = []
        settle(folder, on_note=notes.append)  # what the next command does first
        seen.append(assert_one_whole_run(folder, old, new))
    else:
        pytest.fail("the run never completed")
    # Both outcomes were reached: the kills fell before and after the commit point.
    assert "old" in seen and "new" in seen, seen
    assert len(seen) >= 10  # 3 fsyncs, the commit, 2 renames, retire, manifest, cleanup


def test_settling_rolls_a_committed_swap_forward_and_says_so(tmp_path: Path) -> None:
    old = _old_run(tmp_path / "out")
    folder = tmp_path / "out"
    run = staging.StagedRun(folder, folder / f"{STAGING_PREFIX}r1", "r1", "analyse")
    run.path.mkdir()
    run.write_text("a.txt", "new a")
    # Committed, then killed after its first rename: the folder is a mix until settled.
    manifest = {
        "run_id": "r1",
        "command": "analyse",
        "written_at": "2026-12-01T17:00:00Z",
        "files": [{"name": "a.txt", "bytes": 5, "sha256": run.hashes["a.txt"][1]}],
        "retired": ["c.txt"],
    }
    (run.path / MANIFEST_NAME).write_text(json.dumps(manifest))
    (folder / MANIFEST_NAME).unlink()
    (folder / ".metrics.csv.abcd1234.tmp").write_text("partial")
    done = settle(folder)
    assert done == [
        f"{folder}: the run r1 (analyse, 2026-12-01T17:00:00Z) was interrupted while its "
        "files were put in place; finished putting them in place.",
        f"{folder}: removed 1 temporary file(s) left by an interrupted write.",
    ]
    assert state(folder) == {"a.txt": b"new a", "b.txt": old["b.txt"]}
    assert leftovers(folder) == []


# ------------------------------------------------------------------ one writer


def test_a_second_writer_is_refused_naming_the_first(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            PYTHON,
            "-c",
            "import sys, time\n"
            "from partnernet.io.staging import folder_lock\n"
            f"with folder_lock({str(tmp_path)!r}, command='import-360giving'):\n"
            "    print('locked', flush=True); time.sleep(30)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        with pytest.raises(OutputError) as caught, folder_lock(tmp_path, command="analyse"):
            pass
        assert caught.value.exit_code == 5
        message = str(caught.value)
        assert message.startswith(
            f"another partnernet run is writing to {tmp_path} (pid {holder.pid}, "
            "import-360giving, since 20"
        )
        assert message.endswith(
            "nothing was written.\nWait for it to finish, or choose another folder."
        )
        result = CliRunner().invoke(cli, ["analyse", str(SAMPLE_DIR), "--out", str(tmp_path), "-q"])
        assert result.exit_code == 5, result.output
        assert f"Error: another partnernet run is writing to {tmp_path} (pid {holder.pid}" in (
            result.output
        )
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    # The kernel released the lock with the process; the next writer takes it.
    with folder_lock(tmp_path, command="analyse"):
        pass
    assert leftovers(tmp_path) == []


def _grants(path: Path, prefix: str, n: int) -> Path:
    rows = [
        "Identifier,Amount Awarded,Award Date,Recipient Org:Identifier,Recipient Org:Name,"
        "Funding Org:Identifier,Funding Org:Name"
    ]
    for i in range(1, n + 1):
        rows.append(
            f"{prefix}-{i},{100 * i},2024-01-{1 + i % 28:02d},"
            f"GB-CHC-{prefix_number(prefix)}{i:03d},{prefix} Group {i},GB-LAE-AAA,Aville Council"
        )
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def prefix_number(prefix: str) -> str:
    return str(1000 + ord(prefix[0]))


def _grant_ids(folder: Path) -> set[str]:
    with open(folder / "funding.csv", encoding="utf-8", newline="") as handle:
        return {row["id"] for row in csv.DictReader(handle)}


@pytest.mark.slow
def test_two_imports_into_one_folder_at_once_lose_nothing(tmp_path: Path) -> None:
    a = _grants(tmp_path / "a.csv", "A", 400)
    b = _grants(tmp_path / "b.csv", "B", 400)
    ids_a, ids_b = {f"A-{i}" for i in range(1, 401)}, {f"B-{i}" for i in range(1, 401)}
    outcomes = []
    for trial in range(3):
        out = tmp_path / f"ds{trial}"
        runs = [
            subprocess.Popen(
                [PYTHON, "-m", "partnernet", "import-360giving", str(f), "--out", str(out)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=_env(),
            )
            for f in (a, b)
        ]
        results = [(r.returncode, r.communicate(timeout=600)[1]) for r in runs]
        results = [(r.returncode, err) for r, (_, err) in zip(runs, results, strict=True)]
        codes = [code for code, _ in results]
        found = _grant_ids(out)
        if codes == [0, 0]:
            assert found == ids_a | ids_b  # the second merged with the first
            outcomes.append("both")
        else:
            assert sorted(codes) == [0, 5], results
            winner = codes.index(0)
            loser_message = results[1 - winner][1]
            assert f"Error: another partnernet run is writing to {out} (pid {runs[winner].pid}" in (
                loser_message
            )
            assert found == (ids_a, ids_b)[winner]  # exactly the winner's, nothing lost silently
            outcomes.append("refused")
        assert leftovers(out) == []
    assert outcomes  # each trial ended in one of the two allowed ways


def test_an_import_refuses_when_the_dataset_changed_after_it_was_read(tmp_path: Path) -> None:
    from partnernet.io.merge import read_existing, write_validated

    out = tmp_path / "ds"
    assert (
        _partnernet(
            "import-360giving", _grants(tmp_path / "a.csv", "A", 3), "--out", out
        ).returncode
        == 0
    )
    existing = read_existing(out)
    assert existing is not None
    # another run replaces funding.csv meanwhile
    assert (
        _partnernet(
            "import-360giving", _grants(tmp_path / "b.csv", "B", 3), "--out", out
        ).returncode
        == 0
    )
    before = state(out)
    with pytest.raises(OutputError) as caught:
        write_validated(existing, out, tables=("organisations", "funding"))
    assert caught.value.exit_code == 5
    assert str(caught.value) == (
        f"the dataset in {out} changed while this import was running (another run wrote "
        "it); nothing was written.\nRun the import again: it merges with the dataset as it is now."
    )
    assert state(out) == before


# ------------------------------------------------------ no copy outlives its run


def test_the_validation_copy_is_inside_the_dataset_never_the_system_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from partnernet.io import merge

    seen = []
    real = merge.read_dataset

    def spy(folder: object, **kwargs: object) -> object:
        seen.append(Path(str(folder)))
        return real(folder, **kwargs)  # type: ignore[arg-type]

    # A system temp folder of its own, so other processes on the machine do not count.
    system_temp = tmp_path / "system-temp"
    system_temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_temp))
    monkeypatch.setattr(merge, "read_dataset", spy)
    out = tmp_path / "ds"
    shutil.copytree(SAMPLE_DIR, out)
    result = CliRunner().invoke(
        cli, ["import-360giving", str(_grants(tmp_path / "a.csv", "A", 5)), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    copies = [p for p in seen if p.name.startswith(STAGING_PREFIX)]
    assert copies and all(p.parent == out for p in copies)
    assert list(system_temp.iterdir()) == []
    assert leftovers(out) == []


def test_sigterm_during_a_run_removes_its_staging_folder(tmp_path: Path) -> None:
    old = _old_run(tmp_path / "out")
    script = (
        "import os, signal\n"
        "from partnernet.io.staging import stage_run\n"
        f"with stage_run({str(tmp_path / 'out')!r}, command='test') as run:\n"
        "    run.write_text('a.txt', 'affiliations: personal data')\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    raise SystemExit('not reached')\n"
    )
    done = subprocess.run([PYTHON, "-c", script], env=_env(), capture_output=True, timeout=60)
    assert done.returncode == 128 + signal.SIGTERM, done.stderr
    # cleaned by the process itself, before any next command
    assert state(tmp_path / "out") == old
    assert leftovers(tmp_path / "out") == []


# -------------------------------------------------------------- real commands


@pytest.fixture(scope="module")
def analyse_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, bytes]]:
    """An old and a new run of analyse over the sample, made without interruption."""
    base = tmp_path_factory.mktemp("runs")
    runs = {}
    for name in ("old", "new"):
        done = _partnernet(
            "analyse",
            SAMPLE_DIR,
            "--out",
            base / name,
            "-q",
            "--permutations",
            "100",
            "--title",
            f"The {name} run",
        )
        assert done.returncode == 0, done.stderr
        runs[name] = state(base / name)
    assert runs["old"]["report.md"] != runs["new"]["report.md"]
    return runs


def _analyse_new(out: Path) -> list[str]:
    return [
        "analyse",
        str(SAMPLE_DIR),
        "--out",
        str(out),
        "-q",
        "--permutations",
        "100",
        "--title",
        "The new run",
    ]


def _next_command_on(out: Path) -> subprocess.CompletedProcess[str]:
    """A later analyse into the same folder, of a dataset that is invalid: it settles
    the folder on taking its lock, then stops (exit 3) without writing."""
    done = _partnernet("analyse", BAD_DATASET, "--out", out, "-q")
    assert done.returncode == 3, done.stderr
    return done


@pytest.mark.slow
def test_killing_analyse_at_steps_of_its_write_leaves_one_whole_run(
    tmp_path: Path, analyse_runs: dict[str, dict[str, bytes]]
) -> None:
    script = tmp_path / "killer.py"
    script.write_text(KILLER)
    rng = random.Random(KILL_SEED)
    # 9 files: 9 fsyncs, the manifest's, the commit, 9 renames, the manifest's
    # move and the cleanup: kill at a bounded random choice of these steps.
    steps = sorted(rng.sample(range(1, 33), KILL_TRIALS))
    seen = []
    for k in steps:
        out = tmp_path / f"k{k}"
        _restore(out, analyse_runs["old"])
        done = subprocess.run(
            [PYTHON, str(script), str(k), *_analyse_new(out)],
            env=_env(),
            timeout=600,
            capture_output=True,
        )
        assert done.returncode in (0, -signal.SIGKILL), done.stderr
        _next_command_on(out)
        seen.append(assert_one_whole_run(out, analyse_runs["old"], analyse_runs["new"]))
    assert seen


def _restore(out: Path, run: dict[str, bytes]) -> None:
    """A folder holding ``run`` as analyse writes it (files and manifest)."""
    out.mkdir(parents=True)
    with stage_run(out, command="analyse") as staged:
        for name, data in run.items():
            staged.write_bytes(name, data)


@pytest.mark.slow
def test_sigkill_after_random_delays_during_analyse_leaves_one_whole_run(
    tmp_path: Path, analyse_runs: dict[str, dict[str, bytes]]
) -> None:
    rng = random.Random(KILL_SEED)
    probe = tmp_path / "probe"
    _restore(probe, analyse_runs["old"])
    started = time.monotonic()
    assert (
        subprocess.run([PYTHON, "-m", "partnernet", *_analyse_new(probe)], env=_env()).returncode
        == 0
    )
    whole = time.monotonic() - started
    seen = []
    for trial in range(KILL_TRIALS):
        out = tmp_path / f"t{trial}"
        _restore(out, analyse_runs["old"])
        run = subprocess.Popen(
            [PYTHON, "-m", "partnernet", *_analyse_new(out)],
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Most of a run is reading and measuring; aim the kills at its end, where
        # it writes, and past it.
        time.sleep(rng.uniform(0.6, 1.1) * whole)
        os.kill(run.pid, signal.SIGKILL)
        run.wait()
        _next_command_on(out)
        seen.append(assert_one_whole_run(out, analyse_runs["old"], analyse_runs["new"]))
    assert len(seen) == KILL_TRIALS


@pytest.fixture(scope="module")
def import_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A dataset before and after importing a second grants file, uninterrupted."""
    base = tmp_path_factory.mktemp("imports")
    first = _grants(base / "a.csv", "A", 300)
    second = _grants(base / "b.csv", "B", 300)
    old = base / "old"
    assert _partnernet("import-360giving", first, "--out", old).returncode == 0
    new = base / "new"
    shutil.copytree(old, new)
    assert _partnernet("import-360giving", second, "--out", new).returncode == 0
    return {"old": state(old), "new": state(new), "old_dir": old, "second": second}


@pytest.mark.slow
def test_killing_an_import_at_random_points_leaves_the_old_dataset_or_the_new(
    tmp_path: Path, import_runs: dict[str, object]
) -> None:
    script = tmp_path / "killer.py"
    script.write_text(KILLER)
    rng = random.Random(KILL_SEED)
    old, new = import_runs["old"], import_runs["new"]
    assert isinstance(old, dict) and isinstance(new, dict)
    seen = []
    # Steps of the write (the validation copy's six files, the commit, the two
    # renames that once left 175,002 organisations beside no grants), then delays.
    steps = sorted(rng.sample(range(1, 19), KILL_TRIALS))
    for trial, k in enumerate(steps + [None] * KILL_TRIALS):
        out = tmp_path / f"ds{trial}"
        shutil.copytree(str(import_runs["old_dir"]), out)
        command = ["import-360giving", str(import_runs["second"]), "--out", str(out)]
        if k is not None:
            done = subprocess.run(
                [PYTHON, str(script), str(k), *command],
                env=_env(),
                capture_output=True,
                timeout=600,
            )
            assert done.returncode in (0, -signal.SIGKILL), done.stderr
        else:
            run = subprocess.Popen([PYTHON, "-m", "partnernet", *command], env=_env())
            time.sleep(rng.uniform(0.5, 3.0))
            os.kill(run.pid, signal.SIGKILL)
            run.wait()
        checked = _partnernet("validate", out)  # the next command: settles, then reads
        assert checked.returncode == 0, checked.stderr
        seen.append(assert_one_whole_run(out, old, new))
    assert len(seen) == 2 * KILL_TRIALS


# ------------------------------------------------------------------ a full disk


def test_a_full_disk_while_analyse_writes_leaves_the_old_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_results: object, sample_findings: object
) -> None:
    """ENOSPC simulated (no tmpfs without privileges): the k-th flush to disk fails."""
    from partnernet.export import write_outputs

    out = tmp_path / "out"
    write_outputs(out, sample_results, sample_findings, title="Old")  # type: ignore[arg-type]
    old = state(out)
    real_fsync = os.fsync
    for k in (2, 9):  # a table, then the last file (the report)
        calls = [0]

        def full(fd: int, k: int = k, calls: list[int] = calls) -> None:
            calls[0] += 1
            if calls[0] == k:
                raise OSError(errno.ENOSPC, "No space left on device")
            real_fsync(fd)

        monkeypatch.setattr(os, "fsync", full)
        with pytest.raises(OutputError) as caught:
            write_outputs(out, sample_results, sample_findings, title="New")  # type: ignore[arg-type]
        monkeypatch.setattr(os, "fsync", real_fsync)
        assert caught.value.exit_code == 5
        assert "No space left on device" in str(caught.value)
        assert "The folder holds the previous run, unchanged." in str(caught.value)
        assert state(out) == old
        assert leftovers(out) == []


def test_a_full_disk_during_an_import_keeps_both_of_its_old_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "ds"
    assert (
        _partnernet(
            "import-360giving", _grants(tmp_path / "a.csv", "A", 30), "--out", out
        ).returncode
        == 0
    )
    old = state(out)
    second = _grants(tmp_path / "b.csv", "B", 30)
    real_fsync = os.fsync
    for k in (1, 2, 3):
        calls = [0]

        def full(fd: int, k: int = k, calls: list[int] = calls) -> None:
            calls[0] += 1
            if calls[0] == k:
                raise OSError(errno.ENOSPC, "No space left on device")
            real_fsync(fd)

        monkeypatch.setattr(os, "fsync", full)
        result = CliRunner().invoke(cli, ["import-360giving", str(second), "--out", str(out)])
        monkeypatch.setattr(os, "fsync", real_fsync)
        assert result.exit_code == 5, result.output
        assert "No space left on device" in result.output
        assert state(out) == old
        assert leftovers(out) == []


def _can_mount_tmpfs() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        [
            "unshare",
            "--user",
            "--map-root-user",
            "--mount",
            "sh",
            "-c",
            "d=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs $d && umount $d && rmdir $d",
        ],
        capture_output=True,
    )
    return probe.returncode == 0


@pytest.mark.slow
def test_analyse_on_a_small_real_disk_leaves_the_old_run(
    tmp_path: Path, analyse_runs: dict[str, dict[str, bytes]]
) -> None:
    """A real tmpfs too small for two runs (in a private mount namespace)."""
    if not _can_mount_tmpfs():
        pytest.skip("no unshare/tmpfs here; the simulated ENOSPC tests cover this")
    old_size = sum(len(b) for b in analyse_runs["old"].values())
    inside = tmp_path / "inside.py"
    inside.write_text(
        textwrap.dedent(
            f"""
            import json, subprocess, sys
            from pathlib import Path
            sys.path.insert(0, {str(ROOT)!r}); sys.path.insert(0, {str(Path(__file__).parent)!r})
            from test_staging import _restore, state, leftovers, _analyse_new
            import pickle
            old = pickle.loads(Path({str(tmp_path / "old.pickle")!r}).read_bytes())
            out = Path(sys.argv[1]) / "out"
            _restore(out, old)
            done = subprocess.run([sys.executable, "-m", "partnernet", *_analyse_new(out)],
                                  capture_output=True, text=True)
            print(json.dumps({{"code": done.returncode, "stderr": done.stderr,
                               "same": state(out) == old, "leftovers": leftovers(out)}}))
            """
        )
    )
    import pickle

    (tmp_path / "old.pickle").write_bytes(pickle.dumps(analyse_runs["old"]))
    mount = tmp_path / "disk"
    mount.mkdir()
    size_kb = int(old_size * 1.4 / 1024) + 64
    done = subprocess.run(
        [
            "unshare",
            "--user",
            "--map-root-user",
            "--mount",
            "sh",
            "-c",
            f"mount -t tmpfs -o size={size_kb}k tmpfs {mount} && {PYTHON} {inside} {mount}",
        ],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] == 5, report
    assert "No space left on device" in report["stderr"]
    assert report["same"] is True
    assert report["leftovers"] == []


# ----------------------------------------------------------- CSV cells, imported


def test_an_import_writes_names_neutralised_and_quoted(tmp_path: Path) -> None:
    grants = tmp_path / "hostile.csv"
    grants.write_text(
        "Identifier,Amount Awarded,Award Date,Recipient Org:Identifier,Recipient Org:Name,"
        "Funding Org:Identifier,Funding Org:Name\n"
        'G-1,100,2024-01-01,GB-CHC-1000001,"=HYPERLINK(""http://x"",""y"")",GB-LAE-AAA,Council\n'
        "G-2,100,2024-01-01,GB-CHC-1000002,Friends;=cmd|' /C calc'!A0;,GB-LAE-AAA,Council\n",
        encoding="utf-8",
    )
    out = tmp_path / "ds"
    done = _partnernet("import-360giving", grants, "--out", out)
    assert done.returncode == 0, done.stderr
    text = (out / "organisations.csv").read_text(encoding="utf-8")
    assert '\'=HYPERLINK(""http://x"",""y"")' in text
    assert "\"Friends;'=cmd|' /C calc'!A0;\"" in text
    # Read as a spreadsheet set to ';' (or '|', or tab) would: no cell starts a formula.
    for separator in (",", ";", "|", "\t"):
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=separator):
            assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row), (separator, row)
    assert _partnernet("validate", out).returncode == 0


def test_a_read_that_an_import_swapped_under_is_done_again(tmp_path: Path) -> None:
    _old_run(tmp_path / "ds")
    folder = tmp_path / "ds"
    reads = []

    def read() -> str:
        reads.append(1)
        if len(reads) == 1:  # an import swaps new files in while this one reads
            with stage_run(folder, command="import") as run:
                run.write_text("a.txt", "new a.txt")
        return (folder / "a.txt").read_text()

    assert staging.consistent_read(folder, read) == "new a.txt"
    assert len(reads) == 2


def test_the_next_command_removes_partial_temporary_files_and_says_so(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _restore(out, {"metrics.csv": b"id\r\n"})
    (out / ".findings.json.k2x9_q0a.tmp").write_bytes(b"{" * 14_000)  # a killed write's
    (out / f"{STAGING_PREFIX}20261201T170000Z-99-abcdef").mkdir()
    (out / f"{STAGING_PREFIX}20261201T170000Z-99-abcdef" / "affiliations.csv").write_text("p,o")
    done = _next_command_on(out)
    assert (
        f"Note: {out}: an interrupted run (20261201T170000Z-99-abcdef) left unfinished "
        "files; removed them." in done.stderr
    )
    assert f"Note: {out}: removed 1 temporary file(s) left by an interrupted write." in done.stderr
    assert state(out) == {"metrics.csv": b"id\r\n"}
    assert leftovers(out) == []


def test_a_kill_between_an_imports_two_files_is_finished_by_the_next_command(
    tmp_path: Path,
) -> None:
    """The reproduction: killed after organisations.csv was replaced and before
    funding.csv was, an import once left 175,002 organisations and 0 grants."""
    out = tmp_path / "ds"
    assert (
        _partnernet(
            "import-360giving", _grants(tmp_path / "a.csv", "A", 20), "--out", out
        ).returncode
        == 0
    )
    old = state(out)
    script = tmp_path / "kill_at_rename.py"
    script.write_text(KILL_AT_RENAME)
    second = _grants(tmp_path / "b.csv", "B", 20)
    command = ["import-360giving", str(second), "--out", str(out)]
    done = subprocess.run([PYTHON, str(script), "funding.csv", *command], env=_env(), timeout=600)
    assert done.returncode == -signal.SIGKILL
    # The mix the kill left, seen by a program that is not partnernet:
    assert state(out)["funding.csv"] == old["funding.csv"]
    assert state(out)["organisations.csv"] != old["organisations.csv"]
    assert not (out / MANIFEST_NAME).exists()  # which marks the folder as mid-swap
    checked = _partnernet("validate", out)
    assert checked.returncode == 0, checked.stderr
    assert checked.stderr.startswith(f"Note: {out}: the run 20")
    assert "(import-360giving, 20" in checked.stderr
    assert checked.stderr.rstrip().endswith(
        "was interrupted while its files were put in place; finished putting them in place."
    )
    assert checked.stdout == (
        f"{out} is valid: 41 organisations, 0 boards, 0 memberships, 40 funding awards, "
        "0 partnerships, 0 affiliations.\n"
    )
    assert _grant_ids(out) == {f"A-{i}" for i in range(1, 21)} | {f"B-{i}" for i in range(1, 21)}
    assert leftovers(out) == []
    assert check_manifest(out) == []


def test_a_folder_that_no_longer_matches_its_manifest_is_reported(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _restore(out, {"metrics.csv": b"id\r\n", "report.md": b"# Old\n"})
    run_id = json.loads((out / MANIFEST_NAME).read_text())["run_id"]
    (out / "report.md").write_text("# Edited\n")
    done = _next_command_on(out)
    assert (
        f"Note: {out}/report.md has changed since run {run_id} wrote it, so the folder does "
        "not hold one whole run; this run replaces it." in done.stderr
    )


@pytest.mark.slow
def test_sigterm_at_random_points_of_an_import_leaves_nothing_behind(
    tmp_path: Path, import_runs: dict[str, object]
) -> None:
    """No next command: the process cleans up after itself on SIGTERM."""
    rng = random.Random(KILL_SEED)
    old, new = import_runs["old"], import_runs["new"]
    for trial in range(KILL_TRIALS):
        out = tmp_path / f"ds{trial}"
        shutil.copytree(str(import_runs["old_dir"]), out)
        run = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "partnernet",
                "import-360giving",
                str(import_runs["second"]),
                "--out",
                str(out),
            ],
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.5, 3.0))
        run.send_signal(signal.SIGTERM)
        code = run.wait()
        assert code in (0, 128 + signal.SIGTERM, -signal.SIGTERM)
        assert leftovers(out) == []  # no staging copy, no lock, no temporary file
        assert state(out) in (old, new)


# ------------------------------------------ sample, init and render (whole runs too)


def _sample_new(out: Path) -> list[str]:
    return ["sample", "--out", str(out), "--seed", "2", "--force", "-q"]


@pytest.fixture(scope="module")
def sample_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A sample dataset (seed 1), and the same folder after a sample of seed 2 over it."""
    base = tmp_path_factory.mktemp("samples")
    old = base / "old"
    assert _partnernet("sample", "--out", old, "--seed", "1", "-q").returncode == 0
    new = base / "new"
    shutil.copytree(old, new)
    assert _partnernet(*_sample_new(new)).returncode == 0
    runs: dict[str, object] = {"old": state(old), "new": state(new), "old_dir": old}
    assert runs["old"] != runs["new"]
    return runs


@pytest.mark.slow
def test_killing_sample_at_steps_and_random_points_leaves_the_old_dataset_or_the_new(
    tmp_path: Path, sample_runs: dict[str, object]
) -> None:
    script = tmp_path / "killer.py"
    script.write_text(KILLER)
    rng = random.Random(KILL_SEED)
    old, new = sample_runs["old"], sample_runs["new"]
    assert isinstance(old, dict) and isinstance(new, dict)
    probe = tmp_path / "probe"
    shutil.copytree(str(sample_runs["old_dir"]), probe)
    started = time.monotonic()
    assert _partnernet(*_sample_new(probe)).returncode == 0
    whole = time.monotonic() - started
    # The six files' fsyncs, the commit, the old manifest's removal, six renames,
    # the manifest's move and the cleanup: 22 calls in all.
    steps = sorted(rng.sample(range(1, 23), KILL_TRIALS))
    seen = []
    for trial, k in enumerate(steps + [None] * KILL_TRIALS):
        out = tmp_path / f"s{trial}"
        shutil.copytree(str(sample_runs["old_dir"]), out)
        if k is not None:
            done = subprocess.run(
                [PYTHON, str(script), str(k), *_sample_new(out)],
                env=_env(),
                capture_output=True,
                timeout=600,
            )
            assert done.returncode in (0, -signal.SIGKILL), done.stderr
        else:
            run = subprocess.Popen(
                [PYTHON, "-m", "partnernet", *_sample_new(out)],
                env=_env(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(rng.uniform(0.3, 1.1) * whole)
            os.kill(run.pid, signal.SIGKILL)
            run.wait()
        checked = _partnernet("validate", out)  # the next command: settles, then reads
        assert checked.returncode == 0, checked.stderr
        seen.append(assert_one_whole_run(out, old, new))
    assert len(seen) == 2 * KILL_TRIALS


def test_sample_init_and_render_into_a_locked_folder_exit_5_and_write_nothing(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "busy"
    assert _partnernet("sample", "--out", folder, "--seed", "1", "-q").returncode == 0
    before = state(folder)
    holder = subprocess.Popen(
        [
            PYTHON,
            "-c",
            "import sys, time\n"
            "from partnernet.io.staging import folder_lock\n"
            f"with folder_lock({str(folder)!r}, command='sample'):\n"
            "    print('locked', flush=True); time.sleep(30)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        runner = CliRunner()
        for args in (
            ["sample", "--out", str(folder), "--seed", "2", "--force", "-q"],
            ["sample", "--out", str(tmp_path / "a"), "--year-after", str(folder), "-q"],
            ["init", str(folder)],
            ["render", str(SAMPLE_DIR), "--out", str(folder / "map.html"), "-q"],
        ):
            result = runner.invoke(cli, args)
            assert result.exit_code == 5, (args, result.output)
            assert f"Error: another partnernet run is writing to {folder} (pid {holder.pid}" in (
                result.output
            )
            assert state(folder) == before
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    with folder_lock(folder, command="sample"):  # the lock file the holder's kill left
        pass
    assert leftovers(folder) == []
    # --year-after's first folder was refused with it, and removed as never used
    assert not (tmp_path / "a").exists()


def test_init_is_one_run_and_refuses_any_existing_template(tmp_path: Path) -> None:
    folder = tmp_path / "place"
    folder.mkdir()
    (folder / "funding.csv").write_text("mine\n")
    result = CliRunner().invoke(cli, ["init", str(folder)])
    assert result.exit_code == 5, result.output
    assert "already has funding.csv; partnernet init never overwrites a file" in result.output
    assert sorted(p.name for p in folder.iterdir()) == ["funding.csv"]  # nothing else staged


def test_the_year_after_replaces_its_folder_whole(tmp_path: Path) -> None:
    """A table the new dataset has no rows for does not stay behind from the old one."""
    from partnernet.io.read import read_dataset
    from partnernet.io.writers import replace_dataset

    target = tmp_path / "ds"
    shutil.copytree(SAMPLE_DIR, target)
    ds = read_dataset(SAMPLE_DIR)
    without = type(ds).from_frames(organisations=ds.organisations, funding=ds.funding)
    written = replace_dataset(without, target, command="sample")
    assert [p.name for p in written] == ["organisations.csv", "funding.csv"]
    assert sorted(state(target)) == ["funding.csv", "organisations.csv"]
    manifest = json.loads((target / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest["command"] == "sample"
    assert sorted(manifest["retired"]) == sorted(
        f"{t}.csv" for t in ("affiliations", "boards", "memberships", "partnerships")
    )
    assert check_manifest(target) == [] and leftovers(target) == []


def test_render_into_an_analyse_folder_keeps_it_whole(tmp_path: Path) -> None:
    """A map over the run's network.html is recorded in its manifest; map.html beside
    the run leaves the manifest alone. Either way the next command sees one whole run."""
    out = tmp_path / "out"
    done = _partnernet("analyse", SAMPLE_DIR, "--out", out, "-q", "--permutations", "100")
    assert done.returncode == 0, done.stderr
    manifest = (out / MANIFEST_NAME).read_bytes()
    beside = _partnernet("render", SAMPLE_DIR, "--out", out / "map.html")
    assert beside.returncode == 0, beside.stderr
    assert (out / MANIFEST_NAME).read_bytes() == manifest
    old_map = (out / "network.html").read_bytes()
    over = _partnernet(
        "render", SAMPLE_DIR, "--out", out / "network.html", "--colour-by", "size_band"
    )
    assert over.returncode == 0, over.stderr
    assert (out / "network.html").read_bytes() != old_map
    assert "network.html was part of the run in" in over.stderr
    (entry,) = [
        e
        for e in json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))["files"]
        if e["name"] == "network.html"
    ]
    assert entry["replaced_by"] == "render"
    assert check_manifest(out) == [] and leftovers(out) == []
    assert "does not hold one whole run" not in _next_command_on(out).stderr
    # and the check can fail: a hand edit still shows
    (out / "network.html").write_text("edited")
    assert "does not hold one whole run" in _next_command_on(out).stderr


def test_analyse_removes_only_the_earlier_outputs_its_manifest_lists(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "tables.xlsx").write_bytes(b"the user's own workbook")
    run = ["analyse", str(SAMPLE_DIR), "--out", str(out), "-q", "--permutations", "100"]
    assert CliRunner().invoke(cli, run).exit_code == 0
    assert (out / "tables.xlsx").read_bytes() == b"the user's own workbook"
    # One that an earlier analyse wrote goes when the next one does not write it.
    assert CliRunner().invoke(cli, [*run, "--xlsx"]).exit_code == 0
    assert (out / "tables.xlsx").read_bytes() != b"the user's own workbook"
    assert CliRunner().invoke(cli, run).exit_code == 0
    assert not (out / "tables.xlsx").exists()
    assert check_manifest(out) == [] and leftovers(out) == []
