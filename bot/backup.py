"""``branchbot backup FILE`` and ``branchbot restore FILE``: SQLite's online backup, and pointers for PostgreSQL.

The backup goes through SQLite's backup API, page by page on a connection of its own, so the bot may
keep writing meanwhile and the copy is one consistent state (a file copy of a database in WAL mode
can miss what is still in the -wal file, or tear mid-write). A restore replaces the configured
database only when the file is a sound branchbot database, ``--yes`` is given, and no bot holds the
database; what it replaces is kept beside it first.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from storage.db import MIGRATIONS

# All pages in one step: in WAL mode that read sees one snapshot and never blocks the bot's writers,
# while a copy in steps starts over whenever another connection writes, and may never end.
PAGES_PER_STEP = -1


class Refused(Exception):
    """The command would do harm or cannot work; the text says why, in one sentence."""


def sqlite_path(database_url: str) -> Path | None:
    """The file of a SQLite URL; None for other databases."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        raise Refused("DATABASE_URL is an in-memory SQLite database: there is nothing to back up or restore.")
    return Path(url.database)


def postgres_advice(database_url: str, command: str, file: str) -> str:
    url = make_url(database_url).set(drivername="postgresql")
    dsn = url.render_as_string(hide_password=True)
    if command == "backup":
        return (f"DATABASE_URL is PostgreSQL: back it up with its own tool, "
                f"pg_dump --format=custom --file={file} '{dsn}' (put the real password in place of ***, "
                "or in ~/.pgpass).")
    return (f"DATABASE_URL is PostgreSQL: stop the bot, then restore with its own tool, "
            f"pg_restore --clean --if-exists --no-owner --dbname='{dsn}' {file} (put the real password in "
            "place of ***, or in ~/.pgpass); the bot migrates on its next start.")


@contextlib.contextmanager
def held(path: Path) -> Iterator[None]:
    """Held by a running bot (and by a restore): a restore never replaces a database in use."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock, and restore cannot tell; the README says to stop the bot
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{path}.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Refused(f"A bot is running on {path} (it holds {path}.lock): stop it first.") from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _copy(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    source.backup(target, pages=PAGES_PER_STEP)


def backup(database_url: str, file: Path) -> str:
    path = sqlite_path(database_url)
    if path is None:
        raise Refused(postgres_advice(database_url, "backup", str(file)))
    if not path.is_file():
        raise Refused(f"There is no database at {path} to back up.")
    if file.exists():
        raise Refused(f"{file} exists already: give a new file name, so that no backup is overwritten.")
    source = sqlite3.connect(path, timeout=30)
    try:
        partial = file.with_name(file.name + ".partial")
        target = sqlite3.connect(partial)
        try:
            _copy(source, target)
        finally:
            target.close()
        os.replace(partial, file)  # a backup cut short never looks like a finished one
    finally:
        source.close()
    revision = check_file(file)
    return f"Backed up {path} to {file} ({file.stat().st_size // 1024} KiB, schema {revision})."


def known_revisions() -> set[str]:
    return {p.stem.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("*.py")}


def check_file(file: Path) -> str:
    """The schema revision of a sound branchbot database, or Refused saying what is wrong with it."""
    if not file.is_file():
        raise Refused(f"There is no file {file}.")
    try:
        with contextlib.closing(sqlite3.connect(f"file:{file}?mode=ro", uri=True)) as conn:
            if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise Refused(f"{file} is a damaged SQLite database (its integrity check fails).")
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            conn.execute("SELECT count(*) FROM members").fetchone()
    except sqlite3.DatabaseError as exc:  # not SQLite at all, or not branchbot's tables
        raise Refused(f"{file} is not a branchbot database ({exc}).") from None
    if row is None or row[0] not in known_revisions():
        raise Refused(f"{file} has a schema this version of branchbot does not know ({row and row[0]}): "
                      "restore it with the version that wrote it.")
    return row[0]


def restore(database_url: str, file: Path, *, yes: bool) -> str:
    path = sqlite_path(database_url)
    if path is None:
        raise Refused(postgres_advice(database_url, "restore", str(file)))
    revision = check_file(file)
    if file.resolve() == path.resolve():
        raise Refused(f"{file} is the configured database itself.")
    if not yes:
        raise Refused(f"This replaces everything in {path} with {file} (schema {revision}); "
                      "run again with --yes to do it.")
    with held(path):
        kept = None
        if path.exists():
            kept = path.with_name(f"{path.name}.before-restore-{datetime.now():%Y%m%d-%H%M%S}")
            with contextlib.closing(sqlite3.connect(path)) as current, \
                    contextlib.closing(sqlite3.connect(kept)) as copy:
                _copy(current, copy)
        with contextlib.closing(sqlite3.connect(f"file:{file}?mode=ro", uri=True)) as source, \
                contextlib.closing(sqlite3.connect(path)) as target:
            _copy(source, target)
    before = f"; what was there is kept in {kept}" if kept else ""
    return f"Restored {path} from {file} (schema {revision}){before}. The bot migrates it on its next start."
