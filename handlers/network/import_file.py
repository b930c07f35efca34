"""The household file (CSV or .xlsx): one row per household, with the member it belongs to.

It works as the roster's does: the file is read in a worker process before the update's
transaction; a problem with the whole file imports nothing; a row with any problem is left out and
listed with its row number, and the good rows are imported. Unlike the roster, the officer first
sees a preview and confirms it. Officers only (Can.MANAGE_NETWORK): /import_households, then the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from handlers.kit import access, dialog, offload, sheets
from handlers.kit.access import Can
from handlers.kit.api import Request
from handlers.kit.callbacks import INDEX, Callback, Choice
from handlers.kit.context import Context, Env
from handlers.kit.i18n import N_, LazyText
from handlers.kit.router import PRIVATE, Router, button
from handlers.kit.sheets import Column, cell_text
from handlers.network import forms
from handlers.roster import MAX_FILE_BYTES, reply_with_problems
from storage.network import households as household_store
from storage.network.households import HouseholdData
from storage.roster import members as member_store
from storage.rules.names import name_key, normalize_name
from storage.rules.vocabulary import HouseholdKind

router = Router()

KIND = "network.import"
MAX_ROWS = 5000

_MEMBER, _LABEL, _KIND, _ADDRESS, _PHONE = "member", "label", "kind", "address", "phone"
COLUMNS = (
    Column(_MEMBER, ("党员姓名", "党员", "姓名", "member", "member name"), required=True),
    Column(_LABEL, ("联系户", "联系户名称", "户名", "household", "household label"), required=True),
    Column(_KIND, ("类别", "类型", "户别", "kind")),
    Column(_ADDRESS, ("地址", "住址", "address")),
    Column(_PHONE, ("电话", "联系电话", "手机", "phone")),
)

ROW = N_("Row {row}: {problem}")
MEMBER_EMPTY = N_("the member's name is empty. Fill it in, or delete the row.")
MEMBER_UNKNOWN = N_("there is nobody called “{name}” on the roster. Check the name against /roster.")
ROW_DUPLICATE = N_("“{label}” of {name} already appears in row {first}. Delete one of the two rows.")


@dataclass(frozen=True)
class FileRow:
    row: int
    member: str
    data: HouseholdData


@dataclass(frozen=True)
class FileParse:
    rows: list[FileRow]
    problems: list[tuple[int | None, LazyText]]  # (row, reason); None: the whole file

    @property
    def ok(self) -> bool:
        return all(row is not None for row, _ in self.problems)


def parse_households(data: bytes, filename: str) -> FileParse:
    """Read a household file into checked rows and problems with row numbers; never raises for a bad file."""
    limits = sheets.Limits(max_bytes=MAX_FILE_BYTES, max_rows=MAX_ROWS)
    try:
        sheet = sheets.read_sheet(data, filename, COLUMNS, limits=limits)
    except sheets.Unreadable as unreadable:
        return FileParse([], [(None, unreadable.reason)])
    rows: list[FileRow] = []
    problems: list[tuple[int | None, LazyText]] = []
    first: dict[tuple[str, str], int] = {}
    for line in sheet.rows:
        if line.errors:
            problems.extend((line.row, r) for r in sheets.row_errors(sheet, line))
            continue
        reasons: list[LazyText] = []
        member = normalize_name(cell_text(line.values.get(_MEMBER)))
        if not member:
            reasons.append(LazyText(MEMBER_EMPTY, {}))
        checked = forms.household(*(cell_text(line.values.get(f)) for f in (_LABEL, _KIND, _ADDRESS, _PHONE)))
        reasons.extend(checked.problems)
        if not reasons and checked.data is not None:
            key = (name_key(member), name_key(checked.data.label))
            if key in first:
                reasons.append(LazyText(ROW_DUPLICATE, {"label": checked.data.label, "name": member, "first": first[key]}))
            else:
                first[key] = line.row
                rows.append(FileRow(line.row, member, checked.data))
        problems.extend((line.row, LazyText(ROW, {"row": line.row, "problem": r})) for r in reasons)
    return FileParse(rows, problems)


def render(t, problem: LazyText) -> str:
    """A problem in the reader's language; a row's problem nests its reason."""
    params = {k: (v.render(t) if isinstance(v, LazyText) else v) for k, v in problem.params.items()}
    return t(problem.msgid).format(**params)


class ImportChoice(Callback, prefix="hhi"):
    choice: Annotated[str, Choice("ok", "no")]
    preview: Annotated[int, INDEX]  # which preview of this dialog: a button under an older one is stale


@router.command("import_households", chats=PRIVATE, can=Can.MANAGE_NETWORK,
                help=N_("import households from a CSV or Excel file (templates/households.xlsx), with a preview first"))
async def ask_for_file(ctx: Context) -> None:
    await dialog.begin(ctx, KIND, "file", {})
    ctx.reply(ctx.t(N_("Send me the household file (.xlsx or .csv) with the columns 党员姓名, 联系户, 类别, 地址, 电话: "
                       "one household per row. templates/households.xlsx is a template. You will see a preview "
                       "before anything is saved. (/cancel stops.)")))


async def read_upload(env: Env, request: Request) -> FileParse | None:
    doc = request.document
    assert doc is not None
    if doc.size is not None and doc.size > MAX_FILE_BYTES:
        return None
    data = await env.download(doc)
    try:
        return await offload.run(parse_households, data, doc.file_name or "")
    except offload.Failed:
        return FileParse([], [(None, LazyText(sheets.WORDING[sheets.Problem.TOO_SLOW]))])


@router.document(chats=PRIVATE, can=Can.MANAGE_NETWORK, prepare=read_upload, dialog=KIND)
async def got_file(ctx: Context) -> None:
    officer, branch = ctx.actor, ctx.branch
    t = ctx.t
    doc = ctx.request.document
    assert doc is not None
    if doc.size is not None and doc.size > MAX_FILE_BYTES:
        ctx.reply(t(N_("The file is too large ({size} KB). A household file may be at most {limit} KB.")).format(
            size=doc.size // 1024, limit=MAX_FILE_BYTES // 1024))
        return
    parsed = ctx.prepared if isinstance(ctx.prepared, FileParse) else await read_upload(ctx.env, ctx.request)
    assert parsed is not None
    filename = doc.file_name or ""
    if not parsed.ok:
        reply_with_problems(ctx, [t(N_("Nothing was imported:"))],
                            [(r, render(t, p)) for r, p in parsed.problems], filename,
                            after=(t(N_("Correct the file and send it again, or /cancel.")),))
        return
    roster = {name_key(m.name): m for m in await member_store.roster(ctx.session, branch.id)}
    problems = [(r, render(t, p)) for r, p in parsed.problems]
    taken = []
    for row in parsed.rows:
        member = roster.get(name_key(row.member))
        if member is None:
            problems.append((row.row, t(ROW).format(row=row.row, problem=t(MEMBER_UNKNOWN).format(name=row.member[:50]))))
            continue
        taken.append({"row": row.row, "member": member.id, "label": row.data.label, "kind": row.data.kind.value,
                      "address": row.data.address, "phone": row.data.phone})
    problems.sort(key=lambda p: p[0] or 0)
    bad_rows = len({r for r, _ in problems})
    if not taken:
        reply_with_problems(ctx, [t(N_("Nothing in “{filename}” can be imported:")).format(filename=filename[:60])],
                            problems, filename, after=(t(N_("Correct the file and send it again, or /cancel.")),))
        return
    conv = await dialog.current(ctx, KIND)
    preview = (int(conv.data.get("preview", 0)) + 1) % 1000
    await dialog.advance(ctx, conv, "confirm", rows=taken, filename=filename[:100], preview=preview)
    members = len({r["member"] for r in taken})
    lines = [t(N_("“{filename}”: {count} households for {members} members can be imported.")).format(
        filename=filename[:60], count=len(taken), members=members)]
    if problems:
        lines.append(t(N_("Rows left out ({count}):")).format(count=bad_rows))
    reply_with_problems(ctx, lines, problems, filename)
    await access.log(ctx, officer, "households.preview", target=filename[:100], rows=len(taken), rejected=bad_rows)
    ctx.reply(t(N_("Import the {count} households? A household a member has already is updated.")).format(count=len(taken)),
              [[button(t(N_("Import")), ImportChoice("ok", preview)), button(t(N_("Cancel")), ImportChoice("no", preview))]])


@router.text
async def waiting_for_file(ctx: Context) -> None:
    conv = await dialog.current(ctx, KIND)
    if conv is None:
        return
    if conv.step == "file":
        ctx.reply(ctx.t(N_("Send the household file (.xlsx or .csv) as a document, or /cancel.")))
    else:
        ctx.reply(ctx.t(N_("Tap Import or Cancel above, or /cancel.")))


@router.callback(ImportChoice, can=Can.MANAGE_NETWORK)
async def decided(ctx: Context, pressed: ImportChoice) -> None:
    officer, branch = ctx.actor, ctx.branch
    t = ctx.t
    conv = await dialog.pressed_at(ctx, KIND, "confirm")
    if conv is None:
        return
    data = dict(conv.data)
    if data.get("preview") != pressed.preview:  # the button of an earlier file's preview
        ctx.toast(t(N_("This button is no longer valid.")), alert=True)
        return
    await dialog.end(ctx)
    if pressed.choice == "no":
        ctx.edit(ctx.request.message_id, t(dialog.STOPPED))
        dialog.stopped(ctx)
        return
    rows = []
    gone = []
    for row in data["rows"]:
        member = await member_store.get(ctx.session, row["member"])
        if member is None or member.branch_id != branch.id or not member.active:
            gone.append(row["row"])
            continue
        rows.append((member, HouseholdData(row["label"], HouseholdKind(row["kind"]), row["address"], row["phone"])))
    result = await household_store.import_rows(ctx.session, rows, by=officer.id, now=ctx.now)
    await access.log(ctx, officer, "households.import", target=data.get("filename"),
                     created=len(result.created), updated=len(result.updated), unchanged=len(result.unchanged))
    lines = [t(N_("Households imported: {created} added, {updated} updated, {unchanged} unchanged.")).format(
        created=len(result.created), updated=len(result.updated), unchanged=len(result.unchanged))]
    if gone:
        lines.append(t(N_("Left out, as their member is no longer on the roster: rows {rows}.")).format(
            rows=", ".join(map(str, gone))))
    lines.append(t(N_("/network shows who is still below the target.")))
    ctx.toast()
    ctx.edit(ctx.request.message_id, "\n".join(lines))
