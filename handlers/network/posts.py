"""Posts (设岗定责) and task lists (任务清单).

Officers define posts; a member volunteers with a button or is given a post by an officer.
Volunteering needs no approval: the member holds the post at once and the officers are told
privately, and an officer can end it (/drop_post). Each holding has its task list; the holder or
an officer adds tasks and marks them done, optionally naming the report that did it.
"""

from __future__ import annotations

from typing import Annotated

from handlers.kit import access
from handlers.kit.access import Can
from handlers.kit.callbacks import ID, Callback
from handlers.kit.context import Context
from handlers.kit.i18n import N_, Gettext
from handlers.kit.labels import local_time
from handlers.kit.router import PRIVATE, Router, button, int_arg
from handlers.network.forms import MAX_AREA, MAX_DESCRIPTION, MAX_POST_NAME, MAX_TASK, blank, split_fields
from handlers.roster import named
from storage.models import Member, PostHolder, ServicePost
from storage.network import posts as post_store

router = Router()

MAX_BUTTONS = 10


class Volunteer(Callback, prefix="pv"):
    post: Annotated[int, ID]


class TaskDone(Callback, prefix="ptd"):
    task: Annotated[int, ID]


def post_line(t: Gettext, post: ServicePost, holders: list[Member]) -> str:
    text = f"#{post.id} {post.name}"
    if post.area:
        text += " · " + t(N_("area: {area}")).format(area=post.area)
    if post.description:
        text += "\n   " + post.description
    text += "\n   " + (t(N_("held by {names}")).format(names=t(N_(", ")).join(m.name for m in holders))
                       if holders else t(N_("nobody holds it yet")))
    return text


@router.command("posts", chats=PRIVATE, member=True, menu=N_("posts (设岗定责) to hold"),
                help=N_("the branch's posts (设岗定责) and who holds them; a button to volunteer"))
async def show(ctx: Context) -> None:
    me, branch = ctx.actor, ctx.branch
    t = ctx.t
    posts = await post_store.active(ctx.session, branch.id)
    holders = await post_store.holders(ctx.session, [p.id for p in posts])
    lines = [t(N_("Posts of “{branch}”:")).format(branch=branch.name)]
    lines.extend(post_line(t, p, holders.get(p.id, [])) for p in posts)
    if not posts:
        lines.append(t(N_("None yet.")))
    free = [p for p in posts if me.id not in {m.id for m in holders.get(p.id, [])}]
    if access.may(me, Can.MANAGE_NETWORK):
        idle = await post_store.without_post(ctx.session, branch.id)
        lines.append(t(N_("Without a post ({count}): {names}")).format(
            count=len(idle), names=t(N_(", ")).join(m.name for m in idle) or "—"))
        lines.append(t(N_("/post adds a post, /retire_post retires one, /give_post gives one to a member.")))
    elif free:
        lines.append(t(N_("Tap a post to volunteer for it; the officers are told.")))
    keyboard = [[button(t(N_("Volunteer: {post}")).format(post=p.name), Volunteer(p.id))] for p in free[:MAX_BUTTONS]]
    ctx.reply("\n".join(lines), keyboard or None)


def _post_fields(ctx: Context, fields: list[str]) -> tuple[str, str | None, str | None] | None:
    usage = ctx.t(N_("Write: /post name | responsibility area | description, for example "
                     "/post 政策宣传员 | 幸福村1-3组 | 入户宣传惠民政策，每月至少一次."))
    if not fields or len(fields) > 3 or blank(fields[0]):
        ctx.reply(usage)
        return None
    name, area, description = (fields + ["", ""])[:3]
    for value, limit in ((name, MAX_POST_NAME), (area, MAX_AREA), (description, MAX_DESCRIPTION)):
        if len(value) > limit:
            ctx.reply(ctx.t(N_("“{value}” has {length} characters; at most {limit} are allowed. Shorten it.")).format(
                value=value[:20] + "…", length=len(value), limit=limit) + "\n" + usage)
            return None
    return name, (None if blank(area) else area), (None if blank(description) else description)


@router.command("post", chats=PRIVATE, can=Can.MANAGE_NETWORK,
                help=N_("define a post: /post 政策宣传员 | 幸福村1-3组 | 入户宣传惠民政策"))
async def add(ctx: Context) -> None:
    officer, branch = ctx.actor, ctx.branch
    fields = _post_fields(ctx, split_fields(ctx.request.args) if ctx.request.args.strip() else [])
    if fields is None:
        return
    post = await post_store.add(ctx.session, branch.id, *fields, ctx.now)
    if post is None:
        ctx.reply(ctx.t(N_("There is a post called “{name}” already. /posts lists them.")).format(name=fields[0]))
        return
    await access.log(ctx, officer, "post.add", target=post.name)
    ctx.reply(ctx.t(N_("Post added: {line}")).format(line=post_line(ctx.t, post, [])))


async def _post(ctx: Context, text: str) -> ServicePost | None:
    number = int_arg(text)
    post = await post_store.get(ctx.session, number) if number is not None else None
    if post is None or post.branch_id != ctx.branch.id or post.retired_at is not None:
        post = await post_store.by_name(ctx.session, ctx.branch.id, text) if text else None
    if post is None:
        ctx.reply(ctx.t(N_("There is no post “{post}”. /posts lists them with their numbers.")).format(post=text[:50]))
    return post


@router.command("retire_post", chats=PRIVATE, can=Can.MANAGE_NETWORK,
                help=N_("retire a post (its holders' records are kept): /retire_post 3"))
async def retire(ctx: Context) -> None:
    officer = ctx.actor
    post = await _post(ctx, ctx.request.args.strip())
    if post is None:
        return
    ended = await post_store.retire(ctx.session, post, ctx.now)
    await access.log(ctx, officer, "post.retire", target=post.name, holders=ended)
    ctx.reply(ctx.t(N_("Post “{name}” retired; {count} holders no longer hold it. Their tasks are kept.")).format(
        name=post.name, count=ended))


@router.callback(Volunteer, member=True)
async def volunteer(ctx: Context, pressed: Volunteer) -> None:
    me, branch = ctx.actor, ctx.branch
    t = ctx.t
    post = await post_store.get(ctx.session, pressed.post)
    if post is None or post.branch_id != branch.id or post.retired_at is not None:
        ctx.toast(t(N_("This button is no longer valid.")), alert=True)
        return
    holder = await post_store.take(ctx.session, post, me.id, by=None, now=ctx.now)
    if holder is None:
        ctx.toast(t(N_("You hold “{post}” already.")).format(post=post.name), alert=True)
        return
    await access.log(ctx, me, "post.volunteer", target=post.name)
    ctx.toast(t(N_("You now hold “{post}”.")).format(post=post.name))
    ctx.reply(t(N_("You now hold the post “{post}”. /tasks shows your task list; /task adds to it.")).format(post=post.name))
    await access.notify(ctx, branch, Can.MANAGE_NETWORK, lambda gt: gt(N_(
        "{name} volunteered for the post “{post}” and holds it now. /tasks {name} shows their task list; "
        "/drop_post {name} | {post} ends it.")).format(name=me.name, post=post.name))


async def _member_and_post(ctx: Context, usage: str) -> tuple[Member, ServicePost] | None:
    """The member and the post that ``/command member | post`` names, or None once the sender is told why not."""
    fields = split_fields(ctx.request.args)
    if len(fields) != 2 or blank(fields[0]) or blank(fields[1]):
        ctx.reply(usage)
        return None
    member = await named(ctx, ctx.branch, fields[0])
    if member is None:
        return None
    post = await _post(ctx, fields[1])
    return None if post is None else (member, post)


@router.command("give_post", chats=PRIVATE, can=Can.MANAGE_NETWORK,
                help=N_("give a member a post: /give_post 张三 | 政策宣传员"))
async def give(ctx: Context) -> None:
    officer, branch = ctx.actor, ctx.branch
    found = await _member_and_post(ctx, ctx.t(N_("Write: /give_post member | post, for example /give_post 张三 | 政策宣传员.")))
    if found is None:
        return
    member, post = found
    if await post_store.take(ctx.session, post, member.id, by=officer.id, now=ctx.now) is None:
        ctx.reply(ctx.t(N_("{name} holds “{post}” already.")).format(name=member.name, post=post.name))
        return
    await access.log(ctx, officer, "post.give", target=post.name, member=member.name)
    ctx.reply(ctx.t(N_("{name} now holds “{post}”. /task {name} | {post} | … adds to their task list.")).format(
        name=member.name, post=post.name))
    if member.telegram_user_id is not None and member.telegram_user_id != ctx.user_id:
        gt = await ctx.t_user(member.telegram_user_id, branch)
        ctx.send(member.telegram_user_id, gt(N_("The branch has given you the post “{post}”. /tasks shows your task list.")).format(
            post=post.name))


@router.command("drop_post", chats=PRIVATE, can=Can.MANAGE_NETWORK,
                help=N_("end a member's post (the record is kept): /drop_post 张三 | 政策宣传员"))
async def drop(ctx: Context) -> None:
    officer = ctx.actor
    found = await _member_and_post(ctx, ctx.t(N_("Write: /drop_post member | post, for example /drop_post 张三 | 政策宣传员.")))
    if found is None:
        return
    member, post = found
    holder = await post_store.holding(ctx.session, post.id, member.id)
    if holder is None:
        ctx.reply(ctx.t(N_("{name} does not hold “{post}”.")).format(name=member.name, post=post.name))
        return
    post_store.end(holder, ctx.now)
    await access.log(ctx, officer, "post.drop", target=post.name, member=member.name)
    ctx.reply(ctx.t(N_("{name} no longer holds “{post}”; the record and its tasks are kept.")).format(
        name=member.name, post=post.name))


# --- tasks ---------------------------------------------------------------------------------------


async def _whose(ctx: Context, name: str) -> Member | None:
    """The member whose tasks are meant: the asker, or for an officer anyone named; others are refused."""
    me = ctx.actor
    if not name:
        return me
    if not access.may(me, Can.MANAGE_NETWORK):
        await access.log(ctx, me, "refused", target=name[:50], reason="tasks_of_another", attempt=access.attempted(ctx))
        ctx.reply(ctx.t(N_("You can see and change only your own task list.")))
        return None
    return await named(ctx, ctx.branch, name)


@router.command("tasks", chats=PRIVATE, member=True, menu=N_("your posts and task list"),
                help=N_("your posts and task list (任务清单), with a button for each task done; officers: /tasks 张三"))
async def show_tasks(ctx: Context) -> None:
    me, branch = ctx.actor, ctx.branch
    t = ctx.t
    member = await _whose(ctx, ctx.request.args.strip())
    if member is None:
        return
    held = await post_store.held_by(ctx.session, member.id)
    own = member.id == me.id
    if not held:
        ctx.reply(t(N_("You hold no post yet. /posts lists them, with a button to volunteer.")) if own else
                  t(N_("{name} holds no post. /give_post {name} | post gives one.")).format(name=member.name))
        return
    found = await post_store.tasks(ctx.session, [h.id for h, _ in held])
    lines = [t(N_("Posts and tasks of {name}:")).format(name=member.name)]
    keyboard = []
    for holder, post in held:
        lines.append("")
        lines.append(t(N_("【{post}】 since {since}")).format(post=post.name, since=local_time(holder.since, branch.timezone)[:10]))
        items = found.get(holder.id, [])
        if not items:
            lines.append(t(N_("No tasks yet.")))
        for task in items:
            if task.done_at is None:
                lines.append(f"☐ #{task.id} {task.text}")
                if len(keyboard) < MAX_BUTTONS:
                    keyboard.append([button(t(N_("Done: {task}")).format(task=task.text[:30]), TaskDone(task.id))])
            else:
                done = t(N_("done {date}")).format(date=local_time(task.done_at, branch.timezone)[:10])
                if task.report_id:
                    done += " · " + t(N_("report #{number}")).format(number=task.report_id)
                lines.append(f"☑ #{task.id} {task.text} ({done})")
    lines.append("")
    lines.append(t(N_("/task adds a task; /done number [report number] marks one done.")))
    if not own:
        await access.log(ctx, me, "tasks.view", target=member.name)
    ctx.reply("\n".join(lines), keyboard or None)


TASK_USAGE = N_("Write: /task what to do (with one post), /task post | what to do, or for an officer "
                "/task member | post | what to do; for example /task 政策宣传员 | 入户宣传医保政策.")


@router.command("task", chats=PRIVATE, member=True,
                help=N_("add to a task list: /task 政策宣传员 | 入户宣传医保政策 (officers: /task 张三 | 政策宣传员 | …)"))
async def add_task(ctx: Context) -> None:
    me = ctx.actor
    t = ctx.t
    fields = split_fields(ctx.request.args)
    if not ctx.request.args.strip() or len(fields) > 3 or blank(fields[-1]):
        ctx.reply(t(TASK_USAGE))
        return
    text = fields[-1]
    if len(text) > MAX_TASK:
        ctx.reply(t(N_("The task has {length} characters; at most {limit} are allowed. Shorten it.")).format(
            length=len(text), limit=MAX_TASK))
        return
    member = await _whose(ctx, fields[0] if len(fields) == 3 else "")
    if member is None:
        return
    held = await post_store.held_by(ctx.session, member.id)
    holder: PostHolder | None = None
    post: ServicePost | None = None
    if len(fields) == 1:
        if len(held) != 1:
            ctx.reply(t(N_("You hold no post yet. /posts lists them, with a button to volunteer.")) if not held else
                      t(N_("You hold several posts: name the post, as in /task post | what to do.")))
            return
        holder, post = held[0]
    else:
        wanted = fields[-2]
        match = [(h, p) for h, p in held if p.name == wanted or str(p.id) == wanted]
        if not match:
            ctx.reply(t(N_("{name} does not hold “{post}”. /tasks shows the posts held.")).format(
                name=member.name, post=wanted[:50]))
            return
        holder, post = match[0]
    task = await post_store.add_task(ctx.session, holder, text, None, ctx.now)
    await access.log(ctx, me, "task.add", target=str(task.id), member=member.name, post=post.name)
    ctx.reply(t(N_("Task #{number} added to “{post}” of {name}: {task}")).format(
        number=task.id, post=post.name, name=member.name, task=text))


async def _mark(ctx: Context, task_id: int | None, report_id: int | None, *, by_button: bool) -> None:
    me, branch = ctx.actor, ctx.branch
    t = ctx.t
    found = await post_store.task_with_holder(ctx.session, task_id) if task_id is not None else None
    allowed = found is not None and found[2].branch_id == branch.id and (
        found[1].member_id == me.id or access.may(me, Can.MANAGE_NETWORK))
    if not allowed:
        if found is not None:
            await access.log(ctx, me, "refused", target=str(task_id), reason="task_of_another",
                             attempt=access.attempted(ctx))
        message = t(N_("There is no task #{number} on your list. /tasks shows it.")).format(number=task_id or "?")
        ctx.toast(message, alert=True) if by_button else ctx.reply(message)
        return
    task, holder, post = found
    if report_id is not None and await post_store.report_for_task(ctx.session, holder.member_id, report_id) is None:
        ctx.reply(t(N_("Report #{number} is not one of the holder's standing reports. /hours lists them.")).format(number=report_id))
        return
    if not post_store.mark_done(task, ctx.now, report_id):
        message = t(N_("Task #{number} is done already.")).format(number=task.id)
        ctx.toast(message) if by_button else ctx.reply(message)
        return
    await access.log(ctx, me, "task.done", target=str(task.id), post=post.name, report=report_id)
    message = t(N_("Task #{number} done: {task}")).format(number=task.id, task=task.text)
    if by_button:
        ctx.toast(message)
    ctx.reply(message)


@router.callback(TaskDone, member=True)
async def done_pressed(ctx: Context, pressed: TaskDone) -> None:
    await _mark(ctx, pressed.task, None, by_button=True)


@router.command("done", chats=PRIVATE, member=True,
                help=N_("mark a task done, optionally with the report that did it: /done 7 or /done 7 15"))
async def done(ctx: Context) -> None:
    parts = ctx.request.args.split()
    if not parts or len(parts) > 2 or int_arg(parts[0]) is None or (len(parts) == 2 and int_arg(parts[1]) is None):
        ctx.reply(ctx.t(N_("Write: /done task number [report number], for example /done 7 or /done 7 15. "
                           "/tasks shows the numbers.")))
        return
    await _mark(ctx, int_arg(parts[0]), int_arg(parts[1]) if len(parts) == 2 else None, by_button=False)
