"""``python -m bench.dues``: the dues ledger of a branch over a year, read at once and member by member.

    python -m bench.dues                  500 members, 12 months, SQLite (a fresh file)
    python -m bench.dues --members 2000

Writes a branch with N members, each with an amount, a payment every month and now and then a
waiver, then times ``storage.dues.ledger.ledger`` for the whole branch against the same ledger
asked for one member at a time (what a view per member would do). Prints both and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from sqlalchemy import update

from storage import branches
from storage.db import Database
from storage.dues import ledger as dues_ledger
from storage.dues import payments as dues_payments
from storage.models import MembershipChange
from storage.roster import members
from storage.roster.members import MemberData
from storage.rules import dues as rules
from storage.rules.vocabulary import DuesCategory, PartyStatus

NOW = datetime(2026, 12, 20, 2, 0, tzinfo=timezone.utc)


async def build(db: Database, count: int) -> int:
    months = list(rules.months_from("2026-01", "2026-12"))
    async with db.session() as s:
        branch, sec = await branches.create_branch(s, chat_id=-1, name="B", timezone="Asia/Shanghai", locale="zh_CN",
                                                   founder_user_id=1, founder_name="书记", now=NOW)
        await members.import_roster(s, branch.id, [MemberData(f"m{i}", PartyStatus.FULL) for i in range(count)], NOW)
        await s.execute(update(MembershipChange).values(at=datetime(2025, 12, 1, tzinfo=timezone.utc)))
        for index, member in enumerate(await members.roster(s, branch.id)):
            dues_payments.set_amount(s, member, "2026-01", DuesCategory.EMPLOYED, Decimal(30), basis=Decimal(3000),
                                     source="set", by=sec.id, now=NOW)
            await s.flush()
            for month in months[: 12 - index % 4]:
                await dues_payments.record(s, member, [month], Decimal(30), method="cash", status="confirmed",
                                           source="officer", by=sec.id, now=NOW)
            if index % 10 == 0:
                dues_payments.waive(s, member, "2026-11", "2026-12", "支委会", sec.id, NOW)
        return branch.id


async def run(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        await db.migrate()
        branch_id = await build(db, count)
        async with db.read() as s:
            start = time.perf_counter()
            book = await dues_ledger.ledger(s, branch_id, "2026-01", "2026-12")
            whole = time.perf_counter() - start
            ids = list(book.members)
            start = time.perf_counter()
            for member_id in ids:
                await dues_ledger.ledger(s, branch_id, "2026-01", "2026-12", member_ids=[member_id])
            one_by_one = time.perf_counter() - start
        await db.dispose()
    print(f"{len(ids)} members x 12 months: whole branch {whole * 1000:.0f} ms, member by member "
          f"{one_by_one * 1000:.0f} ms, ratio {one_by_one / whole:.1f}x; outstanding {book.totals().outstanding} 元")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.dues")
    parser.add_argument("--members", type=int, default=500)
    asyncio.run(run(parser.parse_args().members))


if __name__ == "__main__":
    main()
