"""``python -m bench``: branchbot against a bare aiogram bot, 2,000 check-in presses at once.

    python -m bench                        SQLite (a fresh file), baseline before and after
    python -m bench --postgres DSN         also PostgreSQL (its public schema is dropped first!)
    python -m bench --members 500          a smaller branch
    python -m bench --profile DIR          py-spy samples each bot during the burst (pip install py-spy)
    python -m bench --pin                  each bot on the last CPU, the fake on the others (Linux)

See bench/README.md for what is measured and how to read it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

from bench.baseline import run_baseline
from bench.checkin import run_branchbot
from bench.common import Outcome, summarize_log

EXAMPLE_DSN = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=2000, metavar="N",
                        help="members pressing the button (default 2000)")
    parser.add_argument("--postgres", metavar="DSN",
                        help=f"also run branchbot on this PostgreSQL database, e.g. {EXAMPLE_DSN}; "
                             "its schema public is DROPPED and recreated")
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="seconds to wait for all answers of one burst (default 120)")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="record each bot with py-spy during the burst; raw stacks and a summary go to DIR")
    parser.add_argument("--pin", action="store_true",
                        help="keep all threads of each bot on the last CPU and the fake on the others")
    args = parser.parse_args(argv)
    if args.members < 1:
        parser.error("--members must be at least 1")
    if args.pin and (not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2):
        parser.error("--pin needs Linux and at least 2 CPUs")
    return args


def _pct(cpu: float | None, seconds: float) -> str:
    return f"{100 * cpu / seconds:4.0f}%" if cpu is not None and seconds > 0 else "   ?"


def _share(value: float | None) -> str:
    return f"{100 * value:4.0f}%" if value is not None else "   ?"


def _max(b) -> float:
    return b.latencies[-1] if b.latencies else float("nan")


def _ms_per_update(o: Outcome) -> str:
    b = o.burst
    return f"{1000 * b.bot_cpu / b.answered:.2f} ms" if b.bot_cpu is not None and b.answered else "?"


def _per_press(o: Outcome) -> str:
    per_press = o.burst.statements_per_press
    return f"{per_press:.2f}" if per_press is not None else "-"


def _row(o: Outcome) -> str:
    b = o.burst
    return (f"{o.name:<22} {b.answered:>5}/{b.presses:<5} {b.seconds:7.2f} {b.per_second:9.0f} {_per_press(o):>9} "
            f"{b.quantile(0.5):6.2f} {b.quantile(0.95):6.2f} {_max(b):6.2f} {_pct(b.bot_cpu, b.seconds):>7} "
            f"{_pct(b.fake_cpu, b.seconds):>8} {_share(b.machine_busy):>8} {_share(b.machine_steal):>5} "
            f"{o.edits:>5} {o.rate_limited:>5}  "
            f"{'ok' if o.ok else 'FAILED'}")


def _report(runs: list[Outcome], args: argparse.Namespace, started: float, profile_notes: list[str]) -> bool:
    baselines = [o for o in runs if o.name.startswith("baseline")]
    contenders = [o for o in runs if not o.name.startswith("baseline")]
    print()
    print(f"{args.members} members each press the check-in button once, all presses queued at once; "
          f"{datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} CPUs, load average {args.load:.2f} at the start"
          + (", each bot pinned to one CPU" if args.pin else ""))
    print(f"{'run':<22} {'answered':>11} {'seconds':>7} {'updates/s':>9} {'SQL/press':>9} {'p50 s':>6} "
          f"{'p95 s':>6} {'max s':>6} "
          f"{'bot CPU':>7} {'fake CPU':>8} {'machine':>8} {'steal':>5} {'edits':>5} {'429s':>5}")
    for o in runs:
        print(_row(o))
    base = [o.burst.per_second for o in baselines if o.ok]
    mean = statistics.fmean(base) if base else 0.0
    print()
    if base:
        spread = f", runs {min(base):.0f}–{max(base):.0f}" if len(base) > 1 else ""
        cpu = ", ".join(_ms_per_update(o) for o in baselines)
        print(f"baseline (bare aiogram bot, mean of {len(base)}{spread}): {mean:.0f} updates/s; "
              f"bot CPU per update {cpu}")
    for o in contenders:
        ratio = o.burst.per_second / mean if mean else float("nan")
        print(f"{o.name}: {o.burst.per_second:.0f} updates/s = {ratio:.2f} × baseline; "
              f"{_per_press(o)} SQL statements per press; bot CPU per update {_ms_per_update(o)}")
        shown = f"; it showed {o.burst.presses}/{o.burst.presses + 1} {o.final_count_after:.1f} s after queueing" \
            if o.final_count_after is not None else ""
        timeline = " ".join(f"{t:.1f}s:{what}" for t, what in o.edit_times)
        print(f"  live count: {o.edits} editMessageText calls ({timeline}){shown}")
    answered_429 = sum(o.rate_limited for o in runs)
    violations = sum(o.violations for o in runs)
    print(f"429 answers: {answered_429}; flood-limit violations seen by the fake: {violations}"
          + (" (none)" if answered_429 == violations == 0 else ""))
    print("This machine is shared and noisy: expect runs of the same bot to differ by 10-20%; "
          "compare the ratio, not the absolute figures, across machines.")
    for note in profile_notes:
        print(note)
    ok = True
    for o in runs:
        if not o.ok:
            ok = False
            b = o.burst
            why = list(o.problems)
            if b.timed_out:
                why.append(f"only {b.answered} of {b.presses} presses answered within {args.timeout:.0f} s")
            if b.wrong_answers:
                why.append(f"{len(b.wrong_answers)} answers did not say the expected, e.g. {b.wrong_answers[0]!r}")
            if b.failed_calls:
                why.append(f"{b.failed_calls} answerCallbackQuery calls refused")
            print(f"{o.name} FAILED: " + "; ".join(why))
        if o.log_lines:
            print(f"{o.name}: {len(o.log_lines)} warning/error lines in the bot's log, most frequent:")
            for line in summarize_log(o.log_lines):
                print(f"    {line}")
    print(f"total {time.monotonic() - started:.0f} s")
    return ok


async def _main(args: argparse.Namespace) -> bool:
    started = time.monotonic()
    args.load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    n, timeout = args.members, args.timeout
    profile_notes: list[str] = []
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    pin = None
    if args.pin:
        cpus = sorted(os.sched_getaffinity(0))
        pin = cpus[-1]
        os.sched_setaffinity(0, set(cpus[:-1]))

    def prof(name: str) -> Path | None:
        return args.profile / f"{name}.txt" if args.profile else None

    # Baselines around each branchbot run, so that drift in the machine's speed hits both alike.
    plan = [("baseline #1", None), ("branchbot SQLite", "sqlite"), ("baseline #2", None)]
    if args.postgres:
        plan += [("branchbot PostgreSQL", "postgres"), ("baseline #3", None)]
    runs: list[Outcome] = []
    for label, backend in plan:
        print(f"running {label} ...", flush=True)
        slug = label.replace(" ", "-").replace("#", "").lower()
        if backend is None:
            outcome = await run_baseline(n, timeout=timeout, label=label, profile=prof(slug), pin=pin)
        else:
            url = args.postgres if backend == "postgres" else None
            outcome = await run_branchbot(n, url, timeout=timeout, label=label, profile=prof(slug), pin=pin)
        print("  " + _row(outcome), flush=True)
        runs.append(outcome)
        if args.profile:
            from bench.profile import summarize

            summary = summarize(args.profile / f"{slug}.txt")
            (args.profile / f"{slug}.summary.txt").write_text(summary + "\n")
            profile_notes.append(f"\nprofile of {label} during the burst (py-spy, {args.profile}/{slug}.txt):\n"
                                 + summary)
    return _report(runs, args, started, profile_notes)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    return 0 if asyncio.run(_main(args)) else 1


if __name__ == "__main__":
    sys.exit(main())
