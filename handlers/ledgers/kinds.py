"""The ledgers /export knows: one ``LedgerKind`` each, in ``KINDS``.

A new ledger is one more
entry: its key, what people type for it, its name, its default period and an ``async build(job)``
that reads its rows (through its storage package) and returns a ``workbook.Book``. /export, the
permission check, the audit entry, the file name and the upload come with it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime

from handlers.kit.access import Can
from handlers.kit.context import AsyncSession
from handlers.kit.i18n import Gettext
from handlers.kit.workbook import Book
from handlers.ledgers import books
from storage.ledgers import queries
from storage.ledgers.dues import dues_record
from storage.ledgers.service import service_record
from storage.models import Branch
from storage.rules import dues as dues_rules
from storage.rules import periods
from storage.rules.periods import Period


@dataclass(frozen=True)
class Job:
    """One export being made: what a ``build`` gets."""

    session: AsyncSession  # a read-only session
    branch: Branch
    period: Period
    now: datetime  # aware UTC
    t: Gettext  # the ledger's language (the branch's)
    heading: books.Heading


@dataclass(frozen=True)
class LedgerKind:
    key: str  # what /export takes, in ASCII: roster, attendance, meetings
    name: str  # N_ msgid: the ledger's name (file name, title row, caption)
    words: tuple[str, ...]  # other names people type for it (花名册, 签到, ...)
    build: Callable[[Job], Awaitable[Book]]
    default: Callable[[date], Period] = lambda today: periods.year(today.year)
    can: Can = Can.EXPORT  # who may have it

    def names(self) -> tuple[str, ...]:
        return (self.key, self.name.lower(), *self.words)


async def _roster(job: Job) -> Book:
    entries = await queries.roster(job.session, job.branch, job.period, job.now)
    return books.roster_book(job.t, job.heading, entries)


async def _attendance(job: Job) -> Book:
    return books.attendance_book(job.t, job.heading, await queries.attendance(job.session, job.branch, job.period))


async def _meetings(job: Job) -> Book:
    units = await queries.meetings_record(job.session, job.branch, job.period, job.now)
    return books.meetings_book(job.t, job.heading, units)


async def _dues(job: Job) -> Book:
    last = min(job.period.last, job.heading.as_of)  # a running period: up to this month, not the months to come
    record = await dues_record(job.session, job.branch, dues_rules.month_of(job.period.start), dues_rules.month_of(last))
    return books.dues_book(job.t, job.heading, record)


async def _service(job: Job) -> Book:
    return books.service_book(job.t, job.heading, await service_record(job.session, job.branch, job.period))


KINDS: tuple[LedgerKind, ...] = (
    LedgerKind("roster", books.ROSTER, ("花名册", "名册", "党员名册", "members"), _roster),
    LedgerKind("attendance", books.ATTENDANCE_LEDGER,
               ("会议签到台账", "签到台账", "签到", "出勤", "考勤", "checkin", "check-in", "sign-in"), _attendance),
    LedgerKind("meetings", books.MEETINGS_LEDGER,
               ("三会一课", "三会一课台账", "三会一课记录", "会议", "3+1", "meeting", "compliance"), _meetings),
    # The dues figures are personal: for the secretary and the 组织委员 who keeps the dues only.
    LedgerKind("dues", books.DUES_LEDGER, ("党费", "党费台账", "党费收缴台账", "党费收缴", "party dues"), _dues,
               can=Can.MANAGE_DUES),
    LedgerKind("service", books.SERVICE_LEDGER, ("志愿服务", "志愿", "志愿服务台账", "志愿服务记录", "volunteer", "volunteering"),
               _service),
)


def find(word: str) -> LedgerKind | None:
    typed = " ".join(word.split()).lower()
    return next((kind for kind in KINDS if typed in kind.names()), None)
