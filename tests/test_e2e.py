"""End to end: the real bot process, real aiogram, real HTTP, against the fake Bot API server."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.live import ROOT, LiveBot

pytestmark = pytest.mark.e2e

GROUP = -1001234567890
CSV = ("姓名,政治面貌,党小组,党费类别\n张三,正式,第一党小组,在职\n王五,预备,第一党小组,学生\n"
       "赵六,正式,第二党小组,离退休\n钱七,同志,第二党小组,\n").encode()


def soon(minutes: int) -> str:
    return (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M")


async def say(fake, user, chat_id, text, contains, reply_chat=None):
    mark = fake.mark()
    fake.send_text(user, chat_id, text)
    return await fake.wait_message(reply_chat or chat_id, contains=contains, after=mark)


async def press(fake, user, message, data):
    mark = fake.mark()
    update = fake.press(user, message, data, check=False)
    qid = update["callback_query"]["id"]
    call = await fake.wait_for(lambda c: c.method == "answerCallbackQuery" and c.params.get("callback_query_id") == qid,
                               after=mark)
    return call.params.get("text") or call.params.get("url") or ""


async def assert_redelivery_answered_once(fake, user, message, data) -> None:
    """A redelivered update (same update_id) is not handled twice: its button press is answered once."""
    mark = fake.mark()
    update = fake.press(user, message, data, check=False)
    await fake.wait_for(lambda c: c.method == "answerCallbackQuery", after=mark)
    fake.redeliver(update)
    await fake.drained()
    await fake.quiet()
    qid = update["callback_query"]["id"]
    assert len([c for c in fake.sent(method="answerCallbackQuery") if c.params.get("callback_query_id") == qid]) == 1


def token_of(text: str, name: str) -> str:
    line = next(line for line in text.splitlines() if line.startswith(name))
    return line.split("start=")[1].split()[0]


async def set_up(fake):
    fake.group(GROUP, "第一党支部群")
    sec = fake.user(1, "Li", last_name="Secretary", language_code="en")
    fake.set_admin(GROUP, sec)
    mark = fake.mark()
    fake.bot_added(GROUP, sec)
    await fake.wait_message(GROUP, contains="/setup", after=mark)
    await say(fake, sec, sec.id, "/start", "Hello")
    await say(fake, sec, GROUP, "/setup 第一党支部 | Li Secretary", "Asia/Shanghai")  # in 简体中文: the group speaks the branch language
    await say(fake, sec, GROUP, "/set language en", "Saved")
    return sec


async def test_whole_path_setup_import_invite_checkin_leave_record(live, fake):
    sec = await set_up(fake)
    # Commands menu in both languages.
    assert fake.commands(language_code="zh") and fake.commands(language_code="en")

    mark = fake.mark()
    fake.send_document(sec, sec.id, "roster.csv", CSV)
    report = await fake.wait_message(sec.id, contains="Roster imported", after=mark)
    assert "3 added" in report["text"] and "Row 5" in report["text"]
    mark = fake.mark()
    fake.send_document(sec, sec.id, "broken.csv", b"\x00\x01garbage,,,\n\xff\xfe")
    assert "Nothing was imported" in (await fake.wait_message(sec.id, after=mark))["text"]

    links = (await say(fake, sec, sec.id, "/invites", "Personal invite links"))["text"]
    zhang = fake.user(2, "San", last_name="Zhang", language_code="en")
    wang = fake.user(3, "Wu", last_name="Wang", language_code="en")
    await say(fake, zhang, zhang.id, f"/start {token_of(links, '张三')}", "Welcome, 张三")
    await say(fake, wang, wang.id, f"/start {token_of(links, '王五')}", "Welcome, 王五")

    # Permission refusal and a command in the wrong chat.
    await say(fake, zhang, zhang.id, f"/new 主题党日 | X | {soon(10)} | 2h | R | 全体", "Only the")
    await say(fake, sec, GROUP, "/new", "private chat")
    await say(fake, sec, sec.id, "/new 主题党日 | X | 2026-13-45 09:00 | 2h | R | 全体", "cannot read the start")

    mark = fake.mark()
    fake.send_text(sec, sec.id, f"/new 主题党日 | Theme day | {soon(10)} | 2h | Room 3 | 全体")
    post = await fake.wait_message(GROUP, contains="Theme day", after=mark)
    assert "Checked in 0/4" in post["text"]  # the secretary, 张三, 王五, 赵六
    [(_, checkin), (_, leave)] = fake.buttons(post)

    assert "you are checked in" in await press(fake, zhang, post, checkin)
    assert "already checked in" in await press(fake, zhang, post, checkin)
    edited = await fake.wait_edit(GROUP, post["message_id"], contains="Checked in 1/4")
    assert edited
    assert "no longer valid" in await press(fake, zhang, post, "ci:99999")
    assert "no longer valid" in await press(fake, zhang, post, "zz:1")

    await assert_redelivery_answered_once(fake, zhang, post, checkin)

    # Leave: reason asked privately, a 10,000-character answer refused, then approved.
    assert "asked you for the reason" in await press(fake, wang, post, leave)
    await say(fake, wang, wang.id, "x" * 10_000, "yours has 10000")
    mark = fake.mark()
    fake.send_text(wang, wang.id, "Business trip")
    request = await fake.wait_message(sec.id, contains="Business trip", after=mark)
    approve = next(data for label, data in fake.buttons(request) if label == "Approve")
    mark = fake.mark()
    assert "Approved by" in await press(fake, sec, request, approve)
    await fake.wait_message(wang.id, contains="was approved", after=mark)

    record = (await say(fake, sec, sec.id, "/record", "Expected"))["text"]
    assert "Expected: 4 (3 full, 1 probationary)" in record
    assert "Present: 1 (1 full, 0 probationary)" in record
    assert "王五 (Business trip)" in record
    assert "not final" in record and "Not yet checked in: 2 — Li Secretary, 赵六" in record  # check-in still open
    await fake.quiet()
    assert fake.unanswered_callbacks() == []


async def test_delivery_survives_429_5xx_and_timeouts(fake, tmp_path):
    bot = LiveBot(fake, f"sqlite+aiosqlite:///{tmp_path}/f.db", tmp_path, TELEGRAM_TIMEOUT="2")
    await bot.start()
    try:
        user = fake.user(7, "Ming", language_code="en")
        fake.fail_next("sendMessage", status=429, retry_after=1)
        mark = fake.mark()
        fake.send_text(user, user.id, "/start")
        reply = await fake.wait_message(user.id, contains="Hello", after=mark)
        assert reply
        fake.fail_next("sendMessage", status=502, times=2)
        await say(fake, user, user.id, "/help", "What I can do")
        fake.delay_next("sendMessage", 3)  # longer than the client waits: the outcome is unknown
        await say(fake, user, user.id, "/lang en", "English", )
        await fake.quiet(seconds=1)
        # Still answering afterwards.
        await say(fake, user, user.id, "/me", "not on any branch roster")
        assert [c for c in fake.calls if c.method == "sendMessage" and c.status == 429]
    finally:
        assert await bot.stop() == 0
    assert "Traceback" not in bot.output()


@pytest.mark.parametrize("token, message", [
    ("", "BOT_TOKEN is not set"),
    ("not-a-token", "does not look like a bot token"),
])
def test_missing_or_malformed_token_gives_a_clear_message(tmp_path, token, message):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/x.db"}
    if token:
        env["BOT_TOKEN"] = token
    done = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode != 0
    assert message in done.stderr
    assert "Traceback" not in done.stderr


async def test_join_approval_leaving_and_a_blocked_member(live, fake):
    sec = await set_up(fake)
    newcomer = fake.user(5, "Xiaoming", last_name="Chen", language_code="en")
    mark = fake.mark()
    fake.send_text(newcomer, GROUP, "/join")
    ask = await fake.wait_message(sec.id, contains="asks to join", after=mark)
    await fake.wait_message(GROUP, contains="is with the branch officers", after=mark)
    # Someone else pressing the officer's button (forwarded, replayed): refused, nothing decided.
    full = next(data for label, data in fake.buttons(ask) if label.endswith("full member"))
    assert "not on any branch roster" in await press(fake, newcomer, ask, full)
    # The officer approves; the newcomer never started the bot, so the group hears it.
    mark = fake.mark()
    assert "Approved by" in await press(fake, sec, ask, full)
    await fake.wait_message(GROUP, contains="was approved", after=mark)
    roster = (await say(fake, sec, sec.id, "/roster", "Roster of"))["text"]
    assert "Xiaoming Chen · full member · linked" in roster

    # Leaving the group arrives twice (service message and chat_member update): told once.
    mark = fake.mark()
    fake.member_left(GROUP, newcomer, kicked_by=sec)
    await fake.wait_message(sec.id, contains="was removed from the group", after=mark)
    await fake.drained()
    await fake.quiet()
    assert len([c for c in fake.sent(chat_id=sec.id, method="sendMessage")[-3:] if "removed from" in (c.text or "")]) == 1

    # A member who blocked the bot: the leave decision still goes through and nothing breaks.
    links = (await say(fake, sec, sec.id, "/add 张三 正式", "Added 张三"))["text"]
    zhang = fake.user(2, "San", last_name="Zhang", language_code="en")
    await say(fake, zhang, zhang.id, f"/start {links.split('start=')[1].split()[0]}", "Welcome, 张三")
    mark = fake.mark()
    fake.send_text(sec, sec.id, f"/new 党课 | Lecture | {soon(60)} | 1h | Hall | 全体")
    await fake.wait_message(GROUP, contains="Lecture", after=mark)
    mark = fake.mark()
    fake.send_text(zhang, zhang.id, "/leave Travelling")
    request = await fake.wait_message(sec.id, contains="Travelling", after=mark)
    fake.block(zhang)
    refuse = next(data for label, data in fake.buttons(request) if label == "Refuse")
    assert "Refused by" in await press(fake, sec, request, refuse)
    await say(fake, sec, sec.id, "/activities", "Lecture")  # still answering


async def test_webhook_mode(fake, tmp_path):
    import socket

    import aiohttp

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/telegram-updates"
    bot = LiveBot(fake, f"sqlite+aiosqlite:///{tmp_path}/w.db", tmp_path, WEBHOOK_URL=url,
                  WEBHOOK_SECRET="s3cret-token", WEBHOOK_HOST="127.0.0.1", WEBHOOK_PORT=str(port))
    mark = fake.mark()
    await bot.start(ready="setWebhook")
    try:
        assert fake.webhook_url == url
        user = fake.user(8, "Hook", language_code="en")
        update = fake.send_text(user, user.id, "/start")
        async with aiohttp.ClientSession() as http:
            for _ in range(50):  # the server starts listening right after setWebhook
                try:
                    refused = await http.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
                    break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            assert refused.status == 401
            accepted = await http.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"})
            assert accepted.status == 200
        await fake.wait_message(user.id, contains="Hello", after=mark)
    finally:
        assert await bot.stop() == 0
    assert "Traceback" not in bot.output()
