"""What both contestants share: the bot process, the burst of presses and its measurement; and what the
in-process benches share: their options, and timing a plain query and what is measured against it in turns."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import signal
import statistics
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from bench import statements as statement_counter
from tests.fake_telegram import Call, FakeTelegram, FakeUser

ROOT = Path(__file__).resolve().parent.parent
GROUP = -1001234567890
SECRETARY_ID = 1
FIRST_MEMBER_ID = 100_000  # Telegram user ids of the members: 100000, 100001, ...


def members(fake: FakeTelegram, count: int) -> list[FakeUser]:
    """The people who will press the button, registered with the fake (English-speaking)."""
    return [fake.user(FIRST_MEMBER_ID + i, f"Member{i}", last_name="Bench", language_code="en")
            for i in range(count)]


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux only)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_times() -> tuple[float, float, float] | None:
    """(busy, steal, total) CPU seconds of the whole machine so far, summed over its cores (Linux only)."""
    try:
        first = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    ticks = [int(v) for v in first[1:9]]  # user nice system idle iowait irq softirq steal
    total = sum(ticks)
    idle = ticks[3] + ticks[4]
    hz = os.sysconf("SC_CLK_TCK")
    return (total - idle - ticks[7]) / hz, ticks[7] / hz, total / hz


class BotProcess:
    """A bot as a separate process against the fake, started and stopped like ``tests.live.LiveBot``.

    With ``count_statements`` the bot runs under ``bench.statements``, which counts its SQL statements.
    """

    def __init__(self, fake: FakeTelegram, argv: list[str], workdir: Path, *, pin: int | None = None,
                 count_statements: bool = False, **env: str) -> None:
        self.fake = fake
        self.workdir = workdir
        self.pin = pin  # a CPU to keep all the bot's threads on, or None to let the system choose
        self.env = env
        self.counter: Path | None = None
        if count_statements:
            assert argv[:2] == ["-m", "bot"], argv
            self.counter = workdir / "statements.bin"
            argv = ["-m", "bench.statements", *argv[2:]]
            self.env[statement_counter.ENV] = str(self.counter)
        self.argv = argv
        self.process: asyncio.subprocess.Process | None = None
        self.log = workdir / "bot.log"

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_", "TELEGRAM_"))}
        env.update(BOT_TOKEN=self.fake.token, TELEGRAM_API_URL=self.fake.url, LOG_LEVEL="INFO",
                   PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
        env.update(self.env)
        return env

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def start(self) -> None:
        if self.counter is not None:
            statement_counter.prepare(self.counter)
        mark = self.fake.mark()
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, *self.argv, cwd=self.workdir, env=self.environment(),
                stdout=log, stderr=asyncio.subprocess.STDOUT)
        # deleteWebhook comes right before the first long poll.
        await self.fake.wait_for(lambda c: c.method == "deleteWebhook", timeout=60, after=mark)
        if self.pin is not None:  # threads started later inherit it
            for tid in os.listdir(f"/proc/{self.pid}/task"):
                os.sched_setaffinity(int(tid), {self.pin})

    async def stop(self) -> int:
        if self.process is None or self.process.returncode is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), 20)
        except TimeoutError:
            self.process.kill()
            return await self.process.wait()

    def cpu_seconds(self) -> float | None:
        return _cpu_seconds(self.pid) if self.process is not None else None

    def statements(self) -> int | None:
        """SQL statements the bot has run so far, when they are counted."""
        return statement_counter.read(self.counter) if self.counter is not None else None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class Profiler:
    """py-spy attached to the bot process for the length of the burst, when asked for and installed."""

    def __init__(self, pid: int, output: Path) -> None:
        self.pid = pid
        self.output = output
        self.process: asyncio.subprocess.Process | None = None

    @staticmethod
    def executable() -> str | None:
        here = Path(sys.executable).parent / "py-spy"
        return str(here) if here.exists() else shutil.which("py-spy")

    async def __aenter__(self) -> Self:
        exe = self.executable()
        if exe is None:
            raise SystemExit("--profile needs py-spy: .venv/bin/python -m pip install py-spy")
        self.process = await asyncio.create_subprocess_exec(
            exe, "record", "-p", str(self.pid), "--nonblocking", "--nolineno", "-r", "200", "-f", "raw",
            "-o", str(self.output), stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        assert self.process.stderr is not None
        try:  # sampling starts once it says so
            while b"Sampling" not in await asyncio.wait_for(self.process.stderr.readline(), 15):
                pass
        except (TimeoutError, ValueError):
            pass
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(self.process.communicate(), 30)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


@dataclass
class Burst:
    """What happened when ``presses`` button presses were queued at once."""

    presses: int
    answered: int = 0
    seconds: float = 0.0  # from the moment all were queued until the last answer arrived
    queue_seconds: float = 0.0  # how long queueing them took in the fake (not part of ``seconds``)
    latencies: list[float] = field(default_factory=list)
    wrong_answers: list[str] = field(default_factory=list)  # answers that did not say what they should
    failed_calls: int = 0  # answerCallbackQuery calls the fake refused (see ``count_failures``)
    bot_cpu: float | None = None  # CPU seconds the bot process used during ``seconds``
    fake_cpu: float | None = None  # CPU seconds this process (the fake) used meanwhile
    machine_busy: float | None = None  # share of all cores' time spent working meanwhile (0..1)
    machine_steal: float | None = None  # share stolen by the hypervisor meanwhile (0..1)
    statements: int | None = None  # SQL statements the bot ran meanwhile, when counted
    timed_out: bool = False
    mark: int = 0
    queued_at: float = 0.0  # time.monotonic() when all presses were queued
    ids: set[str] = field(default_factory=set)

    def count_failures(self, fake: FakeTelegram) -> int:
        """Answers to these presses that the fake refused (a second answer, a too old query ...)."""
        self.failed_calls = sum(
            1 for c in fake.calls[self.mark:]
            if c.method == "answerCallbackQuery" and not c.ok and c.params.get("callback_query_id") in self.ids)
        return self.failed_calls

    @property
    def statements_per_press(self) -> float | None:
        return self.statements / self.presses if self.statements is not None and self.presses else None

    @property
    def per_second(self) -> float:
        return self.answered / self.seconds if self.seconds > 0 else 0.0

    def quantile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        if len(self.latencies) == 1:
            return self.latencies[0]
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[round(q * 100) - 1]

    @property
    def ok(self) -> bool:
        return not self.timed_out and self.answered == self.presses and not self.wrong_answers \
            and not self.failed_calls


async def burst(
    fake: FakeTelegram,
    bot: BotProcess,
    users: list[FakeUser],
    message: dict,
    data: str,
    expect: str,
    *,
    timeout: float,
    profile: Path | None = None,
) -> Burst:
    """Every user presses the button once, all queued at once; wait for every answer.

    Each answer must be a successful answerCallbackQuery whose text contains ``expect``.
    """
    result = Burst(presses=len(users))
    mark = result.mark = fake.mark()
    answers: dict[str, Call] = {}
    async with Profiler(bot.pid, profile) if profile is not None else contextlib.nullcontext():
        started = time.monotonic()
        ids = {fake.press(user, message, data, check=False)["callback_query"]["id"] for user in users}
        queued = time.monotonic()
        result.ids, result.queued_at = ids, queued
        result.queue_seconds = queued - started
        bot_cpu, fake_cpu, machine = bot.cpu_seconds(), time.process_time(), machine_times()
        statements = bot.statements()

        def answered(call: Call) -> bool:
            if call.method == "answerCallbackQuery" and call.ok:
                qid = call.params.get("callback_query_id")
                if qid in ids:
                    answers.setdefault(qid, call)
            return len(answers) == len(ids)

        try:
            await fake.wait_for(answered, timeout=timeout, after=mark)
        except AssertionError:
            result.timed_out = True
        bot_cpu_after, fake_cpu_after, machine_after = bot.cpu_seconds(), time.process_time(), machine_times()
        statements_after = bot.statements()
    result.answered = len(answers)
    if answers:
        result.seconds = max(c.at for c in answers.values()) - queued
        result.latencies = sorted(c.at - queued for c in answers.values())
    if bot_cpu is not None and bot_cpu_after is not None:
        result.bot_cpu = bot_cpu_after - bot_cpu
    result.fake_cpu = fake_cpu_after - fake_cpu
    if statements is not None and statements_after is not None:
        result.statements = statements_after - statements
    if machine is not None and machine_after is not None and machine_after[2] > machine[2]:
        span = machine_after[2] - machine[2]
        result.machine_busy = (machine_after[0] - machine[0]) / span
        result.machine_steal = (machine_after[1] - machine[1]) / span
    result.wrong_answers = [str(c.params.get("text")) for c in answers.values()
                            if expect not in str(c.params.get("text") or "")]
    return result


def rate_trouble(fake: FakeTelegram) -> tuple[int, int]:
    """(calls answered 429, flood-limit violations the fake saw) so far."""
    return sum(1 for c in fake.calls if c.status == 429), len(fake.limit_violations)


def log_problems(output: str) -> list[str]:
    """Lines of a bot log that speak of trouble."""
    words = (" ERROR ", " WARNING ", " CRITICAL ")
    expected = ("Received SIGTERM signal",)  # how the bench stops a bot
    return [line for line in output.splitlines()
            if (any(w in line for w in words) and not any(e in line for e in expected))
            or _EXCEPTION.match(line)]


def summarize_log(lines: list[str], top: int = 3) -> list[str]:
    """The most frequent kinds of trouble, timestamps and update ids left out."""
    kinds = Counter(re.sub(r"\d+", "N", line.split(" ", 2)[-1] if _STAMP.match(line) else line)[:160]
                    for line in lines)
    return [f"{n} × {kind}" for kind, n in kinds.most_common(top)]


_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Timeout)\w*: ")
_STAMP = re.compile(r"^\d{4}-\d\d-\d\d ")


@dataclass
class Outcome:
    """One run of one contestant."""

    name: str
    burst: Burst
    edits: int = 0  # editMessageText calls during the run (the live count)
    edit_times: list[tuple[float, str]] = field(default_factory=list)  # (seconds after queueing, count or status)
    final_count_after: float | None = None  # seconds from queueing until the announcement showed them all
    rate_limited: int = 0  # calls answered 429
    violations: int = 0  # flood-limit violations the fake saw
    problems: list[str] = field(default_factory=list)  # failed checks, in words
    log_lines: list[str] = field(default_factory=list)  # warnings and errors from the bot's log

    @property
    def ok(self) -> bool:
        return self.burst.ok and not self.problems


# --- in-process benches: a plain query and what is measured against it, in turns ------------------


async def branch_with_roster(session, rows: list, at) -> tuple[Any, Any, list]:
    """第一党支部 set up by its secretary 李书记 with ``rows`` (MemberData) imported, all at ``at``:
    (branch, secretary, everyone on the roster by id)."""
    from sqlalchemy import select

    from storage import branches as branch_store
    from storage.models import Member
    from storage.roster import members as member_store

    branch, founder = await branch_store.create_branch(
        session, chat_id=-100, name="第一党支部", timezone="Asia/Shanghai", locale="zh_CN",
        founder_user_id=1, founder_name="李书记", now=at)
    await member_store.import_roster(session, branch.id, rows, at)
    people = list(await session.scalars(select(Member).where(Member.branch_id == branch.id).order_by(Member.id)))
    return branch, founder, people


def size_options(prog: str, doc: str, argv: list[str] | None) -> argparse.Namespace:
    """--members, --runs and --postgres, as the in-process benches take them."""
    parser = argparse.ArgumentParser(prog=prog, description=doc.split("\n")[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres", metavar="DSN", help="run on this PostgreSQL database; its schema public is DROPPED")
    return parser.parse_args(argv)


class Laps:
    """Wall and CPU seconds of the parts of one run, each part from the end of the one before.

    CPU is this process's, the database driver's thread included.
    """

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self._clock, self._tick = time.perf_counter(), time.process_time()

    def lap(self, part: str) -> None:
        clock, tick = time.perf_counter(), time.process_time()
        self.wall[part], self.cpu[part] = clock - self._clock, tick - self._tick
        self._clock, self._tick = clock, tick

    def close(self) -> None:
        """The ``total`` of the parts; a run that marked none is one part, its total."""
        if not self.wall:
            self.lap("total")
        else:
            self.wall["total"], self.cpu["total"] = sum(self.wall.values()), sum(self.cpu.values())


@dataclass
class Samples:
    """The timed runs of one contender, and what its last run returned."""

    runs: list[Laps] = field(default_factory=list)
    last: Any = None

    def medians(self, cpu: bool = False) -> dict[str, float]:
        """The median seconds of each part, wall or CPU."""
        runs = [laps.cpu if cpu else laps.wall for laps in self.runs]
        return {part: statistics.median(r[part] for r in runs) for part in runs[0]}


async def in_turns(runs: int, contenders: dict[str, Callable[[Laps], Awaitable[Any]]]) -> dict[str, Samples]:
    """Each contender once to warm up, then ``runs`` times in turns, so that a drift of the machine hits
    all alike. A contender marks the end of each of its parts with ``laps.lap(part)``; one that marks
    none is timed whole."""
    for run in contenders.values():
        await run(Laps())
    samples = {name: Samples() for name in contenders}
    for _ in range(runs):
        for name, run in contenders.items():
            laps = Laps()
            samples[name].last = await run(laps)
            laps.close()
            samples[name].runs.append(laps)
    return samples


PARTS = (("read", 6), ("lay out", 7), ("write", 6), ("total", 6))  # a part's column and its width before "ms"


def parts_header(width: int) -> str:
    """The head of the table of parts, its first column ``width`` wide."""
    return f"{'':<{width}}{'read':>8}{'lay out':>9}{'write':>8}{'total':>8}{'× plain':>9}{'rows':>8}{'KB':>7}"


def plain_row(label: str, width: int, base: float, rows: int) -> str:
    """The plain query's line of the table: ``base`` seconds, the whole of it."""
    return f"{label:<{width}}{base * 1000:>6.0f}ms{'':>9}{'':>8}{base * 1000:>6.0f}ms{1:>9.1f}{rows:>8}"


def parts_row(label: str, width: int, med: dict[str, float], base: float, rows: int, size: int) -> str:
    """A line of the table: seconds per part, the total over the plain query's ``base``, rows and file size."""
    return (f"{label:<{width}}" + "".join(f"{med[p] * 1000:>{w}.0f}ms" for p, w in PARTS)
            + f"{med['total'] / base:>9.1f}{rows:>8}{size // 1024:>7}")
