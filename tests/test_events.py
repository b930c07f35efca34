"""Domain events: published by the feature where it happens, received in the same transaction."""

from __future__ import annotations

from sqlalchemy import func, select

from handlers.kit import events
from handlers.kit.events import CheckedIn, LeaveDecided
from storage import audit
from storage.models import Attendance, AuditEntry, Member
from storage.rules.vocabulary import CheckinMethod
from tests.test_activities import NEW, announce, count, linked
from tests.test_flow import setup_branch


class Recorder:
    """A subscriber that keeps what it heard and writes a row in the cause's transaction."""

    def __init__(self) -> None:
        self.heard: list[events.Event] = []

    async def __call__(self, ctx, event) -> None:
        self.heard.append(event)
        await audit.record(ctx.session, action="test.event", at=ctx.now, branch_id=event.branch_id,
                           actor_user_id=None, target=type(event).__name__)


async def written(bot) -> int:
    async with bot.db.session() as s:
        return await s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "test.event"))


async def member_id(bot, name: str | None = None, user_id: int | None = None) -> int:
    async with bot.db.session() as s:
        return await s.scalar(select(Member.id).where(Member.name == name if name else Member.telegram_user_id == user_id))


async def test_one_event_per_real_check_in_by_every_method(bot):
    recorder = Recorder()
    bot.core.env.events.subscribe(CheckedIn, recorder)
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    wang = await linked(bot, sec, 3, "王五")
    zhao = await linked(bot, sec, 4, "赵六")
    await bot.say(sec, "/add 钱七 正式")  # no phone: checked in by an officer
    post = await announce(bot, sec)
    bot.clock.advance(minutes=45)

    _, toast = await bot.press(zhang, post, post.button("Check in"))
    assert "you are checked in" in toast
    _, toast = await bot.press(zhang, post, post.button("Check in"))  # a repeated tap
    assert "already checked in" in toast
    assert "already checked in" in (await bot.say(zhang, "/checkin"))[-1].text
    assert "you are checked in" in (await bot.say(wang, "/checkin"))[-1].text
    link = (await bot.say(sec, "/qr"))[-1].text.split("start=")[1].split()[0]
    assert "you are checked in" in (await bot.say(zhao, f"/start {link}"))[-1].text
    assert "recorded by you" in (await bot.say(sec, "/checkin_for 钱七"))[-1].text
    assert "already checked in" in (await bot.say(sec, "/checkin_for 钱七"))[-1].text

    assert [(e.member_id, e.method) for e in recorder.heard] == [
        (await member_id(bot, "张三"), CheckinMethod.BUTTON),
        (await member_id(bot, "王五"), CheckinMethod.COMMAND),
        (await member_id(bot, "赵六"), CheckinMethod.QR),
        (await member_id(bot, "钱七"), CheckinMethod.PROXY),
    ]
    secretary = await member_id(bot, user_id=sec.id)
    assert [e.recorded_by for e in recorder.heard] == [None, None, None, secretary]
    assert {e.activity_id for e in recorder.heard} == {int(post.text.split("#")[1].split()[0])}
    assert {e.at for e in recorder.heard} == {bot.clock.now}
    assert await written(bot) == 4


async def test_leave_decided_is_published_once(bot):
    recorder = Recorder()
    bot.core.env.events.subscribe(LeaveDecided, recorder)
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    wang = await linked(bot, sec, 3, "王五")
    post = await announce(bot, sec)
    requests = []
    for who, reason in ((zhang, "Ill"), (wang, "Away")):
        await bot.press(who, post, post.button("Ask for leave"))
        requests.append(next(s for s in await bot.say(who, reason) if s.chat_id == sec.id))
    approve = requests[0].button("Approve")
    await bot.press(sec, requests[0], approve)
    await bot.press(sec, requests[1], requests[1].button("Refuse"))
    _, toast = await bot.press(sec, requests[0], approve)  # decided already
    assert "already been decided" in toast
    assert [(e.member_id, e.approved) for e in recorder.heard] == [
        (await member_id(bot, "张三"), True), (await member_id(bot, "王五"), False)]
    assert {e.decided_by for e in recorder.heard} == {await member_id(bot, user_id=sec.id)}
    assert await written(bot) == 2


async def test_what_a_subscriber_wrote_rolls_back_with_its_cause(bot):
    recorder = Recorder()
    bot.core.env.events.subscribe(CheckedIn, recorder)

    async def fails(ctx, event) -> None:
        raise RuntimeError("a subscriber failed")

    bot.core.env.events.subscribe(CheckedIn, fails)
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    post = await announce(bot, sec, NEW)
    bot.clock.advance(minutes=45)
    _, toast = await bot.press(zhang, post, post.button("Check in"))
    assert "something went wrong" in toast and "nothing was changed" in toast
    assert len(recorder.heard) == 1  # it ran, in the transaction that was then rolled back
    assert await written(bot) == 0
    assert await count(bot, Attendance) == 0
    assert "Checked in 0/" in post.text
