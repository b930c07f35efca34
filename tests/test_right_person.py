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


# --- Telegram's limits: toasts -----------------------------------------------------------------

import ast  # noqa: E402
import string  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402

from handlers.kit.api import Send, Toast, User  # noqa: E402
from handlers.kit.context import Context  # noqa: E402
from handlers.kit.textfit import MAX_TOAST, fit_toast  # noqa: E402
from tests.test_i18n import translations  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def toast_messages() -> set[str]:
    """Every N_() message that reaches ctx.toast or ctx.answer (directly, or through a dict or a
    conditional), found in the handlers' source."""
    found: set[str] = set()
    def message(call: ast.AST) -> str | None:
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "N_":
            return "".join(a.value for a in call.args if isinstance(a, ast.Constant))
        return None

    for path in (ROOT / "handlers").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        named = {target.id: message(node.value) for node in tree.body if isinstance(node, ast.Assign)
                 for target in node.targets if isinstance(target, ast.Name) and message(node.value)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("toast", "answer"):
                for inner in ast.walk(node):
                    text = message(inner) or (named.get(inner.id) if isinstance(inner, ast.Name) else None)
                    if text:
                        found.add(text)
    return found


def test_every_toast_in_the_catalog_fits_in_both_languages():
    messages = toast_messages()
    assert "Thank you, noted as received." in messages and len(messages) > 12
    zh = translations()
    fields = lambda text: {n for _, n, _, _ in string.Formatter().parse(text) if n}  # noqa: E731
    too_long = []
    for msgid in messages:
        for text in (msgid, zh.get(msgid) or msgid):
            shown = text.format_map(dict.fromkeys(fields(text), "第一党小组 #123"))
            if len(shown) > MAX_TOAST:
                too_long.append(shown)
    assert not too_long


def test_a_toast_too_long_is_cut_with_an_ellipsis_and_the_whole_text_comes_privately():
    text = "word " * 100
    assert len(fit_toast(text)) <= MAX_TOAST and fit_toast(text).endswith("…") and fit_toast("short") == "short"
    assert len(fit_toast("字" * 500)) == MAX_TOAST
    request = Request(1, Event.CALLBACK, Chat(-100, ChatType.SUPERGROUP), User(7, "A"), callback_id="cb1", callback_data="x")
    ctx = Context(request=request, session=None, env=None, now=datetime.now(timezone.utc), locale="en")
    ctx.toast(text, alert=True)
    [toast] = [a for a in ctx.actions if isinstance(a, Toast)]
    assert len(toast.text) <= MAX_TOAST and toast.text.endswith("…") and toast.alert
    assert [(a.chat_id, a.text) for a in ctx.actions if isinstance(a, Send)] == [(7, text)]


async def test_the_performer_never_sends_a_toast_telegram_would_refuse(bot):
    await bot.core.performer.perform([Toast("cb-long", "说明" * 150, alert=True)])
    [(_, text, alert, _)] = [t for t in bot.transport.toasts if t[0] == "cb-long"]
    assert len(text) <= MAX_TOAST and text.endswith("…") and alert


# --- refusals are audited, whoever tries; a demoted officer's dialog stops ----------------------

from sqlalchemy import select  # noqa: E402

from storage.models import AuditEntry, Conversation  # noqa: E402
from tests.test_activities import announce, linked  # noqa: E402


async def refusals(bot) -> list[tuple[int, str, str]]:
    async with bot.db.session() as s:
        rows = await s.scalars(select(AuditEntry).where(AuditEntry.action == "refused").order_by(AuditEntry.id))
        return [(e.actor_user_id, e.details.get("reason"), e.details.get("attempt")) for e in rows]


async def test_every_refused_attempt_is_audited_whoever_tries(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    post = await announce(bot, sec)
    stranger = bot.user(9, "Nobody", lang="en")
    assert "not on any branch roster" in (await bot.say(stranger, "/new"))[-1].text
    outsider = bot.user(8, "Other branch", lang="en")  # not on this group's roster
    _, toast = await bot.press(outsider, post, post.button("Check in"))
    assert "not on this branch's roster" in toast
    assert (await bot.say(zhang, "/broadcast"))[-1].text.startswith("Only the")
    assert await refusals(bot) == [(9, "not_in_roster", "/new"), (8, "not_in_branch", "button ci"),
                                   (2, "role", "/broadcast")]


async def open_dialog(bot, uid) -> str | None:
    async with bot.db.session() as s:
        conv = await s.get(Conversation, uid)
        return conv and conv.kind


async def test_a_demoted_officers_open_dialogs_stop_at_the_next_step(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    await bot.say(sec, "/grant 张三 组织委员")
    for start, kind, answer in (("/broadcast", "broadcast", "A notice"), ("/new", "new_activity", "A title"),
                                ("/rule", "rule", "every month on the 1st")):
        asked = (await bot.say(zhang, start))[-1]
        assert await open_dialog(bot, 2) == kind
        await bot.say(sec, "/revoke 张三 组织委员")
        if asked.buttons:  # a button step refuses
            _, toast = await bot.press(zhang, asked, asked.buttons[0][0].data)
            assert toast.startswith("Only the"), start
        reply = (await bot.say(zhang, answer))[-1].text
        assert reply.startswith("Only the"), (start, reply)
        assert await open_dialog(bot, 2) is None, start
        await bot.say(sec, "/grant 张三 组织委员")
    assert [r for r in await refusals(bot) if r[1] == "role"]


async def test_pressing_leave_twice_asks_once(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    post = await announce(bot, sec)
    sent, toast = await bot.press(zhang, post, post.button("leave"))
    assert "asked you for the reason" in toast and len([s for s in sent if s.chat_id == 2]) == 1
    sent, toast = await bot.press(zhang, post, post.button("leave"))
    assert "asked you for the reason" in toast and [s for s in sent if s.chat_id == 2] == []


# --- the branch always has a secretary -----------------------------------------------------------

from sqlalchemy.orm import selectinload  # noqa: E402

from storage.models import Member  # noqa: E402


async def roles_of(bot, name) -> set[str]:
    async with bot.db.session() as s:
        m = await s.scalar(select(Member).options(selectinload(Member.roles)).where(Member.name == name))
        return {r.role.value for r in m.roles} if m.active else set()


async def test_the_last_secretary_cannot_be_removed_demoted_or_lost(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    await bot.say(sec, "/grant 张三 副书记")
    # A deputy may manage the roster, but not take the only secretary off it.
    reply = (await bot.say(zhang, "/remove Secretary Li"))[-1].text
    assert "only secretary" in reply and "secretary" in await roles_of(bot, "Secretary Li")
    assert "needs a secretary" in (await bot.say(zhang, "/revoke Secretary Li 书记"))[-1].text
    # Leaving the group is noted; they stay secretary.
    await bot.send(Request(next(bot.update_ids), Event.MEMBER_LEFT, GROUP, sec, member=sec))
    assert "secretary" in await roles_of(bot, "Secretary Li")
    assert "needs a secretary" in (await bot.say(zhang, "/revoke Secretary Li 书记"))[-1].text
    # A re-import of the roster cannot drop the role.
    await bot.upload(zhang, "roster.csv", "姓名,政治面貌\nSecretary Li,正式\n张三,正式\n".encode())
    assert "secretary" in await roles_of(bot, "Secretary Li")
    # Once someone else is secretary too, the first one may go.
    await bot.say(sec, "/grant 张三 书记")
    ask = (await bot.say(zhang, "/remove Secretary Li"))[-1]
    _, toast = await bot.press(zhang, ask, ask.button("Take off the roster"))
    assert "no longer on the roster" in bot.last(zhang.id).text
    assert "needs a secretary" in (await bot.say(zhang, "/revoke 张三 书记"))[-1].text


async def test_creating_an_identical_activity_asks_first(bot):
    from storage.models import Activity

    sec = await setup_branch(bot)
    line = "/new 党课 | Lecture | 2026-12-03 19:00 | 1h | Hall | 全体"
    await bot.say(sec, line)
    ask = (await bot.say(sec, line.replace("Lecture", "Lecture again")))[-1]
    assert "already exists" in ask.text
    await bot.press(sec, ask, ask.button("Cancel"))
    ask = (await bot.say(sec, line))[-1]
    sent, _ = await bot.press(sec, ask, ask.button("Create anyway"))
    assert any("Created and announced" in s.text for s in sent)
    async with bot.db.session() as s:
        assert [a.title for a in await s.scalars(select(Activity).order_by(Activity.id))] == ["Lecture", "Lecture"]
    # Another start time is another activity: no question.
    assert any("Created and announced" in s.text for s in await bot.say(sec, line.replace("19:00", "20:00")))
