"""Albums in the outbox: photos Telegram has, re-sent by file id ahead of their text, and counted
toward the sending limits as the messages they are."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.delivery import Sender
from bot.limits import LimitConfig, Limits
from handlers.kit.api import Button
from handlers.kit.context import Outgoing, queue_messages
from storage import outbox
from tests.memory import Clock, MemoryTransport
from tests.test_delivery import Ticks

NOW = datetime(2026, 11, 27, 1, 0, tzinfo=timezone.utc)


def test_an_album_counts_as_its_photos_toward_every_limit():
    ticks = Ticks()
    limits = Limits(LimitConfig(per_second=30, per_chat_per_second=1, per_group_per_minute=20, margin=0), ticks)
    stamp = limits.take(1, 10)  # ten photos to one private chat
    assert limits.ready_at(1) == ticks.t + 10.0  # one message a second: the next waits ten
    assert limits.room() == 20 and limits.ready_at(2, count=21) == ticks.t + 1.0 and limits.ready_at(2, count=20) == ticks.t
    limits.finished(1, stamp, 10)
    group = -100
    ticks.t += 10
    first = limits.take(group, 10)
    limits.finished(group, first, 10)
    ticks.t += 10
    assert limits.ready_at(group, count=10) == ticks.t  # ten in this minute: ten more fit
    assert limits.ready_at(group, count=11) == first + 60.0  # eleven do not
    limits.finished(group, limits.take(group, 10), 10)
    ticks.t += 10
    assert limits.ready_at(group) == first + 60.0  # twenty in the minute: the 21st waits for the first album
    assert limits.ready_at(-200, count=10) == ticks.t


async def test_a_card_goes_as_album_then_text_and_one_photo_with_send_photo(db):
    async with db.session() as s:
        added = await queue_messages(s, NOW, "card", [
            Outgoing("card:1", 7, "Report #1", [[Button("Approve", "vap:1")]], album=("f1", "f2", "f3")),
            Outgoing("card:2", 8, "Report #2", album=("g1",)),
            Outgoing("card:3", 9, "Report #3", album=tuple(f"h{i}" for i in range(12))),  # ten, then two
        ])
    assert added == 7
    transport = MemoryTransport()
    transport.started.update({7, 8, 9})
    clock = Clock(NOW)
    worker = Sender(db, transport, Limits(LimitConfig(), clock.monotonic, clock.sleep), clock)
    while await worker.drain_once():
        pass
    to7 = [s for s in transport.sent if s.chat_id == 7]
    assert [s.kind for s in to7] == ["album", "text"] and to7[0].files == ["f1", "f2", "f3"]
    assert to7[1].text == "Report #1" and to7[1].buttons[0][0].data == "vap:1"
    to8 = [s for s in transport.sent if s.chat_id == 8]
    assert [s.kind for s in to8] == ["photo", "text"] and to8[0].data == b"g1" and to8[0].filename is None
    to9 = [s for s in transport.sent if s.chat_id == 9]
    assert [len(s.files) for s in to9 if s.kind == "album"] == [10, 2] and to9[-1].text == "Report #3"
    # One message a second per chat: the 10-photo album keeps chat 9 busy for ten seconds.
    assert sum(clock.slept) >= 12
    async with db.session() as s:
        rows = await outbox.rows_for(s, "card")
    assert {r.status for r in rows} == {outbox.Status.SENT} and [outbox.weight(r) for r in rows if r.chat_id == 9] == [10, 2, 1]


async def test_the_console_shows_an_album_and_a_photo_by_file_id(capsys):
    from bot.runtime_console import ConsoleTransport

    console = ConsoleTransport()
    await console.send_media_group(1, ["AgAC1", "AgAC2"])
    await console.send_photo(1, "AgAC3", "photo.jpg", "caption")
    shown = capsys.readouterr().out
    assert "album of 2 photos: AgAC1, AgAC2" in shown and "(photo AgAC3)" in shown and "caption" in shown
