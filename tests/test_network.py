"""Each member's service network: households (联系户), the target list, the import, posts and tasks, the
monthly mention of households not visited."""

from __future__ import annotations

import io
from datetime import date, timedelta

from openpyxl import Workbook
from sqlalchemy import func, select

from handlers.network.import_file import ImportChoice
from handlers.network.posts import TaskDone, Volunteer
from storage.models import AuditEntry, Household, Member, PostHolder, PostTask, ServiceCategory, ServiceReport
from storage.network import households as household_store
from storage.network import posts as post_store
from storage.rules.vocabulary import HouseholdKind, ServiceStatus
from tests.test_activities import linked
from tests.test_flow import setup_branch


async def households(bot) -> list[Household]:
    async with bot.db.session() as s:
        return list(await s.scalars(select(Household).order_by(Household.id)))


async def member_id(bot, name: str) -> int:
    async with bot.db.session() as s:
        return await s.scalar(select(Member.id).where(Member.name == name))


async def refusals(bot) -> list[AuditEntry]:
    async with bot.db.session() as s:
        return list(await s.scalars(select(AuditEntry).where(AuditEntry.action == "refused")))


async def actions(bot) -> set[str]:
    async with bot.db.session() as s:
        return set(await s.scalars(select(AuditEntry.action)))


async def test_a_member_adds_lists_edits_and_removes_their_own_households(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    reply = (await bot.say(zhang, "/household 王奶奶（空巢） | 空巢老人 | 幸福村3组 | 13800000000"))[-1].text
    assert "Added: #" in reply and "王奶奶（空巢） · empty-nest elderly · 幸福村3组 · 13800000000" in reply
    assert "That makes 1; the branch asks for 5, so 4 more." in reply
    await bot.say(zhang, "/household 小明 | 留守儿童")
    listed = (await bot.say(zhang, "/households"))[-1].text
    assert "Your households (联系户): 2, the branch asks for 5." in listed
    assert "小明 · left-behind children · no visit yet" in listed
    [wang, ming] = await households(bot)
    assert wang.kind == HouseholdKind.EMPTY_NEST and wang.phone == "13800000000" and ming.address is None
    # The same label in another width is the same household for the same member.
    reply = (await bot.say(zhang, "/household 王奶奶(空巢) | 其他"))[-1].text
    assert "张三 already has a household called “王奶奶(空巢)”" in reply
    assert len(await households(bot)) == 2
    edited = (await bot.say(zhang, f"/edit_household {wang.id} | 王奶奶（空巢） | 空巢老人 | 幸福村4组 | 13900000000"))[-1].text
    assert "Saved: " in edited and "幸福村4组 · 13900000000" in edited
    removed = (await bot.say(zhang, f"/remove_household {ming.id}"))[-1].text
    assert "Removed #" in removed and "Reports of visits to it are kept." in removed
    rows = await households(bot)
    assert len(rows) == 2 and rows[1].removed_at is not None  # kept, only marked
    assert "小明" not in (await bot.say(zhang, "/households"))[-1].text
    # Adding it again brings back the same row (reports on it stay with it).
    await bot.say(zhang, "/household 小明 | 留守儿童")
    rows = await households(bot)
    assert len(rows) == 2 and rows[1].removed_at is None
    assert {"household.add", "household.edit", "household.remove"} <= await actions(bot)


async def test_bad_household_input_gets_a_sentence_and_changes_nothing(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    await bot.say(zhang, "/household 王奶奶 | 空巢老人")
    [wang] = await households(bot)
    cases = {
        "/household": "Write: /household name | kind | address | phone",
        "/household  | 空巢老人": "The household needs a name",
        "/household " + "长" * 10_000: "The household's name has 10000 characters; at most 100 are allowed.",
        "/household 李爷爷 | 孤寡": "“孤寡” is not a kind of household.",
        "/household 李爷爷 | 空巢老人 | 幸福村 | 12345": "“12345” is not a phone number.",
        "/household 李爷爷 | 空巢老人 | 幸福村 | 138000000001": "is not a phone number",
        "/household 王奶奶 | 困难户": "张三 already has a household called “王奶奶”",
        f"/edit_household {wang.id} | 王奶奶 | 火星人": "is not a kind of household",
        "/edit_household 999 | 王奶奶 | 其他": "There is no household #999 among yours.",
        "/remove_household abc": "There is no household #abc among yours.",
    }
    for line, answer in cases.items():
        reply = (await bot.say(zhang, line))[-1].text
        assert answer in reply, (line, reply)
        assert len(reply) < 1000
    assert [(h.label, h.kind, h.address, h.phone) for h in await households(bot)] == [("王奶奶", HouseholdKind.EMPTY_NEST, None, None)]


async def test_household_data_go_only_to_their_member_and_the_officers(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    li = await linked(bot, sec, 3, "李四")
    await bot.say(zhang, "/household 王奶奶 | 空巢老人 | 幸福村3组 | 13800000000")
    [wang] = await households(bot)
    # Another member asks about it, or tries to change it: refused, audited, nothing shown or changed.
    for line in ("/households 张三", f"/edit_household {wang.id} | 王奶奶 | 其他 | 别处", f"/remove_household {wang.id}"):
        reply = (await bot.say(li, line))[-1].text
        assert "13800000000" not in reply and "幸福村3组" not in reply, line
    assert (await bot.say(li, "/households 张三"))[-1].text.startswith("You can see only your own households")
    assert f"There is no household #{wang.id} among yours" in (await bot.say(li, f"/remove_household {wang.id}"))[-1].text
    assert {r.details.get("reason") for r in await refusals(bot)} == {"household_of_another"}
    [same] = await households(bot)
    assert (same.kind, same.address, same.removed_at) == (HouseholdKind.EMPTY_NEST, "幸福村3组", None)
    # The officers see it, in private chat only.
    assert "13800000000" in (await bot.say(sec, "/households 张三"))[-1].text
    group = await bot.group(zhang, "/households")
    assert all("13800000000" not in s.text for s in group) and "private chat" in group[-1].text
    # A member not allowed to assign is refused by the route.
    assert "Only the" in (await bot.say(li, "/assign_household 张三 | 李爷爷 | 其他"))[-1].text
    assert len(await households(bot)) == 1


async def test_officers_assign_move_and_see_who_is_below_the_target(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    await linked(bot, sec, 3, "李四")
    await linked(bot, sec, 4, "赵六", status="积极分子")  # an activist is no Party member yet: not counted
    sent = await bot.say(sec, "/assign_household 张三 | 王奶奶 | 空巢老人 | 幸福村3组 | 13800000000")
    assert "张三 is now linked with: #" in sent[-1].text or any("张三 is now linked" in s.text for s in sent)
    told = [s for s in sent if s.chat_id == zhang.id]
    assert told and "13800000000" in told[0].text and "The branch has linked you" in told[0].text
    assert "Write: /assign_household" in (await bot.say(sec, "/assign_household 张三"))[-1].text
    assert "nobody called “王五”" in (await bot.say(sec, "/assign_household 王五 | 李爷爷 | 其他"))[-1].text
    for label in ("A", "B", "C", "D"):
        await bot.say(sec, f"/assign_household 李四 | {label} | 其他")
    await bot.say(sec, "/set household_target 4")
    text = (await bot.say(sec, "/network"))[-1].text
    assert "each Party member should keep in touch with 4 households" in text
    assert "Below the target (2):\nSecretary Li: 0 of 4\n张三: 1 of 4" in text
    assert "At or above the target: 1." in text and "赵六" not in text.split("Without a post")[0]
    assert "Without a post (3): Secretary Li, 张三, 李四" in text
    assert "Only the" in (await bot.say(zhang, "/network"))[-1].text
    [wang, *_] = await households(bot)
    await bot.say(sec, f"/move_household {wang.id} | 李四")
    moved = bot.last(sec.id).text
    assert "is now with 李四" in moved
    assert "0 of 4" in (await bot.say(sec, "/network"))[-1].text.split("张三")[1]
    assert {"household.assign", "household.move", "network.view"} <= await actions(bot)


def xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_the_household_file_is_previewed_confirmed_and_its_bad_rows_left_out(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    await linked(bot, sec, 3, "李四")
    data = xlsx([
        ["党员姓名", "联系户", "类别", "地址", "电话"],
        ["张三", "王奶奶（空巢）", "空巢老人", "幸福村3组", "13800000000"],
        ["张三", "小明", "留守儿童", "", ""],
        ["李四", "刘大爷", "困难户", "幸福村5组", 13900000000],
        ["王五", "赵奶奶", "空巢老人", "", ""],  # not on the roster
        ["李四", "钱家", "外星人", "", ""],  # unknown kind
        ["李四", "孙家", "其他", "", "12345"],  # not a phone
        ["张三", "小明", "留守儿童", "", ""],  # twice in the file
        ["", "无名", "其他", "", ""],
    ])
    # A file sent outside the dialog is no household file (it goes to the roster import and fails there).
    assert "households" not in (await bot.upload(sec, "h.xlsx", data))[-1].text.lower()
    assert await households(bot) == []
    # A member may not start it.
    assert "Only the" in (await bot.say(zhang, "/import_households"))[-1].text
    assert "Send me the household file" in (await bot.say(sec, "/import_households"))[-1].text
    assert "Send the household file" in (await bot.say(sec, "hello"))[-1].text
    preview = await bot.upload(sec, "联系户.xlsx", data)
    text = "\n".join(s.text for s in preview)
    assert "“联系户.xlsx”: 3 households for 2 members can be imported." in text
    assert "Rows left out (5):" in text
    for row, problem in ((5, "nobody called “王五”"), (6, "“外星人” is not a kind"), (7, "“12345” is not a phone"),
                         (8, "already appears in row 3"), (9, "the member's name is empty")):
        assert f"Row {row}: " in text and problem in text, (row, problem)
    assert await households(bot) == []  # nothing before the confirmation
    question = preview[-1]
    sent, _ = await bot.press(sec, question, question.button("Import"))
    assert "Households imported: 3 added, 0 updated, 0 unchanged." in question.text
    rows = await households(bot)
    assert [(h.label, h.phone) for h in rows] == [("王奶奶（空巢）", "13800000000"), ("小明", None), ("刘大爷", "13900000000")]
    # The button again: stale, nothing doubled.
    _, toast = await bot.press(sec, question, ImportChoice("ok", 1).encode())
    assert "no longer valid" in toast and len(await households(bot)) == 3
    # A second file in the same dialog: the first preview's button no longer imports anything.
    await bot.say(sec, "/import_households")
    first = await bot.upload(sec, "a.csv", "党员姓名,联系户\n张三,甲\n".encode())
    second = await bot.upload(sec, "b.csv", "党员姓名,联系户\n张三,乙\n".encode())
    _, toast = await bot.press(sec, first[-1], first[-1].button("Import"))
    assert "no longer valid" in toast and len(await households(bot)) == 3
    await bot.press(sec, second[-1], second[-1].button("Cancel"))
    assert len(await households(bot)) == 3
    # Again, with one change: updated, the rest unchanged; cancelled: nothing.
    await bot.say(sec, "/import_households")
    again = await bot.upload(sec, "h.csv", "党员姓名,联系户,类别,地址,电话\n张三,小明,留守儿童,幸福村1组,\n张三,王奶奶（空巢）,空巢老人,幸福村3组,13800000000\n".encode())
    await bot.press(sec, again[-1], again[-1].button("Cancel"))
    assert (await households(bot))[1].address is None
    await bot.say(sec, "/import_households")
    again = await bot.upload(sec, "h.csv", "党员姓名,联系户,类别,地址,电话\n张三,小明,留守儿童,幸福村1组,\n张三,王奶奶（空巢）,空巢老人,幸福村3组,13800000000\n".encode())
    await bot.press(sec, again[-1], again[-1].button("Import"))
    assert "0 added, 1 updated, 1 unchanged" in again[-1].text
    # A file that cannot be read: nothing imported, the dialog waits for a better one.
    await bot.say(sec, "/import_households")
    bad = await bot.upload(sec, "h.csv", "名字,备注\n张三,x\n".encode())
    assert "Nothing was imported" in bad[-1].text and len(await households(bot)) == 3
    assert {"households.preview", "households.import"} <= await actions(bot)


async def test_posts_volunteering_tasks_and_the_years_record(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    li = await linked(bot, sec, 3, "李四")
    assert "Only the" in (await bot.say(zhang, "/post 政策宣传员"))[-1].text
    assert "Write: /post" in (await bot.say(sec, "/post"))[-1].text
    assert "at most 50" in (await bot.say(sec, "/post " + "岗" * 10_000))[-1].text
    added = (await bot.say(sec, "/post 政策宣传员 | 幸福村1-3组 | 入户宣传惠民政策"))[-1].text
    assert "Post added: #" in added and "area: 幸福村1-3组" in added
    assert "already" in (await bot.say(sec, "/post 政策宣传员"))[-1].text
    await bot.say(sec, "/post 矛盾调解员 | 全村")
    listing = (await bot.say(zhang, "/posts"))[-1]
    assert "政策宣传员" in listing.text and "nobody holds it yet" in listing.text
    sent, toast = await bot.press(zhang, listing, listing.button("Volunteer: 政策宣传员"))
    assert "You now hold “政策宣传员”" in toast
    officer_note = [s for s in sent if s.chat_id == sec.id]
    assert officer_note and "张三 volunteered for the post “政策宣传员”" in officer_note[0].text
    _, toast = await bot.press(zhang, listing, listing.button("Volunteer: 政策宣传员"))  # a double tap
    assert "already" in toast
    _, toast = await bot.press(zhang, listing, Volunteer(99999).encode())  # a forged button
    assert "no longer valid" in toast
    async with bot.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(PostHolder)) == 1
    # Given by an officer, told privately; members without a post are listed for the officers.
    sent = await bot.say(sec, "/give_post 李四 | 矛盾调解员")
    assert "李四 now holds “矛盾调解员”" in sent[0].text and any(s.chat_id == li.id for s in sent)
    assert "Without a post (1): Secretary Li" in (await bot.say(sec, "/posts"))[-1].text
    # Tasks: the holder adds and marks done; another member cannot touch them.
    assert "Task #" in (await bot.say(zhang, "/task 入户宣传医保政策"))[-1].text
    await bot.say(zhang, "/task 政策宣传员 | 张贴宣传海报")
    assert "You can see and change only your own" in (await bot.say(li, "/task 张三 | 政策宣传员 | x"))[-1].text
    assert "does not hold" in (await bot.say(li, "/task 政策宣传员 | x"))[-1].text
    assert "at most 200" in (await bot.say(zhang, "/task " + "做" * 10_000))[-1].text
    tasks = (await bot.say(zhang, "/tasks"))[-1]
    assert "☐ #" in tasks.text and "入户宣传医保政策" in tasks.text
    async with bot.db.session() as s:
        first, second = list(await s.scalars(select(PostTask).order_by(PostTask.id)))
    _, toast = await bot.press(li, tasks, TaskDone(first.id).encode())  # someone else's task
    assert "There is no task" in toast
    _, toast = await bot.press(zhang, tasks, tasks.button("Done: 入户宣传医保政策"))
    assert "done" in toast
    _, toast = await bot.press(zhang, tasks, tasks.button("Done: 入户宣传医保政策"))
    assert "done already" in toast
    # Done by naming a report: only a standing report of the holder's own.
    report = await approved_visit(bot, zhang_id := await member_id(bot, "张三"), None, date(2026, 11, 20))
    li_report = await approved_visit(bot, await member_id(bot, "李四"), None, date(2026, 11, 20))
    assert "not one of the holder's standing reports" in (await bot.say(zhang, f"/done {second.id} {li_report}"))[-1].text
    assert "done" in (await bot.say(zhang, f"/done {second.id} {report}"))[-1].text
    text = (await bot.say(sec, "/tasks 张三"))[-1].text
    assert f"report #{report}" in text and "☑" in text
    assert (await bot.say(li, f"/done {first.id}"))[-1].text.startswith("There is no task")
    assert "task_of_another" in {r.details.get("reason") for r in await refusals(bot)}
    # What the year-end review reads.
    async with bot.db.session() as s:
        record = await post_store.record_of(s, zhang_id, 2026)
        assert [(p.post, p.assigned, p.until) for p in record.posts] == [("政策宣传员", False, None)]
        assert [(d.text, d.report_id) for d in record.tasks_done] == [("入户宣传医保政策", None), ("张贴宣传海报", report)]
        assert (await post_store.record_of(s, zhang_id, 2025)).posts == []
        [(_, post)] = await post_store.held_by(s, zhang_id)
        assert post.name == "政策宣传员"
    # Dropped and retired: the record stays.
    assert "no longer holds" in (await bot.say(sec, "/drop_post 张三 | 政策宣传员"))[-1].text
    assert "retired" in (await bot.say(sec, "/retire_post 矛盾调解员"))[-1].text
    li_id = await member_id(bot, "李四")
    async with bot.db.session() as s:
        record = await post_store.record_of(s, zhang_id, 2026)
        assert record.posts[0].until is not None and len(record.tasks_done) == 2
        assert await post_store.held_by(s, li_id) == []
    assert {"post.add", "post.volunteer", "post.give", "task.add", "task.done", "post.drop", "post.retire"} <= await actions(bot)


async def approved_visit(bot, member: int, household: int | None, served_on: date, status=ServiceStatus.APPROVED) -> int:
    """A report row as the reporting dialog and the review will leave it."""
    async with bot.db.session() as s:
        branch_id = await s.scalar(select(Member.branch_id).where(Member.id == member))
        category = await s.scalar(select(ServiceCategory).where(ServiceCategory.branch_id == branch_id))
        if category is None:
            category = ServiceCategory(branch_id=branch_id, name="关爱空巢老人", created_at=bot.clock())
            s.add(category)
            await s.flush()
        report = ServiceReport(branch_id=branch_id, member_id=member, served_on=served_on, minutes=60,
                               category_id=category.id, place="幸福村", people_served=1, description="走访",
                               household_id=household, status=status, created_at=bot.clock(), updated_at=bot.clock())
        s.add(report)
        await s.flush()
        return report.id


async def test_households_not_visited_are_mentioned_to_their_member_once_a_month(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    li = await linked(bot, sec, 3, "李四")
    await bot.say(zhang, "/household 王奶奶 | 空巢老人 | 幸福村3组 | 13800000000")
    await bot.say(zhang, "/household 小明 | 留守儿童")
    await bot.say(li, "/household 刘大爷 | 困难户")
    wang, ming, liu = await households(bot)
    await bot.say(sec, "/set visit_interval 30")
    # Just added: not due yet.
    bot.clock.advance(hours=2)  # 10:00 in Beijing
    assert [s for s in await bot.tick() if "no visit" in s.text] == []
    # 40 days on, in the next month: 王奶奶 was visited (approved), 小明 only reported (pending),
    # 刘大爷 of 李四 not at all.
    bot.clock.advance(days=40)
    today = (bot.clock() + timedelta(hours=8)).date()
    await approved_visit(bot, await member_id(bot, "张三"), wang.id, today - timedelta(days=3))
    await approved_visit(bot, await member_id(bot, "张三"), ming.id, today - timedelta(days=3), ServiceStatus.PENDING)
    sent = [s for s in await bot.tick() if "had no visit" in s.text]
    assert sorted(s.chat_id for s in sent) == [zhang.id, li.id]
    to_zhang = next(s for s in sent if s.chat_id == zhang.id).text
    assert "小明 (no visit yet)" in to_zhang and "王奶奶" not in to_zhang and "刘大爷" not in to_zhang
    assert "13800000000" not in to_zhang
    assert "刘大爷" in next(s for s in sent if s.chat_id == li.id).text
    # Once a month: later ticks in the month say nothing; the next month says it again.
    bot.clock.advance(days=1)
    assert [s for s in await bot.tick() if "had no visit" in s.text] == []
    bot.clock.advance(days=31)
    again = [s for s in await bot.tick() if "had no visit" in s.text]
    assert sorted(s.chat_id for s in again) == [zhang.id, li.id]
    # 0 never mentions.
    await bot.say(sec, "/set visit_interval 0")
    bot.clock.advance(days=31)
    assert [s for s in await bot.tick() if "had no visit" in s.text] == []
    async with bot.db.session() as s:
        due = await household_store.unvisited(s, wang.branch_id, today, 30, bot.clock())
    assert set(due) == {ming.member_id, liu.member_id}


def test_the_household_workbook_is_the_csv_with_a_list_of_kinds():
    import csv
    import runpy
    from pathlib import Path

    from openpyxl import load_workbook

    from handlers.network.forms import parse_kind

    templates = Path(__file__).parent.parent / "templates"
    maker = runpy.run_path(str(templates / "make_households_xlsx.py"))
    with (templates / "households.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    shipped = load_workbook(templates / "households.xlsx").active
    cells = [[("" if c is None else str(c)) for c in row] for row in shipped.iter_rows(values_only=True)]
    assert [r for r in cells if any(r)] == rows  # regenerate with templates/make_households_xlsx.py
    assert {parse_kind(k) for k in maker["KINDS"]} == set(HouseholdKind)
    assert any("留守儿童" in v.formula1 for v in shipped.data_validations.dataValidation)


async def test_both_household_templates_import_every_example_row(bot):
    from pathlib import Path

    templates = Path(__file__).parent.parent / "templates"
    sec = await setup_branch(bot)
    await linked(bot, sec, 2, "张三")
    await linked(bot, sec, 3, "李四")
    for name, expected in (("households.csv", "4 added"), ("households.xlsx", "4 unchanged")):
        await bot.say(sec, "/import_households")
        preview = await bot.upload(sec, name, (templates / name).read_bytes())
        assert "Row" not in "\n".join(s.text for s in preview), preview
        await bot.press(sec, preview[-1], preview[-1].button("Import"))
        assert expected in preview[-1].text, preview[-1].text
    rows = await households(bot)
    assert {h.phone for h in rows} == {"13800000000", None, "057188886666"}


async def test_the_household_file_is_read_before_the_updates_transaction(bot, monkeypatch):
    """The file route exists only in its dialog, and its file is downloaded and parsed by the route's prepare
    (outside the write transaction): the handler never has to read it itself."""
    import handlers.network.import_file as import_file

    sec = await setup_branch(bot)
    await linked(bot, sec, 2, "张三")

    async def inside(*_):
        raise AssertionError("the file was read inside the transaction")

    monkeypatch.setattr(import_file, "read_upload", inside)
    await bot.say(sec, "/import_households")
    preview = await bot.upload(sec, "h.csv", "党员姓名,联系户,类别\n张三,王奶奶,空巢老人\n".encode())
    assert "1 households for 1 members can be imported" in "\n".join(s.text for s in preview)
