"""End to end: the service network through the real bot and the fake Bot API — households added by a
member, assigned by an officer and imported from a file, and the officers' list of who is below the target."""

from __future__ import annotations

import pytest

from tests.test_e2e import say, set_up, token_of

pytestmark = pytest.mark.e2e

ROSTER = "姓名,政治面貌,党小组\n张三,正式,第一党小组\n王五,预备,第一党小组\n赵六,积极分子,第二党小组\n".encode()
HOUSEHOLDS = ("党员姓名,联系户,类别,地址,电话\n王五,刘大爷,困难户,幸福村5组,13900000000\n"
              "王五,陈家,外星人,,\n王五,孙家,其他,,\n").encode()


async def test_household_target_list(live, fake):
    sec = await set_up(fake)
    mark = fake.mark()
    fake.send_document(sec, sec.id, "roster.csv", ROSTER)
    await fake.wait_message(sec.id, contains="Roster imported", after=mark)
    links = (await say(fake, sec, sec.id, "/invites", "Personal invite links"))["text"]
    zhang = fake.user(2, "San", last_name="Zhang", language_code="en")
    await say(fake, zhang, zhang.id, f"/start {token_of(links, '张三')}", "Welcome, 张三")
    await say(fake, sec, sec.id, "/set household_target 2", "Saved")

    # A member adds their own; bad input is a sentence; someone else's list is refused.
    await say(fake, zhang, zhang.id, "/household 王奶奶（空巢） | 空巢老人 | 幸福村3组 | 13800000000", "so 1 more")
    await say(fake, zhang, zhang.id, "/household 李爷爷 | 火星人", "is not a kind of household")
    await say(fake, zhang, zhang.id, "/household " + "长" * 10_000, "at most 100 are allowed")
    refused = await say(fake, zhang, zhang.id, "/households 王五", "only your own households")
    assert "13800000000" not in refused["text"]

    # The officer imports a file: a preview with the bad row, then the confirmation.
    await say(fake, sec, sec.id, "/import_households", "Send me the household file")
    mark = fake.mark()
    fake.send_document(sec, sec.id, "联系户.csv", HOUSEHOLDS)
    question = await fake.wait_message(sec.id, contains="Import the 2 households?", after=mark)
    preview = [m["text"] for m in fake.messages(sec.id) if "can be imported" in m["text"]]
    assert preview and "Row 3: " in preview[-1] and "“外星人” is not a kind" in preview[-1]
    ok = next(data for label, data in fake.buttons(question) if label == "Import")
    mark = fake.mark()
    fake.press(sec, question, ok)
    await fake.wait_edit(sec.id, question["message_id"], contains="2 added")

    target = (await say(fake, sec, sec.id, "/network", "Service network"))["text"]
    assert "each Party member should keep in touch with 2 households" in target
    assert "Below the target (2):\nLi Secretary: 0 of 2\n张三: 1 of 2" in target
    assert "At or above the target: 1." in target  # 王五; 赵六 is an activist, not counted
    assert "赵六" not in target.split("Without a post")[0]
    await say(fake, zhang, zhang.id, "/network", "Only the")
    await fake.quiet()
    assert fake.unanswered_callbacks() == []
