"""The python-telegram-bot runtime: update translation, error mapping, and the whole bot process end to end."""

from __future__ import annotations

import asyncio
import socket
import sys
import warnings
from datetime import timedelta

import pytest
from aiogram.types import Update as AiogramUpdate
from telegram import Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from bot import runtime_aiogram
from bot.runtime_ptb import _mapped, to_request
from bot.transport import Rejected, RetryLater, Transient, Unreachable
from handlers.kit.api import ChatType, Event
from tests.live import LiveBot
from tests.test_e2e import (
    CSV,
    GROUP,
    assert_redelivery_answered_once,
    press,
    say,
    set_up,
    soon,
    token_of,
)

BOT_ID = 123456789
BOT_NAME = "branch_test_bot"
ALICE = {"id": 2, "is_bot": False, "first_name": "San", "last_name": "Zhang", "language_code": "en"}
SEC = {"id": 1, "is_bot": False, "first_name": "Li", "username": "li_sec"}
BOT = {"id": BOT_ID, "is_bot": True, "first_name": "支部助手", "username": BOT_NAME}
GROUP_CHAT = {"id": GROUP, "type": "supergroup", "title": "第一党支部群"}
PRIVATE = {"id": 2, "type": "private", "first_name": "San"}


def message(chat=GROUP_CHAT, sender=ALICE, **content) -> dict:
    return {"update_id": 700_000_001, "message": {"message_id": 17, "date": 1_700_000_000, "chat": chat,
                                                  "from": sender, **content}}


ADMIN_RIGHTS = ("can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
                "can_restrict_members", "can_promote_members", "can_change_info", "can_invite_users",
                "can_post_stories", "can_edit_stories", "can_delete_stories", "can_send_welcome_messages")
RESTRICTIONS = ("can_change_info", "can_invite_users", "can_pin_messages", "can_send_messages", "can_send_polls",
                "can_send_other_messages", "can_add_web_page_previews", "can_manage_topics", "can_send_audios",
                "can_send_documents", "can_send_photos", "can_send_videos", "can_send_video_notes",
                "can_send_voice_notes", "can_edit_tag", "can_react_to_messages")


def member(status: str, user: dict) -> dict:
    """A ChatMember with the fields Telegram always sends for that status (PTB insists on them)."""
    data = {"status": status, "user": user}
    if status == "administrator":
        data.update(dict.fromkeys(ADMIN_RIGHTS, False))
    elif status == "restricted":
        data.update(dict.fromkeys(RESTRICTIONS, False), is_member=True, until_date=0)
    elif status == "kicked":
        data["until_date"] = 0
    elif status == "creator":
        data["is_anonymous"] = False
    return data


def member_update(kind: str, old: str, new: str, who: dict, actor: dict = SEC) -> dict:
    return {"update_id": 700_000_009, kind: {
        "chat": GROUP_CHAT, "from": actor, "date": 1_700_000_000,
        "old_chat_member": member(old, who), "new_chat_member": member(new, who)}}


def translate(data: dict):
    return to_request(Update.de_json(data, None), BOT_ID, BOT_NAME)


# --- update translation ------------------------------------------------------------------------


def test_command_for_another_bot_is_ignored():
    assert translate(message(text="/checkin@other_bot 12")) is None


def test_command_for_this_bot_loses_its_suffix():
    request = translate(message(text=f"/CheckIn@{BOT_NAME} 12 extra"))
    assert (request.event, request.command, request.args) == (Event.MESSAGE, "checkin", "12 extra")
    assert request.chat.type is ChatType.SUPERGROUP and request.chat.title == "第一党支部群"
    assert request.user.full_name == "San Zhang" and request.user.language_code == "en"
    assert request.message_id == 17 and request.update_id == 700_000_001


def test_document_becomes_a_file_reference_with_its_caption_as_text():
    doc = {"file_id": "BQACAgUAAxkB", "file_unique_id": "AQAD1", "file_name": "roster.csv",
           "mime_type": "text/csv", "file_size": 123}
    request = translate(message(chat=PRIVATE, document=doc, caption="名单"))
    assert request.event is Event.MESSAGE and request.command is None
    assert request.chat.is_private
    assert request.text == "名单"
    assert (request.document.file_id, request.document.file_name, request.document.mime_type,
            request.document.size) == ("BQACAgUAAxkB", "roster.csv", "text/csv", 123)
    assert request.photo is None


def test_photo_takes_the_largest_size():
    sizes = [{"file_id": "small", "file_unique_id": "s", "width": 90, "height": 60, "file_size": 10},
             {"file_id": "large", "file_unique_id": "l", "width": 900, "height": 600, "file_size": 1000}]
    request = translate(message(chat=PRIVATE, photo=sizes))
    assert (request.photo.file_id, request.photo.mime_type, request.photo.size) == ("large", "image/jpeg", 1000)


def test_left_chat_member_removed_by_someone_else_is_a_kick():
    request = translate(message(sender=SEC, left_chat_member=ALICE))
    assert request.event is Event.MEMBER_LEFT and request.kicked
    assert request.member.id == ALICE["id"] and request.user.id == SEC["id"]


def test_left_chat_member_leaving_by_themselves():
    request = translate(message(sender=ALICE, left_chat_member=ALICE))
    assert request.event is Event.MEMBER_LEFT and not request.kicked


def test_the_bot_itself_in_service_messages_is_ignored():
    assert translate(message(sender=SEC, left_chat_member=BOT)) is None
    assert translate(message(sender=SEC, new_chat_members=[BOT])) is None
    request = translate(message(sender=SEC, new_chat_members=[BOT, ALICE]))
    assert request.event is Event.MEMBER_JOINED and request.member.id == ALICE["id"]


def test_chat_member_kicked():
    request = translate(member_update("chat_member", "member", "kicked", ALICE))
    assert request.event is Event.MEMBER_LEFT and request.kicked
    assert request.member.id == ALICE["id"] and request.user.id == SEC["id"]
    assert request.chat.id == GROUP


def test_chat_member_joined_and_unchanged():
    assert translate(member_update("chat_member", "left", "member", ALICE, ALICE)).event is Event.MEMBER_JOINED
    assert translate(member_update("chat_member", "member", "administrator", ALICE)) is None


def test_my_chat_member_added_and_removed():
    assert translate(member_update("my_chat_member", "left", "member", BOT)).event is Event.BOT_ADDED
    assert translate(member_update("my_chat_member", "administrator", "kicked", BOT)).event is Event.BOT_REMOVED
    assert translate(member_update("my_chat_member", "member", "administrator", BOT)) is None


def test_callback_query():
    pressed = {"message_id": 41, "date": 1_700_000_000, "chat": GROUP_CHAT, "from": BOT, "text": "主题党日"}
    data = {"update_id": 700_000_005, "callback_query": {
        "id": "4391000000000000001", "from": ALICE, "message": pressed, "chat_instance": "-1", "data": "ci:7"}}
    request = translate(data)
    assert (request.event, request.callback_id, request.callback_data, request.message_id, request.chat.id) == (
        Event.CALLBACK, "4391000000000000001", "ci:7", 41, GROUP)


SAMPLES = [
    message(text="/checkin@other_bot 12"),
    message(text=f"/start@{BOT_NAME}\nabc"),
    message(text="hello"),
    message(chat=PRIVATE, document={"file_id": "f", "file_unique_id": "u", "file_name": "a.xlsx"}),
    message(sender=SEC, left_chat_member=ALICE),
    message(sender=SEC, new_chat_members=[BOT, ALICE]),
    member_update("chat_member", "member", "kicked", ALICE),
    member_update("chat_member", "restricted", "left", ALICE, ALICE),
    member_update("my_chat_member", "left", "administrator", BOT),
    {"update_id": 1, "callback_query": {"id": "9", "from": ALICE, "chat_instance": "1", "data": "x",
                                        "message": {"message_id": 3, "date": 0, "chat": PRIVATE}}},
]


@pytest.mark.parametrize("data", SAMPLES)
def test_same_request_as_the_aiogram_runtime(data):
    expected = runtime_aiogram.to_request(AiogramUpdate.model_validate(data), BOT_ID, BOT_NAME)
    assert translate(data) == expected


# --- errors ------------------------------------------------------------------------------------


async def raising(exc: Exception):
    raise exc


@pytest.mark.parametrize("exc, kind", [
    (BadRequest("Bad Request: chat not found"), Rejected),
    (ChatMigrated(-100777), Rejected),
    (InvalidToken("Not Found"), Rejected),
    (Forbidden("Forbidden: bot was blocked by the user"), Unreachable),
    (TimedOut(), Transient),
    (NetworkError("Bad Gateway"), Transient),
    (TimeoutError(), Transient),
])
async def test_errors_are_mapped(exc, kind):
    with pytest.raises(kind):
        await _mapped(raising(exc))


@pytest.mark.parametrize("value", [3, timedelta(seconds=3)])
async def test_retry_after_as_int_or_timedelta(value):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exc = RetryAfter(value)  # its constructor reads the deprecated int form itself
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the mapping must not add a deprecation warning of its own
        with pytest.raises(RetryLater) as caught:
            await _mapped(raising(exc))
    assert caught.value.retry_after == 3.0


async def test_rejections_keep_the_phrases_the_performer_looks_for():
    with pytest.raises(Rejected) as caught:
        await _mapped(raising(BadRequest("Bad Request: message is not modified: specified new message content")))
    assert caught.value.not_modified
    with pytest.raises(Rejected) as caught:
        await _mapped(raising(BadRequest("Bad Request: chat not found")))
    assert caught.value.chat_not_found


# --- end to end --------------------------------------------------------------------------------


@pytest.mark.e2e
async def test_whole_path_on_ptb(fake, tmp_path):
    bot = LiveBot(fake, f"sqlite+aiosqlite:///{tmp_path}/ptb.db", tmp_path, RUNTIME="ptb")
    await bot.start()
    try:
        sec = await set_up(fake)
        assert fake.commands(language_code="zh") and fake.commands(language_code="en") and fake.commands()
        [unhook] = [c for c in fake.calls if c.method == "deleteWebhook"]
        assert not unhook.params.get("drop_pending_updates")
        poll = next(c for c in fake.calls if c.method == "getUpdates")
        assert sorted(poll.params["allowed_updates"]) == ["callback_query", "chat_member", "message", "my_chat_member"]

        mark = fake.mark()
        fake.send_document(sec, sec.id, "roster.csv", CSV)
        report = await fake.wait_message(sec.id, contains="Roster imported", after=mark)
        assert "3 added" in report["text"]

        links = (await say(fake, sec, sec.id, "/invites", "Personal invite links"))["text"]
        zhang = fake.user(2, "San", last_name="Zhang", language_code="en")
        await say(fake, zhang, zhang.id, f"/start {token_of(links, '张三')}", "Welcome, 张三")

        mark = fake.mark()
        fake.send_text(sec, sec.id, f"/new 主题党日 | Theme day | {soon(10)} | 2h | Room 3 | 全体")
        post = await fake.wait_message(GROUP, contains="Theme day", after=mark)
        assert "Checked in 0/4" in post["text"]
        [(_, checkin), _leave] = fake.buttons(post)

        assert "you are checked in" in await press(fake, zhang, post, checkin)
        assert await fake.wait_edit(GROUP, post["message_id"], contains="Checked in 1/4")
        assert "already checked in" in await press(fake, zhang, post, checkin)
        assert "no longer valid" in await press(fake, zhang, post, "ci:99999")
        assert "no longer valid" in await press(fake, zhang, post, "zz:1")

        await assert_redelivery_answered_once(fake, zhang, post, checkin)

        # A command addressed to another bot is left alone.
        mark = fake.mark()
        fake.send_text(sec, GROUP, "/help@other_bot")
        await fake.drained()
        await fake.quiet()
        assert not [c for c in fake.calls[mark:] if c.method == "sendMessage"]

        # 429: the bot waits as long as it is told, then sends.
        fake.fail_next("sendMessage", status=429, retry_after=1)
        mark = fake.mark()
        fake.send_text(zhang, zhang.id, "/me")
        await fake.wait_message(zhang.id, after=mark)
        [refused] = [c for c in fake.calls[mark:] if c.method == "sendMessage" and c.status == 429]
        sent = next(c for c in fake.calls[mark:] if c.method == "sendMessage" and c.ok)
        assert sent.at - refused.at >= 0.9
        await fake.quiet()
        assert fake.unanswered_callbacks() == []
    finally:
        code = await bot.stop()
    output = bot.output()
    assert "Traceback" not in output, output[-3000:]
    assert code == 0, output[-3000:]
    assert "polling for updates" in output


@pytest.mark.e2e
async def test_ptb_delivery_survives_5xx_and_timeouts(fake, tmp_path):
    bot = LiveBot(fake, f"sqlite+aiosqlite:///{tmp_path}/f.db", tmp_path, RUNTIME="ptb", TELEGRAM_TIMEOUT="2")
    await bot.start()
    try:
        user = fake.user(7, "Ming", language_code="en")
        await say(fake, user, user.id, "/start", "Hello")
        fake.fail_next("sendMessage", status=502, times=2)
        await say(fake, user, user.id, "/help", "What I can do")
        fake.delay_next("sendMessage", 3)  # longer than the client waits: the outcome is unknown
        await say(fake, user, user.id, "/lang en", "English")
        await fake.quiet(seconds=1)
        await say(fake, user, user.id, "/me", "not on any branch roster")
        assert len([c for c in fake.calls if c.method == "sendMessage" and c.status == 502]) == 2
    finally:
        code = await bot.stop()
    assert "Traceback" not in bot.output(), bot.output()[-3000:]
    assert code == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.e2e
async def test_ptb_webhook(fake, tmp_path):
    import aiohttp

    port = free_port()
    url = f"http://127.0.0.1:{port}/hook/ptb"
    bot = LiveBot(fake, f"sqlite+aiosqlite:///{tmp_path}/w.db", tmp_path, RUNTIME="ptb", WEBHOOK_URL=url,
                  WEBHOOK_SECRET="s3cret", WEBHOOK_HOST="127.0.0.1", WEBHOOK_PORT=str(port))
    mark = fake.mark()
    with bot.log.open("ab") as log:
        bot.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=tmp_path, env=bot.environment(), stdout=log,
            stderr=asyncio.subprocess.STDOUT)
    try:
        hook = await fake.wait_for(lambda c: c.method == "setWebhook", timeout=30, after=mark)
        assert hook.params["url"] == url and hook.params["secret_token"] == "s3cret"
        user = fake.user(8, "Hong", language_code="en")
        update = fake.send_text(user, user.id, "/start")  # queued for getUpdates, posted to the hook instead
        async with aiohttp.ClientSession() as http:
            for _ in range(50):  # the listener starts right after setWebhook
                try:
                    async with http.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "no"}) as r:
                        assert r.status == 401
                    break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            mark = fake.mark()
            async with http.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"}) as r:
                assert r.status == 200
            await fake.wait_message(user.id, contains="Hello", after=mark)
    finally:
        code = await bot.stop()
    assert "Traceback" not in bot.output(), bot.output()[-3000:]
    assert code == 0
