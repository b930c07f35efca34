"""Every number a user types or a button carries: one rule, and a sentence for anything else.

The class is tested, not examples: each hostile input goes to every command the router knows,
every deep-link payload and every kind of button, and must get an answer that is not
"something went wrong" (an exception inside a handler).
"""

from __future__ import annotations

from handlers.app import build_router
from handlers.kit import callbacks
from handlers.kit.callbacks import Int, Tagged
from handlers.kit.pipeline import FAILED
from storage.models import AuditEntry
from storage.rules.numbers import ID_MAX, looks_like_number, row_id, whole
from tests.memory import GROUP
from tests.test_activities import NEW, announce, count, linked
from tests.test_flow import setup_branch

# The number test of the issue, and the ways around it seen in the wild.
HOSTILE = ["²", "①", "١٢", "１２x", "9" * 20, str(2**31), str(2**63), "-1", "0", "1e3", "1.5", "+3", "#", "#-1",
           " 12 ", "", "१२", "一二", "\u200b12", "12\u0000", "\U0001d7d9"]
# The table, sent to every command (the longer list above goes to payloads and buttons).
TABLE = ["²", "①", "١٢", "１２", "9" * 20, "-1", "0", "1e3", " 12 ", ""]
FAILED_WORDS = "something went wrong"


def test_row_numbers_are_ascii_digits_within_the_key_range():
    assert row_id("12") == 12 and row_id("#12") == 12 and row_id(" １２ ") == 12 and row_id("＃１２") == 12
    assert row_id(str(ID_MAX)) == ID_MAX and row_id("0012") == 12
    for text in ["²", "①", "١٢", "9" * 20, str(ID_MAX + 1), "-1", "0", "1e3", "", "1.5", "+3", "#", "१२",
                 "\U0001d7d9", "12\u0000", "1_000"]:
        assert row_id(text) is None, text
    assert whole("15", 1, 12) is None and whole("12", 1, 12) == 12 and whole("00000000000000000007", 0, 9) == 7
    # A word meant as a number is read as one (and refused), not taken for part of a name.
    assert all(looks_like_number(w) for w in ("12", "#12", "１２", "²", "①", "-1", "1e3", "١٢"))
    assert not any(looks_like_number(w) for w in ("张三", "Li", "", "#", "二"))


def test_buttons_read_numbers_by_the_same_digit_rule():
    field = Int(1, ID_MAX)
    for text in ["²", "①", "١٢", "１２", "9" * 20, str(ID_MAX + 1), "-1", "0", "1e3", "", " 12"]:
        try:
            field.decode(text)
        except callbacks.Invalid:
            continue
        raise AssertionError(f"{text!r} decoded")


async def _world(bot):
    """A branch with a member, an activity, a rule and a notice: numbers 1 exist for each."""
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    await announce(bot, sec, NEW)
    await bot.say(sec, "/rule 主题党日 | 每月第一个周五 09:00 | 2h | 三楼会议室 | 全体 | 提前3天 09:00")
    return sec, zhang


def _assert_answered(replies, what):
    private = [r for r in replies if r.chat_id > 0]
    assert replies, f"{what}: no answer"
    for reply in replies:
        assert FAILED_WORDS not in reply.text and "出了点问题" not in reply.text, f"{what}: {reply.text}"
    return private


async def test_every_command_answers_hostile_numbers_with_a_sentence(bot):
    sec, zhang = await _world(bot)
    router = build_router()
    silent = []
    for name in sorted(router.commands):
        for value in TABLE:
            # Commands are routed by name, so a dialog one of them opens does not eat the next.
            for args in (value, f"张三 {value}", f"{value} 2026-12-04 09:00"):
                replies = await bot.say(sec, f"/{name} {args}".rstrip())
                if not replies:
                    silent.append(f"/{name} {args}")
                for reply in replies:
                    assert FAILED not in reply.text and FAILED_WORDS not in reply.text, f"/{name} {args!r}: {reply.text}"
            replies = await bot.group(sec, f"/{name} {value}".rstrip())
            for reply in replies:
                assert FAILED_WORDS not in reply.text, f"/{name} {value!r} in the group: {reply.text}"
    assert not silent, f"unanswered: {silent[:20]}"


async def test_commands_taking_a_number_say_there_is_no_such_number(bot):
    sec, zhang = await _world(bot)
    before = await count(bot, AuditEntry)
    asks = {
        "/checkin {}": "no activity number", "/record {}": "no activity number", "/acks {}": "no notice number",
        "/checkin_for 张三 {}": "no activity number", "/stoprule {}": "no recurring date number",
        "/skip {} 2026-12-04": "no recurring date number", "/move {} 2026-12-04 2026-12-05 09:00": "no recurring date number",
        "/upcoming {}": "from 1 to 12", "/set invite_days {}": "takes a whole number", "/qr {}": "no activity number",
        "/leave {}": "no activity number",
    }
    for value in ("²", "①", "١٢", "9" * 20, str(2**31), "0", "-1", "1e3"):
        for command, answer in asks.items():
            replies = await bot.say(sec, command.format(value))
            assert replies and answer in replies[-1].text, (command.format(value), [r.text for r in replies])
    # Nothing changed: no check-in, no skipped or stopped rule, no setting (only refusals may be audited).
    async with bot.db.session() as s:
        from sqlalchemy import select
        actions = set(await s.scalars(select(AuditEntry.action).where(AuditEntry.id > before)))
    assert not actions - {"refused"}, actions


async def test_makeup_with_a_bad_number_settles_nothing(bot):
    sec, zhang = await _world(bot)
    # 张三 is on approved leave from activity 1 and owes a catch-up.
    await bot.say(zhang, "/leave 1 sick")
    pending = [s for s in bot.to(sec.id) if s.buttons and "asks for leave" in s.text][-1]
    await bot.press(sec, pending, pending.button("Approve"))
    for value in ("²", "①", "9" * 20, "0"):
        replies = await bot.say(zhang, f"/makeup {value}")
        assert "no activity number" in replies[-1].text, replies[-1].text
    replies = await bot.say(zhang, "/makeup 1")
    assert "has caught up" in replies[-1].text


async def test_deep_links_with_hostile_payloads_are_refused_cleanly(bot):
    sec, zhang = await _world(bot)
    router = build_router()
    for prefix in sorted(router.start_payloads):
        for value in HOSTILE + ["１２-secret", "1-ü", "1-" + "x" * 80, "1-\u202e"]:
            for payload in (f"{prefix}-{value}-secret", f"{prefix}-1-{value}"):
                for who in (zhang, bot.user(77, "Stranger", lang="en")):
                    replies = await bot.say(who, f"/start {payload}")
                    _assert_answered(replies, f"/start {payload}")
    replies = await bot.say(zhang, "/start ci-１-secret")
    assert "This link is not valid" in replies[-1].text


async def test_every_button_refuses_hostile_numbers(bot):
    sec, zhang = await _world(bot)
    message = next(s for s in bot.to(GROUP.id))
    for prefix, kind in sorted(callbacks.kinds().items()):
        for index, (_name, field) in enumerate(kind.codec):
            if not isinstance(field, Int | Tagged):
                continue
            low = (field.number if isinstance(field, Tagged) else field).low
            for value in HOSTILE:
                if value == "0" and low == 0:  # an index: 0 is the first page, not a hostile number
                    continue
                parts = ["1"] * len(kind.codec)
                parts[index] = (field.tags[0] + value) if isinstance(field, Tagged) else value
                data = ":".join([prefix, *parts])
                assert callbacks.decode(data) is None, data
                _, toast = await bot.press(zhang, message, data)
                assert toast and FAILED_WORDS not in toast, (data, toast)
