"""Tests of the fake Bot API server, driven by real clients over real HTTP."""

from __future__ import annotations

import asyncio
import json
import struct
import zlib

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MessageEntity,
)

from tests.fake_telegram import CANT_INITIATE, FakeTelegram

GROUP = -1001234567890


@pytest.fixture
async def fake():
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()
    assert server.errors == []  # the fake never hit a bug of its own


@pytest.fixture
async def bot(fake: FakeTelegram):
    client = Bot(fake.token, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.url)))
    yield client
    await client.session.close()


@pytest.fixture
def alice(fake: FakeTelegram):
    return fake.user(1001, "Alice", last_name="Wang", username="alice")


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d) for t, d in pairs]])


def tiny_png(width: int = 3, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


# ---------------------------------------------------------------------------- basics


async def test_get_me(fake: FakeTelegram, bot: Bot):
    me = await bot.get_me()
    assert me.id == fake.bot_id == 123456789
    assert me.is_bot and me.username == "branch_test_bot" and me.first_name == "支部助手"
    assert [c.method for c in fake.calls] == ["getMe"]


async def test_send_message_round_trip(fake: FakeTelegram, bot: Bot, alice):
    fake.start_private(alice)
    sent = await bot.send_message(
        alice.id, "  会议 & 学习 <3  ", entities=[MessageEntity(type="bold", offset=2, length=2)],
        reply_markup=keyboard(("签到", "checkin:7")),
    )
    assert sent.text == "会议 & 学习 <3"
    assert sent.chat.type == "private" and sent.chat.first_name == "Alice"
    assert sent.from_user.id == fake.bot_id
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 0, 2)]

    stored = fake.last_message(alice.id)
    assert stored["message_id"] == sent.message_id
    assert stored["text"] == "会议 & 学习 <3"
    assert fake.buttons(stored) == [("签到", "checkin:7")]

    [call] = fake.sent(alice.id, "sendMessage")
    assert call.params["text"] == "  会议 & 学习 <3  "
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "checkin:7"
    assert await fake.wait_message(alice.id, contains="学习") == stored

    second = await bot.send_message(alice.id, "two")
    assert second.message_id == sent.message_id + 1
    assert [m["text"] for m in fake.messages(alice.id)] == ["会议 & 学习 <3", "two"]


async def test_edit_message_text_and_not_modified(fake: FakeTelegram, bot: Bot, alice):
    fake.start_private(alice)
    msg = await bot.send_message(alice.id, "v1", reply_markup=keyboard(("ok", "ok")))
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "v1",
            chat_id=alice.id,
            message_id=msg.message_id,
            reply_markup=keyboard(("ok", "ok")),
        )
    # same text but the keyboard dropped: that is a modification
    edited = await bot.edit_message_text("v1", chat_id=alice.id, message_id=msg.message_id)
    assert edited.text == "v1" and edited.reply_markup is None
    await bot.edit_message_reply_markup(chat_id=alice.id, message_id=msg.message_id, reply_markup=keyboard(("x", "y")))
    assert fake.buttons(fake.last_message(alice.id)) == [("x", "y")]
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("v2", chat_id=alice.id, message_id=999)


async def test_text_validation(fake: FakeTelegram, bot: Bot, alice):
    fake.start_private(alice)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(alice.id, "x" * 4097)
    await bot.send_message(alice.id, " " + "x" * 4096 + "\n")  # counted after trimming
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(alice.id, " \n ")
    for mode in ("HTML", "MarkdownV2", "Markdown"):  # the bot sends plain text; markup is not faked
        with pytest.raises(TelegramBadRequest, match="plain text only"):
            await bot.send_message(alice.id, "<b>hi</b>", parse_mode=mode)
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(alice.id, "hi", reply_markup=keyboard(("b", "数" * 22)))  # 66 bytes
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(424242, "hi")
    assert len(fake.messages(alice.id)) == 1


async def test_forbidden_private_chats(fake: FakeTelegram, bot: Bot, alice):
    with pytest.raises(TelegramForbiddenError, match="can't initiate conversation"):
        await bot.send_message(alice.id, "hello")
    assert fake.calls[-1].response == {"ok": False, "error_code": 403, "description": CANT_INITIATE}
    fake.send_text(alice, alice.id, "/start")  # talking to the bot opens the chat
    await bot.send_message(alice.id, "hello")
    fake.block(alice)
    with pytest.raises(TelegramForbiddenError, match="blocked by the user"):
        await bot.send_message(alice.id, "hello again")
    assert len(fake.sent(alice.id)) == 1


# ---------------------------------------------------------------------------- faults and limits


async def test_fail_next_429_and_500(fake: FakeTelegram, bot: Bot, alice):
    fake.start_private(alice)
    fake.fail_next("sendMessage", status=429, retry_after=7)
    with pytest.raises(TelegramRetryAfter) as info:
        await bot.send_message(alice.id, "hi")
    assert info.value.retry_after == 7
    fake.fail_next("sendMessage", status=500, times=2)
    for _ in range(2):
        with pytest.raises(TelegramServerError):
            await bot.send_message(alice.id, "hi")
    await bot.send_message(alice.id, "finally")
    assert [m["text"] for m in fake.messages(alice.id)] == ["finally"]


async def test_enforce_limits(fake: FakeTelegram, bot: Bot, alice):
    fake.start_private(alice)
    fake.enforce_limits(retry_after=3)
    await bot.send_message(alice.id, "one")
    with pytest.raises(TelegramRetryAfter) as info:
        await bot.send_message(alice.id, "two")
    assert info.value.retry_after == 3
    assert [(m, c) for m, c, _ in fake.limit_violations] == [("sendMessage", alice.id)]
    # another chat is not affected by the per-chat limit
    bob = fake.user(1002, "Bob")
    fake.start_private(bob)
    await bot.send_message(bob.id, "one")


async def test_delay_next_outcome_unknown(fake: FakeTelegram, bot: Bot, alice):
    fake.start_private(alice)
    fake.delay_next("sendMessage", 0.6)
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(alice.id, "slow", request_timeout=0.2)
    message = await fake.wait_message(alice.id, contains="slow", timeout=2)  # still executed
    assert message["text"] == "slow"


# ---------------------------------------------------------------------------- updates


async def test_long_poll_returns_queued_update_and_offset_confirms(fake: FakeTelegram, bot: Bot, alice):
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    assert not poll.done()
    queued = fake.send_text(alice, alice.id, "/start@branch_test_bot hello")
    updates = await asyncio.wait_for(poll, 1)
    assert [u.update_id for u in updates] == [queued["update_id"]]
    message = updates[0].message
    assert message.text == "/start@branch_test_bot hello" and message.from_user.id == alice.id
    assert [(e.type, e.offset, e.length) for e in message.entities] == [("bot_command", 0, 22)]
    assert fake.pending_updates() == 1  # delivered, not yet confirmed

    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [queued["update_id"]]
    assert await bot.get_updates(offset=queued["update_id"] + 1, timeout=0) == []
    assert fake.pending_updates() == 0
    await fake.drained(timeout=0.1)


async def test_redeliver_gives_same_update_id(fake: FakeTelegram, bot: Bot, alice):
    update = fake.send_text(alice, alice.id, "hi")
    [first] = await bot.get_updates(timeout=1)
    await bot.get_updates(offset=first.update_id + 1, timeout=0)
    fake.redeliver(update)
    [second] = await bot.get_updates(offset=first.update_id + 1, timeout=1)
    assert second.update_id == first.update_id and second.message.text == "hi"
    await bot.get_updates(offset=first.update_id + 1, timeout=0)
    assert fake.pending_updates() == 0


async def test_allowed_updates_and_member_events(fake: FakeTelegram, bot: Bot, alice):
    fake.group(GROUP, "第一支部")
    fake.member_joined(GROUP, alice)
    fake.member_left(GROUP, alice, kicked_by=fake.user(1003, "Admin"))
    # by default chat_member updates are not delivered
    updates = await bot.get_updates(timeout=0)
    assert updates[0].message.new_chat_members[0].id == alice.id
    assert updates[1].message.left_chat_member.id == alice.id
    assert len(updates) == 2
    assert [d["chat_member"]["new_chat_member"]["status"] for d in fake.dropped_updates] == ["member", "kicked"]
    await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)

    fake.member_joined(GROUP, alice, service_message=False)
    [update] = await bot.get_updates(timeout=0, allowed_updates=["message", "chat_member"])
    assert update.chat_member.old_chat_member.status == "kicked"
    assert update.chat_member.new_chat_member.status == "member"
    assert (await bot.get_chat_member(GROUP, alice.id)).status == "member"


async def test_bot_added_and_chat_info(fake: FakeTelegram, bot: Bot, alice):
    fake.group(GROUP, "第一支部")
    fake.bot_added(GROUP, alice)
    updates = await bot.get_updates(timeout=0, allowed_updates=["message", "my_chat_member"])
    assert updates[0].my_chat_member.new_chat_member.status == "member"
    assert updates[0].my_chat_member.from_user.id == alice.id
    assert updates[1].message.new_chat_members[0].id == fake.bot_id

    fake.set_admin(GROUP, alice, creator=True)
    fake.set_admin(GROUP, fake.bot_user)
    admins = await bot.get_chat_administrators(GROUP)
    assert sorted((a.user.id, a.status) for a in admins) == [(alice.id, "creator"), (fake.bot_id, "administrator")]
    chat = await bot.get_chat(GROUP)
    assert chat.title == "第一支部" and chat.type == "supergroup"
    stranger = fake.user(1009, "Stranger")
    assert (await bot.get_chat_member(GROUP, stranger.id)).status == "left"


async def test_callback_query_answered_once(fake: FakeTelegram, bot: Bot, alice):
    fake.start_private(alice)
    msg = await bot.send_message(alice.id, "投票", reply_markup=keyboard(("同意", "vote:yes"), ("反对", "vote:no")))
    queued = fake.press_button(alice, fake.last_message(alice.id), "同意")
    assert fake.unanswered_callbacks() == [queued["callback_query"]["id"]]
    [update] = await bot.get_updates(timeout=1)
    query = update.callback_query
    assert query.data == "vote:yes" and query.message.message_id == msg.message_id
    assert await bot.answer_callback_query(query.id, text="已记录", show_alert=True)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query.id)
    assert fake.unanswered_callbacks() == []
    assert fake.callback_answer(query.id) == {"text": "已记录", "show_alert": True, "url": None}
    [answer] = fake.sent(alice.id, "answerCallbackQuery")
    assert answer.params["callback_query_id"] == query.id
    with pytest.raises(AssertionError, match="no button"):
        fake.press(alice, msg.message_id, "vote:maybe", chat_id=alice.id)


# ---------------------------------------------------------------------------- files


async def test_document_upload_and_download(fake: FakeTelegram, bot: Bot, alice):
    fake.start_private(alice)
    content = "姓名,党费\n张三,20\n".encode()
    upload = BufferedInputFile(content, "ledger.csv")
    msg = await bot.send_document(alice.id, upload, caption=" 账目 ")
    assert msg.document.file_name == "ledger.csv" and msg.document.mime_type == "text/csv"
    assert msg.caption == "账目"
    [call] = fake.sent(alice.id, "sendDocument")
    assert call.params["_file_bytes"] == content and call.params["_file_name"] == "ledger.csv"
    downloaded = await bot.download(msg.document)
    assert downloaded.read() == content

    # a user's upload can be fetched the same way
    fake.send_document(alice, alice.id, "roster.csv", b"a,b\n1,2\n")
    [update] = await bot.get_updates(timeout=1)
    document = update.message.document
    assert document.file_name == "roster.csv" and document.file_size == 8
    assert (await bot.download(document)).read() == b"a,b\n1,2\n"


async def test_photo_upload(fake: FakeTelegram, bot: Bot, alice):
    fake.start_private(alice)
    png = tiny_png(300, 200)
    msg = await bot.send_photo(alice.id, BufferedInputFile(png, "qr.png"), caption="二维码")
    assert (msg.photo[-1].width, msg.photo[-1].height) == (300, 200)
    assert (await bot.download(msg.photo[-1].file_id)).read() == png
    again = await bot.send_photo(alice.id, msg.photo[-1].file_id)  # re-send by file_id
    assert again.photo[-1].file_id == msg.photo[-1].file_id
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(alice.id, BufferedInputFile(b"not an image", "x.png"))


async def test_media_group_by_file_id(fake: FakeTelegram, bot: Bot, alice):
    from aiogram.types import InputMediaPhoto

    fake.start_private(alice)
    ids = [(await bot.send_photo(alice.id, BufferedInputFile(tiny_png(10 + i, 10), "p.png"))).photo[-1].file_id
           for i in range(3)]
    album = await bot.send_media_group(alice.id, [InputMediaPhoto(media=f) for f in ids])
    assert [m.photo[-1].file_id for m in album] == ids
    assert len({m.media_group_id for m in album}) == 1 and album[0].media_group_id
    assert fake.sent(alice.id, "sendMediaGroup")[0].ok
    with pytest.raises(TelegramBadRequest, match="2-10 items"):
        await bot.send_media_group(alice.id, [InputMediaPhoto(media=ids[0])])
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_media_group(alice.id, [InputMediaPhoto(media="nope"), InputMediaPhoto(media=ids[0])])
    # An album counts as its photos toward the limits: 30 a second overall.
    fake.enforce_limits(retry_after=2)
    for n in range(3):
        chat = fake.user(2000 + n, f"U{n}")
        fake.start_private(chat)
        await bot.send_media_group(chat.id, [InputMediaPhoto(media=f) for f in ids * 3])  # 9 photos
    late = fake.user(2100, "Late")
    fake.start_private(late)
    with pytest.raises(TelegramRetryAfter):
        await bot.send_media_group(late.id, [InputMediaPhoto(media=f) for f in ids + ids[:1]])  # 27 + 4 > 30
    assert fake.limit_violations[-1][0] == "sendMediaGroup"


# ---------------------------------------------------------------------------- misc API surface


async def test_commands(fake: FakeTelegram, bot: Bot):
    commands = [BotCommand(command="start", description="开始"), BotCommand(command="checkin", description="签到")]
    await bot.set_my_commands(commands, scope=BotCommandScopeAllPrivateChats(), language_code="zh")
    got = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="zh")
    assert [c.command for c in got] == ["start", "checkin"]
    assert await bot.get_my_commands() == []
    assert fake.commands({"type": "all_private_chats"}, "zh")[1] == {"command": "checkin", "description": "签到"}
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad-Name", description="x")])


async def test_raw_http_shapes(fake: FakeTelegram, alice):
    fake.start_private(alice)
    base = f"{fake.url}/bot{fake.token}"
    markup = {"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]}
    async with aiohttp.ClientSession() as http:
        body = {"chat_id": alice.id, "text": "json", "reply_markup": markup}
        async with http.post(f"{base}/sendMessage", json=body) as r:
            assert r.status == 200 and (await r.json())["result"]["reply_markup"] == markup
        form = {"chat_id": str(alice.id), "text": "form", "reply_markup": json.dumps(markup)}
        async with http.post(f"{base}/sendMessage", data=form) as r:
            assert (await r.json())["result"]["reply_markup"] == markup
        async with http.get(f"{base}/sendmessage", params={"chat_id": alice.id, "text": "query"}) as r:
            assert (await r.json())["result"]["text"] == "query"
        async with http.post(f"{base}/noSuchMethod") as r:
            assert r.status == 404
            assert await r.json() == {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
        async with http.post(f"{fake.url}/bot1:wrong/getMe") as r:
            assert r.status == 401 and (await r.json())["description"] == "Unauthorized"
    assert [m["text"] for m in fake.messages(alice.id)] == ["json", "form", "query"]
    assert [c.method for c in fake.calls] == ["sendMessage", "sendMessage", "sendMessage", "noSuchMethod", "getMe"]


async def test_wait_for_timeout_is_readable(fake: FakeTelegram, bot: Bot, alice):
    fake.start_private(alice)
    await bot.send_message(alice.id, "something else")
    with pytest.raises(AssertionError, match=r"(?s)timed out waiting for a message.*something else"):
        await fake.wait_message(alice.id, contains="expected", timeout=0.2)


async def test_python_telegram_bot_client(fake: FakeTelegram, alice):
    from telegram import Bot as PtbBot
    from telegram import InlineKeyboardButton as PtbButton
    from telegram import InlineKeyboardMarkup as PtbMarkup

    fake.start_private(alice)
    ptb = PtbBot(fake.token, base_url=f"{fake.url}/bot", base_file_url=f"{fake.url}/file/bot")
    async with ptb:
        me = await ptb.get_me()
        assert me.id == fake.bot_id and me.username == "branch_test_bot"
        msg = await ptb.send_message(
            alice.id, "你好", reply_markup=PtbMarkup([[PtbButton("ok", callback_data="ok")]])
        )
        assert msg.text == "你好" and msg.chat.id == alice.id
        assert fake.buttons(fake.last_message(alice.id)) == [("ok", "ok")]
        fake.send_document(alice, alice.id, "a.csv", b"x,y\n")
        [update] = await ptb.get_updates(timeout=1)
        file = await ptb.get_file(update.message.document.file_id)
        assert bytes(await file.download_as_bytearray()) == b"x,y\n"


# ---------------------------------------------------------------------------- real polling loops


async def test_aiogram_dispatcher_polling(fake: FakeTelegram, bot: Bot, alice):
    from aiogram import Dispatcher, F
    from aiogram.filters import CommandStart
    from aiogram.types import CallbackQuery, ChatMemberUpdated, Message

    dp = Dispatcher()

    @dp.message(CommandStart())
    async def on_start(message: Message) -> None:
        await message.answer("欢迎", reply_markup=keyboard(("签到", "checkin")))

    @dp.callback_query(F.data == "checkin")
    async def on_checkin(query: CallbackQuery) -> None:
        await query.message.edit_text("已签到")
        await query.answer("好")

    @dp.chat_member()
    async def on_member(event: ChatMemberUpdated) -> None:
        await bot.send_message(event.chat.id, f"{event.new_chat_member.user.first_name} {event.new_chat_member.status}")

    fake.group(GROUP, "第一支部")
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=5))
    try:
        mark = fake.mark()
        fake.send_text(alice, alice.id, "/start")
        welcome = await fake.wait_message(alice.id, contains="欢迎", after=mark, timeout=3)
        fake.press(alice, welcome, "checkin")
        edited = await fake.wait_edit(alice.id, welcome["message_id"], timeout=3)
        assert edited["text"] == "已签到" and "reply_markup" not in edited
        fake.member_left(GROUP, alice)  # chat_member is requested because a handler uses it
        assert (await fake.wait_message(GROUP, timeout=3))["text"] == "Alice left"
        await fake.drained(timeout=3)
        await fake.quiet(0.1, timeout=3)
        assert fake.unanswered_callbacks() == []
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(polling, 3)


async def test_ptb_application_polling(fake: FakeTelegram, alice):
    from telegram import Update
    from telegram.ext import Application, CommandHandler, ContextTypes

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_chat.send_message(f"hi {update.effective_user.first_name}")

    app = (
        Application.builder()
        .token(fake.token)
        .base_url(f"{fake.url}/bot")
        .base_file_url(f"{fake.url}/file/bot")
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    async with app:
        await app.updater.start_polling(timeout=5, poll_interval=0)
        await app.start()
        try:
            fake.send_text(alice, alice.id, "/start")
            assert (await fake.wait_message(alice.id, timeout=3))["text"] == "hi Alice"
            await fake.drained(timeout=3)
        finally:
            await app.updater.stop()
            await app.stop()
    methods = [c.method for c in fake.calls]
    assert methods[:2] == ["getMe", "deleteWebhook"] and "sendMessage" in methods


async def test_abandoned_long_poll_does_not_consume_updates(fake: FakeTelegram, bot: Bot, alice):
    update = fake.send_text(alice, alice.id, "first")
    [first] = await bot.get_updates(timeout=0)
    await bot.get_updates(offset=first.update_id + 1, timeout=0)
    with pytest.raises(TelegramNetworkError):  # client gives up while the server holds the poll
        await bot.get_updates(offset=first.update_id + 1, timeout=5, request_timeout=0.2)
    await asyncio.sleep(0.05)
    fake.redeliver(update)
    await asyncio.sleep(0.05)
    [again] = await bot.get_updates(offset=first.update_id + 1, timeout=1)
    assert again.update_id == first.update_id


async def test_group_rules_privacy_and_removal():
    async with FakeTelegram(privacy_mode=True) as fake:
        alice = fake.user(1001, "Alice")
        client = Bot(fake.token, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.url)))
        try:
            fake.group(GROUP, "第一支部")
            fake.send_text(alice, GROUP, "闲聊")  # not for the bot: hidden by privacy mode
            fake.send_text(alice, GROUP, "/checkin@branch_test_bot")
            sent = await client.send_message(GROUP, "请回复")
            fake.send_text(alice, GROUP, "收到", reply_to=sent.message_id)
            texts = [u.message.text for u in await client.get_updates(timeout=0)]
            assert texts == ["/checkin@branch_test_bot", "收到"]
            assert [m["text"] for m in fake.history(GROUP)] == ["闲聊", "/checkin@branch_test_bot", "请回复", "收到"]
            with pytest.raises(TelegramBadRequest, match="plain text only"):
                await client.send_message(GROUP, "1. item", parse_mode="MarkdownV2")
            fake.bot_removed(GROUP, alice)
            with pytest.raises(TelegramForbiddenError, match="kicked"):
                await client.send_message(GROUP, "still here?")
        finally:
            await client.session.close()
