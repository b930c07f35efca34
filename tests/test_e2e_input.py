"""End to end: hostile numbers, deep links and names through the real runtime and the fake Bot API."""

from __future__ import annotations

import pytest

from tests.test_e2e import GROUP, press, say, set_up

pytestmark = pytest.mark.e2e


async def test_hostile_numbers_links_and_names_get_sentences(live, fake):
    sec = await set_up(fake)
    for text, answer in (("/checkin ²", "no activity number"), ("/record ①", "no activity number"),
                         ("/acks " + "9" * 20, "no notice number"), ("/upcoming ١٢", "from 1 to 12"),
                         ("/stoprule 2147483648", "no recurring date number"),
                         ("/start ci-１２-secret", "This link is not valid"), ("/start lv-²", "This link is not valid"),
                         ("/add \u200b\u202e 正式", "Write: /add"), ("/add 张\u200b三 正式", "Added 张三")):
        reply = await say(fake, sec, sec.id, text, answer)
        assert "something went wrong" not in reply["text"]
    assert "already on the roster" in (await say(fake, sec, sec.id, "/add \u202e张三 正式", "roster"))["text"]
    post = await say(fake, sec, GROUP, "/checkin ²", "no activity number")
    assert "no longer valid" in await press(fake, sec, post, "ci:²")
    assert "no longer valid" in await press(fake, sec, post, "ci:" + "9" * 20)
