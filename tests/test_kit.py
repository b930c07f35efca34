"""The framework kit: permissions declared on routes, and the one codec for callback data."""

from __future__ import annotations

import itertools
from typing import Annotated

import pytest
from sqlalchemy import func, select

from handlers.app import build_router
from handlers.kit import callbacks
from handlers.kit.callbacks import ID, AnyOf, Callback, Choice, Field, Int, Tagged, Text
from storage.models import AuditEntry, Base
from storage.rules.vocabulary import ActivityKind
from tests.memory import GROUP
from tests.test_activities import announce, linked
from tests.test_flow import setup_branch

build_router()  # every feature's button kinds are declared

# Every prefix in use, as buttons already posted in group chats and waiting in the outbox carry it.
WIRE = [
    "ci:12", "lv:12", "la:5", "lr:5", "ack:7", "bn:7",
    *(f"nk:{k.value}" for k in ActivityKind), "na:b", "na:c", "na:0", "na:12", "nc:ok", "nc:no",
    "ba:g", "ba:m", "ba:p0", "ba:c12", "ba:a5", "bk:1", "bk:0", "bs:ok", "bs:no",
    "jb:3:4", "jn:3:f", "jn:3:p", "jr:3",
    "rk:dues", *(f"rk:{k.value}" for k in ActivityKind), "rw:全体", "rw:支委", "rw:第一党小组", "rw:a:b",
    "dc:12", "dj:12", "dk:3",
    f"ci:{2**31 - 1}",
]

FORGED = [
    "", "zz:1", "ci", "ci:", ":12", "CI:12", "ci :12", "ci:12:1", "jn:3:f:x", "jr:3:4", "jb:3",
    "ci:²", "ci:①", "ci:١٢", "ci:１２", "ci:12345678901234567890", f"ci:{2**31}", "ci:-1", "ci:+1", "ci: 1",
    "ci:0", "ci:012", "ci:1.0", "ci:1e3", "nk:bogus", "nk:", "na:x", "na:-1", "na:1000", "nc:yes", "nc:OK",
    "ba:p", "ba:x1", "ba:p-1", "ba:p²", "ba:gg", "bk:2", "bk:", "bk:true", "jn:3:x", "jn:0:f", "rw:",
    "rw:\n", "rw:" + "长" * 21, "rw:\ud800", "ci:\ud800", "\ud800:1", "ack:" + "1" * 61, "bn:" + "9" * 70,
]


def samples(field: Field) -> list:
    """A few values a field can carry: its edges and every choice."""
    if isinstance(field, Int):
        return sorted({field.low, field.high, (field.low + field.high) // 2})
    if isinstance(field, Choice):
        return list(field.by_value)
    if isinstance(field, Text):
        texts = ["全体", "x" * field.max_bytes, "第一党小组:东", "长" * (field.max_bytes // 3)]
        return [t for t in texts if t and len(t.encode()) <= field.max_bytes]  # what the field can carry
    if isinstance(field, Tagged):
        return [(tag, n) for tag in field.tags for n in samples(field.number)]
    if isinstance(field, AnyOf):
        return [value for option in field.options for value in samples(option)]
    raise AssertionError(f"no samples for {field!r}")


def test_every_prefix_in_use_keeps_its_wire_format():
    for data in WIRE:
        pressed = callbacks.decode(data)
        assert pressed is not None, data
        assert pressed.encode() == data and data.startswith(pressed.prefix + ":")
    assert callbacks.decode("ci:12") == callbacks.kinds()["ci"](12)
    assert callbacks.decode("jn:3:p").status == "probationary"
    assert callbacks.decode("ba:c12").pick == ("c", 12) and callbacks.decode("bk:0").ack is False


def test_every_declared_kind_round_trips_within_64_bytes():
    kinds = callbacks.kinds()
    assert {"ci", "lv", "la", "lr", "nk", "na", "nc", "ba", "bk", "bs", "ack", "bn", "jb", "jn", "jr", "rk",
            "rw"} <= set(kinds)
    for prefix, kind in kinds.items():
        for values in itertools.product(*(samples(f) for _, f in kind.codec)):
            pressed = kind(*values)
            data = pressed.encode()
            assert len(data.encode()) <= callbacks.MAX_BYTES, data
            assert callbacks.decode(data) == pressed, data
            assert type(callbacks.decode(data)) is kind


@pytest.mark.parametrize("data", FORGED)
def test_forged_or_malformed_data_decodes_to_nothing(data):
    assert callbacks.decode(data) is None


def test_the_64_byte_limit_is_kept_where_buttons_are_declared_and_made():
    with pytest.raises(TypeError, match="64"):
        class TooWide(Callback, prefix="zw"):
            a: Annotated[int, ID]
            b: Annotated[str, Text(60)]
    with pytest.raises(ValueError, match="declared twice"):
        class Again(Callback, prefix="ci"):
            a: Annotated[int, ID]
    rw = callbacks.kinds()["rw"]
    assert rw.make("长" * 20) is not None and rw.make("长" * 21) is None  # 63 bytes fit, 66 do not
    with pytest.raises(ValueError):
        callbacks.kinds()["ci"](2**31)
    with pytest.raises(ValueError):
        callbacks.kinds()["nc"]("maybe")


async def snapshot(bot) -> dict:
    """Every stored row, except the log of handled updates, people's language and the audit log."""
    skip = {"processed_updates", "user_prefs", "audit_log"}
    async with bot.db.session() as s:
        return {t.name: (await s.execute(select(t))).all() for t in Base.metadata.sorted_tables if t.name not in skip}


async def refusals(bot) -> list[AuditEntry]:
    async with bot.db.session() as s:
        return list(await s.scalars(select(AuditEntry).where(AuditEntry.action == "refused")))


async def audit_count(bot) -> int:
    async with bot.db.session() as s:
        return await s.scalar(select(func.count()).select_from(AuditEntry))


async def test_forged_buttons_get_the_refusal_toast_and_change_nothing(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    post = await announce(bot, sec)
    bot.clock.advance(minutes=45)  # check-in is open: a valid press would change something
    before, audited = await snapshot(bot), await audit_count(bot)
    for data in FORGED:
        sent, toast = await bot.press(zhang, post, data)
        assert toast == "This button is no longer valid.", data
        assert sent == [], data
    for data in ("ba:g", "nk:党课", "bs:ok", "rk:dues", "rw:全体"):  # dialog buttons with no dialog open
        _, toast = await bot.press(sec, post, data)
        assert toast == "This button is no longer valid.", data
    assert await snapshot(bot) == before and await audit_count(bot) == audited
    _, toast = await bot.press(zhang, post, post.button("Check in"))  # the real button still works
    assert "you are checked in" in toast


async def test_a_refused_command_changes_nothing_answers_and_is_audited_once(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三", extra="第一党小组")
    before = await snapshot(bot)
    sent = await bot.say(zhang, "/new")
    assert [s.text for s in sent] == ["Only the secretary, deputy secretary, organisation committee member, "
                                      "publicity committee member, Party group leader can do this."]
    assert await snapshot(bot) == before  # no dialog was started
    [entry] = await refusals(bot)
    assert (entry.target, entry.actor_user_id) == ("manage_activities", zhang.id)
    # A route declared for roster members only: someone on no roster is told, and that is audited too.
    stranger = bot.user(9, "Nobody", lang="en")
    assert "not on any branch roster" in (await bot.say(stranger, "/me"))[-1].text
    # Files in the group are not roster imports: no answer, no refusal.
    assert await bot.send(_group_file(bot, zhang)) == []
    assert [(e.actor_user_id, e.details["reason"]) for e in await refusals(bot)] == [(zhang.id, "role"), (9, "not_in_roster")]


def _group_file(bot, user):
    from handlers.kit.api import Event, FileRef, Request

    bot.transport.files["g1"] = "姓名,政治面貌\n王五,正式\n".encode()
    return Request(next(bot.update_ids), Event.MESSAGE, GROUP, user, document=FileRef("g1", "r.csv", None, 30))


async def test_a_refused_button_changes_nothing_answers_and_is_audited_once(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    wang = await linked(bot, sec, 3, "王五")
    await announce(bot, sec)
    sent = await bot.say(wang, "/leave Travelling")
    request = next(s for s in sent if s.chat_id == sec.id)
    before = await snapshot(bot)
    # The officer's message forwarded to a member, who presses Approve.
    sent, toast = await bot.press(zhang, request, request.button("Approve"))
    assert toast == "Only the secretary, deputy secretary, organisation committee member can do this."
    assert sent == [] and await snapshot(bot) == before  # the leave is still undecided, nobody told
    [entry] = await refusals(bot)
    assert (entry.target, entry.actor_user_id) == ("decide_leave", zhang.id)
    sent, toast = await bot.press(sec, request, request.button("Approve"))
    assert "Approved by" in toast


async def test_a_route_without_can_or_member_has_no_actor():
    from handlers.kit.context import Context

    ctx = Context(request=None, session=None, env=None, now=None, locale="en")  # type: ignore[arg-type]
    with pytest.raises(RuntimeError):
        ctx.actor
