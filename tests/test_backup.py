"""branchbot backup / restore: an online backup while writes go on, a restore, and every refusal."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from bot import backup
from bot.cli import main
from storage.db import Database


@pytest.fixture
async def sqlite_url(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path}/bot.db"
    monkeypatch.setenv("DATABASE_URL", url)
    db = Database(url)
    await db.migrate()
    await db.dispose()
    with sqlite3.connect(tmp_path / "bot.db") as conn:
        conn.execute("CREATE TABLE scratch (n INTEGER PRIMARY KEY)")
    return url


def rows(path) -> list[int]:
    with sqlite3.connect(path) as conn:
        return [n for (n,) in conn.execute("SELECT n FROM scratch ORDER BY n")]


def cli(*args: str) -> None:
    main(list(args))


def test_backup_of_a_live_database_while_writes_go_on(sqlite_url, tmp_path, capsys):
    stop = threading.Event()

    def writer() -> None:
        conn = sqlite3.connect(tmp_path / "bot.db", timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        n = 0
        while not stop.is_set():
            n += 1
            conn.execute("INSERT INTO scratch (n) VALUES (?)", (n,))
            conn.execute("INSERT INTO scratch (n) SELECT max(n) + 1000000 FROM scratch")  # grows the file
            conn.commit()
        conn.close()

    with sqlite3.connect(tmp_path / "bot.db") as conn:
        conn.executemany("INSERT INTO scratch (n) VALUES (?)", [(-i,) for i in range(1, 20000)])
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while not rows(tmp_path / "bot.db")[-1:] or rows(tmp_path / "bot.db")[-1] < 1000005:
            pass  # the writer is well under way
        cli("backup", "copy.db")
        before = len(rows(tmp_path / "bot.db"))
    finally:
        stop.set()
        thread.join()
    assert len(rows(tmp_path / "bot.db")) > before  # writes went on after the backup too
    assert "Backed up" in capsys.readouterr().out
    copied = rows(tmp_path / "copy.db")
    with sqlite3.connect(tmp_path / "copy.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] in backup.known_revisions()
    small = [n for n in copied if 0 < n < 1000000]
    assert small == list(range(1, len(small) + 1))  # one consistent state: no gaps, no torn commit
    assert len([n for n in copied if n < 0]) == 19999
    assert not (tmp_path / "copy.db.partial").exists()


def test_restore_brings_the_backup_back_and_keeps_what_it_replaces(sqlite_url, tmp_path, capsys):
    with sqlite3.connect(tmp_path / "bot.db") as conn:
        conn.execute("INSERT INTO scratch VALUES (1)")
    cli("backup", "copy.db")
    with sqlite3.connect(tmp_path / "bot.db") as conn:
        conn.execute("INSERT INTO scratch VALUES (2)")
    with pytest.raises(SystemExit) as refused:  # no --yes: nothing happens
        cli("restore", "copy.db")
    assert "run again with --yes" in str(refused.value.code)
    assert rows(tmp_path / "bot.db") == [1, 2]
    cli("restore", "copy.db", "--yes")
    out = capsys.readouterr().out
    assert "Restored" in out and "before-restore-" in out
    assert rows(tmp_path / "bot.db") == [1]
    kept = next(tmp_path.glob("bot.db.before-restore-*"))
    assert rows(kept) == [1, 2]


def test_restore_refuses_while_a_bot_holds_the_database(sqlite_url, tmp_path):
    cli("backup", "copy.db")
    with backup.held(tmp_path / "bot.db"):  # what `branchbot run` and `console` hold
        with pytest.raises(SystemExit) as refused:
            cli("restore", "copy.db", "--yes")
    assert "A bot is running on" in str(refused.value.code)


@pytest.mark.parametrize("content, message", [
    (b"just some text, not a database at all" * 100, "is not a branchbot database"),
    (None, "There is no file"),
])
def test_restore_refuses_what_is_not_a_branchbot_database(sqlite_url, tmp_path, content, message):
    if content is not None:
        (tmp_path / "odd.db").write_bytes(content)
    with pytest.raises(SystemExit) as refused:
        cli("restore", "odd.db", "--yes")
    assert message in str(refused.value.code)


def test_restore_refuses_a_database_of_another_branchbot_version(sqlite_url, tmp_path):
    cli("backup", "copy.db")
    with sqlite3.connect(tmp_path / "copy.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(SystemExit) as refused:
        cli("restore", "copy.db", "--yes")
    assert "schema this version of branchbot does not know (9999)" in str(refused.value.code)
    sqlite3.connect(tmp_path / "other.db").execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(SystemExit) as refused:
        cli("restore", "other.db", "--yes")
    assert "is not a branchbot database" in str(refused.value.code)


def test_backup_never_overwrites(sqlite_url, tmp_path):
    (tmp_path / "copy.db").write_text("an older backup")
    with pytest.raises(SystemExit) as refused:
        cli("backup", "copy.db")
    assert "exists already" in str(refused.value.code)
    assert (tmp_path / "copy.db").read_text() == "an older backup"


def test_postgres_gets_pg_dump_and_pg_restore_with_its_dsn(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://branchbot:secret@db.example:5432/branchbot")
    with pytest.raises(SystemExit) as told:
        cli("backup", "b.dump")
    text = str(told.value.code)
    assert "pg_dump --format=custom --file=b.dump 'postgresql://branchbot:***@db.example:5432/branchbot'" in text
    assert "secret" not in text
    with pytest.raises(SystemExit) as told:
        cli("restore", "b.dump", "--yes")
    assert "pg_restore --clean --if-exists --no-owner --dbname='postgresql://branchbot:***@db.example:5432/branchbot' b.dump" in str(told.value.code)
