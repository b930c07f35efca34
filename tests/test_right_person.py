"""Says the right thing to the right person: notices with media carry 收到, each reader's language,
reminders that do not repeat."""

from __future__ import annotations

from handlers.kit.api import Chat, ChatType, Event, FileRef, Request
from tests.memory import GROUP
from tests.test_broadcast import compose
from tests.test_flow import setup_branch


async def linked_as(bot, sec, uid, name, lang):
    link = (await bot.say(sec, f"/add {name} 正式"))[-1].text.split("start=")[1].split()[0]
    user = bot.user(uid, f"user{uid}", lang=lang)
    await bot.say(user, f"/start {link}")
    return user


async def compose_media(bot, sec, audience_label, *, photo=None, document=None):
    await bot.say(sec, "/broadcast")
    request = Request(next(bot.update_ids), Event.MESSAGE, Chat(sec.id, ChatType.PRIVATE), sec, text="Poster",
                      photo=FileRef(photo) if photo else None, document=FileRef(document, "plan.pdf") if document else None)
    who = (await bot.send(request))[-1]
    ask = (await bot.press(sec, who, who.button(audience_label)))[0][-1]
    preview = (await bot.press(sec, ask, ask.button("Yes")))[0][-1]
    sent, _ = await bot.press(sec, preview, preview.button("Send"))
    return sent


async def test_a_photo_or_document_notice_asking_for_收到_carries_the_button(bot):
    sec = await setup_branch(bot)
    zhang = await linked_as(bot, sec, 2, "张三", "en")
    sent = await compose_media(bot, sec, "Everyone, privately", photo="AgACphoto")
    photo = next(s for s in sent if s.chat_id == 2 and s.kind == "photo")
    _, toast = await bot.press(zhang, photo, photo.button("收到"))
    assert "noted as received" in toast
    sent = await compose_media(bot, sec, "The group: one post", document="BQACdoc")
    post = next(s for s in sent if s.chat_id == GROUP.id and s.kind == "document")
    _, toast = await bot.press(zhang, post, post.button("收到"))
    assert "noted as received" in toast


async def test_private_copies_and_reminders_speak_each_readers_language(bot):
    sec = await setup_branch(bot)  # the branch speaks English
    await linked_as(bot, sec, 2, "张三", "zh-hans")
    await linked_as(bot, sec, 3, "王五", "en")
    preview = await compose(bot, sec, "Study on Friday.", "Everyone, privately")
    sent, _ = await bot.press(sec, preview, preview.button("Send"))
    zh = next(s for s in sent if s.chat_id == 2)
    en = next(s for s in sent if s.chat_id == 3)
    assert zh.text.startswith("【通知】") and zh.button("收到") and zh.buttons[0][0].text == "收到"
    assert en.text.startswith("【Notice】") and en.buttons[0][0].text == "Got it (收到)"
    # Automatic reminders, then one by hand: each in the reader's language.
    bot.clock.advance(hours=25)
    auto = {s.chat_id: s.text for s in await bot.upkeep() if s.chat_id in (2, 3)}
    assert auto[2].startswith("提醒") and auto[3].startswith("Reminder")
    bot.clock.advance(hours=25)
    ledger = (await bot.say(sec, "/acks"))[-1]
    sent, _ = await bot.press(sec, ledger, ledger.button("Remind"))
    by_hand = {s.chat_id: s.text for s in sent if s.chat_id in (2, 3)}
    assert by_hand[2].startswith("提醒") and by_hand[3].startswith("Reminder")


async def test_group_post_speaks_the_branch_language(bot):
    sec = await setup_branch(bot)
    await bot.group(sec, "/set language zh_CN")
    preview = await compose(bot, sec, "Badge day.", "The group: one post")
    sent, _ = await bot.press(sec, preview, preview.button("Send"))
    post = next(s for s in sent if s.chat_id == GROUP.id)
    assert post.text.startswith("【通知】") and post.buttons[0][0].text == "收到"


async def test_reminding_by_hand_twice_reminds_once_and_respects_nudge_max(bot):
    sec = await setup_branch(bot)
    await linked_as(bot, sec, 2, "张三", "en")
    await bot.say(sec, "/set nudge_max 2")
    preview = await compose(bot, sec, "Sign the form.", "Everyone, privately")
    await bot.press(sec, preview, preview.button("Send"))
    ledger = (await bot.say(sec, "/acks"))[-1]
    sent, toast = await bot.press(sec, ledger, ledger.button("Remind"))
    assert "Reminded 2 people" in toast and sorted(s.chat_id for s in sent) == [1, 2]
    sent, toast = await bot.press(sec, ledger, ledger.button("Remind"))  # a second tap, or another officer
    assert "Nobody to remind now" in toast and [s for s in sent if s.chat_id in (1, 2)] == []
    bot.clock.advance(hours=25)
    sent, toast = await bot.press(sec, ledger, ledger.button("Remind"))
    assert "Reminded 2 people" in toast
    bot.clock.advance(hours=25)
    sent, toast = await bot.press(sec, ledger, ledger.button("Remind"))  # two reminders each already
    assert "Nobody to remind now" in toast and [s for s in sent if s.chat_id in (1, 2)] == []
    assert not [s for s in await bot.upkeep() if "Reminder" in s.text]  # nor does the automatic one
