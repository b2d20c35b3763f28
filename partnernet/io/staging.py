"""Whole runs: one writer per folder, every output staged, swapped in together.

A run of partnernet writes several files into one folder ``F`` (an analysis
``--out`` folder, or a dataset folder an importer merges into). They belong
together: a map beside the tables of another run, or ``organisations.csv`` of a new
import beside the ``funding.csv`` of the old one, is worse than either run. The rule
every command that writes follows:

1. **Lock.** It takes ``F/.partnernet.lock`` with ``flock`` (advisory, exclusive,
   released by the operating system when the process ends, however it ends) for the
   whole run: for an import, before it reads the dataset it merges with. A second
   writer is refused at once with exit 5, naming the process that holds the lock;
   it does not wait (a run can take minutes, and a command that hangs silently is
   worse than one that says why it stopped).
2. **Settle.** It finishes or undoes whatever an interrupted run left in ``F``
   (below), and removes the temporary files a killed write left behind.
3. **Stage.** It writes every file of the run into ``F/.partnernet-staging-<run>/``
   (inside ``F``, so on the same file system, where a rename is atomic), each one
   flushed to disk. An importer's validation copy of the whole dataset is this
   folder too, never the system's temporary folder.
4. **Commit.** It writes the manifest, ``.partnernet-run.json`` (run id, command,
   time, partnernet version, each file with its size and SHA-256, the files the run
   retires), into the staging folder, last, by rename. That rename is the commit
   point: before it ``F`` holds the previous run untouched; from it on, the new run
   is decided.
5. **Swap.** It removes ``F``'s old manifest, renames each staged file over its
   name in ``F``, removes the files the run retires, moves the manifest into ``F``
   last, and deletes the staging folder. Termination signals are held back during
   these few renames.

Settling, which every command runs on a folder before it writes there or reads a
dataset from it: a staging folder *with* a manifest is a committed run whose swap
was cut short, so its remaining files are renamed into ``F`` and its manifest moved
(roll forward); one *without* a manifest is a run cut short before its commit, so
it is deleted (roll back: ``F`` still holds the run before it). A line says what was
found and done. So wherever a run is killed, SIGKILL included, the next partnernet
command sees exactly the old run or exactly the new one, and no leftovers. A
program other than partnernet that reads ``F`` during step 5 (a handful of
renames) can see part of each; ``F`` has no manifest then, which marks it.

SIGTERM, SIGHUP and Ctrl-C during a run remove its staging folder (or finish its
swap, once committed) before the process ends; after SIGKILL or a power cut the
next command does it.

A command that writes one file by itself (``render``'s map) takes the lock too, but
stages nothing: a single file is put in place by one atomic rename. When the folder's
manifest lists that file's name (a map rendered over an ``analyse`` run's
``network.html``), :func:`record_single_file` updates that entry, saying which
command replaced it, so the folder still reads as whole; a name the manifest does
not list (``map.html`` beside the run) leaves the manifest alone.

A folder's manifest lists the files of the run that wrote it. :func:`check_manifest`
reports files that no longer match it (an analysis output edited by hand, or
written by an older partnernet one file at a time). Dataset folders are not checked
on reading: a person edits ``organisations.csv`` by design.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import IO, Any, TypeVar

from partnernet.errors import OutputError
from partnernet.io.folders import prepare_output_folder
from partnernet.version import __version__

__all__ = [
    "LOCK_NAME",
    "MANIFEST_NAME",
    "STAGING_PREFIX",
    "FolderBusy",
    "StagedRun",
    "check_manifest",
    "consistent_read",
    "folder_lock",
    "listed_files",
    "record_single_file",
    "settle",
    "stage_run",
    "writing_folder",
]

LOCK_NAME = ".partnernet.lock"
MANIFEST_NAME = ".partnernet-run.json"
STAGING_PREFIX = ".partnernet-staging-"
# What writers.atomic_open and folders.prepare_output_folder leave when killed
# mid-write: ".<name>.<8 random characters>.tmp" and ".partnernet-probe-<random>".
_TEMPORARY = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$|^\.partnernet-probe-[A-Za-z0-9_]+$")
# How long a reader waits for a committed swap it meets to finish: a swap is a few
# renames, so this is generous; past it the writer is stuck, and the reader says so.
SWAP_WAIT_SECONDS = 10.0
_MANIFEST_FORMAT = 1
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)

T = TypeVar("T")
Note = Callable[[str], None]


# --------------------------------------------------------------------------- lock


class FolderBusy(OutputError):
    """Another process holds the folder's lock (exit 5, like any output refused)."""


@dataclass
class _Held:
    fd: int
    path: Path
    command: str
    settled: list[str] = field(default_factory=list)


_held: dict[str, _Held] = {}
_held_guard = threading.Lock()


def _key(folder: Path) -> str:
    return os.path.realpath(folder)


@contextlib.contextmanager
def folder_lock(
    folder: str | os.PathLike[str], *, command: str, on_note: Note | None = None
) -> Iterator[None]:
    """Hold ``folder``'s writer lock for the ``with`` block; refuse when another has it.

    Re-entrant within a process (an importer's write inside the CLI's lock), and
    settles the folder (:func:`settle`) once the lock is first taken, telling
    ``on_note`` what it found and did. The lock file is removed again on a normal
    exit; one left by a killed run is harmless (the kernel released its lock) and
    removed by the next command.

    Raises
    ------
    OutputError
        (exit 5) When another process holds the lock, or the folder cannot be written.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with folder_lock(tmp, command="example"):
    ...         (Path(tmp) / LOCK_NAME).exists()
    True
    """
    target = Path(folder)
    key = _key(target)
    with _held_guard:
        held = _held.get(key)
    if held is not None:  # this process holds it already: the outer block releases it
        yield
        return
    fd = _acquire(target, command)
    with _held_guard:
        _held[key] = held = _Held(fd, target / LOCK_NAME, command)
    try:
        held.settled = _settle_locked(target, *_leftovers(target))
        if on_note is not None:
            for line in held.settled:
                on_note(line)
        yield
    finally:
        with _held_guard:
            del _held[key]
        # Unlinked while still locked: a process that opened the old file meanwhile
        # sees, once it gets the lock, that its file is no longer the lock file and
        # tries again (see _acquire), so two writers can never both hold it.
        with contextlib.suppress(OSError):
            os.unlink(held.path)
        os.close(fd)


@contextlib.contextmanager
def writing_folder(
    folder: str | os.PathLike[str], *, command: str, on_note: Note | None = None
) -> Iterator[Path]:
    """``folder`` created when missing (:func:`prepare_output_folder`) and locked
    (:func:`folder_lock`) for a whole command; folders it created are removed again
    when the command fails and leaves them empty, as if it had never run. SIGTERM,
    SIGHUP and Ctrl-C end the command through the same cleanup (exit 128 + signal).
    """
    target = Path(folder)
    created = []
    ancestor = target
    while not ancestor.exists() and ancestor != ancestor.parent:
        created.append(ancestor)
        ancestor = ancestor.parent
    prepare_output_folder(target)
    try:
        with _stop_signals_raise(), folder_lock(target, command=command, on_note=on_note):
            yield target
    except BaseException:
        for path in created:  # deepest first
            try:
                path.rmdir()
            except OSError:
                break
        raise


def _acquire(folder: Path, command: str) -> int:
    path = folder / LOCK_NAME
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise OutputError(
                f"cannot lock {folder}: {exc.strerror or exc}.",
                hint="Check the folder's permissions, or choose another folder.",
            ) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            # The holder writes who it is just after it takes the lock: give it
            # a moment, so the message can name it.
            holder = _holder(fd)
            for _ in range(50):
                if holder:
                    break
                time.sleep(0.02)
                holder = _holder(fd)
            os.close(fd)
            raise FolderBusy(
                f"another partnernet run is writing to {folder}{holder}; nothing was written.",
                hint="Wait for it to finish, or choose another folder.",
            ) from None
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if not same:  # the holder removed it as we opened it: lock the new one
            os.close(fd)
            continue
        record = json.dumps({"pid": os.getpid(), "command": command, "since": _now()})
        os.ftruncate(fd, 0)
        os.pwrite(fd, (record + "\n").encode("utf-8"), 0)
        return fd


def _holder(fd: int) -> str:
    try:
        record = json.loads(os.pread(fd, 4096, 0).decode("utf-8"))
        return f" (pid {int(record['pid'])}, {record['command']}, since {record['since']})"
    except (OSError, ValueError, KeyError, TypeError):
        return ""  # the holder has not written its record yet


def _holds(folder: Path) -> bool:
    with _held_guard:
        return _key(folder) in _held


# --------------------------------------------------------------------- manifest


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_manifest(path: Path) -> dict[str, Any] | None:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), list):
        return None
    return manifest


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def listed_files(folder: str | os.PathLike[str]) -> set[str]:
    """The files the folder's manifest lists: what the last partnernet run wrote
    there (empty when there is none). A run retires only these, so a file of the
    user's own in an output folder is never removed.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with stage_run(tmp, command="example") as run:
    ...         _ = run.write_text("a.txt", "one")
    ...     sorted(listed_files(tmp))
    ['a.txt']
    """
    manifest = _read_manifest(Path(folder) / MANIFEST_NAME) or {"files": []}
    return {str(f.get("name")) for f in manifest["files"] if isinstance(f, dict)}


def check_manifest(folder: str | os.PathLike[str]) -> list[str]:
    """What in ``folder`` does not match its manifest: one line per file.

    Empty when every file the manifest lists is there with its size and SHA-256,
    or when the folder has no manifest (nothing to compare).
    """
    target = Path(folder)
    manifest = _read_manifest(target / MANIFEST_NAME)
    if manifest is None:
        return []
    problems = []
    for entry in manifest["files"]:
        path = target / str(entry.get("name"))
        if not path.is_file():
            problems.append(f"{path} is missing")
        elif path.stat().st_size != entry.get("bytes") or _sha256(path) != entry.get("sha256"):
            problems.append(f"{path} has changed since run {manifest.get('run_id')} wrote it")
    return problems


def record_single_file(folder: str | os.PathLike[str], name: str, *, command: str) -> bool:
    """Record in ``folder``'s manifest that ``command`` replaced ``name`` by itself.

    Call it under the folder's lock, after the file is in place. When the manifest
    lists ``name``, its entry takes the file's new size and SHA-256 with
    ``replaced_by`` and ``replaced_at``, and the manifest is replaced atomically;
    otherwise (no manifest, or a file the run did not write) nothing changes.
    Returns whether the manifest changed. A kill between the file's rename and this
    one leaves the entry stale: the next command notes the folder as not whole, and
    the next run replaces it.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with stage_run(tmp, command="analyse") as run:
    ...         _ = run.write_text("network.html", "old map")
    ...     _ = (Path(tmp) / "network.html").write_text("new map")
    ...     changed = record_single_file(tmp, "network.html", command="render")
    ...     changed, check_manifest(tmp)
    (True, [])
    """
    target = Path(folder)
    manifest = _read_manifest(target / MANIFEST_NAME)
    if manifest is None:
        return False
    entries = [e for e in manifest["files"] if isinstance(e, dict) and e.get("name") == name]
    if not entries:
        return False
    path = target / name
    for entry in entries:
        entry.update(
            bytes=path.stat().st_size,
            sha256=_sha256(path),
            replaced_by=command,
            replaced_at=_now(),
        )
    text = json.dumps(manifest, indent=2) + "\n"
    # A name settling recognises as a killed write's temporary file (_TEMPORARY).
    fd, pending = tempfile.mkstemp(prefix=f"{MANIFEST_NAME}.", suffix=".tmp", dir=target)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(pending, 0o644)
        os.replace(pending, target / MANIFEST_NAME)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(pending)
        raise _write_error(target / MANIFEST_NAME, exc) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(pending)
        raise
    return True


# ---------------------------------------------------------------------- settling


def _leftovers(folder: Path) -> tuple[list[Path], list[Path]]:
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return [], []
    staging = [folder / n for n in names if n.startswith(STAGING_PREFIX)]
    temporary = [folder / n for n in names if _TEMPORARY.match(n)]
    return staging, temporary


def settle(folder: str | os.PathLike[str], *, on_note: Note | None = None) -> list[str]:
    """Finish or undo what an interrupted run left in ``folder``; return what was done.

    Needs the folder's lock: taken here when this process does not hold it, and
    only when there is something to settle (so reading a folder one cannot write
    works). When a live run of another process holds the lock, a staging folder
    without a manifest is that run at work and is left alone (the folder's files
    are still the previous run, whole); one with a manifest is a swap under way,
    waited for.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     (Path(tmp) / ".partnernet-staging-x").mkdir()
    ...     print(settle(tmp)[0].removeprefix(tmp))  # doctest: +NORMALIZE_WHITESPACE
    : an interrupted run (x) left unfinished files; removed them.
    The folder holds the run before it, unchanged.
    """
    target = Path(folder)
    staging, temporary = _leftovers(target)
    stale_lock = (target / LOCK_NAME).exists()
    if not staging and not temporary and not stale_lock:
        return []
    if _holds(target):
        done = _settle_locked(target, staging, temporary)
    else:
        deadline = time.monotonic() + SWAP_WAIT_SECONDS
        while True:
            try:
                with folder_lock(target, command="settle"), _held_guard:
                    done = list(_held[_key(target)].settled)
                break
            except OutputError as exc:
                committed = any((s / MANIFEST_NAME).exists() for s in _leftovers(target)[0])
                if not committed:
                    # Another run at work, or a folder this process may only read
                    # holding only what cannot change what it reads: the files
                    # there are one whole run.
                    return []
                if not isinstance(exc, FolderBusy) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
    if on_note is not None:
        for line in done:
            on_note(line)
    return done


def _settle_locked(folder: Path, staging: list[Path], temporary: list[Path]) -> list[str]:
    done = []
    committed = []
    for stage in staging:
        manifest = _read_manifest(stage / MANIFEST_NAME)
        if manifest is None:
            shutil.rmtree(stage, ignore_errors=True)
            run = stage.name.removeprefix(STAGING_PREFIX)
            done.append(
                f"{folder}: an interrupted run ({run}) left unfinished files; removed them. "
                "The folder holds the run before it, unchanged."
            )
        else:
            committed.append((str(manifest.get("written_at", "")), stage, manifest))
    for _, stage, manifest in sorted(committed, key=lambda c: c[0]):
        _swap(folder, stage, manifest)
        done.append(
            f"{folder}: the run {manifest.get('run_id')} ({manifest.get('command')}, "
            f"{manifest.get('written_at')}) was interrupted while its files were put in "
            "place; finished putting them in place."
        )
    removed = 0
    for path in temporary:
        with contextlib.suppress(OSError):
            path.unlink()
            removed += 1
    if removed:
        done.append(f"{folder}: removed {removed} temporary file(s) left by an interrupted write.")
    return done


def _swap(folder: Path, stage: Path, manifest: dict[str, Any]) -> None:
    """Put a committed run in place; safe to repeat from any point it stopped at."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(folder / MANIFEST_NAME)
    for entry in manifest["files"]:
        name = str(entry["name"])
        source = stage / name
        if source.exists():
            os.replace(source, folder / name)
        elif not (folder / name).exists():
            raise OutputError(
                f"{folder}: the interrupted run {manifest.get('run_id')} lost {name} "
                "while it was being put in place.",
                hint="Run the command again to write the folder afresh.",
            )
    for name in manifest.get("retired", []):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(folder / str(name))
    _fsync_folder(folder)
    os.replace(stage / MANIFEST_NAME, folder / MANIFEST_NAME)
    _fsync_folder(folder)
    shutil.rmtree(stage, ignore_errors=True)


# ----------------------------------------------------------------------- staging


@dataclass
class StagedRun:
    """The staging folder of one run: write files into :attr:`path`."""

    folder: Path
    path: Path
    run_id: str
    command: str
    retire: tuple[str, ...] = ()
    hashes: dict[str, tuple[int, str]] = field(default_factory=dict)
    committed: bool = False

    def write_text(self, name: str, text: str) -> Path:
        """Stage ``name`` with ``text`` (UTF-8); return its final path in the folder."""
        return self.write_bytes(name, text.encode("utf-8"))

    def write_bytes(self, name: str, data: bytes) -> Path:
        """Stage ``name`` with ``data``; return its final path in the folder."""
        path = self.path / name
        try:
            with open(path, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise _write_error(self.folder / name, exc) from exc
        self.hashes[name] = (len(data), hashlib.sha256(data).hexdigest())
        return self.folder / name

    @contextlib.contextmanager
    def open_text(self, name: str) -> Iterator[IO[str]]:
        """Stage ``name`` written as it goes (a file too large to hold as one text):
        a UTF-8 text handle with no newline translation, flushed to disk on close."""
        path = self.path / name
        try:
            with open(path, "w", encoding="utf-8", newline="") as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise _write_error(self.folder / name, exc) from exc

    def commit(self, names: Iterable[str] | None = None) -> None:
        """Write the manifest of ``names`` (default: every file staged) and swap.

        Files in the staging folder that are not named (a validation copy's other
        tables) are deleted first, so they are never put in place.
        """
        staged = sorted(n for n in os.listdir(self.path) if not n.startswith("."))
        chosen = staged if names is None else list(names)
        missing = [n for n in chosen if n not in staged]
        if missing:
            raise ValueError(f"not staged: {missing}")  # a bug in the caller
        for name in staged:
            if name not in chosen:
                (self.path / name).unlink()
        files = []
        for name in chosen:
            if name not in self.hashes:
                path = self.path / name
                self.hashes[name] = (path.stat().st_size, _sha256(path))
            size, digest = self.hashes[name]
            files.append({"name": name, "bytes": size, "sha256": digest})
        manifest = {
            "partnernet_run": _MANIFEST_FORMAT,
            "run_id": self.run_id,
            "command": self.command,
            "written_at": _now(),
            "partnernet_version": __version__,
            "files": files,
            "retired": [n for n in self.retire if n not in chosen],
        }
        text = json.dumps(manifest, indent=2) + "\n"
        pending = self.path / f".{MANIFEST_NAME}.pending"
        try:
            with open(pending, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            _fsync_folder(self.path)
        except OSError as exc:
            raise _write_error(self.folder / MANIFEST_NAME, exc) from exc
        with _signals_held():
            try:
                os.replace(pending, self.path / MANIFEST_NAME)  # the commit point
            except OSError as exc:
                raise _write_error(self.folder / MANIFEST_NAME, exc) from exc
            self.committed = True
            try:
                _swap(self.folder, self.path, manifest)
            except OSError as exc:
                raise OutputError(
                    f"cannot put the files of run {self.run_id} in place in {self.folder}: "
                    f"{exc.strerror or exc}.",
                    hint="The run is complete in its staging folder there; the next "
                    "partnernet command on this folder finishes putting it in place.",
                ) from exc


def _write_error(path: Path, exc: OSError) -> OutputError:
    return OutputError(
        f"cannot write {path}: {exc.strerror or exc}.",
        hint="Check the folder's permissions and free space, or choose another output "
        "folder. The folder holds the previous run, unchanged.",
    )


class _Stopped(BaseException):
    """A termination signal, raised where the run was so that its cleanup runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_stopped(signum: int, frame: FrameType | None) -> None:
    raise _Stopped(signum)


@contextlib.contextmanager
def _stop_signals_raise() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, _raise_stopped) for s in _STOP_SIGNALS}
    try:
        yield
    except _Stopped as stopped:
        # Cleanup has run (the with-blocks inside have exited): now end as the
        # signal would have, with the shell's 128 + signal number.
        for s, handler in previous.items():
            signal.signal(s, handler)
        raise SystemExit(128 + stopped.signum) from None
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


@contextlib.contextmanager
def stage_run(
    folder: str | os.PathLike[str], *, command: str | None = None, retire: Iterable[str] = ()
) -> Iterator[StagedRun]:
    """Stage a run in ``folder``: files written into the run's staging folder are
    put in place together when the block ends, with the manifest last.

    The folder's lock is taken for the block when this process does not hold it
    already. ``retire`` names files of an earlier run that this one replaces by
    nothing (removed at the swap unless written again). When the block raises, or a
    termination signal arrives, the staging folder is removed and the folder keeps
    the previous run; call :meth:`StagedRun.commit` inside the block to choose the
    files, otherwise every staged file is committed at its end.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with stage_run(tmp, command="example") as run:
    ...         _ = run.write_text("a.txt", "one")
    ...         _ = run.write_text("b.txt", "two")
    ...     sorted(os.listdir(tmp))
    ['.partnernet-run.json', 'a.txt', 'b.txt']
    """
    target = Path(folder)
    with _held_guard:
        held = _held.get(_key(target))
    name = command or (held.command if held is not None else "python")
    with folder_lock(target, command=name), _stop_signals_raise():
        run_id = (
            datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + f"-{os.getpid()}-{secrets.token_hex(3)}"
        )
        path = target / f"{STAGING_PREFIX}{run_id}"
        try:
            path.mkdir()
        except OSError as exc:
            raise _write_error(path, exc) from exc
        run = StagedRun(target, path, run_id, name, tuple(retire))
        try:
            yield run
            if not run.committed:
                run.commit()
        except BaseException:
            if run.committed:
                # Signals were held during the swap, so it ran to its end, or it
                # failed part-way and the next command rolls it forward.
                raise
            shutil.rmtree(path, ignore_errors=True)
            raise


# ------------------------------------------------------------------------ reading


def _signature(folder: Path) -> tuple[Any, ...]:
    entries: list[tuple[Any, ...]] = []
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return ()
    for name in names:
        if name == LOCK_NAME or _TEMPORARY.match(name):
            continue
        if name.startswith(STAGING_PREFIX):
            # A staging folder counts once it is committed: its swap changes files.
            if (folder / name / MANIFEST_NAME).exists():
                entries.append((name, "committed"))
            continue
        with contextlib.suppress(OSError):
            st = os.stat(folder / name)
            entries.append((name, st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(entries)


def consistent_read(
    folder: str | os.PathLike[str], read: Callable[[], T], *, on_note: Note | None = None
) -> T:
    """``read()`` of the files in ``folder``, settled first and seen whole.

    A dataset is several files; an import into the folder could swap them in
    between this process reading one and the next. The folder's listing (each
    file's inode, size and time) is taken before and after reading; a change means
    the read may be of two runs, and it is done again once, then refused.

    Raises
    ------
    OutputError
        (exit 5) When the folder changed under two reads in a row.
    """
    target = Path(folder)
    if target.is_dir():
        settle(target, on_note=on_note)
    for _ in range(2):
        before = _signature(target)
        value = read()
        if _signature(target) == before:
            return value
        if target.is_dir():
            settle(target, on_note=on_note)
    raise OutputError(
        f"{target} changed while it was being read: another partnernet run is writing to it.",
        hint="Wait for that run to finish, then run this command again.",
    )
