"""Names as people type them or Telegram supplies them: one normal form, blanks refused, and a name
that is another member's after normalizing or case folding flagged, never silently added twice."""

from __future__ import annotations

from sqlalchemy import select

from handlers.kit import inbound
from handlers.kit.api import User
from storage.models import JoinRequest, Member
from storage.rules.names import name_key, normalize_name
from tests.memory import GROUP
from tests.test_flow import setup_branch

# Each pair: what was typed, and the name kept.
SPELLINGS = [
    ("张\u200b三", "张三"), ("\u202e张三\u202c", "张三"), ("\ufeff张三", "张三"), ("张三\u200d", "张三"),
    ("  Li   Ming ", "Li Ming"), ("Ｌｉ Ｍｉｎｇ", "Li Ming"), ("张\u3000三", "张 三"), ("Li\tMing", "Li Ming"),
    ("A\u0000B", "AB"), ("e\u0301", "é"), ("\u2068王五\u2069", "王五"), ("\u200e李四\u200f", "李四"),
]
BLANKS = ["", "   ", "\u200b", "\u200b\u200c\u200d\u2060", "\u202e\u202c", "\ufeff", "\u3000", "\u0000"]


def test_one_normal_form_for_names():
    for typed, kept in SPELLINGS:
        assert normalize_name(typed) == kept, typed
    for blank in BLANKS:
        assert normalize_name(blank) == "", repr(blank)
    assert name_key("Li Ming") == name_key("LI MING") == name_key("ｌｉ ｍｉｎｇ") and name_key("张三") == "张三"


def test_telegram_names_arrive_normalized():
    person = inbound.user(User(5, "\u202eXiao\u200bming", "Chen\u0000", "x" * 100, "zh-hans-" + "x" * 40))
    assert person == User(5, "Xiaoming", "Chen", None, None)
    assert inbound.user(User(6, "\u200b", None, "ok_name", "en")) == User(6, "", None, "ok_name", "en")


async def _names(bot):
    async with bot.db.session() as s:
        return sorted(await s.scalars(select(Member.name)))


async def test_add_keeps_the_normal_form_refuses_blanks_and_flags_lookalikes(bot):
    sec = await setup_branch(bot)
    assert "Added 张三" in (await bot.say(sec, "/add 张\u200b三 正式"))[-1].text
    for blank in BLANKS[1:]:
        assert "Write: /add" in (await bot.say(sec, f"/add {blank},正式"))[-1].text, repr(blank)
    for alike in ("\u202e张三", "张三\ufeff"):
        assert "already on the roster" in (await bot.say(sec, f"/add {alike} 正式"))[-1].text
    await bot.say(sec, "/add Li Ming,正式")
    assert "already on the roster" in (await bot.say(sec, "/add Ｌｉ  Ｍｉｎｇ,正式"))[-1].text
    for alike in ("li ming", "LI MING", "ｌｉ ｍｉｎｇ", "LI\u200b MING"):
        text = (await bot.say(sec, f"/add {alike},正式"))[-1].text
        assert "it looks like “Li Ming”" in text, text
    names = await _names(bot)
    assert names.count("张三") == 1 and [n for n in names if name_key(n) == "li ming"] == ["Li Ming"]
    assert all(normalize_name(n) == n for n in names)
    # Lookups take the same form: an invisible character or another case finds the entry.
    assert "A new link for" in (await bot.say(sec, "/invite LI\u200b MING"))[-1].text
    ask = (await bot.say(sec, "/remove 张\u200b三"))[-1]
    assert "Take 张三 (full member) off the roster?" in ask.text
    await bot.press(sec, ask, ask.button("Take off the roster"))
    assert "no longer on the roster" in bot.last(sec.id).text


async def test_import_normalizes_names_and_reports_lookalikes(bot):
    sec = await setup_branch(bot)
    await bot.say(sec, "/add Li Ming,正式")
    csv = ("姓名,政治面貌\n张\u200b三,正式\n\u202e李四,预备\nli ming,正式\nＷang Wu,正式\n\u200b,正式\n").encode()
    report = (await bot.upload(sec, "roster.csv", csv))[-1].text
    assert "2 added" in report or "3 added" in report, report
    assert "“li ming” was not added: it looks like “Li Ming”" in report, report
    assert "Row 6" in report  # the blank name
    names = await _names(bot)
    assert "张三" in names and "李四" in names and "Wang Wu" in names and "li ming" not in names, names
    again = (await bot.upload(sec, "roster.csv", csv))[-1].text
    assert "0 added" in again, again


async def test_join_with_an_invisible_name_is_refused_and_a_lookalike_is_flagged(bot):
    sec = await setup_branch(bot)
    ghost = bot.user(5, "\u200b\u202e", None, "en")
    replies = await bot.group(ghost, "/join")
    assert "Telegram name is blank" in replies[-1].text
    async with bot.db.session() as s:
        assert (await s.scalars(select(JoinRequest))).first() is None
    await bot.say(sec, "/add Xiaoming Chen,正式")
    async with bot.db.session() as s:
        (await s.scalar(select(Member).where(Member.name == "Xiaoming Chen"))).active = False
    newcomer = bot.user(6, "XIAOMING\u200b", "CHEN", "en")
    replies = await bot.group(newcomer, "/join")
    ask = next(r for r in replies if r.chat_id == sec.id)
    assert "XIAOMING CHEN (@u6) asks to join" in ask.text
    _, toast = await bot.press(sec, ask, ask.button("full member"))
    assert "looks like “Xiaoming Chen”" in toast, toast
    assert (await _names(bot)).count("XIAOMING CHEN") == 0


async def test_setup_keeps_the_founders_name_in_normal_form_and_refuses_a_blank_one(bot):
    sec = bot.user(1, "Secretary", "Li", "en")
    bot.transport.admins.add((GROUP.id, sec.id))
    await bot.say(sec, "/start")
    refused = await bot.group(sec, "/setup 第一党支部 | \u200b\u202e")
    assert not await _names(bot), [r.text for r in refused]
    await bot.group(sec, "/setup 第一党支部 | Ｓｅｃｒｅｔａｒｙ\u200b Li")
    assert await _names(bot) == ["Secretary Li"]
