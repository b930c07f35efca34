"""Posts (设岗定责) members hold, and each holder's task list (任务清单).

A post is never deleted: retiring it ends its holdings and keeps them, with their tasks, for the
year-end review (民主评议), which reads a member's year through ``record_of``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Branch, Member, PostHolder, PostTask, ServicePost, ServiceReport
from storage.rules.names import name_key
from storage.rules.vocabulary import PARTY_MEMBERS, ServiceStatus


async def get(session: AsyncSession, post_id: int) -> ServicePost | None:
    return await session.get(ServicePost, post_id)


async def active(session: AsyncSession, branch_id: int) -> list[ServicePost]:
    return list(await session.scalars(
        select(ServicePost).where(ServicePost.branch_id == branch_id, ServicePost.retired_at.is_(None))
        .order_by(ServicePost.id)))


async def by_name(session: AsyncSession, branch_id: int, name: str) -> ServicePost | None:
    """The branch's standing post called ``name`` (in normal form, case-folded)."""
    key = name_key(name)
    return next((p for p in await active(session, branch_id) if name_key(p.name) == key), None)


async def add(session: AsyncSession, branch_id: int, name: str, area: str | None, description: str | None,
              now: datetime) -> ServicePost | None:
    """A new post; None if one of that name stands. A retired post of the name comes back."""
    key = name_key(name)
    same = [p for p in await session.scalars(select(ServicePost).where(ServicePost.branch_id == branch_id))
            if name_key(p.name) == key]
    if any(p.retired_at is None for p in same):
        return None
    if same:
        post = same[0]
        post.retired_at, post.name, post.area, post.description = None, name, area, description
    else:
        post = ServicePost(branch_id=branch_id, name=name, area=area, description=description, created_at=now)
        session.add(post)
    await session.flush()
    return post


async def retire(session: AsyncSession, post: ServicePost, now: datetime) -> int:
    """Retire ``post`` and end its holdings; how many holdings ended."""
    post.retired_at = now
    ended = 0
    for holder in await session.scalars(select(PostHolder).where(PostHolder.post_id == post.id, PostHolder.until.is_(None))):
        holder.until = now
        ended += 1
    await session.flush()
    return ended


async def holding(session: AsyncSession, post_id: int, member_id: int) -> PostHolder | None:
    """``member_id``'s current holding of ``post_id``."""
    return await session.scalar(select(PostHolder).where(
        PostHolder.post_id == post_id, PostHolder.member_id == member_id, PostHolder.until.is_(None)))


async def take(session: AsyncSession, post: ServicePost, member_id: int, *, by: int | None, now: datetime
               ) -> PostHolder | None:
    """``member_id`` holds ``post`` from now (``by`` None: they volunteered); None if they hold it already.

    Two taps at once take turns on the post's row (FOR UPDATE on PostgreSQL; SQLite has one writer), so
    the second finds the first's holding.
    """
    await session.execute(select(ServicePost.id).where(ServicePost.id == post.id).with_for_update())
    if await holding(session, post.id, member_id) is not None:
        return None
    holder = PostHolder(post_id=post.id, member_id=member_id, since=now, assigned_by=by)
    session.add(holder)
    await session.flush()
    return holder


def end(holder: PostHolder, now: datetime) -> None:
    holder.until = now


async def holders(session: AsyncSession, post_ids: list[int]) -> dict[int, list[Member]]:
    """post id -> who holds it now, by name."""
    if not post_ids:
        return {}
    rows = await session.execute(
        select(PostHolder.post_id, Member).join(Member, Member.id == PostHolder.member_id)
        .where(PostHolder.post_id.in_(post_ids), PostHolder.until.is_(None)))
    found: dict[int, list[Member]] = {}
    for post_id, member in sorted(rows, key=lambda row: row[1].name):
        found.setdefault(post_id, []).append(member)
    return found


async def held_by(session: AsyncSession, member_id: int) -> list[tuple[PostHolder, ServicePost]]:
    """The posts ``member_id`` holds now, with the holdings: for the reporting dialog to offer (a report
    names the post it served in ``ServiceReport.post_id``)."""
    rows = await session.execute(
        select(PostHolder, ServicePost).join(ServicePost, ServicePost.id == PostHolder.post_id)
        .where(PostHolder.member_id == member_id, PostHolder.until.is_(None)).order_by(PostHolder.id))
    return [(holder, post) for holder, post in rows]


async def posts_of(session: AsyncSession, member_id: int) -> list[ServicePost]:
    """The posts a member holds now (what a report may name)."""
    return [post for _holder, post in await held_by(session, member_id)]


async def post_of(session: AsyncSession, member_id: int, post_id: int) -> ServicePost | None:
    """The post, only when the member holds it now: a report names only a post its member holds."""
    return next((p for p in await posts_of(session, member_id) if p.id == post_id), None)


async def tasks(session: AsyncSession, holder_ids: list[int]) -> dict[int, list[PostTask]]:
    """holder id -> their tasks, open ones first, each in the order added."""
    if not holder_ids:
        return {}
    found: dict[int, list[PostTask]] = {}
    for task in await session.scalars(select(PostTask).where(PostTask.holder_id.in_(holder_ids))
                                      .order_by(PostTask.done_at.is_not(None), PostTask.id)):
        found.setdefault(task.holder_id, []).append(task)
    return found


async def add_task(session: AsyncSession, holder: PostHolder, text: str, due_on: date | None, now: datetime) -> PostTask:
    task = PostTask(holder_id=holder.id, text=text, due_on=due_on, created_at=now)
    session.add(task)
    await session.flush()
    return task


async def task_with_holder(session: AsyncSession, task_id: int) -> tuple[PostTask, PostHolder, ServicePost] | None:
    row = (await session.execute(
        select(PostTask, PostHolder, ServicePost).join(PostHolder, PostHolder.id == PostTask.holder_id)
        .join(ServicePost, ServicePost.id == PostHolder.post_id).where(PostTask.id == task_id))).first()
    return (row[0], row[1], row[2]) if row else None


async def report_for_task(session: AsyncSession, member_id: int, report_id: int) -> ServiceReport | None:
    """``member_id``'s own report ``report_id`` that stands (not withdrawn or rejected), to name on a task."""
    report = await session.get(ServiceReport, report_id)
    if report is None or report.member_id != member_id or report.status in (ServiceStatus.WITHDRAWN, ServiceStatus.REJECTED):
        return None
    return report


def mark_done(task: PostTask, now: datetime, report_id: int | None = None) -> bool:
    """Done now (with the report that did it); False if it was done already."""
    if task.done_at is not None:
        return False
    task.done_at, task.report_id = now, report_id
    return True


async def without_post(session: AsyncSession, branch_id: int) -> list[Member]:
    """The branch's Party members on the roster who hold no post now."""
    holding_now = select(PostHolder.member_id).where(PostHolder.until.is_(None))
    found = await session.scalars(
        select(Member).where(Member.branch_id == branch_id, Member.active, Member.status.in_(PARTY_MEMBERS),
                             Member.id.not_in(holding_now)))
    return sorted(found, key=lambda m: m.name)  # by code point, alike on every backend


# --- what the year-end review (民主评议) reads ---------------------------------------------------


@dataclass(frozen=True)
class HeldPost:
    post: str
    area: str | None
    since: datetime
    until: datetime | None  # None: still held
    assigned: bool  # given by an officer; False: volunteered


@dataclass(frozen=True)
class DoneTask:
    post: str
    text: str
    done_at: datetime
    report_id: int | None


@dataclass(frozen=True)
class PostRecord:
    posts: list[HeldPost]
    tasks_done: list[DoneTask]
    tasks_open: int  # tasks of the year's holdings not done (yet)


async def record_of(session: AsyncSession, member_id: int, year: int) -> PostRecord:
    """The posts ``member_id`` held at any time in ``year`` and the tasks they completed in it (the
    branch's local year). For the year-end review (民主评议)."""
    member = await session.get(Member, member_id)
    zone = ZoneInfo((await session.get(Branch, member.branch_id)).timezone) if member else ZoneInfo("UTC")
    start = datetime(year, 1, 1, tzinfo=zone)
    end = datetime(year + 1, 1, 1, tzinfo=zone)
    rows = list(await session.execute(
        select(PostHolder, ServicePost).join(ServicePost, ServicePost.id == PostHolder.post_id)
        .where(PostHolder.member_id == member_id, PostHolder.since < end,
               or_(PostHolder.until.is_(None), PostHolder.until >= start))
        .order_by(PostHolder.since, PostHolder.id)))
    posts = [HeldPost(post.name, post.area, holder.since, holder.until, holder.assigned_by is not None)
             for holder, post in rows]
    names = {holder.id: post.name for holder, post in rows}
    found = await tasks(session, list(names))
    done, still_open = [], 0
    for holder_id, items in found.items():
        for task in items:
            if task.done_at is None:
                still_open += 1
            elif start <= task.done_at < end:
                done.append(DoneTask(names[holder_id], task.text, task.done_at, task.report_id))
    done.sort(key=lambda d: d.done_at)
    return PostRecord(posts, done, still_open)
