"""End to end: links survive Telegram's link detection in Chinese texts; photo notices carry 收到."""

from __future__ import annotations

import re

import pytest

from tests.fake_telegram import entity_text
from tests.test_e2e import GROUP, say

pytestmark = pytest.mark.e2e


async def test_invite_links_in_chinese_are_detected_whole(live, fake):
    fake.group(GROUP, "第一党支部群")
    sec = fake.user(1, "Li", last_name="Secretary", language_code="zh-hans")
    fake.set_admin(GROUP, sec)
    mark = fake.mark()
    fake.bot_added(GROUP, sec)
    await fake.wait_message(GROUP, contains="/setup", after=mark)
    await say(fake, sec, sec.id, "/start", "")
    await say(fake, sec, GROUP, "/setup 第一党支部 | Li Secretary", "Asia/Shanghai")
    added = await say(fake, sec, sec.id, "/add 张三 正式", "张三")
    invites = await say(fake, sec, sec.id, "/invites", "有效期")
    for message in (added, invites):
        links = [entity_text(message["text"], e) for e in message.get("entities") or [] if e["type"] == "url"]
        assert links, message["text"]
        assert all(re.fullmatch(r"https://t\.me/\w+\?start=inv-[A-Za-z0-9_-]+", link) for link in links), links
