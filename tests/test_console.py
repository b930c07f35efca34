"""The console as a user meets it: a subprocess, lines in, answers out; logs in a file, its own database."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.live import ROOT


def console(tmp_path, lines: list[str], **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_", "TELEGRAM_"))}
    environment.update(PYTHONPATH=str(ROOT), LOG_LEVEL="INFO", **env)
    done = subprocess.run([sys.executable, "-m", "bot", "console"], cwd=tmp_path, env=environment, text=True,
                          input="\n".join([*lines, ":quit"]) + "\n", capture_output=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    return done.stdout + done.stderr


def test_logs_go_to_a_file_and_the_console_has_its_own_database(tmp_path):
    (tmp_path / ".env").write_text(f"DATABASE_URL=sqlite+aiosqlite:///{tmp_path}/bot.db\n")  # the real bot's
    out = console(tmp_path, ["/setup 第一党支部 | 张三"])
    assert out.splitlines()[0] == "(logs go to data/console.log; the database is sqlite+aiosqlite:///data/console.db)"
    assert "书记：张三" in out
    assert " INFO " not in out and "alembic" not in out  # nothing of the logs in the conversation
    assert "alembic" in (tmp_path / "data/console.log").read_text()
    assert (tmp_path / "data/console.db").exists() and not (tmp_path / "bot.db").exists()
    # The next session finds the branch it set up.
    assert "本群已是支部“第一党支部”" in console(tmp_path, ["/setup 第一党支部 | 张三"])


def test_database_url_given_to_the_command_is_used(tmp_path):
    out = console(tmp_path, [], DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/mine.db")
    assert f"the database is sqlite+aiosqlite:///{tmp_path}/mine.db" in out
    assert (tmp_path / "mine.db").exists() and not (tmp_path / "data/console.db").exists()


def test_as_plays_another_member_of_the_roster(tmp_path):
    out = console(tmp_path, [
        "/as",  # no branch yet
        "/setup 第一党支部 | 张三", ":private", "/add 李四 正式 第一党小组",
        "/as", "/as 王五", "/as 李四", "/me", "/as 李四", "/as me", "/me",
    ])
    assert "send /setup in the group first" in out
    assert "(who can be played: 李四, 张三;" in out
    assert "nobody called 王五 on the roster" in out
    # 李四 links through their own invite and then is 李四 for the bot.
    assert "[bot → 李四]\n欢迎你，李四！" in out
    assert "(you are now 李四, in the private chat)" in out
    after_li = out.split("(you are now 李四, in the private chat)")[1]
    assert "李四，第一党支部" in after_li.split("(you are now yourself")[0]
    assert "党小组：第一党小组" in after_li
    assert out.count("欢迎你，李四") == 1  # playing them again reuses the link made before
    assert "张三，第一党支部\n政治面貌：正式党员\n职务：书记" in out.split("(you are now yourself")[1]
